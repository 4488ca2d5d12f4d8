"""Compare the shop with the ground truth, order by order.

Works in chunks of ids so a month of orders is never held twice in memory, and through a `ShopInventory`
(bulk listing for the built-in store, one lookup per order for any other `Shop`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import Any

from amzorders.money import Money
from amzorders.shops.port import ShopOrder, ShopOrderStatus

from .truth import ExpectedOrder, Presence

# Every shop order recorded for these Amazon ids (several for one id = duplicates).
ShopInventory = Callable[[Sequence[str]], Iterable[ShopOrder]]

CHUNK = 1000


@dataclass(slots=True)
class Audit:
    """What the shop holds compared with the truth; `SimulationReport` carries these fields too."""

    orders_total: int = 0
    orders_expected: int = 0
    imported: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: int = 0
    wrong_status: list[str] = field(default_factory=list)
    amount_mismatch: list[str] = field(default_factory=list)
    cancel_not_propagated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # in the shop though never importable
    latencies: list[float] = field(default_factory=list)  # seconds from importable to created

    def findings(self) -> dict[str, Any]:
        """The fields as keyword arguments (for a `SimulationReport`)."""
        return {f.name: getattr(self, f.name) for f in fields(Audit)}


def audit_shop(
    truth: Iterable[ExpectedOrder], inventory: ShopInventory, created_at: Mapping[str, float]
) -> Audit:
    """Judge every order of the truth against the shop; `created_at` is each creation's epoch second."""
    result = Audit()
    for chunk in _chunks(iter(truth), CHUNK):
        found: dict[str, list[ShopOrder]] = {}
        for shop_order in inventory([expected.order_id for expected in chunk]):
            found.setdefault(shop_order.amazon_order_id, []).append(shop_order)
        for expected in chunk:
            _judge(expected, found.get(expected.order_id, ()), created_at, result)
    return result


def _judge(
    expected: ExpectedOrder, present: Sequence[ShopOrder], created_at: Mapping[str, float], result: Audit
) -> None:
    result.orders_total += 1
    if expected.presence is Presence.REQUIRED:
        result.orders_expected += 1
    if not present:
        if expected.presence is Presence.REQUIRED:
            result.missing.append(expected.order_id)
        return
    result.imported += 1
    result.duplicates += len(present) - 1
    shop_order = present[0]
    if expected.presence is Presence.FORBIDDEN:
        result.unexpected.append(expected.order_id)
        return
    if expected.status is ShopOrderStatus.CANCELLED:
        if shop_order.status != ShopOrderStatus.CANCELLED:
            result.cancel_not_propagated.append(expected.order_id)
    elif shop_order.status != expected.status:
        result.wrong_status.append(expected.order_id)
    total = shop_order.total
    if total.currency != expected.currency or not Money(expected.total, total.currency).same_to_the_cent(
        total
    ):
        result.amount_mismatch.append(expected.order_id)
    created = created_at.get(expected.order_id)
    if created is not None and expected.importable_at is not None:
        result.latencies.append(max(0.0, created - expected.importable_at.timestamp()))


def _chunks(items: Iterator[ExpectedOrder], size: int) -> Iterator[list[ExpectedOrder]]:
    while chunk := list(islice(items, size)):
        yield chunk
