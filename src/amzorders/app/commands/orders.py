"""`amzorders orders list|show|retry|park`: the ledger's view of every order, and the two human actions."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from amzorders.amazon.constants import FulfillmentStatus
from amzorders.app import exit_codes, views
from amzorders.app.commands.common import (
    AccountOption,
    ConfigOption,
    JsonOption,
    fail,
    operator_for,
    out,
    print_json,
)
from amzorders.app.web.present import age
from amzorders.clock import format_instant
from amzorders.ledger.states import ShopState

orders_app = typer.Typer(help="List, show, retry or park orders.", no_args_is_help=True)
OrderId = Annotated[
    str, typer.Argument(help="Amazon order id, e.g. 405-1234567-1234567.", show_default=False)
]


@orders_app.command("list")
def list_command(
    account: AccountOption = None,
    state: Annotated[
        list[str],
        typer.Option("--state", "-s", help="Shop state: created, failed, parked, to_create, waiting..."),
    ] = [],  # noqa: B006 (typer reads the default)
    status: Annotated[list[str], typer.Option("--status", help="Amazon status: PENDING, UNSHIPPED...")] = [],  # noqa: B006
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10000)] = 50,
    config: ConfigOption = None,
    json: JsonOption = False,
) -> None:
    """Orders newest first, with their shop state and, for stuck ones, the reason."""
    states = _known("--state", [s.lower() for s in state], [s.value for s in ShopState])
    statuses = _known(
        "--status", [s.upper() for s in status], [*(s.value for s in FulfillmentStatus), "UNREADABLE"]
    )
    with operator_for(config) as operator:
        if account:
            operator.runtime.config.account(account)  # an unknown account is an error, not an empty list
        now = operator.clock.now()
        rows = views.list_orders(
            operator.runtime.ledger, account=account, shop_states=states, statuses=statuses, limit=limit
        )
    if json:
        print_json({"orders": [r.as_json() for r in rows]})
        return
    table = Table(title=f"Orders ({len(rows)})", title_justify="left")
    for col in ("order", "account", "amazon status", "by", "age", "shop", "reference", "tries", "reason"):
        table.add_column(col)
    for r in rows:
        style = {"failed": "red", "parked": "yellow", "created": "green"}.get(r.shop_state, "")
        table.add_row(
            r.amazon_order_id,
            r.account,
            r.status,
            r.fulfilled_by or "",
            age(r.age_s(now)),
            f"[{style}]{r.shop_state}[/]" if style else r.shop_state,
            r.shop_reference or "",
            str(r.attempts),
            r.last_error or r.park_reason or "",
        )
    out.print(table)


@orders_app.command("show")
def show_command(
    order_id: OrderId, account: AccountOption = None, config: ConfigOption = None, json: JsonOption = False
):
    """One order: where it stands, and its history (what was seen, what was done)."""
    with operator_for(config) as operator:
        row = views.find_order(operator.runtime.ledger, order_id, account)
        if row is None:
            raise fail(f"no order {order_id} in the ledger", exit_codes.BAD_INPUT)
        events = views.order_events(operator.runtime.ledger, order_id, row.account)
    if json:
        print_json({"order": row.as_json(), "events": [{**e, "at": format_instant(e["at"])} for e in events]})
        return
    for key, value in row.as_json().items():
        out.print(f"[bold]{key:>18}[/]  {value if value is not None else '–'}")
    table = Table(title="History", title_justify="left")
    for col in ("at", "event", "status", "detail"):
        table.add_column(col)
    for e in events:
        table.add_row(format_instant(e["at"]), e["kind"], e["status"] or "", e["detail"] or "")
    out.print(table)


@orders_app.command("retry")
def retry_command(
    order_id: OrderId, account: AccountOption = None, config: ConfigOption = None, json: JsonOption = False
):
    """Try a failed or parked order again now (after fixing the cause: a product created, the shop back)."""
    with operator_for(config) as operator:
        try:
            row = operator.retry(order_id, account)
        except LookupError as exc:
            raise fail(str(exc), exit_codes.BAD_INPUT) from None
    if json:
        print_json({"order": row.as_json()})
    else:
        detail = row.shop_reference or row.last_error or ""
        out.print(f"{row.amazon_order_id}: {row.shop_state} {detail}".rstrip())
    raise typer.Exit(exit_codes.OK if row.shop_state not in views.STUCK_STATES else exit_codes.INCOMPLETE)


@orders_app.command("park")
def park_command(
    order_id: OrderId,
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why (shown on the dashboard).")
    ] = "parked by hand",
    account: AccountOption = None,
    config: ConfigOption = None,
    json: JsonOption = False,
) -> None:
    """Stop trying an order until someone retries it; it stays listed with the reason."""
    with operator_for(config) as operator:
        try:
            row = operator.park(order_id, reason, account)
        except LookupError as exc:
            raise fail(str(exc), exit_codes.BAD_INPUT) from None
    if json:
        print_json({"order": row.as_json()})
    else:
        out.print(f"{row.amazon_order_id}: {row.shop_state} ({reason})")


def _known(option: str, values: list[str], known: list[str]) -> list[str]:
    """`values` if each is one of `known`: a misspelt filter lists nothing, which reads as "no such
    orders" (no stuck orders, for `--state parkd`)."""
    for value in values:
        if value not in known:
            raise fail(f"{option}: {value!r} is not one of {', '.join(known)}", exit_codes.BAD_INPUT)
    return values
