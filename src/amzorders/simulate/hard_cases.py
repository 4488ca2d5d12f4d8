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

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from amzorders.clock import format_instant

START = datetime(2026, 11, 2, tzinfo=UTC)
SELLER = "A1HARDCASES"
MARKETPLACE = "A13V1IB3VIYZZH"  # Amazon.fr
FORMAT = "amzorders-scenario/1"

Timeline = Iterable[tuple[timedelta, str]]


def _at(offset: timedelta) -> str:
    return format_instant(START + offset)


def _span(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


class _Builder:
    def __init__(self, days: float) -> None:
        self.days = days
        self.orders: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []

    def order(
        self,
        fulfilled_by: str,
        timeline: Timeline,
        *,
        indexing_delay_s: float | None = None,
        quantity: int = 1,
    ) -> str:
        number = len(self.orders) + 1
        order_id = f"402-{number:07d}-{(number * 7919) % 10_000_000:07d}"
        order: dict[str, Any] = {
            "order_id": order_id,
            "seller_id": SELLER,
            "marketplace_id": MARKETPLACE,
            "fulfilled_by": fulfilled_by,
            "service_level": "STANDARD",
            "currency": "EUR",
            "buyer": {"name": f"Client {number}", "email": f"c{number}@marketplace.amazon.fr"},
            "recipient": {
                "name": f"Client {number}",
                "address_line1": f"{number} rue des Lilas",
                "city": "Lyon",
                "postal_code": "69003",
                "country_code": "FR",
                "phone": "+33 4 00 00 00 00",
            },
            "items": [
                {
                    "order_item_id": f"{number:08d}1",
                    "sku": "MUG-01",
                    "asin": "B0EXAMPLE1",
                    "title": "Mug",
                    "quantity": quantity,
                    "unit_price": "11.90",
                    "tax": f"{2.38 * quantity:.2f}",
                }
            ],
            "shipping_price": "4.99",
            "shipping_tax": "1.00",
            "timeline": [{"at": _at(offset), "status": status} for offset, status in timeline],
        }
        if indexing_delay_s is not None:
            order["indexing_delay_s"] = indexing_delay_s
        self.orders.append(order)
        return order_id

    def fault(
        self, start: timedelta, end: timedelta, kind: str, operations=("searchOrders", "getOrder")
    ) -> None:
        self.faults.append(
            {
                "from": _at(start),
                "to": _at(end),
                "operations": list(operations),
                "kind": kind,
                "probability": 1.0,
            }
        )

    def scenario(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "start": _at(timedelta(0)),
            "end": _at(timedelta(days=self.days)),
            "indexing_delay_s": 120,
            "sellers": [{"seller_id": SELLER, "marketplace_ids": [MARKETPLACE]}],
            "orders": self.orders,
        }
        if self.faults:
            data["faults"] = self.faults
        return data


def _merchant_flow(
    b: _Builder, created: timedelta, paid_after: timedelta, shipped_after: timedelta, **kw
) -> str:
    return b.order(
        "MERCHANT",
        [(created, "PENDING"), (created + paid_after, "UNSHIPPED"), (created + shipped_after, "SHIPPED")],
        **kw,
    )


def _fba_flow(b: _Builder, created: timedelta, shipped_after: timedelta, **kw) -> str:
    return b.order(
        "AMAZON",
        [
            (created, "PENDING"),
            (created + _span(minutes=6), "UNSHIPPED"),
            (created + shipped_after, "SHIPPED"),
        ],
        **kw,
    )


def pending_20_days() -> dict[str, Any]:
    b = _Builder(days=21)
    _merchant_flow(b, _span(hours=10, minutes=7, seconds=13), _span(days=20), _span(days=20, hours=4))
    _merchant_flow(b, _span(hours=11, minutes=2, seconds=41), _span(minutes=4), _span(days=1, hours=2))
    _merchant_flow(b, _span(hours=12, minutes=11, seconds=5), _span(hours=1, minutes=3), _span(hours=22))
    # Held three days, then waits two days for the merchant: the daily doublecheck finds it.
    _merchant_flow(b, _span(days=1, hours=9, minutes=48), _span(days=3), _span(days=5, hours=1))
    _merchant_flow(b, _span(days=10, hours=16, minutes=21, seconds=7), _span(minutes=3), _span(days=1))
    return b.scenario()


def fba_shipped_after_5_days() -> dict[str, Any]:
    b = _Builder(days=6)
    _fba_flow(b, _span(hours=9, minutes=12, seconds=44), _span(days=5, hours=3, minutes=1))
    _fba_flow(b, _span(hours=14, minutes=37, seconds=2), _span(days=1, hours=2, minutes=11))
    _fba_flow(b, _span(days=1, hours=8, minutes=3, seconds=9), _span(days=3, hours=1, minutes=7))
    _fba_flow(b, _span(days=2, hours=20, minutes=51, seconds=30), _span(hours=7, minutes=44))
    return b.scenario()


def visibility_delay_15_min() -> dict[str, Any]:
    b = _Builder(days=2)
    base = _span(hours=10, minutes=1, seconds=17)
    for k in range(12):
        created = base + _span(minutes=7 * k, seconds=11 * k)
        # Shipped before the order is a day old, so only the window can import it.
        _merchant_flow(b, created, _span(minutes=3), _span(hours=20), indexing_delay_s=900)
    for k in range(4):
        _fba_flow(b, base + _span(minutes=19 * k), _span(hours=26), indexing_delay_s=900)
    return b.scenario()


def late_indexing_25_min() -> dict[str, Any]:
    """Updates searchOrders indexes 25 minutes late: more than the product's 15-minute overlap
    (the generator gives 0.5 % of orders a 10-30 minute delay)."""
    b = _Builder(days=3)
    base = _span(hours=9, minutes=12, seconds=31)
    late = 1500.0
    # Shipped the day after purchase: later than the reconciliation of the purchase day.
    for k in range(4):
        _merchant_flow(
            b, base + _span(minutes=23 * k), _span(minutes=4), _span(hours=30), indexing_delay_s=late
        )
    for k in range(2):
        _fba_flow(b, base + _span(minutes=31 * k, seconds=9), _span(hours=32), indexing_delay_s=late)
    return b.scenario()


def cancellation_after_import() -> dict[str, Any]:
    b = _Builder(days=3)
    t = _span(hours=9, minutes=3, seconds=21)
    b.order(
        "MERCHANT", [(t, "PENDING"), (t + _span(minutes=4), "UNSHIPPED"), (t + _span(hours=3), "CANCELLED")]
    )
    t = _span(hours=11, minutes=17, seconds=2)
    b.order(
        "MERCHANT", [(t, "PENDING"), (t + _span(minutes=2), "UNSHIPPED"), (t + _span(days=1), "CANCELLED")]
    )
    t = _span(hours=13, minutes=44, seconds=50)
    b.order("MERCHANT", [(t, "PENDING"), (t + _span(minutes=40), "CANCELLED")])  # never importable
    t = _span(hours=15, minutes=8, seconds=8)
    b.order(
        "AMAZON", [(t, "PENDING"), (t + _span(minutes=5), "UNSHIPPED"), (t + _span(hours=8), "CANCELLED")]
    )
    t = _span(days=1, hours=7, minutes=51)
    b.order(
        "MERCHANT",
        [
            (t, "PENDING"),
            (t + _span(minutes=3), "UNSHIPPED"),
            (t + _span(hours=5), "PARTIALLY_SHIPPED"),
            (t + _span(hours=9), "CANCELLED"),
        ],
    )
    _merchant_flow(b, _span(days=1, hours=10, minutes=26, seconds=40), _span(minutes=5), _span(hours=30))
    return b.scenario()


def same_second_burst(count: int = 250) -> dict[str, Any]:
    b = _Builder(days=2)
    created = _span(hours=9, minutes=20, seconds=3)
    for _ in range(count):
        _merchant_flow(b, created, _span(minutes=4), _span(days=1, hours=4, minutes=40))
    return b.scenario()


def fault_hour_503() -> dict[str, Any]:
    b = _Builder(days=2)
    b.fault(_span(hours=9, minutes=40), _span(hours=11, minutes=10), "http_503")
    for k in range(24):
        created = _span(hours=8, minutes=3, seconds=17) + _span(minutes=9 * k, seconds=7 * k)
        if k % 4 == 3:
            _fba_flow(b, created, _span(hours=5, minutes=13))
        else:
            _merchant_flow(b, created, _span(minutes=3, seconds=30), _span(hours=27))
    return b.scenario()


HARD_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "pending-20-days": pending_20_days,
    "fba-shipped-after-5-days": fba_shipped_after_5_days,
    "visibility-delay-15-min": visibility_delay_15_min,
    "late-indexing-25-min": late_indexing_25_min,
    "cancellation-after-import": cancellation_after_import,
    "same-second-burst": same_second_burst,
    "fault-hour-503": fault_hour_503,
}
