"""The governor's buckets persisted in the ledger (SQLite and PostgreSQL): shared, atomic, durable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select

from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS
from amzorders.amazon.governor import Priority, QuotaGovernor, UsagePlan
from amzorders.clock import SimClock, WallClock
from amzorders.ledger.db import open_ledger
from amzorders.ledger.quota_store import SqlBucketStore
from amzorders.ledger.schema import metadata, quota_buckets

SELLER = "A1SELLER"


def race(count: int, worker: Callable[[threading.Barrier], None]) -> None:
    """Runs `worker(barrier)` in `count` threads and waits for them; each waits at the barrier once set
    up, so they contend at the same moment."""
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=worker, args=(barrier,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def ledger(db_url):
    engine = open_ledger(db_url)
    yield engine
    engine.dispose()


def test_consecutive_runs_share_one_budget(ledger, db_url, clock):
    first_run = QuotaGovernor(SqlBucketStore(ledger), clock, latency_allowance=0)
    for _ in range(15):
        assert first_run.try_acquire(SELLER, SEARCH_ORDERS) == 0.0
    # The next cron run is another process with its own engine: it finds 5 tokens, not 20.
    other_engine = open_ledger(db_url)
    try:
        next_run = QuotaGovernor(SqlBucketStore(other_engine), clock, latency_allowance=0)
        assert next_run.tokens_left(SELLER, SEARCH_ORDERS) == pytest.approx(5.0)
        clock.advance(1 / 0.0056)
        assert next_run.tokens_left(SELLER, SEARCH_ORDERS) == pytest.approx(6.0)
    finally:
        other_engine.dispose()


def test_the_row_holds_rate_burst_and_the_throttle_pause(ledger, clock):
    governor = QuotaGovernor(SqlBucketStore(ledger), clock, throttle_pause=5.0)
    governor.acquire(SELLER, GET_ORDER)
    governor.observe_rate_limit(SELLER, GET_ORDER, 0.25)
    governor.observe_throttle(SELLER, GET_ORDER)
    with ledger.connect() as conn:
        row = conn.execute(select(quota_buckets)).one()
    assert (row.seller_id, row.operation, row.tokens) == (SELLER, GET_ORDER, 0.0)
    assert (row.rate, row.burst) == (0.25, 30)
    blocked_until = row.blocked_until.replace(tzinfo=row.blocked_until.tzinfo or UTC)
    assert blocked_until == datetime(2026, 11, 1, 0, 0, 5, tzinfo=UTC)
    # A fresh governor (another process) reads it back identically.
    again = QuotaGovernor(SqlBucketStore(ledger), clock)
    assert again.wait_time(SELLER, GET_ORDER) == pytest.approx(5.0 + (1 + 0.25 * 0.25) / 0.25)


def test_concurrent_grants_never_exceed_the_burst(ledger):
    """8 threads hammer one bucket with the clock stopped: exactly `burst` grants, never one more."""
    clock = SimClock(datetime(2026, 11, 1, tzinfo=UTC))  # frozen: nobody sleeps
    store = SqlBucketStore(ledger)
    plans = {"op": UsagePlan(0.001, 12)}
    granted: list[int] = []

    def worker(barrier: threading.Barrier) -> None:
        governor = QuotaGovernor(store, clock, plans, latency_allowance=0)
        barrier.wait()
        mine = sum(governor.try_acquire(SELLER, "op") == 0.0 for _ in range(5))
        granted.append(mine)

    race(8, worker)
    assert sum(granted) == 12  # the first insert raced too (PostgreSQL: one insert wins, others retry)


def test_contended_grants_on_the_wall_clock_stay_within_the_plan(ledger):
    """Threads racing for the row lock: the time each grant is computed at is read under the lock, so
    no interval is refilled twice (admitted <= burst + rate x elapsed, measured by the same clock)."""
    clock = WallClock()
    store = SqlBucketStore(ledger)
    plans = {"op": UsagePlan(20.0, 5)}
    grants: list[datetime] = []

    def worker(barrier: threading.Barrier) -> None:
        governor = QuotaGovernor(store, clock, plans, latency_allowance=0)
        barrier.wait()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            wait = governor.try_acquire(SELLER, "op")
            if wait == 0.0:
                grants.append(clock.now())
            else:
                time.sleep(min(wait, 0.005))

    race(6, worker)
    grants.sort()
    elapsed = (grants[-1] - grants[0]).total_seconds()
    assert len(grants) >= 10
    assert len(grants) <= 5 + 20.0 * elapsed + 1, (len(grants), elapsed)


def test_priorities_hold_across_processes_sharing_the_store(ledger, clock):
    catch_up = QuotaGovernor(SqlBucketStore(ledger), clock, latency_allowance=0)
    incremental = QuotaGovernor(SqlBucketStore(ledger), clock, latency_allowance=0)
    taken = sum(catch_up.try_acquire(SELLER, SEARCH_ORDERS, Priority.CATCH_UP) == 0.0 for _ in range(20))
    assert taken == 10
    assert incremental.wait_time(SELLER, SEARCH_ORDERS, tokens=10) == 0.0


def test_a_plain_sqlite_engine_is_serialised_too(tmp_path, clock):
    """Without `open_ledger`'s BEGIN IMMEDIATE hook the store takes the write lock itself."""
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    metadata.create_all(engine, tables=[quota_buckets])
    governor = QuotaGovernor(SqlBucketStore(engine), clock, latency_allowance=0)
    assert sum(governor.try_acquire(SELLER, GET_ORDER) == 0.0 for _ in range(40)) == 30
    assert QuotaGovernor(SqlBucketStore(engine), clock).tokens_left(SELLER, GET_ORDER) == pytest.approx(0)
    engine.dispose()
