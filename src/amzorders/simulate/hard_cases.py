"""Hand-written hard cases: small scenarios, each aimed at one way a fixed window loses orders.

Each builder returns the scenario as its JSON object (`load_scenario` reads it, `json.dump` writes it),
so tests, `amzorders simulate` and the benchmarks replay the very same files. Instants sit away from the
cron ticks (:00, :05, ..., :30) on purpose: what a case shows must not hang on a tie at a boundary.

- `pending_20_days`: a MERCHANT order Amazon holds PENDING for 20 days (documents asked), beside orders
  held a few minutes, an hour, and three days.
- `fba_shipped_after_5_days`: FBA orders shipped 1, 3 and 5 days after purchase.
- `visibility_delay_15_min`: searchOrders sees changes 15 minutes late (per-order `indexing_delay_s`).
- `late_indexing_25_min`: changes indexed 25 minutes late, beyond the product's default overlap.
- `cancellation_after_import`: orders cancelled while pending, and hours or a day after they were
  importable.
- `same_second_burst`: 250 orders created, then paid, then shipped in the same second (3 pages each).
- `fault_hour_503`: 90 minutes of 503 on both operations while orders keep coming.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from amzorders.simulate.builder import ScenarioBuilder, span


def pending_20_days() -> dict[str, Any]:
    b = ScenarioBuilder(days=21)
    b.merchant_flow(span(hours=10, minutes=7, seconds=13), span(days=20), span(days=20, hours=4))
    b.merchant_flow(span(hours=11, minutes=2, seconds=41), span(minutes=4), span(days=1, hours=2))
    b.merchant_flow(span(hours=12, minutes=11, seconds=5), span(hours=1, minutes=3), span(hours=22))
    # Held three days, then waits two days for the merchant: the daily doublecheck finds it.
    b.merchant_flow(span(days=1, hours=9, minutes=48), span(days=3), span(days=5, hours=1))
    b.merchant_flow(span(days=10, hours=16, minutes=21, seconds=7), span(minutes=3), span(days=1))
    return b.build()


def fba_shipped_after_5_days() -> dict[str, Any]:
    b = ScenarioBuilder(days=6)
    b.fba_flow(span(hours=9, minutes=12, seconds=44), span(days=5, hours=3, minutes=1))
    b.fba_flow(span(hours=14, minutes=37, seconds=2), span(days=1, hours=2, minutes=11))
    b.fba_flow(span(days=1, hours=8, minutes=3, seconds=9), span(days=3, hours=1, minutes=7))
    b.fba_flow(span(days=2, hours=20, minutes=51, seconds=30), span(hours=7, minutes=44))
    return b.build()


def visibility_delay_15_min() -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    base = span(hours=10, minutes=1, seconds=17)
    for k in range(12):
        created = base + span(minutes=7 * k, seconds=11 * k)
        # Shipped before the order is a day old, so only the window can import it.
        b.merchant_flow(created, span(minutes=3), span(hours=20), indexing_delay_s=900)
    for k in range(4):
        b.fba_flow(base + span(minutes=19 * k), span(hours=26), indexing_delay_s=900)
    return b.build()


def late_indexing_25_min() -> dict[str, Any]:
    """Updates searchOrders indexes 25 minutes late: more than the product's widest overlap (15 min), so
    the late-index sweep finds them (the generator gives 0.5 % of orders a 10-30 minute delay)."""
    b = ScenarioBuilder(days=3)
    base = span(hours=9, minutes=12, seconds=31)
    late = 1500.0
    # Shipped the day after purchase: later than the reconciliation of the purchase day.
    for k in range(4):
        b.merchant_flow(base + span(minutes=23 * k), span(minutes=4), span(hours=30), indexing_delay_s=late)
    for k in range(2):
        b.fba_flow(base + span(minutes=31 * k, seconds=9), span(hours=32), indexing_delay_s=late)
    return b.build()


def cancellation_after_import() -> dict[str, Any]:
    b = ScenarioBuilder(days=3)
    t = span(hours=9, minutes=3, seconds=21)
    b.order(
        "MERCHANT", [(t, "PENDING"), (t + span(minutes=4), "UNSHIPPED"), (t + span(hours=3), "CANCELLED")]
    )
    t = span(hours=11, minutes=17, seconds=2)
    b.order("MERCHANT", [(t, "PENDING"), (t + span(minutes=2), "UNSHIPPED"), (t + span(days=1), "CANCELLED")])
    t = span(hours=13, minutes=44, seconds=50)
    b.order("MERCHANT", [(t, "PENDING"), (t + span(minutes=40), "CANCELLED")])  # never importable
    t = span(hours=15, minutes=8, seconds=8)
    b.order("AMAZON", [(t, "PENDING"), (t + span(minutes=5), "UNSHIPPED"), (t + span(hours=8), "CANCELLED")])
    t = span(days=1, hours=7, minutes=51)
    b.order(
        "MERCHANT",
        [
            (t, "PENDING"),
            (t + span(minutes=3), "UNSHIPPED"),
            (t + span(hours=5), "PARTIALLY_SHIPPED"),
            (t + span(hours=9), "CANCELLED"),
        ],
    )
    b.merchant_flow(span(days=1, hours=10, minutes=26, seconds=40), span(minutes=5), span(hours=30))
    return b.build()


def same_second_burst(count: int = 250) -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    created = span(hours=9, minutes=20, seconds=3)
    for _ in range(count):
        b.merchant_flow(created, span(minutes=4), span(days=1, hours=4, minutes=40))
    return b.build()


def fault_hour_503() -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    b.fault(span(hours=9, minutes=40), span(hours=11, minutes=10), "http_503")
    for k in range(24):
        created = span(hours=8, minutes=3, seconds=17) + span(minutes=9 * k, seconds=7 * k)
        if k % 4 == 3:
            b.fba_flow(created, span(hours=5, minutes=13))
        else:
            b.merchant_flow(created, span(minutes=3, seconds=30), span(hours=27))
    return b.build()


HARD_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "pending-20-days": pending_20_days,
    "fba-shipped-after-5-days": fba_shipped_after_5_days,
    "visibility-delay-15-min": visibility_delay_15_min,
    "late-indexing-25-min": late_indexing_25_min,
    "cancellation-after-import": cancellation_after_import,
    "same-second-burst": same_second_burst,
    "fault-hour-503": fault_hour_503,
}
