"""Typed, immutable orders parsed from Orders API v2026-01-01 JSON.

Only what an importer needs is modelled; the raw JSON stays available to whoever fetched it. Enum-valued
fields are plain strings (see `constants`): Amazon adds values, and an unknown one must not lose an order.
PENDING orders legitimately have no prices, proceeds or address, so those are optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from amzorders.clock import parse_instant
from amzorders.money import Money, MoneyError

from .constants import FulfilledBy, FulfillmentStatus, ProceedsType, Program

# No order's amount reaches this (10^15, in any currency): beyond it an amount is a corrupt value, and
# rounding it to the cent would overflow Decimal's 28-digit precision wherever it is compared.
IMPLAUSIBLE_AMOUNT = Decimal(10) ** 15


class OrderParseError(ValueError):
    """Amazon sent an order we cannot read; names the order and the field."""

    def __init__(self, order_id: str | None, field: str, problem: str) -> None:
        self.order_id = order_id
        self.field = field
        self.problem = problem
        where = f"order {order_id}" if order_id else "an order without orderId"
        super().__init__(f"{where}: field {field!r} {problem}")


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str | None = None
    email: str | None = None
    company_name: str | None = None
    purchase_order_number: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    name: str | None = None
    company_name: str | None = None
    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    district: str | None = None
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None
    address_type: str | None = None


@dataclass(frozen=True, slots=True)
class OrderItem:
    order_item_id: str
    quantity_ordered: int
    asin: str | None
    seller_sku: str | None
    title: str | None
    unit_price: Money | None  # product.price.unitPrice; absent while PENDING
    proceeds_total: Money | None  # proceeds.proceedsTotal (item + shipping + tax - discounts)
    item_subtotal: Money | None  # ITEM breakdown: unit price x quantity
    item_tax: Money | None  # TAX breakdown, ITEM part
    shipping: Money | None  # SHIPPING breakdown
    shipping_tax: Money | None  # TAX breakdown, SHIPPING part
    discount: Money | None  # DISCOUNT breakdown (negative)


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    created_time: datetime
    last_updated_time: datetime
    marketplace_id: str | None
    channel_name: str
    fulfillment_status: str
    fulfilled_by: str | None
    service_level: str | None
    programs: tuple[str, ...]
    items: tuple[OrderItem, ...]
    grand_total: Money | None
    buyer: Buyer | None
    recipient: Address | None

    @property
    def currency(self) -> str | None:
        if self.grand_total is not None:
            return self.grand_total.currency
        for item in self.items:
            if item.unit_price is not None:
                return item.unit_price.currency
        return None

    @property
    def is_amazon_fulfilled(self) -> bool:
        return self.fulfilled_by == FulfilledBy.AMAZON

    @property
    def is_prime(self) -> bool:
        return Program.PRIME in self.programs

    @property
    def is_business(self) -> bool:
        return Program.AMAZON_BUSINESS in self.programs

    @property
    def is_pending(self) -> bool:
        return self.fulfillment_status in (FulfillmentStatus.PENDING, FulfillmentStatus.PENDING_AVAILABILITY)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Order:
        return parse_order(data)


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """What a comparison with the shop needs of an order (reconciliation)."""

    order_id: str
    fulfillment_status: str
    fulfilled_by: str | None
    grand_total: Money | None
    last_updated_time: datetime  # the version compared (a repair never overwrites a newer one)


def parse_order_summary(data: Mapping[str, Any]) -> OrderSummary:
    """The status, fulfilment channel and total of one `Order` object, read as `parse_order` reads them
    but without the items and addresses (a reconciliation reads every order of a day; the normal path
    that records them parses and parks what is unreadable). Raises `OrderParseError` likewise."""
    return _untrusted(_parse_summary, data)


def _parse_summary(data: Mapping[str, Any]) -> OrderSummary:
    order_id, reader, fulfillment, proceeds = _head(data)
    return OrderSummary(
        order_id=order_id,
        fulfillment_status=fulfillment.get("fulfillmentStatus") or FulfillmentStatus.PENDING,
        fulfilled_by=fulfillment.get("fulfilledBy"),
        grand_total=reader.money(proceeds.get("grandTotal"), "proceeds.grandTotal"),
        last_updated_time=reader.instant(data, "lastUpdatedTime"),
    )


def _head(data: Mapping[str, Any]) -> tuple[str, _Reader, Mapping[str, Any], Mapping[str, Any]]:
    """The order id, a reader for its fields, its fulfillment and its proceeds."""
    if not isinstance(data, Mapping):
        raise OrderParseError(None, "order", f"must be an object, got {type(data).__name__}")
    order_id = data.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise OrderParseError(None, "orderId", "is missing or empty")
    reader = _Reader(order_id)
    fulfillment = reader.mapping(data, "fulfillment") or {}
    for key in ("fulfillmentStatus", "fulfilledBy", "fulfillmentServiceLevel"):
        if not isinstance(fulfillment.get(key), str | None):
            raise reader.fail(f"fulfillment.{key}", f"is not a string: {fulfillment[key]!r}")
    return order_id, reader, fulfillment, reader.mapping(data, "proceeds") or {}


def parse_order(data: Mapping[str, Any]) -> Order:
    """Parse one v2026-01-01 `Order` object; raise `OrderParseError` naming the order and field."""
    return _untrusted(_parse_order, data)


def _untrusted(parse, data: Any):
    """`parse(data)`, for Amazon's data as untrusted input: whatever shape it takes, the error is an
    `OrderParseError` (the order is parked with it and the page goes on), never another exception that
    would stop the run, and every later run of the account on the same order."""
    try:
        return parse(data)
    except OrderParseError:
        raise
    except (ValueError, TypeError, ArithmeticError, AttributeError, KeyError) as exc:
        order_id = data.get("orderId") if isinstance(data, Mapping) else None
        raise OrderParseError(
            order_id if isinstance(order_id, str) else None, "order", f"cannot be read: {exc!r}"
        ) from exc


def _parse_order(data: Mapping[str, Any]) -> Order:
    order_id, reader, fulfillment, proceeds = _head(data)
    channel = reader.mapping(data, "salesChannel", required=True)
    raw_items = data.get("orderItems")
    if not isinstance(raw_items, list):
        raise OrderParseError(order_id, "orderItems", "is missing or not a list")
    return Order(
        order_id=order_id,
        created_time=reader.instant(data, "createdTime"),
        last_updated_time=reader.instant(data, "lastUpdatedTime"),
        marketplace_id=channel.get("marketplaceId"),
        channel_name=reader.text(channel, "salesChannel.channelName", "channelName"),
        fulfillment_status=fulfillment.get("fulfillmentStatus") or FulfillmentStatus.PENDING,
        fulfilled_by=fulfillment.get("fulfilledBy"),
        service_level=fulfillment.get("fulfillmentServiceLevel"),
        programs=reader.strings(data, "programs"),
        items=tuple(reader.item(raw, index) for index, raw in enumerate(raw_items)),
        grand_total=reader.money(proceeds.get("grandTotal"), "proceeds.grandTotal"),
        buyer=_buyer(reader.mapping(data, "buyer") or None),
        recipient=_address(
            reader.mapping(
                reader.mapping(data, "recipient"), "deliveryAddress", field="recipient.deliveryAddress"
            )
            or None
        ),
    )


class _Reader:
    """Field access that turns a bad value into an `OrderParseError` for this order."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id

    def fail(self, field: str, problem: str) -> OrderParseError:
        return OrderParseError(self.order_id, field, problem)

    def mapping(
        self, data: Mapping[str, Any], key: str, required: bool = False, field: str | None = None
    ) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(field or key, "is missing or not an object")
        return value

    def text(self, data: Mapping[str, Any], field: str, key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(field, "is missing or empty")
        return value

    def instant(self, data: Mapping[str, Any], key: str) -> datetime:
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "is missing (an ISO 8601 instant is required)")
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise self.fail(key, f"is not an ISO 8601 instant with a time zone: {value!r}") from exc

    def strings(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key) or ()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"is not a list of strings: {value!r}")
        return tuple(value)

    def money(self, value: Any, field: str) -> Money | None:
        if value is None:
            return None
        try:
            money = Money.from_amazon(value)
        except (MoneyError, TypeError) as exc:
            raise self.fail(field, f"is not valid money: {exc}") from exc
        if abs(money.amount) >= IMPLAUSIBLE_AMOUNT:
            raise self.fail(field, f"is not a plausible amount: {money.amount} {money.currency}")
        return money

    def item(self, raw: Any, index: int) -> OrderItem:
        field = f"orderItems[{index}]"
        if not isinstance(raw, Mapping):
            raise self.fail(field, "is not an object")
        item_id = raw.get("orderItemId")
        if not isinstance(item_id, str) or not item_id:
            raise self.fail(f"{field}.orderItemId", "is missing or empty")
        quantity = raw.get("quantityOrdered")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise self.fail(f"{field}.quantityOrdered", f"must be a non-negative integer, got {quantity!r}")
        product = self.mapping(raw, "product", field=f"{field}.product")
        proceeds = self.mapping(raw, "proceeds", field=f"{field}.proceeds")
        price = self.mapping(product, "price", field=f"{field}.product.price")
        amounts = self._breakdowns(proceeds.get("breakdowns") or (), f"{field}.proceeds.breakdowns")
        return OrderItem(
            order_item_id=item_id,
            quantity_ordered=quantity,
            asin=product.get("asin"),
            seller_sku=product.get("sellerSku"),
            title=product.get("title"),
            unit_price=self.money(price.get("unitPrice"), f"{field}.product.price.unitPrice"),
            proceeds_total=self.money(proceeds.get("proceedsTotal"), f"{field}.proceeds.proceedsTotal"),
            item_subtotal=amounts.get(ProceedsType.ITEM),
            item_tax=amounts.get("TAX:ITEM"),
            shipping=amounts.get(ProceedsType.SHIPPING),
            shipping_tax=amounts.get("TAX:SHIPPING"),
            discount=amounts.get(ProceedsType.DISCOUNT),
        )

    def _breakdowns(self, breakdowns: Any, field: str) -> dict[str, Money]:
        """Index item proceeds by type; TAX is split by its detailed subtypes (ITEM, SHIPPING...)."""
        found: dict[str, Money] = {}
        if not isinstance(breakdowns, list | tuple):
            raise self.fail(field, "is not a list")
        for position, entry in enumerate(breakdowns):
            if not isinstance(entry, Mapping):
                raise self.fail(f"{field}[{position}]", "is not an object")
            kind = entry.get("type")
            subtotal = self.money(entry.get("subtotal"), f"{field}[{position}].subtotal")
            if subtotal is None:
                raise self.fail(f"{field}[{position}].subtotal", "is missing")
            found[kind] = self._add(found.get(kind), subtotal, f"{field}[{position}].subtotal")
            if kind == ProceedsType.TAX:
                details = entry.get("detailedBreakdowns") or ()
                for detail in details:
                    if not isinstance(detail, Mapping):
                        raise self.fail(f"{field}[{position}].detailedBreakdowns", "holds a non-object")
                    value = self.money(detail.get("value"), f"{field}[{position}].detailedBreakdowns")
                    key = f"TAX:{detail.get('subtype')}"
                    if value is not None:
                        found[key] = self._add(
                            found.get(key), value, f"{field}[{position}].detailedBreakdowns"
                        )
                if not details:
                    found["TAX:ITEM"] = subtotal
        return found

    def _add(self, total: Money | None, value: Money, field: str) -> Money:
        if total is None:
            return value
        try:
            return total + value
        except MoneyError as exc:  # a breakdown in another currency than the one before it
            raise self.fail(field, f"cannot be added up: {exc}") from exc


def _buyer(raw: Any) -> Buyer | None:
    if not isinstance(raw, Mapping):
        return None
    return Buyer(
        name=raw.get("buyerName"),
        email=raw.get("buyerEmail"),
        company_name=raw.get("buyerCompanyName"),
        purchase_order_number=raw.get("buyerPurchaseOrderNumber"),
    )


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, Mapping):
        return None
    return Address(
        name=raw.get("name"),
        company_name=raw.get("companyName"),
        line1=raw.get("addressLine1"),
        line2=raw.get("addressLine2"),
        line3=raw.get("addressLine3"),
        city=raw.get("city"),
        district=raw.get("districtOrCounty"),
        state_or_region=raw.get("stateOrRegion"),
        postal_code=raw.get("postalCode"),
        country_code=raw.get("countryCode"),
        phone=raw.get("phone"),
        address_type=raw.get("addressType"),
    )
