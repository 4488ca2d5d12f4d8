"""One OS process of the shared-governor test: waits for the others, then makes getOrder calls.

Started by tests/amazon/test_shared_governor.py through a `forkserver` that has these modules imported
already, so four processes start in milliseconds on a busy CI machine instead of seconds each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from amzorders.amazon.auth import Credentials
from amzorders.amazon.client import OrdersClient
from amzorders.amazon.errors import AmazonError
from amzorders.amazon.governor import DEFAULT_PLANS, MemoryBucketStore, Priority, QuotaGovernor, UsagePlan
from amzorders.clock import WallClock
from amzorders.ledger.db import open_ledger
from amzorders.ledger.quota_store import SqlBucketStore


@dataclass(frozen=True)
class WorkerConfig:
    url: str
    db_url: str | None  # None: this process keeps its own bucket in memory (the control run)
    seller_id: str
    order_id: str
    calls: int
    rate: float
    burst: int
    latency_allowance: float
    max_retries: int


def spend(config: WorkerConfig, start_together, results) -> None:
    """Set up, wait at the barrier, make `calls` getOrder calls, put a result dict on `results`."""
    engine = open_ledger(config.db_url) if config.db_url else None
    store = SqlBucketStore(engine) if engine is not None else MemoryBucketStore()
    plans = {**DEFAULT_PLANS, "getOrder": UsagePlan(config.rate, config.burst)}
    clock = WallClock()
    governor = QuotaGovernor(store, clock, plans, latency_allowance=config.latency_allowance)
    client = OrdersClient(
        seller_id=config.seller_id,
        credentials=Credentials("amzorders-sim", "sim-secret", f"Atzr|sim-{config.seller_id}"),
        endpoint=config.url,
        token_url=f"{config.url}/auth/o2/token",
        governor=governor,
        clock=clock,
        timeout=10.0,
        max_retries=config.max_retries,
    )
    ok, errors = 0, []
    try:
        start_together.wait(timeout=60)
        started = time.monotonic()
        for _ in range(config.calls):
            try:
                client.get_order(config.order_id, priority=Priority.INCREMENTAL)
                ok += 1
            except AmazonError as exc:
                errors.append(type(exc).__name__)
        results.put({"ok": ok, "errors": errors, "seconds": time.monotonic() - started})
    finally:
        client.close()
        if engine is not None:
            engine.dispose()
