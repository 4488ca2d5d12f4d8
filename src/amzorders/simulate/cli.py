"""`amzorders simulate SCENARIO.json`: replay a scenario against an import strategy and audit the shop.

Exit codes: 0 when nothing is missing, duplicated or wrong; 1 otherwise; 2 for a bad scenario or option
(one line on stderr, no traceback).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from amzorders.app import exit_codes
from amzorders.sim.scenario import ScenarioError

from .report import render_summary
from .runner import STRATEGIES, SimulationOptions, run_simulation
from .shops import SHOP_KINDS, SimulationSetupError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'2d', '36h', '90m', '3600s' or plain seconds."""
    match = _DURATION.match(text)
    if not match:
        raise SimulationSetupError(f"--grace: {text!r} is not a duration such as 2d, 36h, 90m or 3600s")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def _shop_options(pairs: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SimulationSetupError(f"--shop-option: {pair!r} is not KEY=VALUE")
        options[key] = value
    return options


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise SimulationSetupError(f"--report: {path} is a folder: give a file name in it")
    if not path.parent.is_dir():
        raise SimulationSetupError(f"--report: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise SimulationSetupError(f"--report: {path} cannot be written (permissions)")


def simulate_command(
    scenario: Path = typer.Argument(
        ..., help="Scenario file (amzorders-scenario/1 JSON).", show_default=False
    ),
    strategy: str = typer.Option(
        "amzorders", "--strategy", help=f"Import strategy: {' or '.join(STRATEGIES)}."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the JSON report to this file."),
    shop: str = typer.Option("builtin", "--shop", help="Shop to fill (built-in store by default)."),
    shop_option: list[str] = typer.Option(
        [], "--shop-option", help="KEY=VALUE passed to the shop factory (repeatable)."
    ),
    ledger: str | None = typer.Option(
        None, "--ledger", help="Ledger database URL (default: a temporary SQLite file)."
    ),
    grace: str = typer.Option("2d", "--grace", help="Keep the importer running this long after the end."),
    quiet: bool = typer.Option(False, "--quiet", help="No summary table."),
) -> None:
    """Simulate a scenario on a virtual clock and check that the shop holds exactly what it should."""
    err = Console(stderr=True)
    try:
        options = SimulationOptions(
            strategy=strategy,
            shop=shop,
            shop_options=_shop_options(shop_option),
            ledger_url=ledger,
            grace=parse_duration(grace),
        )
        if shop not in SHOP_KINDS:
            raise SimulationSetupError(
                f"--shop: unknown shop {shop!r}; choose one of {', '.join(sorted(SHOP_KINDS))}"
            )
        if report is not None:
            _check_writable(report)  # before the run: a month's result is not lost to a typo in the path
        result = run_simulation(scenario, options, name=scenario.name)
    except (ScenarioError, SimulationSetupError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if report is not None:
        result.write(report)
    if not quiet:
        render_summary(result, Console())
    raise typer.Exit(result.exit_code)
