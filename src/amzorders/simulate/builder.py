"""Small scenarios in the `amzorders-scenario/1` format, written by hand in Python.

One builder for the hard cases (`simulate.hard_cases`, `bench/hard_cases.py`) and the engine tests, so
they all share one order shape: a mug at 11.90 EUR (tax 2.38 each), shipped to Lyon, its timeline given
as offsets from the scenario's start. `build()` returns the scenario as its JSON object (`load_scenario`
reads it, `json.dump` writes it), so the very same data can be replayed from a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from amzorders.clock import format_instant

START = datetime(2026, 11, 2, tzinfo=UTC)
SELLER = "A1HARDCASES"
MARKETPLACE = "A13V1IB3VIYZZH"  # Amazon.fr
FORMAT = "amzorders-scenario/1"

Timeline = Iterable[tuple[timedelta, str]]


def span(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class ScenarioBuilder:
    """Orders and faults added one by one; order ids are numbered, so a builder's output is stable.

    The defaults are the hard cases' order; tests that want another seller, quantity or shipping price
    set those fields (or subclass with other defaults).
    """

    days: float = 3
    indexing_delay_s: float = 120
    seller_id: str = SELLER
    marketplace_id: str = MARKETPLACE
    order_prefix: str = "402"
    quantity: int = 1
    shipping_price: str = "4.99"
    shipping_tax: str = "1.00"
    orders: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def at(self, offset: timedelta) -> str:
        return format_instant(START + offset)

    def order(
        self,
        fulfilled_by: str,
        timeline: Timeline,
        *,
        indexing_delay_s: float | None = None,
        quantity: int | None = None,
    ) -> str:
        """Adds one order (one line of mugs) and returns its id."""
        number = len(self.orders) + 1
        quantity = self.quantity if quantity is None else quantity
        order_id = f"{self.order_prefix}-{number:07d}-{(number * 7919) % 10_000_000:07d}"
        order: dict[str, Any] = {
            "order_id": order_id,
            "seller_id": self.seller_id,
            "marketplace_id": self.marketplace_id,
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
            "shipping_price": self.shipping_price,
            "shipping_tax": self.shipping_tax,
            "timeline": [{"at": self.at(offset), "status": status} for offset, status in timeline],
        }
        if indexing_delay_s is not None:
            order["indexing_delay_s"] = indexing_delay_s
        self.orders.append(order)
        return order_id

    def merchant_flow(
        self, created: timedelta, paid_after: timedelta, shipped_after: timedelta, **kw: Any
    ) -> str:
        """A MERCHANT order: PENDING, UNSHIPPED once paid, then SHIPPED (both delays from `created`)."""
        return self.order(
            "MERCHANT",
            [(created, "PENDING"), (created + paid_after, "UNSHIPPED"), (created + shipped_after, "SHIPPED")],
            **kw,
        )

    def fba_flow(self, created: timedelta, shipped_after: timedelta, **kw: Any) -> str:
        """An FBA order: PENDING, UNSHIPPED 6 minutes later, SHIPPED `shipped_after` the purchase."""
        return self.order(
            "AMAZON",
            [
                (created, "PENDING"),
                (created + span(minutes=6), "UNSHIPPED"),
                (created + shipped_after, "SHIPPED"),
            ],
            **kw,
        )

    def fault(
        self,
        start: timedelta,
        end: timedelta,
        kind: str = "http_503",
        operations: Iterable[str] = ("searchOrders", "getOrder"),
    ) -> None:
        self.faults.append(
            {
                "from": self.at(start),
                "to": self.at(end),
                "operations": list(operations),
                "kind": kind,
                "probability": 1.0,
            }
        )

    def build(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "start": self.at(timedelta(0)),
            "end": self.at(timedelta(days=self.days)),
            "indexing_delay_s": self.indexing_delay_s,
            "sellers": [{"seller_id": self.seller_id, "marketplace_ids": [self.marketplace_id]}],
            "orders": self.orders,
        }
        if self.faults:
            data["faults"] = self.faults
        return data


def backlog(
    orders: int,
    *,
    before: datetime,
    sellers: Sequence[str] = (SELLER,),
    marketplace_id: str = MARKETPLACE,
    usage_plans: dict[str, dict[str, float]] | None = None,
    faults: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What a first import finds: `orders` MERCHANT orders per seller, created evenly over the 29 days
    from 30 days `before`, each UNSHIPPED (importable) 5 minutes after purchase. Bare orders (no buyer,
    no address), so thousands load quickly; the scenario runs until 30 days after `before`."""
    spacing = (29 * 24 * 3600) / max(orders, 1)
    start = before - timedelta(days=30)

    def bare_order(number: int, seller_id: str, created: datetime) -> dict[str, Any]:
        return {
            "order_id": f"405-{number // 10_000_000:07d}-{number % 10_000_000:07d}",
            "seller_id": seller_id,
            "marketplace_id": marketplace_id,
            "fulfilled_by": "MERCHANT",
            "service_level": "STANDARD",
            "currency": "EUR",
            "items": [
                {
                    "order_item_id": f"{number}1",
                    "sku": "MUG-01",
                    "asin": "B0EXAMPLE1",
                    "title": "Mug",
                    "quantity": 1,
                    "unit_price": "11.90",
                    "tax": "2.38",
                }
            ],
            "timeline": [
                {"at": format_instant(created), "status": "PENDING"},
                {"at": format_instant(created + timedelta(minutes=5)), "status": "UNSHIPPED"},
            ],
        }

    return {
        "format": FORMAT,
        "start": format_instant(start),
        "end": format_instant(before + timedelta(days=30)),
        "indexing_delay_s": 120,
        "sellers": [
            {"seller_id": seller, "marketplace_ids": [marketplace_id], "usage_plans": usage_plans or {}}
            for seller in sellers
        ],
        "orders": [
            bare_order(s * 1_000_000 + n, seller, start + timedelta(seconds=n * spacing))
            for s, seller in enumerate(sellers)
            for n in range(orders)
        ],
        "faults": list(faults),
    }
