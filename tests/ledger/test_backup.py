"""`backup_sqlite`: a consistent, private copy of a SQLite ledger taken while another connection writes."""

from __future__ import annotations

import sqlite3
import stat
import threading
from contextlib import closing

import pytest

from amzorders.ledger.backup import BackupError, backup_sqlite
from amzorders.ledger.bookkeeping import Bookkeeping
from amzorders.ledger.db import open_ledger
from amzorders.ledger.orders import OrderBook
from amzorders.sync.rules import plan_snapshot
from ledger.order_json import amazon_order


def planner(order, known):
    return plan_snapshot(order, known)


@pytest.fixture
def ledger_url(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    engine = open_ledger(url)
    Bookkeeping(engine).ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    OrderBook(engine).record_snapshots(
        "main", [amazon_order(f"100-{n:07d}") for n in range(200)], seen_at=clock.now(), planner=planner
    )
    engine.dispose()
    return url


def test_a_backup_taken_while_the_ledger_is_written_is_one_consistent_instant(ledger_url, tmp_path, clock):
    """Each order is written with its first event in one transaction: a copy of a single instant has
    every order with its event, and none of a half-written page."""
    engine = open_ledger(ledger_url)
    book, written, stop = OrderBook(engine), [], threading.Event()

    def writer() -> None:  # `serve` importing meanwhile, one order a transaction
        while not stop.is_set():
            order_id = f"200-{len(written):07d}"
            book.record_snapshots("main", [amazon_order(order_id)], seen_at=clock.now(), planner=planner)
            written.append(order_id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        result = backup_sqlite(ledger_url, tmp_path / "copy.sqlite3")
        before_end = len(written)
        while len(written) < before_end + 20:  # the writer went on during and after the copy
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join(30)
        engine.dispose()
    copy = tmp_path / "copy.sqlite3"
    assert 220 <= result.orders <= 200 + before_end + 1  # an instant during the copy
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # buyers' addresses: private to the owner
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == result.orders
        orphans = conn.execute(
            "SELECT count(*) FROM orders o WHERE NOT EXISTS "
            "(SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.kind = 'seen')"
        ).fetchone()[0]
        assert orphans == 0
    restored = open_ledger(f"sqlite:///{copy}")  # a restored ledger opens as it is (already at head)
    try:
        assert OrderBook(restored).get("main", "100-0000199").status == "UNSHIPPED"
    finally:
        restored.dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")) == []


def test_what_cannot_be_backed_up_is_said_and_nothing_is_overwritten(ledger_url, tmp_path):
    existing = tmp_path / "yesterday.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    with pytest.raises(BackupError, match="exists: choose a new name, or --force"):
        backup_sqlite(ledger_url, existing)
    assert existing.read_bytes() == b"yesterday's backup"
    assert backup_sqlite(ledger_url, existing, overwrite=True).orders == 200
    with pytest.raises(BackupError, match="is the ledger itself"):
        backup_sqlite(ledger_url, tmp_path / "ledger.sqlite3", overwrite=True)
    with pytest.raises(BackupError, match="does not exist"):
        backup_sqlite(ledger_url, tmp_path / "no-such-folder" / "b.sqlite3")
    with pytest.raises(BackupError, match=r"PostgreSQL: back it up with pg_dump \(pg_dump -Fc amz "):
        backup_sqlite("postgresql://amz@db/amz", tmp_path / "b.sqlite3")
    with pytest.raises(BackupError, match="no ledger at"):
        backup_sqlite(f"sqlite:///{tmp_path / 'missing.sqlite3'}", tmp_path / "b.sqlite3")
