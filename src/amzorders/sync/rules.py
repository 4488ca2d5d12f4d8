"""The import rules, as pure functions: when an Amazon order enters the shop, with what status and data.

No I/O here: the engine, the pending watch, reconciliation and the simulation's ground truth all apply
these same functions, so "what should the shop show" has one answer.

- MERCHANT orders are created once UNSHIPPED, or when first seen PARTIALLY_SHIPPED or SHIPPED.
- AMAZON (FBA) orders are created once shipped (PARTIALLY_SHIPPED or SHIPPED: the stock has left), or
  already at UNSHIPPED with `fba_import_at_unshipped`.
- PENDING and PENDING_AVAILABILITY are recorded and watched, never created (no price, no address yet).
- CANCELLED before creation: never created. CANCELLED after creation: cancelled in the shop.
- Any later change (e.g. SHIPPED) moves the shop order's status. One shop order per Amazon order, ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from amzorders.amazon.constants import FulfilledBy, FulfillmentStatus
from amzorders.amazon.models import Order
from amzorders.clock import format_instant
from amzorders.ledger.orders import Known, SnapshotPlan
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.money import Money, MoneyError
from amzorders.shops.port import OrderDraft, OrderLine, PostalAddress, ShopOrderStatus

_SHOP_STATUS = {
    FulfillmentStatus.UNSHIPPED: ShopOrderStatus.TO_SHIP,
    FulfillmentStatus.PARTIALLY_SHIPPED: ShopOrderStatus.PARTIALLY_SHIPPED,
    FulfillmentStatus.SHIPPED: ShopOrderStatus.SHIPPED,
    FulfillmentStatus.CANCELLED: ShopOrderStatus.CANCELLED,
}
_SHIPPED = frozenset({FulfillmentStatus.PARTIALLY_SHIPPED, FulfillmentStatus.SHIPPED})
PENDING_STATUSES = frozenset({FulfillmentStatus.PENDING, FulfillmentStatus.PENDING_AVAILABILITY})


def shop_status_for(amazon_status: str) -> ShopOrderStatus | None:
    """The shop status that mirrors an Amazon fulfillmentStatus (None: no shop meaning, e.g. PENDING)."""
    return _SHOP_STATUS.get(amazon_status)


def is_importable(
    amazon_status: str, fulfilled_by: str | None, *, fba_import_at_unshipped: bool = False
) -> bool:
    """May an order in this status be created in the shop? (Unknown `fulfilled_by` follows FBA's rule.)"""
    if amazon_status in _SHIPPED:
        return True
    if amazon_status == FulfillmentStatus.UNSHIPPED:
        return fulfilled_by == FulfilledBy.MERCHANT or fba_import_at_unshipped
    return False


class Action(StrEnum):
    WAIT = "wait"  # not importable yet: record and watch
    CREATE = "create"  # create in the shop with `target`
    UPDATE = "update"  # already in the shop: move it to `target`
    NOTHING = "nothing"  # already in the shop with the right status
    NEVER = "never"  # cancelled before it was ever created: never create it


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    target: ShopOrderStatus | None = None


def decide(
    amazon_status: str,
    fulfilled_by: str | None,
    *,
    shop_status: ShopOrderStatus | str | None,
    fba_import_at_unshipped: bool = False,
) -> Decision:
    """What to do with an order now in `amazon_status`; `shop_status` is None when it is not in the shop."""
    if shop_status is None:
        if amazon_status == FulfillmentStatus.CANCELLED:
            return Decision(Action.NEVER)
        if is_importable(amazon_status, fulfilled_by, fba_import_at_unshipped=fba_import_at_unshipped):
            return Decision(Action.CREATE, shop_status_for(amazon_status))
        return Decision(Action.WAIT)
    current = ShopOrderStatus(shop_status)
    target = shop_status_for(amazon_status)
    if current is ShopOrderStatus.CANCELLED or target is None or target is current:
        return Decision(Action.NOTHING, current)  # a cancelled shop order is final
    return Decision(Action.UPDATE, target)


# --- Ledger shop states (where an order stands with the shop) -------------------------------------------


def next_shop_state(decision: Decision, *, current: str | None, park_reason: str | None) -> ShopState:
    """The ledger state after a new Amazon snapshot; a failure keeps its backoff, a human park stays."""
    if decision.action is Action.NEVER:
        return ShopState.CANCELLED
    if decision.action is Action.WAIT:
        return ShopState.WAITING
    if decision.action is Action.NOTHING:
        return ShopState.CANCELLED if decision.target is ShopOrderStatus.CANCELLED else ShopState.CREATED
    if current == ShopState.FAILED:
        return ShopState.FAILED
    if current == ShopState.PARKED and park_reason != ParkReason.DATA:
        return ShopState.PARKED
    if current == ShopState.PREVIOUS:
        return ShopState.PREVIOUS
    return ShopState.TO_CREATE if decision.action is Action.CREATE else ShopState.TO_UPDATE


# What the previous importer created orders in: (fulfilled_by, fulfillmentStatus) pairs.
PreviousImports = frozenset[tuple[str, str]]
_PREVIOUS_STATUSES = tuple(s.value for s in FulfillmentStatus if s is not FulfillmentStatus.CANCELLED)


def previous_imports(items: Iterable[str]) -> PreviousImports:
    """The statuses a previous importer created orders in, as its settings list them: `UNSHIPPED` (both
    channels) or `AMAZON:UNSHIPPED`, `MERCHANT:PENDING` (one). Raises ValueError naming the bad item."""
    pairs: set[tuple[str, str]] = set()
    for item in items:
        channel, _, status = item.strip().upper().rpartition(":")
        channels = [channel] if channel else [c.value for c in FulfilledBy]
        if status not in _PREVIOUS_STATUSES or not set(channels) <= {c.value for c in FulfilledBy}:
            raise ValueError(
                f"{item!r} is not a status, optionally with its channel (e.g. UNSHIPPED or "
                f"AMAZON:UNSHIPPED): one of {', '.join(_PREVIOUS_STATUSES)}"
            )
        pairs.update((c, status) for c in channels)
    return frozenset(pairs)


def plan_snapshot(
    order: Order,
    known: Known | None,
    *,
    fba_import_at_unshipped: bool = False,
    switch_over_at: datetime | None = None,
    previous_took: PreviousImports | None = None,
) -> SnapshotPlan:
    """The ledger's shop state for a new snapshot of `order`, given what the ledger knew (None: new).

    `switch_over_at`: when the shop's previous importer was stopped. An order Amazon created before it
    and seen for the first time in a status that importer created orders in may be in the shop already
    (that importer keeps no trace amzorders can read), so it is left to it (`PREVIOUS`) instead of created
    a second time; `retry` creates it. `previous_took` lists those statuses; by default, the ones
    amzorders imports at (`is_importable`). Any other order (PENDING, or FBA not shipped, at the switch by
    default) was not imported by it, and is created when it becomes importable, as is every order created
    after the switch. One left to the previous importer that Amazon cancels, or ships for the merchant,
    gets an `attention`: amzorders cannot move that importer's shop order, a human must."""
    plan = plan_status(
        order.fulfillment_status, order.fulfilled_by, known, fba_import_at_unshipped=fba_import_at_unshipped
    )
    if known is None and switch_over_at is not None and order.created_time < switch_over_at:
        if previous_took is None:
            took, seen = plan.shop_state is ShopState.TO_CREATE, "ready to import"
        else:
            took = (order.fulfilled_by, order.fulfillment_status) in previous_took
            seen = f"{order.fulfillment_status} ({order.fulfilled_by}), a status it imported"
        if took:
            note = (
                f"created on Amazon {format_instant(order.created_time)}, before the switch from the "
                f"previous importer ({format_instant(switch_over_at)}), and first seen {seen}: left to it. "
                f"If the shop does not have it, `amzorders orders retry {order.order_id}` creates it"
            )
            return replace(plan, shop_state=ShopState.PREVIOUS, note=note)
    if known is not None and known.shop_state == ShopState.PREVIOUS:
        attention = _previous_needs_a_hand(order, known, plan)
        if attention is not None:
            return replace(plan, attention=attention)
    if order.fulfillment_status not in _KNOWN_STATUSES:
        return replace(
            plan,
            attention=(
                f"order {order.order_id}: Amazon status {order.fulfillment_status!r} is unknown to "
                "amzorders: the order waits, neither created nor cancelled, until Amazon moves it to a "
                "known status"
            ),
        )
    return plan


_KNOWN_STATUSES = frozenset(s.value for s in FulfillmentStatus)


def _previous_needs_a_hand(order: Order, known: Known, plan: SnapshotPlan) -> str | None:
    """What a human must do in the shop for an order left to the previous importer, which no longer
    runs: cancel it when Amazon cancels it; mark it shipped when Amazon ships it for the merchant (FBA:
    that importer may have created it before shipping, and only it would have moved it)."""
    left = "it was left to the previous importer at the switch, which may have created it"
    if plan.shop_state is ShopState.CANCELLED:
        return f"order {order.order_id}: cancelled on Amazon; {left}: if the shop has it, cancel it there"
    if (
        order.fulfilled_by == FulfilledBy.AMAZON
        and order.fulfillment_status in _SHIPPED
        and known.status not in _SHIPPED
    ):
        return f"order {order.order_id}: shipped by Amazon; {left}: if the shop has it, mark it shipped there"
    return None


# Shop states of an order not known in the shop whose creation may have reached it all the same: a
# push that crashed between the shop call and the ledger write (to_create), a call whose answer was lost
# (failed: a timeout after PrestaShop created it), a shop that refused it after creating it (parked:
# PrestaShop's "Payment error" on a total mismatch), or a lookup already planned (to_update).
_MAYBE_IN_THE_SHOP = frozenset({ShopState.TO_CREATE, ShopState.FAILED, ShopState.TO_UPDATE})


def creation_may_have_happened(known: Known) -> bool:
    """Could the shop hold this order although the ledger knows no shop order for it?"""
    if known.shop_status is not None:
        return False
    if known.shop_state == ShopState.PARKED:
        return known.park_reason == ParkReason.REJECTED  # data and unknown SKUs never reach the shop
    return known.shop_state in _MAYBE_IN_THE_SHOP


def plan_status(
    status: str, fulfilled_by: str | None, known: Known | None, *, fba_import_at_unshipped: bool = False
) -> SnapshotPlan:
    """`plan_snapshot` from the order's status and fulfilment channel alone (all the rules look at): a
    shop outcome written after a newer version is planned again from the row, without its snapshot."""
    decision = decide(
        status,
        fulfilled_by,
        shop_status=known.shop_status if known else None,
        fba_import_at_unshipped=fba_import_at_unshipped,
    )
    if decision.action is Action.NEVER and known is not None and creation_may_have_happened(known):
        # Cancelled while its creation is unconfirmed: the push looks it up and cancels it if it is there.
        return SnapshotPlan(ShopState.TO_UPDATE, ShopOrderStatus.CANCELLED, False)
    state = next_shop_state(
        decision,
        current=known.shop_state if known else None,
        park_reason=known.park_reason if known else None,
    )
    importable = is_importable(status, fulfilled_by, fba_import_at_unshipped=fba_import_at_unshipped)
    return SnapshotPlan(state, decision.target, importable)


# --- Ground truth over a whole timeline (simulation) ----------------------------------------------------


def _statuses(timeline: Iterable[Any]) -> Iterable[tuple[datetime | None, str]]:
    for event in timeline:
        if isinstance(event, str):
            yield None, event
        elif isinstance(event, tuple):
            yield event[0], event[1]
        else:
            yield event.at, event.status


def expected_shop_status(
    fulfilled_by: str | None, timeline: Iterable[Any], *, fba_import_at_unshipped: bool = False
) -> ShopOrderStatus | None:
    """The shop status an order must end with once its whole timeline was seen; None: never in the shop.

    `timeline` holds statuses in time order: plain strings, `(at, status)` pairs or objects with `.at`
    and `.status` (the simulator's `TimelineEvent`). CANCELLED means the order was importable, then
    cancelled: it must be cancelled in the shop if it got there (an importer that only saw it cancelled
    rightly never creates it).
    """
    shop_status: ShopOrderStatus | None = None
    for _, status in _statuses(timeline):
        decision = decide(
            status, fulfilled_by, shop_status=shop_status, fba_import_at_unshipped=fba_import_at_unshipped
        )
        if decision.action in (Action.CREATE, Action.UPDATE):
            shop_status = decision.target
        elif decision.action is Action.NEVER:
            return None
    return shop_status


def importable_since(
    fulfilled_by: str | None, timeline: Iterable[Any], *, fba_import_at_unshipped: bool = False
) -> datetime | None:
    """When the order first became importable (latency is measured from there); None if it never did."""
    for at, status in _statuses(timeline):
        if status == FulfillmentStatus.CANCELLED:
            return None
        if is_importable(status, fulfilled_by, fba_import_at_unshipped=fba_import_at_unshipped):
            return at
    return None


# --- Amazon order -> shop draft ---------------------------------------------------------------------------


class DraftError(ValueError):
    """The order cannot become a shop order yet; names the order, the field and what is wrong."""

    def __init__(self, order_id: str, problem: str) -> None:
        super().__init__(f"order {order_id}: {problem}")
        self.order_id = order_id
        self.problem = problem


def build_draft(order: Order, account: str, *, status: ShopOrderStatus | None = None) -> OrderDraft:
    """The shop-neutral order, amounts exact: lines at unit price (tax excluded) with their tax,
    shipping and its tax, and Amazon's grand total as the total."""
    currency = order.currency
    if currency is None:
        raise DraftError(order.order_id, "has no price yet (no grandTotal, no unitPrice): cannot be created")
    if order.marketplace_id is None:
        raise DraftError(order.order_id, "field 'salesChannel.marketplaceId' is missing")
    status = status or shop_status_for(order.fulfillment_status)
    if status is None:
        raise DraftError(order.order_id, f"status {order.fulfillment_status} has no shop equivalent")
    try:
        return _draft(order, account, currency, status)
    except MoneyError as exc:
        raise DraftError(order.order_id, f"inconsistent amounts: {exc}") from exc


def _draft(order: Order, account: str, currency: str, status: ShopOrderStatus) -> OrderDraft:
    zero = Money.zero(currency)
    lines: list[OrderLine] = []
    shipping, shipping_tax, discount = zero, zero, zero
    for index, item in enumerate(order.items):
        shipping += item.shipping or zero
        shipping_tax += item.shipping_tax or zero
        discount += item.discount or zero
        if item.quantity_ordered == 0:
            continue  # an item cancelled before shipping: nothing to sell
        field = f"orderItems[{index}]"
        if not item.seller_sku:
            raise DraftError(order.order_id, f"field '{field}.product.sellerSku' is missing")
        unit_price = item.unit_price
        if unit_price is None and item.item_subtotal is not None:
            unit_price = Money(item.item_subtotal.amount / item.quantity_ordered, currency)
        if unit_price is None:
            raise DraftError(
                order.order_id, f"field '{field}.product.price.unitPrice' is missing ({item.seller_sku})"
            )
        lines.append(
            OrderLine(
                sku=item.seller_sku,
                quantity=item.quantity_ordered,
                unit_price=unit_price + zero,  # `+ zero` checks the currency
                tax=(item.item_tax or zero) + zero,
                title=item.title,
                asin=item.asin,
                amazon_item_id=item.order_item_id,
            )
        )
    if not lines:
        raise DraftError(order.order_id, "has no item with a quantity to sell")
    computed = sum((line.total_with_tax for line in lines), zero) + shipping + shipping_tax + discount
    grand_total = order.grand_total + zero if order.grand_total is not None else computed
    if grand_total.amount < 0:
        raise DraftError(order.order_id, f"field 'proceeds.grandTotal' is negative ({grand_total})")
    return OrderDraft(
        amazon_order_id=order.order_id,
        account=account,
        marketplace_id=order.marketplace_id or "",
        currency=currency,
        purchased_at=order.created_time,
        fulfilled_by=order.fulfilled_by or FulfilledBy.MERCHANT,
        service_level=order.service_level,
        status=status,
        lines=tuple(lines),
        shipping=shipping,
        shipping_tax=shipping_tax,
        total=grand_total,
        buyer_name=order.buyer.name if order.buyer else None,
        buyer_email=order.buyer.email if order.buyer else None,
        delivery_address=_postal_address(order),
        programs=order.programs,
    )


def _postal_address(order: Order) -> PostalAddress | None:
    """The delivery address when complete enough to ship to (FBA orders often carry none)."""
    r = order.recipient
    if r is None or not (r.name and r.line1 and r.city and r.country_code):
        return None
    return PostalAddress(
        name=r.name,
        line1=r.line1,
        city=r.city,
        country_code=r.country_code,
        line2=r.line2,
        line3=r.line3,
        postal_code=r.postal_code,
        state_or_region=r.state_or_region,
        phone=r.phone,
        company=r.company_name,
    )
