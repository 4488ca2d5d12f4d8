"""Four OS processes share one governor in the ledger and together never exceed Amazon's bucket.

The simulator runs on loopback with the wall clock and a small usage plan (getOrder 2/s, burst 5), so
any over-spend would be answered 429 and counted. A control run with per-process memory buckets shows
the same load does overrun the plan without the shared store.
"""

from __future__ import annotations

import multiprocessing
import queue
from datetime import UTC, datetime

import pytest
from amazon_scenarios import SELLER, scenario_for
from governor_worker import WorkerConfig, spend

from amzorders.amazon.constants import GET_ORDER
from amzorders.clock import WallClock
from amzorders.ledger.db import open_ledger
from amzorders.sim.server import serve_in_thread
from amzorders.sim.world import Marketplace

PROCESSES = 4
CALLS = 3  # per process: 12 calls = 3 at once (burst 5 less the allowance) + 9 at 2/s, about 5 s
RATE, BURST = 2.0, 5
# Amazon meters a call when it arrives: on a loaded 2-core CI machine, four processes and the server
# thread can take a few hundred ms between grant and arrival, hence a wider allowance than the default.
LATENCY_ALLOWANCE = 0.75
PRELOAD = ["amzorders.amazon.client", "amzorders.ledger.db", "amzorders.ledger.quota_store", "httpcore"]


def run_workers(url: str, order_id: str, db_url: str | None) -> list[dict]:
    """Four OS processes (forked from a single-threaded fork server), started at the same moment."""
    context = multiprocessing.get_context("forkserver")
    # (Python 3.11's fork server ignores sys.path, so it preloads installed modules, not this folder's.)
    context.set_forkserver_preload(["__main__", *PRELOAD])
    config = WorkerConfig(
        url=url, db_url=db_url, seller_id=SELLER, order_id=order_id, calls=CALLS, rate=RATE, burst=BURST,
        latency_allowance=LATENCY_ALLOWANCE, max_retries=0,
    )  # fmt: skip
    start_together = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=spend, args=(config, start_together, results)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        collected = []
        for _ in range(PROCESSES):
            try:
                collected.append(results.get(timeout=90))
            except queue.Empty:
                codes = [worker.exitcode for worker in workers]
                raise AssertionError(f"a worker died without a result (exit codes {codes})") from None
        for worker in workers:
            worker.join(timeout=30)
        return collected
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()


@pytest.fixture
def wall_simulator():
    now = datetime.now(UTC)
    scenario = scenario_for(2, now=now, usage_plans={"getOrder": {"rate": RATE, "burst": BURST}})
    marketplace = Marketplace(scenario, WallClock())
    handle = serve_in_thread(marketplace)
    yield marketplace, handle.url
    handle.stop()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_processes_sharing_one_governor_never_exceed_the_burst(wall_simulator, tmp_path, request, database):
    marketplace, url = wall_simulator
    db_url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "pg_url")
    open_ledger(db_url).dispose()  # migrated once, as the installation would be
    order_id = marketplace.scenario.orders[0].order_id
    results = run_workers(url, order_id, db_url)
    assert [r["errors"] for r in results] == [[]] * PROCESSES
    assert sum(r["ok"] for r in results) == PROCESSES * CALLS
    assert marketplace.stats.throttled == 0
    assert marketplace.stats.responses[(GET_ORDER, 200)] == PROCESSES * CALLS


def test_without_the_shared_store_the_same_processes_overrun_the_plan(wall_simulator):
    """Control: the load above does exceed the plan when each process keeps its own bucket."""
    marketplace, url = wall_simulator
    order_id = marketplace.scenario.orders[0].order_id
    results = run_workers(url, order_id, None)
    assert marketplace.stats.throttled > 0
    assert sum(r["errors"].count("Throttled") for r in results) == marketplace.stats.throttled
