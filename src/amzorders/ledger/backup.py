"""A consistent copy of a SQLite ledger taken while `serve` keeps writing to it.

Copying the file with `cp` while a process writes can give a database SQLite calls malformed: the WAL
holds committed pages the main file does not have yet, and a page may be copied half-written. SQLite's
online backup API copies the pages of one read transaction instead, so the copy is the ledger as it stood
at one instant; the writers go on meanwhile (WAL: a reader never blocks them). The ledger holds the
built-in store's orders and buyers' addresses: the copy is written private to its owner (0600), under a
temporary name, checked, then renamed into place, so that a failed backup never leaves a file that looks
like a good one.

PostgreSQL ledgers are backed up with PostgreSQL's own tools (`pg_dump`): they are not handled here.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from amzorders.ledger.db import SQLITE_BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup cannot be made; `str()` says why and what to do, in one line."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    orders: int
    seconds: float


def sqlite_path(url: str) -> Path:
    """The file of a SQLite ledger URL (BackupError for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        database = parsed.database or "DBNAME"
        raise BackupError(
            f"the ledger is on PostgreSQL: back it up with pg_dump (pg_dump -Fc {database} > "
            "amzorders.dump); this command copies SQLite ledgers"
        )
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise BackupError(f"ledger.url {url!r} is not a SQLite file: nothing to back up")
    return Path(parsed.database)


def backup_sqlite(url: str, destination: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the SQLite ledger at `url` to `destination` (a new file unless `overwrite`), consistently,
    while other processes keep writing to it."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no ledger at {source}: check ledger.url (the file is made by the first run)")
    destination = destination.expanduser()
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} exists: choose a new name, or --force to replace it")
    if destination.resolve() == source.resolve():
        raise BackupError(f"{destination} is the ledger itself: choose another path")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    started = time.monotonic()
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # private from the start
    try:
        with closing(_connect(source)) as src, closing(_connect(partial)) as dst:
            # one step, one read transaction: in WAL mode the writers go on meanwhile, whereas a backup
            # in several steps starts again each time another connection commits (every few seconds)
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        orders = _check(partial)
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(destination, destination.stat().st_size, orders, time.monotonic() - started)


def _connect(path: Path) -> sqlite3.Connection:
    """A plain connection (read-write: SQLite needs to share the WAL index of a live ledger), waiting for
    a writer's lock as the product does."""
    return sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _check(path: Path) -> int:
    """SQLite's own integrity check of the copy; its number of orders."""
    with closing(sqlite3.connect(path)) as connection:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(
                f"the copy failed SQLite's integrity check ({verdict}): the ledger is kept as is"
            )
        return connection.execute("SELECT count(*) FROM orders").fetchone()[0]
