"""Opening the ledger database: SQLite (the embedded default) or PostgreSQL, always migrated to head.

SQLite is tuned for one writer at a time across threads and processes: WAL (readers never block the
writer), a busy timeout, foreign keys, and `BEGIN IMMEDIATE` so that a transaction takes the write lock
when it starts. Without it, two deferred transactions that both read then write deadlock and one fails
at once with "database is locked" instead of waiting its turn.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 60_000
# A database error's text names its statement but never its values: they hold buyers' names, e-mails and
# addresses, and the text travels into the order's last error, its history, the run's log and alerts.
HIDE_PARAMETERS = True
# Checkpoint the WAL into the database every ~40 MB of changes instead of SQLite's 4 MB: a page of orders
# writes hundreds of pages, so the default checkpointed (and fsynced) every few transactions; a page
# rewritten often (locks, runs, cursors, index pages) is now copied once per checkpoint. Readers are
# unaffected (the WAL index finds a page in O(1)); the WAL file keeps its largest size on disk.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
# Alembic's `context` is a module-global proxy: two threads of one process must not migrate at once.
# Between processes, the migration transaction serialises them (BEGIN IMMEDIATE / advisory lock).
_IN_PROCESS = threading.Lock()
# SQLite URLs are opened with `ImmediateSQLiteDialect` (below), registered under this name.
_SQLITE_DRIVER = "sqlite.amzorders_immediate"


# PostgreSQL's pool: connections kept open while idle, and how many a process may hold at once beyond one
# per concurrent run (the web app's dashboard pages, /metrics, /health and cron URLs; `pg_pool_limits`).
PG_POOL_KEPT = 5
PG_POOL_HEADROOM = 15

# PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled back whole and
# can simply run again (SQLite's writers wait their turn: see `BEGIN IMMEDIATE` above).
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable_conflict(exc: DBAPIError) -> bool:
    """Was the transaction rolled back by the database for a conflict with a concurrent one?"""
    return getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


def open_ledger(url: str, *, migrate_to_head: bool = True, concurrent_runs: int | None = None) -> Engine:
    """An engine on the ledger at `url`, migrated to the latest schema (idempotent, concurrency-safe);
    `concurrent_runs`: see `create_ledger_engine`."""
    engine = create_ledger_engine(url, concurrent_runs=concurrent_runs)
    if migrate_to_head:
        migrate(engine)
    return engine


def _switch_to_wal(cursor) -> None:
    """`PRAGMA journal_mode=WAL`, retried while another process holds the lock it needs.

    Two processes opening a fresh ledger at the same second (two cron runs) both switch it to WAL; SQLite
    may then answer "database is locked" at once, without waiting through the busy timeout. The retry is
    bounded by that same timeout (wall time, like SQLite's own: this is the driver waiting for a file
    lock, not the product waiting for something on its clock)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def pg_pool_limits(concurrent_runs: int | None = None) -> tuple[int, int]:
    """(pool_size, max_overflow) of the PostgreSQL pool of a process that may have `concurrent_runs` runs
    going at once (`serve`: a thread per planned job): a connection for each, and `PG_POOL_HEADROOM` more.

    A run holds one connection at a time (short transactions, never nested), so runs beyond the pool's
    capacity waited for one (`pool_timeout`, 30 s) and then failed. Only `PG_POOL_KEPT` stay open while
    idle: the others are opened for a burst and closed after it, so that a deployment of many accounts
    does not keep a PostgreSQL backend per job. Without runs (a CLI command): 5 + 10, as before."""
    runs = max(0, concurrent_runs or 0)
    return PG_POOL_KEPT, PG_POOL_HEADROOM - PG_POOL_KEPT + runs


def create_ledger_engine(url: str, *, concurrent_runs: int | None = None) -> Engine:
    """An engine on `url` (not migrated); `concurrent_runs` sizes PostgreSQL's pool (`pg_pool_limits`),
    SQLite's writers take turns whatever the pool."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"))
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we ship
        pool_size, max_overflow = pg_pool_limits(concurrent_runs)
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            hide_parameters=HIDE_PARAMETERS,
        )
    raise ValueError(
        f"unsupported ledger database {parsed.drivername!r}: use sqlite:///PATH or postgresql://..."
    )


class ImmediateSQLiteDialect(SQLiteDialect_pysqlite):
    """The standard pysqlite dialect, whose transactions start with `BEGIN IMMEDIATE` (module docstring).

    A dialect method rather than a "begin" event listener: any connection event makes SQLAlchemy run its
    event machinery around every statement (~15 % of a small transaction), and a simulated month runs
    hundreds of thousands of them. An error here is wrapped like any driver error."""

    supports_statement_cache = True

    def do_begin(self, dbapi_connection) -> None:
        dbapi_connection.driver_connection.execute("BEGIN IMMEDIATE")


registry.register(_SQLITE_DRIVER, __name__, ImmediateSQLiteDialect.__name__)


def _sqlite_engine(url: str, *, in_memory: bool) -> Engine:
    parsed = make_url(url).set(drivername=f"sqlite+{_SQLITE_DRIVER.split('.')[1]}")
    if not in_memory:
        _create_private(parsed.database)
    if in_memory:
        engine = create_engine(
            parsed,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            hide_parameters=HIDE_PARAMETERS,
        )
    else:
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 60}, hide_parameters=HIDE_PARAMETERS
        )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (`ImmediateSQLiteDialect`)
        cursor = dbapi_connection.cursor()
        # the busy timeout first: switching a new file to WAL takes a lock another process may hold
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            _switch_to_wal(cursor)
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
        cursor.close()

    return engine


def _create_private(database: str) -> None:
    """Create a new SQLite file readable by its owner only (0600, whatever the umask): it holds buyers'
    names and addresses, like the backups made of it. SQLite gives its -wal and -shm files the database
    file's mode. An existing file keeps the mode its owner gave it."""
    if database.startswith("file:"):
        return  # a URI filename: SQLite opens it as its parameters say
    try:
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    except OSError:
        return  # no such folder, no permission: SQLite's own error says it when it opens the file


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations to `revision` in one transaction (serialised between processes)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _IN_PROCESS, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
