"""How exactly the quota governor spends Amazon's usage plan: a 5,000-order backlog on the virtual clock.

The simulator (in-process, SimTransport) holds a backlog of orders; the OrdersClient drains it through
the QuotaGovernor. For each workload: API calls, virtual time, calls per second against the plan's
ceiling over the same time ((burst + rate x T) / T), the minimum time the plan allows, and the 429 count.

    .venv/bin/python -m bench.governor_backlog [--orders 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from amzorders.amazon.auth import Credentials
from amzorders.amazon.client import OrdersClient, SearchQuery
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS
from amzorders.amazon.governor import DEFAULT_PLANS, MemoryBucketStore, Priority, QuotaGovernor, reserve_for
from amzorders.clock import SimClock
from amzorders.sim.scenario import load_scenario
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace
from amzorders.simulate.builder import backlog

COMMAND = ".venv/bin/python -m bench.governor_backlog"
SELLER = "A1BENCH"
MARKETPLACE = "A13V1IB3VIYZZH"
START = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Row:
    workload: str
    priority: str
    calls: int
    orders: int
    virtual_s: float
    calls_per_s: float
    ceiling_per_s: float
    minimum_s: float
    over_minimum_pct: float
    throttled_429: int
    wall_s: float


def measure(scenario: Any, operation: str, priority: Priority) -> Row:
    clock = SimClock(START)
    marketplace = Marketplace(scenario, clock)
    governor = QuotaGovernor(MemoryBucketStore(), clock)
    client = OrdersClient(
        seller_id=SELLER,
        credentials=Credentials("amzorders-sim", "sim-secret", f"Atzr|sim-{SELLER}"),
        endpoint=BASE_URL,
        token_url=TOKEN_URL,
        governor=governor,
        clock=clock,
        transport=SimTransport(marketplace),
    )
    wall = time.perf_counter()
    seen = 0
    with client:
        if operation == SEARCH_ORDERS:
            query = SearchQuery(marketplace_ids=(MARKETPLACE,), last_updated_after=START - timedelta(days=31))
            for page in client.search_orders(query, priority=priority):
                seen += len(page.orders)
        else:
            for order in scenario.orders:
                client.get_order(order.order_id, priority=priority)
                seen += 1
    wall = time.perf_counter() - wall
    calls = client.stats.calls[operation]
    virtual = (clock.now() - START).total_seconds()
    plan = DEFAULT_PLANS[operation]
    usable = plan.burst - reserve_for(priority, plan.burst)  # what this priority may spend at once
    minimum = max(0.0, calls - usable) / plan.rate
    return Row(
        workload=f"{operation} x {calls}",
        priority=priority.name,
        calls=calls,
        orders=seen,
        virtual_s=virtual,
        calls_per_s=calls / virtual if virtual else float("inf"),
        ceiling_per_s=(plan.burst + plan.rate * virtual) / virtual if virtual else float("inf"),
        minimum_s=minimum,
        over_minimum_pct=100 * (virtual - minimum) / minimum if minimum else 0.0,
        throttled_429=marketplace.stats.throttled,
        wall_s=wall,
    )


def markdown(rows: list[Row], orders: int) -> str:
    lines = [
        f"Quota governor, {orders:,}-order backlog, virtual clock, default usage plans "
        f"(searchOrders {DEFAULT_PLANS[SEARCH_ORDERS].rate}/s burst {DEFAULT_PLANS[SEARCH_ORDERS].burst}, "
        f"getOrder {DEFAULT_PLANS[GET_ORDER].rate}/s burst {DEFAULT_PLANS[GET_ORDER].burst}).",
        "",
        "| workload | priority | orders | virtual time | calls/s | plan ceiling calls/s | minimum time "
        "| over minimum | 429 | wall time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.workload} | {row.priority} | {row.orders:,} | {row.virtual_s:,.0f} s "
            f"| {row.calls_per_s:.5f} | {row.ceiling_per_s:.5f} | {row.minimum_s:,.0f} s "
            f"| {row.over_minimum_pct:+.3f} % | {row.throttled_429} | {row.wall_s:.2f} s |"
        )
    lines += [
        "",
        "Plan ceiling = (burst + rate x T) / T, the most calls/s the plan admits over the run's time T. "
        "Minimum time = (calls - tokens this priority may spend at once) / rate; CATCH_UP leaves half the "
        "burst to the incremental import, PENDING_WATCH a quarter.",
        "",
        f"Command: `{COMMAND}`",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of markdown")
    args = parser.parse_args(argv)
    scenario = load_scenario(
        backlog(args.orders, before=START, sellers=(SELLER,), marketplace_id=MARKETPLACE)
    )
    rows = [
        measure(scenario, SEARCH_ORDERS, Priority.INCREMENTAL),
        measure(scenario, SEARCH_ORDERS, Priority.CATCH_UP),
        measure(scenario, GET_ORDER, Priority.INCREMENTAL),
        measure(scenario, GET_ORDER, Priority.PENDING_WATCH),
    ]
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
    else:
        print(markdown(rows, args.orders))
    return 0 if all(row.throttled_429 == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
