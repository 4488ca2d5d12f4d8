"""`amzorders import`, `reconcile` and `status`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from amzorders.app import exit_codes, views
from amzorders.app.commands.common import (
    AccountOption,
    ConfigOption,
    JsonOption,
    err,
    fail,
    operator_errors,
    operator_for,
    out,
    print_json,
)
from amzorders.app.operations import Operator, exit_code_for, unrepaired_ids
from amzorders.app.web.present import age
from amzorders.sync.reconcile import local_yesterday
from amzorders.sync.summary import RunSummary


def runs_table(results: list[RunSummary], title: str = "Runs") -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("account", "pass", "outcome", "seen", "created", "updated", "cancelled", "failed", "parked"):
        table.add_column(name, justify="right" if name not in ("account", "pass", "outcome") else "left")
    table.add_column("calls", justify="right")
    table.add_column("took", justify="right")
    for r in results:
        style = {"ok": "green", "busy": "yellow"}.get(r.outcome, "red")
        table.add_row(
            r.account,
            r.kind,
            f"[{style}]{r.outcome}[/]",
            str(r.orders_seen),
            str(r.created),
            str(r.updated),
            str(r.cancelled),
            str(r.failed),
            str(r.parked),
            str(r.api_calls),
            f"{r.duration_s:.1f}s",
        )
    return table


def progress(quiet: bool) -> Progress:
    """A bar on stderr (stdout stays clean for tables and --json); invisible when not a terminal."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    )


def run_passes(operator: Operator, kinds: list[str], account: str | None, quiet: bool) -> list[RunSummary]:
    results: list[RunSummary] = []
    work = [(name, kind) for name in operator.accounts(account) for kind in kinds]
    with progress(quiet) as bar:
        task = bar.add_task("import", total=len(work))
        for name, kind in work:
            bar.update(task, description=f"{kind} {name}")
            results += operator.run(kind, name)
            bar.advance(task)
    return results


def import_command(
    recheck: Annotated[
        bool, typer.Option("--recheck", help="Catch-up: FBA orders SHIPPED, created 15 to 2 days ago.")
    ] = False,
    doublecheck: Annotated[
        bool,
        typer.Option("--doublecheck", help="Catch-up: merchant orders UNSHIPPED, created 7 to 1 days ago."),
    ] = False,
    pending: Annotated[
        bool, typer.Option("--pending", help="Re-read PENDING orders not seen to move.")
    ] = False,
    account: AccountOption = None,
    config: ConfigOption = None,
    json: JsonOption = False,
) -> None:
    """Import new and changed orders (incremental), or run the catch-up passes, then push them to the shop."""
    kinds = [k for k, on in (("recheck", recheck), ("doublecheck", doublecheck), ("pending", pending)) if on]
    with operator_for(config) as operator, operator_errors():
        results = run_passes(operator, kinds or ["import"], account, quiet=json)
    if json:
        print_json({"runs": [r.as_json() for r in results]})
    else:
        out.print(runs_table(results, "Import"))
        for r in results:
            if r.error:
                err.print(f"{r.account} {r.kind}: {r.outcome}: {r.error}", markup=False)
    code = exit_code_for(results)
    if code == exit_codes.OK and any(r.failed for r in results):
        code = exit_codes.INCOMPLETE
    raise typer.Exit(code)


def _problem_rows(report: Any) -> list[tuple[str, str, str, str]]:
    rows = []
    for problem in getattr(report, "discrepancies", None) or []:
        rows.append(
            (
                str(getattr(problem, "amazon_order_id", "")),
                str(getattr(problem, "kind", "")),
                "repaired" if getattr(problem, "repaired", False) else "UNREPAIRED",
                str(getattr(problem, "detail", "") or ""),
            )
        )
    return rows


def reconcile_command(
    day: Annotated[
        str | None, typer.Option("--day", help="YYYY-MM-DD (default: yesterday, shop time).")
    ] = None,
    account: AccountOption = None,
    config: ConfigOption = None,
    json: JsonOption = False,
) -> None:
    """Compare Amazon's orders of a day with the ledger and the shop, repair what can be, report the rest."""
    with operator_for(config) as operator:
        tz = operator.runtime.config.schedule.timezone
        try:
            when = date.fromisoformat(day) if day else local_yesterday(operator.clock.now(), tz)
        except ValueError:
            raise fail(f"--day: {day!r} is not a date like 2026-11-01", exit_codes.BAD_INPUT) from None
        reports = {}
        names = operator.accounts(account)
        with progress(json) as bar:
            task = bar.add_task(f"reconcile {when}", total=len(names))
            for name in names:
                bar.update(task, description=f"reconcile {name} {when}")
                reports[name] = operator.reconcile(when, name)
                bar.advance(task)
    left = {name: unrepaired_ids(report) for name, report in reports.items()}
    errors = {name: r.error for name, r in reports.items() if getattr(r, "error", None)}
    for name, error in errors.items():
        err.print(f"{name} {when}: reconciliation could not finish: {error}", markup=False)
    if json:
        print_json(
            {
                "day": when.isoformat(),
                "accounts": {
                    name: {
                        "problems": [
                            dict(zip(("order", "kind", "state", "detail"), p, strict=True))
                            for p in _problem_rows(r)
                        ],
                        "unrepaired": left[name],
                        "error": getattr(r, "error", None),
                        "amazon_orders": getattr(r, "amazon_orders", None),
                        "partial": getattr(r, "partial", None),
                        "timezone": getattr(r, "timezone", None),  # whose midnight the day runs from
                    }
                    for name, r in reports.items()
                },
            }
        )
    else:
        for name, report in reports.items():
            table = Table(title=f"Reconciliation {name} {when}", title_justify="left")
            for col in ("order", "problem", "state", "detail"):
                table.add_column(col)
            rows = _problem_rows(report)
            for order_id, kind, state, detail in rows:
                style = "green" if state == "repaired" else "red"
                table.add_row(order_id, kind, f"[{style}]{state}[/]", detail)
            if rows:
                out.print(table)
            elif not getattr(report, "error", None):
                compared = f"{getattr(report, 'amazon_orders', 0)} Amazon orders"
                out.print(f"[green]{name} {when}: Amazon, the ledger and the shop agree ({compared}).[/]")
            if getattr(report, "partial", None):
                out.print(f"[yellow]{name} {when}: part of the day only: {report.partial}[/]")
    if errors and all("busy" in e for e in errors.values()) and not any(left.values()):
        raise typer.Exit(exit_codes.BUSY)  # another run held the account: nothing was checked twice
    raise typer.Exit(exit_codes.INCOMPLETE if errors or any(left.values()) else exit_codes.OK)


def status_command(config: ConfigOption = None, json: JsonOption = False) -> None:
    """Per account: cursor, last run, pending orders and their age, failed and parked orders, quota left."""
    with operator_for(config) as operator:
        statuses = views.account_status(
            operator.runtime.ledger, operator.runtime.sellers, operator.clock.now()
        )
    if json:
        print_json({"accounts": [s.as_json() for s in statuses]})
        return
    table = Table(title="Accounts", title_justify="left")
    for col in ("account", "cursor", "lag", "last run", "outcome", "imported", "pending", "oldest pending"):
        table.add_column(col)
    for col in ("failed", "parked", "quota left"):
        table.add_column(col)
    switched = any(s.left_to_previous_importer for s in statuses)  # a switch-over (operations.md)
    if switched:
        table.add_column("previous importer's", no_wrap=True)
    for s in statuses:
        run = s.last_run
        table.add_row(
            s.name,
            f"{s.cursor:%Y-%m-%d %H:%M:%S}" if s.cursor else "none yet",
            age(s.cursor_lag_s),
            f"{run.kind} {run.finished_at:%Y-%m-%d %H:%M}" if run and run.finished_at else "never",
            run.outcome if run else "",
            str(s.imported),
            str(s.pending),
            age(s.oldest_pending_age_s),
            f"[red]{s.failed}[/]" if s.failed else "0",
            f"[yellow]{s.parked}[/]" if s.parked else "0",
            ", ".join(f"{op} {left:.1f}" for op, left in sorted(s.quota_left.items())) or "–",
            *([str(s.left_to_previous_importer)] if switched else []),
        )
    out.print(table)
