"""`amzorders backup`: a consistent copy of the SQLite ledger (orders, runs, reports, the built-in store)
while `serve` keeps running; PostgreSQL ledgers are pointed to `pg_dump`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amzorders.app import exit_codes
from amzorders.app.commands.common import ConfigOption, fail, load, out
from amzorders.ledger.backup import BackupError, backup_sqlite


def backup_command(
    destination: Annotated[Path, typer.Argument(help="The new file to write (its folder must exist).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    config: ConfigOption = None,
) -> None:
    """Copy the SQLite ledger to a new file, consistently, without stopping `serve`."""
    settings = load(config)
    try:
        result = backup_sqlite(settings.ledger_url, destination, overwrite=force)
    except BackupError as exc:
        raise fail(f"backup not made: {exc}", exit_codes.BAD_INPUT) from None
    except OSError as exc:
        raise fail(
            f"backup not made: {exc.strerror or exc} ({destination})", exit_codes.UNAVAILABLE
        ) from None
    megabytes = result.size_bytes / 1_000_000
    out.print(
        f"backed up the ledger to {result.path}: {megabytes:.1f} MB, {result.orders} orders, "
        f"{result.seconds:.1f} s (mode 0600; restore: stop amzorders, put this file in place of the ledger)",
        markup=False,
    )
