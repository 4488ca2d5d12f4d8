"""Cursors, account locks, runs and reports on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from amzorders.ledger.bookkeeping import Bookkeeping, SyncState


def test_the_cursor_never_moves_back(ledger, clock):
    books = Bookkeeping(ledger)
    books.ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    group = "A13V1IB3VIYZZH"
    assert books.cursor("main", group) is None
    t0 = clock.now()
    with ledger.begin() as conn:
        books.advance_cursor(conn, "main", group, t0, at=t0, known=None)
    assert books.cursor("main", group) == t0
    with ledger.begin() as conn:
        books.advance_cursor(conn, "main", group, t0 - timedelta(hours=1), at=t0)
    assert books.cursor("main", group) == t0
    with ledger.begin() as conn:  # a stale `known` (another run moved it): still never backwards
        books.advance_cursor(
            conn, "main", group, t0 - timedelta(minutes=1), at=t0, known=t0 - timedelta(hours=2)
        )
    with ledger.begin() as conn:  # two runs both believing there was no cursor
        books.advance_cursor(conn, "main", group, t0 - timedelta(minutes=2), at=t0, known=None)
    assert books.cursor("main", group) == t0
    with ledger.begin() as conn:
        books.advance_cursor(conn, "main", group, t0 + timedelta(minutes=5), at=t0, known=t0)
    assert books.state("main", group) == SyncState(incremental=t0 + timedelta(minutes=5))
    with ledger.begin() as conn:
        books.advance_cursor(conn, "main", group, t0, at=t0, known=None, kind="late_sweep")
    assert books.state("main", group) == SyncState(incremental=t0 + timedelta(minutes=5), late_sweep=t0)


def test_the_sync_memory_keeps_what_each_writer_gave(ledger, clock):
    books = Bookkeeping(ledger)
    books.ensure_account("main", "A1SELLER", ["M"], at=clock.now())
    t0 = clock.now()
    with ledger.begin() as conn:
        books.remember(conn, "main", "M", at=t0, settled_start=t0, settled_end=t0 + timedelta(hours=1))
    assert books.state("main", "M") == SyncState(settled=(t0, t0 + timedelta(hours=1)))
    with ledger.begin() as conn:  # one column: the others stay (one row per marketplace group)
        books.remember(conn, "main", "M", at=t0, density=0.25)
    with ledger.begin() as conn:
        books.remember(conn, "main", "M", at=t0, settled_end=t0 + timedelta(hours=2), sweep_density=0.5)
    assert books.state("main", "M") == SyncState(
        settled=(t0, t0 + timedelta(hours=2)), density=0.25, sweep_density=0.5
    )
    try:
        with ledger.begin() as conn:
            books.remember(conn, "main", "M", at=t0, settled_end=t0 + timedelta(hours=3))
            raise RuntimeError("crash before the page and the cursor commit")
    except RuntimeError:
        pass
    assert books.state("main", "M").settled == (t0, t0 + timedelta(hours=2))
    assert books.state("main", "other") == SyncState()


def test_a_rolled_back_transaction_leaves_the_cursor_where_it_was(ledger, clock):
    books = Bookkeeping(ledger)
    books.ensure_account("main", "A1SELLER", ["M"], at=clock.now())
    try:
        with ledger.begin() as conn:
            books.advance_cursor(conn, "main", "M", clock.now(), at=clock.now())
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert books.cursor("main", "M") is None


def test_account_lock_is_exclusive_expires_and_refreshes(ledger, clock):
    books = Bookkeeping(ledger)
    ttl = timedelta(minutes=30)
    assert books.try_lock("main", "first", now=clock.now(), ttl=ttl)
    assert not books.try_lock("main", "second", now=clock.now(), ttl=ttl)
    assert books.try_lock("other", "second", now=clock.now(), ttl=ttl)  # per account
    clock.advance(20 * 60)
    with ledger.begin() as conn:
        assert books.refresh_lock(conn, "main", "first", now=clock.now(), ttl=ttl)
    clock.advance(20 * 60)
    assert not books.try_lock("main", "second", now=clock.now(), ttl=ttl)  # refreshed, still held
    clock.advance(11 * 60)
    assert books.try_lock("main", "second", now=clock.now(), ttl=ttl)  # the first holder died
    with ledger.begin() as conn:
        assert not books.refresh_lock(conn, "main", "first", now=clock.now(), ttl=ttl)  # it lost the lock
    books.release_lock("main", "first")  # not the holder: no effect
    assert not books.try_lock("main", "third", now=clock.now(), ttl=ttl)
    books.release_lock("main", "second")
    assert books.try_lock("main", "third", now=clock.now(), ttl=ttl)


def test_runs_and_reports_are_recorded(ledger, clock):
    books = Bookkeeping(ledger)
    now = clock.now()
    assert books.try_lock("main", "h", now=now, ttl=timedelta(minutes=5))
    run = {"kind": "incremental", "account": "main", "started_at": now, "finished_at": now, "pages": 2,
           "api_calls": 3, "orders_seen": 150, "outcome": "ok"}  # fmt: skip
    run_id = books.release_lock("main", "h", run=run)
    assert books.try_lock("main", "h2", now=now, ttl=timedelta(minutes=5))  # released with the run row
    (recorded,) = books.recent_runs(account="main")
    assert recorded["id"] == run_id and recorded["pages"] == 2 and recorded["orders_seen"] == 150
    books.save_report("main", date(2026, 10, 31), {"missing": ["X"]}, problems=1, unrepaired=1, at=now)
    (report,) = books.reports(account="main", day=date(2026, 10, 31))
    assert report.report == {"missing": ["X"]} and report.unrepaired == 1
