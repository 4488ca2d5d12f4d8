"""Ground truth: what the shop must hold at the end of a simulation, read from the scenario's timelines.

The truth applies the importer's own rules (issue 4, point 2) to what Amazon did, not to what any importer
saw: MERCHANT orders become importable at UNSHIPPED (or when first PARTIALLY_SHIPPED or SHIPPED), AMAZON
orders once shipped (optionally at UNSHIPPED); PENDING orders are never created; an order cancelled before it
was importable must never appear; an order cancelled after it was importable may have been created (then
it must be cancelled in the shop) or not (if the cancellation came before the importer saw it).

The predicates are those of `amzorders.sync.rules` (the engine's own), so the truth and the engine cannot
drift apart silently; what the truth adds is the time dimension (when, and what if cancelled later).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from amzorders.amazon.constants import FulfillmentStatus
from amzorders.shops.port import ShopOrderStatus
from amzorders.sim.scenario import OrderSpec, Scenario
from amzorders.sync.rules import is_importable, shop_status_for

__all__ = [
    "ExpectedOrder",
    "Presence",
    "expected_order",
    "expected_orders",
    "is_importable",
    "shop_status_for",
]


class Presence(StrEnum):
    """Whether an order must, may or must not be in the shop at the end."""

    REQUIRED = "required"  # importable at some point and not cancelled: must exist, in `status`
    OPTIONAL = "optional"  # importable, then cancelled: absent, or present and cancelled
    FORBIDDEN = "forbidden"  # never importable (pending, cancelled first, FBA never shipped)


@dataclass(frozen=True, slots=True)
class ExpectedOrder:
    order_id: str
    seller_id: str
    fulfilled_by: str
    created_at: datetime
    importable_at: datetime | None  # when Amazon first made it importable (latency starts here)
    final_amazon_status: str  # the last status at or before the horizon
    presence: Presence
    status: ShopOrderStatus | None  # the shop status it must have if present
    total: Decimal  # Amazon's grand total, in the order's currency
    currency: str


def expected_order(
    order: OrderSpec, horizon: datetime | None = None, *, fba_import_at_unshipped: bool = False
) -> ExpectedOrder:
    """The truth for one order, from its timeline up to `horizon` (None: the whole timeline)."""
    importable_at: datetime | None = None
    final = order.timeline[0].status
    for event in order.timeline:
        if horizon is not None and event.at > horizon:
            break
        final = event.status
        if final == FulfillmentStatus.CANCELLED:
            break
        if importable_at is None and is_importable(
            final, order.fulfilled_by, fba_import_at_unshipped=fba_import_at_unshipped
        ):
            importable_at = event.at
    if importable_at is None:
        presence, status = Presence.FORBIDDEN, None
    elif final == FulfillmentStatus.CANCELLED:
        presence, status = Presence.OPTIONAL, ShopOrderStatus.CANCELLED
    else:
        presence, status = Presence.REQUIRED, shop_status_for(final)
    return ExpectedOrder(
        order_id=order.order_id,
        seller_id=order.seller_id,
        fulfilled_by=order.fulfilled_by,
        created_at=order.created_at,
        importable_at=importable_at,
        final_amazon_status=final,
        presence=presence,
        status=status,
        total=order.grand_total,
        currency=order.currency,
    )


def expected_orders(
    scenario: Scenario, horizon: datetime | None = None, *, fba_import_at_unshipped: bool = False
) -> Iterator[ExpectedOrder]:
    """The truth for every order of the scenario, one at a time (a month of orders is never held twice)."""
    for order in scenario.orders:
        yield expected_order(order, horizon, fba_import_at_unshipped=fba_import_at_unshipped)
