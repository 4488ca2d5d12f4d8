"""What every command shares: the --config option, one-line errors with documented exit codes, output."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from amzorders.app import exit_codes
from amzorders.app.config import AppConfig, load_config
from amzorders.app.operations import Operator
from amzorders.app.secrets import ConfigError
from amzorders.app.wiring import Runtime, build_alerter, build_runtime

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="AMZORDERS_CONFIG",
        help="Configuration file (default ./amzorders.toml; `amzorders init` writes one).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
AccountOption = Annotated[str | None, typer.Option("--account", "-a", help="Only this account.")]

# Tables keep their columns when piped (cron mails, logs): 150 columns unless a terminal says otherwise.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    err.print(message, markup=False)
    return typer.Exit(code)


@contextlib.contextmanager
def operator_errors() -> Iterator[None]:
    """Configuration and input problems become one line and exit code 2 (no traceback)."""
    try:
        yield
    except ConfigError as exc:
        raise fail(f"config error: {exc}", exit_codes.BAD_INPUT) from None


def load(path: Path | None) -> AppConfig:
    with operator_errors():
        return load_config(path)


@contextlib.contextmanager
def operator_for(path: Path | None, **runtime_kwargs: Any) -> Iterator[Operator]:
    config = load(path)
    runtime = open_runtime(config, **runtime_kwargs)
    try:
        with operator_errors():  # e.g. --account naming no account of the file
            yield Operator(
                runtime,
                alerter=build_alerter(config, runtime.clock),
            )
    finally:
        runtime.close()


def open_runtime(config: AppConfig, **kwargs: Any) -> Runtime:
    with operator_errors():
        try:
            return build_runtime(config, **kwargs)
        except ConfigError:
            raise
        except Exception as exc:  # the database cannot be opened: unavailable, said in one line
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise fail(f"unavailable: {first}", exit_codes.UNAVAILABLE) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
