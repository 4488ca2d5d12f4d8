"""`amzorders simulator ...`: generate, check and serve scenarios of the marketplace simulator.

Commands are thin shells around functions tests call directly. A bad scenario prints one line naming the
field and the order and exits 2; never a traceback.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from amzorders.app.exit_codes import BAD_INPUT
from amzorders.clock import AcceleratedClock, Clock, WallClock, parse_instant

from .generate import Mix, generate
from .scenario import Scenario, ScenarioError, dump_scenario, load_scenario

simulator_app = typer.Typer(
    help="The Amazon marketplace simulator (Orders API v2026-01-01 on the wire).", no_args_is_help=True
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(BAD_INPUT)


def _load(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise _fail(str(exc)) from None


@simulator_app.command("generate")
def generate_command(
    orders_per_day: int = typer.Option(..., "--orders-per-day", min=0, help="Orders created per day."),
    days: int = typer.Option(..., "--days", min=1, help="Days of order creation."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same file (byte for byte)."),
    output: Path = typer.Option(..., "-o", "--output", help="Scenario file to write."),
    start: str = typer.Option("2026-11-01T00:00:00Z", "--start", help="First day (UTC)."),
    amazon_share: float = typer.Option(
        Mix.amazon_share, "--amazon-share", min=0, max=1, help="Share of FBA."
    ),
) -> None:
    """Write a realistic scenario (FBA and merchant orders, pendings, cancellations, six marketplaces)."""
    try:
        first = parse_instant(start)
    except ValueError:
        raise _fail(f"--start {start!r} is not an ISO 8601 instant such as 2026-11-01T00:00:00Z") from None
    scenario = generate(
        orders_per_day=orders_per_day, days=days, seed=seed, start=first, mix=Mix(amazon_share=amazon_share)
    )
    dump_scenario(scenario, output)
    events = sum(len(order.timeline) for order in scenario.orders)
    typer.echo(f"wrote {output}: {len(scenario.orders)} orders, {events} status changes, seed {seed}")


@simulator_app.command("validate")
def validate_command(scenario_file: Path = typer.Argument(..., help="Scenario file to check.")) -> None:
    """Check a scenario file and summarise it (exit 2 with the first problem)."""
    scenario = _load(scenario_file)
    events = sum(len(order.timeline) for order in scenario.orders)
    typer.echo(
        f"{scenario_file}: valid; {len(scenario.sellers)} seller(s), {len(scenario.orders)} orders, "
        f"{events} status changes, {len(scenario.faults)} fault(s), "
        f"{scenario.start:%Y-%m-%d %H:%M} .. {scenario.end:%Y-%m-%d %H:%M} UTC"
    )


@simulator_app.command("serve")
def serve_command(
    scenario_file: Path = typer.Option(..., "--scenario", help="Scenario file to replay."),
    port: int = typer.Option(8700, "--port", min=0, max=65535, help="Loopback port (0: any free port)."),
    speed: float = typer.Option(
        0.0,
        "--speed",
        min=0,
        help="Replay the scenario from its start, this many times faster than real time.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of fault draws and request ids."),
) -> None:
    """Serve the scenario on 127.0.0.1 until interrupted (wall clock, or accelerated with --speed)."""
    from .server import serve_in_thread
    from .world import Marketplace

    scenario = _load(scenario_file)
    clock: Clock = AcceleratedClock(scenario.start, speed) if speed > 0 else WallClock()
    marketplace = Marketplace(scenario, clock, seed=seed)
    try:
        handle = serve_in_thread(marketplace, "127.0.0.1", port)
    except (OSError, RuntimeError) as exc:
        raise _fail(f"cannot listen on 127.0.0.1:{port}: {exc}") from None
    typer.echo(describe_service(handle.url, scenario, clock))
    try:
        while handle.thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()


def describe_service(url: str, scenario: Scenario, clock: Clock) -> str:
    """What a user needs to talk to the simulator: endpoint, LWA credentials, a curl to start with."""
    now = clock.now().astimezone(UTC)
    seller = scenario.sellers[0]
    lines = [
        f"amzorders simulator listening on {url}  (simulated now: {now:%Y-%m-%dT%H:%M:%SZ})",
        f"  endpoint        {url}",
        f"  token URL       {url}/auth/o2/token",
        "  client id       amzorders-sim",
        "  client secret   sim-secret",
    ]
    lines += [f"  refresh token   Atzr|sim-{s.seller_id}   (seller {s.seller_id})" for s in scenario.sellers]
    lines += [
        "try:",
        f"  curl -s -d grant_type=refresh_token -d 'refresh_token=Atzr|sim-{seller.seller_id}' "
        f"-d client_id=amzorders-sim -d client_secret=sim-secret {url}/auth/o2/token",
        f"  curl -s -H 'x-amz-access-token: <access_token>' "
        f"'{url}/orders/2026-01-01/orders?lastUpdatedAfter={_day(scenario.start)}"
        f"&marketplaceIds={seller.marketplace_ids[0]}&maxResultsPerPage=10'",
        "Ctrl-C stops.",
    ]
    return "\n".join(lines)


def _day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
