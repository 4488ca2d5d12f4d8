"""`amzorders serve` (dashboard, cron URLs, metrics, built-in scheduler) and `amzorders demo`."""

from __future__ import annotations

import gc
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from amzorders.amazon.constants import MARKETPLACE_NAMES
from amzorders.app import exit_codes
from amzorders.app.commands.common import ConfigOption, err, load, open_runtime, out
from amzorders.app.commands.runs import runs_table
from amzorders.app.commands.setup import write_default_config
from amzorders.app.logs import configure_from
from amzorders.app.operations import exit_code_for
from amzorders.clock import WallClock


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Listen address (default: server.host).")] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=0, max=65535, help="Port (default: server.port; 0: any).")
    ] = None,
    scheduler: Annotated[
        bool, typer.Option("--scheduler/--no-scheduler", help="Run the built-in schedule (schedule.enabled).")
    ] = True,
    config: ConfigOption = None,
) -> None:
    """Serve the dashboard, the cron trigger URLs, /health and /metrics, and run the schedule."""
    from amzorders.app.service import build_service, serve_in_thread

    settings = load(config)
    configure_from(settings)
    runtime = open_runtime(settings)
    service = build_service(runtime)
    bind_host, bind_port = host or settings.server.host, settings.server.port if port is None else port
    try:
        handle = serve_in_thread(service.app, bind_host, bind_port)
    except RuntimeError as exc:
        runtime.close()
        err.print(f"unavailable: {exc} (is the port in use?)")
        raise typer.Exit(exit_codes.UNAVAILABLE) from None
    if scheduler and settings.schedule.enabled:
        service.start_scheduler()
    out.print(f"amzorders serving on {handle.url}  (dashboard {handle.url}/, health {handle.url}/health)")
    out.print(
        "schedule: " + ("on" if service.scheduler else "off") + f", time zone {settings.schedule.timezone}"
    )
    try:
        _wait_for_interrupt()
    finally:
        service.stop()
        handle.stop()
        runtime.close()


def demo_command(
    once: Annotated[bool, typer.Option("--once", help="Stop after the first import (tests, CI).")] = False,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo lives.")] = Path("var"),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Dashboard port.")] = 8080,
    orders_per_day: Annotated[int, typer.Option("--orders-per-day", min=1, max=2000)] = 40,
) -> None:
    """Run the whole product on a simulated Amazon: import into SQLite + the built-in store, then serve.

    A fresh scenario (a few days of backlog, new orders still coming) is served on loopback; the real
    importer runs once and prints what it imported; then the dashboard and the schedule run until Ctrl-C.
    """
    from amzorders.app.service import build_service, serve_in_thread
    from amzorders.sim.scenario import load_scenario
    from amzorders.sim.server import serve_in_thread as serve_simulator
    from amzorders.sim.world import Marketplace

    path = directory / "demo.toml"
    fresh = not path.exists()
    # A freshly generated scenario every time (so there is a backlog and orders keep coming), hence a
    # fresh demo ledger too; the secrets (dashboard password) are kept.
    write_default_config(path, kind="demo", orders_per_day=orders_per_day, port=port, var="")
    for stale in directory.glob("amzorders.sqlite3*"):
        stale.unlink()
    if fresh:
        out.print(f"wrote {path} and its secrets under {directory / 'secrets'}")
    settings = load(path)
    clock = WallClock()
    scenario = load_scenario(settings.resolve(settings.amazon.simulator_scenario or "scenario.json"))
    simulator = serve_simulator(Marketplace(scenario, clock))
    out.print(
        f"simulated Amazon on {simulator.url}: {len(scenario.orders)} orders from "
        f"{scenario.start:%Y-%m-%d} to {scenario.end:%Y-%m-%d} (a backlog, and new ones keep coming)"
    )
    runtime = open_runtime(settings, clock=clock, endpoint_override=simulator.url)
    handle = None
    try:
        service = build_service(runtime)
        results = []
        for account in runtime.account_names:
            results += service.operator.run("import", account)
        out.print(runs_table(results, "First import"))
        _print_imported(runtime)
        if once:
            raise typer.Exit(exit_code_for(results))
        configure_from(settings)
        handle = serve_in_thread(service.app, settings.server.host, port)
        service.start_scheduler()
        secrets_dir = directory / "secrets"
        out.print(
            f"\n[bold]Dashboard: {handle.url}/[/]  log in as [bold]{settings.server.dashboard_user}[/] "
            f"with the password in {secrets_dir / 'dashboard-password'}  (cat it; secrets are never printed)"
        )
        out.print(f"Cron URL:  {handle.url}/cron/import?token=$(cat {secrets_dir / 'cron-token'})")
        out.print("The scheduler imports every 5 minutes; Ctrl-C stops the demo.")
        _wait_for_interrupt()
        service.stop()
    finally:
        if handle is not None:
            handle.stop()
        runtime.close()
        simulator.stop()
        gc.freeze()  # the scenario's objects need no final collection: exit at once on Ctrl-C


def _print_imported(runtime) -> None:
    from amzorders.shops.builtin import BuiltinStore

    for name, shop in runtime.shops.items():
        if not isinstance(shop, BuiltinStore):
            continue
        orders = shop.list_orders(limit=12)
        table = Table(
            title=f"In the built-in store '{name}': {shop.count_orders()} orders (latest 12)",
            title_justify="left",
        )
        for col in ("reference", "amazon order", "marketplace", "by", "status", "total"):
            table.add_column(col, justify="right" if col == "total" else "left")
        for o in orders:
            market = MARKETPLACE_NAMES.get(o.marketplace_id, o.marketplace_id)
            table.add_row(o.reference, o.amazon_order_id, market, o.fulfilled_by, str(o.status), str(o.total))
        out.print(table)
