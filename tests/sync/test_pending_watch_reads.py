"""The pending watch records its getOrder answers in batches: whatever stops a run, what it read is kept."""

from __future__ import annotations

from datetime import timedelta as td

import httpx

from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.sim.transport import SimTransport
from amzorders.sync.engine import SyncEngine
from sync.conftest import ScenarioBuilder

H, M = td(hours=1), td(minutes=1)


class GetOrderDiesAfter(httpx.BaseTransport):
    """The simulator, until the connection drops for good after `calls` getOrder answers."""

    def __init__(self, inner: SimTransport, calls: int) -> None:
        self.inner, self.left = inner, calls

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/orders/" in request.url.path and not request.url.path.endswith("/orders"):
            if self.left == 0:
                raise httpx.ConnectError("connection refused", request=request)
            self.left -= 1
        return self.inner.handle_request(request)


def test_a_run_stopped_by_amazon_keeps_the_answers_it_had(make_world):
    b = ScenarioBuilder(days=1)
    held = [b.order("MERCHANT", [(10 * M + n * M, "PENDING"), (3 * H, "UNSHIPPED")]) for n in range(5)]
    b.fault(2 * H, 12 * H, operations=("searchOrders",))  # only getOrder can see them clear
    world = make_world(b.build())
    world.run(3 * H + 5 * M, watch_every=10_000)  # import them while PENDING, no watch yet
    assert all(world.engine.orders.get("main", x).status == "PENDING" for x in held)
    engine = SyncEngine(
        ledger=world.ledger,
        shop=world.store,
        accounts=[world.account],
        governor=QuotaGovernor(MemoryBucketStore(), world.clock),
        clock=world.clock,
        settings=world.settings,
        transport=GetOrderDiesAfter(SimTransport(world.marketplace), calls=3),
    )
    summary = engine.watch_pending(world.account)
    engine.close()
    assert summary.outcome == "error"
    rows = [world.engine.orders.get("main", x) for x in held]
    cleared = [row for row in rows if row.status == "UNSHIPPED"]
    assert len(cleared) == 3  # the three answers before the failure are recorded ...
    assert all(row.shop_state == "to_create" and row.last_checked_at is not None for row in cleared)
    waiting = [row for row in rows if row.status == "PENDING"]
    assert len(waiting) == 2 and all(row.last_checked_at is None for row in waiting)  # ... the rest still due
    world.run(3 * H + 30 * M, watch_every=1)
    assert all(world.shop_status(x) == "to_ship" for x in held)
