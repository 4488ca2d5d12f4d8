"""Opening the ledger: migrations to head on SQLite and PostgreSQL, idempotent and safe in parallel."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from amzorders.ledger.bookkeeping import Bookkeeping, SyncState
from amzorders.ledger.db import (
    PG_POOL_HEADROOM,
    PG_POOL_KEPT,
    SQLITE_WAL_AUTOCHECKPOINT_PAGES,
    create_ledger_engine,
    current_revision,
    migrate,
    open_ledger,
    pg_pool_limits,
)
from amzorders.ledger.schema import metadata

HEAD = "0003"


def test_migrations_create_exactly_the_declared_schema(db_url):
    engine = open_ledger(db_url)
    try:
        assert current_revision(engine) == HEAD
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        tables = set(inspect(engine).get_table_names())
        assert {"quota_buckets", "orders", "order_events", "runs", "store_orders", "account_locks"} <= tables
    finally:
        engine.dispose()


@pytest.mark.timeout(60)
def test_opening_twice_and_concurrently_is_safe(db_url):
    errors: list[BaseException] = []
    engines = []

    def open_one() -> None:
        try:
            engines.append(open_ledger(db_url))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    again = open_ledger(db_url)  # already at head: nothing to do
    assert current_revision(again) == HEAD
    for engine in [*engines, again]:
        engine.dispose()


def test_sqlite_is_tuned_for_concurrent_use(sqlite_url):
    engine = open_ledger(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        # checkpoints every ~40 MB of WAL, not SQLite's 4 MB (a page of orders writes hundreds of pages)
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_WAL_AUTOCHECKPOINT_PAGES
    engine.dispose()


def test_a_new_sqlite_ledger_is_readable_by_its_owner_only(tmp_path):
    """The ledger holds buyers' names and addresses: a new file (and SQLite's -wal and -shm files beside
    it) is 0600 whatever the umask, like the backups; an existing file keeps the mode its owner gave it."""
    import os
    import stat

    path = tmp_path / "ledger.sqlite3"
    old_umask = os.umask(0o022)
    try:
        engine = open_ledger(f"sqlite:///{path}")
        Bookkeeping(engine).ensure_account("main", "A1SELLER", ["M"], at=datetime(2026, 11, 2, tzinfo=UTC))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
        engine.dispose()
        shared = tmp_path / "shared.sqlite3"
        shared.touch(mode=0o640)
        open_ledger(f"sqlite:///{shared}").dispose()
        assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    finally:
        os.umask(old_umask)


def test_sqlite_transactions_take_the_write_lock_when_they_start(sqlite_url, tmp_path):
    """`BEGIN IMMEDIATE` (the dialect's `do_begin`): two read-then-write transactions never deadlock."""
    import sqlite3

    engine = open_ledger(sqlite_url)
    with engine.begin():
        other = sqlite3.connect(tmp_path / "ledger.sqlite3", timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with engine.connect() as conn:  # and the connection is usable again afterwards
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_ledger_of_the_previous_version_is_upgraded_with_its_cursors(db_url):
    old = open_ledger(db_url, migrate_to_head=False)
    migrate(old, "0001")
    books = Bookkeeping(old)
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    books.ensure_account("main", "A1SELLER", ["M"], at=t0)
    with old.begin() as conn:
        books.advance_cursor(conn, "main", "M", t0, at=t0, known=None)
    old.dispose()
    engine = open_ledger(db_url)
    try:
        assert current_revision(engine) == HEAD
        assert Bookkeeping(engine).state("main", "M") == SyncState(incremental=t0)
    finally:
        engine.dispose()


def test_in_memory_sqlite_works_for_quick_tools():
    engine = open_ledger("sqlite://")
    assert current_revision(engine) == HEAD
    engine.dispose()


@pytest.mark.timeout(120)
def test_two_processes_starting_together_migrate_once(db_url):
    """Two cron runs starting at the same second both open (and migrate) the same fresh ledger."""
    code = "import sys; from amzorders.ledger.db import open_ledger; open_ledger(sys.argv[1]).dispose()"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE) for _ in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=100)
        assert process.returncode == 0, stderr.decode()
    engine = open_ledger(db_url)
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_switching_to_wal_waits_out_a_lock_sqlite_reports_at_once():
    """Two processes opening a fresh ledger together: SQLite may refuse the WAL switch at once ("database
    is locked", no busy wait; seen once in CI). The switch is retried; any other error is not."""
    import sqlite3

    from amzorders.ledger.db import _switch_to_wal

    class Cursor:
        def __init__(self, failures: list[Exception]) -> None:
            self.failures, self.calls = failures, 0

        def execute(self, sql: str) -> None:
            assert sql == "PRAGMA journal_mode=WAL"
            self.calls += 1
            if self.failures:
                raise self.failures.pop(0)

    locked = Cursor([sqlite3.OperationalError("database is locked")] * 2)
    _switch_to_wal(locked)
    assert locked.calls == 3
    broken = Cursor([sqlite3.OperationalError("disk I/O error")])
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _switch_to_wal(broken)
    assert broken.calls == 1


def test_the_postgresql_pool_has_a_connection_for_every_concurrent_run_and_room_for_the_web():
    assert pg_pool_limits() == pg_pool_limits(0) == (5, 10)  # a CLI command: as before
    for runs in (1, 7, 19, 120):
        pool_size, max_overflow = pg_pool_limits(runs)
        assert pool_size == PG_POOL_KEPT  # kept open while idle, whatever the number of accounts
        assert pool_size + max_overflow == runs + PG_POOL_HEADROOM


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_a_postgresql_ledger_for_more_runs_than_the_old_pool_holds_them_all_at_once(
    pg_url, short_pool_timeout
):
    """The pool was 5 + 10 whatever `serve` ran: a 16th run holding a connection waited for one (30 s)
    and then failed."""
    runs = 20
    engine = create_ledger_engine(pg_url, concurrent_runs=runs)
    held = []
    try:
        for _ in range(runs + PG_POOL_HEADROOM):
            held.append(engine.connect())
            assert held[-1].execute(text("SELECT 1")).scalar() == 1
        with pytest.raises(PoolTimeout):  # and bounded
            engine.connect()
        assert engine.pool.size() == PG_POOL_KEPT
    finally:
        for connection in held:
            connection.close()
        engine.dispose()


def test_sqlite_ledgers_are_opened_as_before_whatever_the_runs(sqlite_url):
    """SQLite's writers take turns whatever the pool: `concurrent_runs` changes nothing there."""
    sized, plain = create_ledger_engine(sqlite_url, concurrent_runs=40), create_ledger_engine(sqlite_url)
    try:
        assert type(sized.pool) is type(plain.pool) and sized.pool.size() == plain.pool.size()
        with sized.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    finally:
        sized.dispose()
        plain.dispose()
