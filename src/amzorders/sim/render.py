"""One version of a scenario order as v2026-01-01 `Order` JSON, with Amazon's data rules.

- Items are always present; `includedData` adds buyer, recipient, proceeds and fulfillment, and what is
  not asked for is absent.
- Before payment (PENDING, PENDING_AVAILABILITY, and CANCELLED when it never got further) there are no
  prices, no proceeds and no address. The buyer email and the address appear from UNSHIPPED on and
  disappear once cancelled; the phone is never shown for AMAZON-fulfilled orders.
- Money (docs/architecture.md): prices are tax exclusive; each item's proceeds break down into ITEM,
  SHIPPING (on the first item) and TAX with detailed ITEM/SHIPPING parts; the order carries the grand total.

Rendering returns compact JSON bytes so a page is assembled by joining fragments; a small LRU keeps the
most recent fragments because an importer typically reads an order through searchOrders then getOrder.
"""

from __future__ import annotations

import json
from decimal import Decimal
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from amzorders.amazon.constants import MARKETPLACE_NAMES, FulfilledBy

from .record import (
    BUYER_COMPANY,
    BUYER_EMAIL,
    BUYER_NAME,
    CITY,
    COMPANY,
    COUNTRY_CODE,
    CURRENCY,
    GRAND_TOTAL,
    HAS_BUYER,
    HAS_RECIPIENT,
    ITEM_FIELDS,
    ITEMS,
    ITEMS_TOTAL,
    LEVEL,
    LINE1,
    LINE2,
    NAME,
    PHONE,
    POSTAL_CODE,
    PROGRAMS,
    SEPARATOR,
    SHIPPING,
    SHIPPING_TAX,
    STATE,
    TAXES,
    order_record,
)
from .scenario import OrderSpec, iso_z

PAID_STATUSES = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"})
ADDRESS_STATUSES = PAID_STATUSES

BUYER = 1
RECIPIENT = 2
PROCEEDS = 4
FULFILLMENT = 8
KNOWN_DATA = {
    "BUYER": BUYER,
    "RECIPIENT": RECIPIENT,
    "PROCEEDS": PROCEEDS,
    "FULFILLMENT": FULFILLMENT,
    # Accepted but nothing to show in a scenario: EXPENSE, PROMOTION, CANCELLATION, PACKAGES, TAX, PAYMENT,
    # FULFILLMENT_ORDERS.
}


def data_mask(included: tuple[str, ...] | list[str]) -> int:
    mask = 0
    for name in included:
        mask |= KNOWN_DATA.get(name, 0)
    return mask


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": format(amount, "f"), "currencyCode": currency}


def render_order(order: OrderSpec, version: int, paid: bool, mask: int) -> dict:
    """The `Order` object of `order` as of timeline event `version`."""
    event = order.timeline[version]
    status = event.status
    currency = order.currency
    data: dict = {
        "orderId": order.order_id,
        "createdTime": iso_z(order.timeline[0].at),
        "lastUpdatedTime": iso_z(event.at),
    }
    if order.programs:
        data["programs"] = list(order.programs)
    data["salesChannel"] = {
        "channelName": "AMAZON",
        "marketplaceId": order.marketplace_id,
        "marketplaceName": MARKETPLACE_NAMES.get(order.marketplace_id, order.marketplace_id),
    }
    addressable = status in ADDRESS_STATUSES
    if mask & BUYER and order.buyer is not None:
        buyer = order.buyer
        out: dict = {}
        if buyer.name:
            out["buyerName"] = buyer.name
        if buyer.email and addressable:
            out["buyerEmail"] = buyer.email
        if buyer.company_name:
            out["buyerCompanyName"] = buyer.company_name
        data["buyer"] = out
    if mask & RECIPIENT and order.recipient is not None and addressable:
        data["recipient"] = {"deliveryAddress": _address(order)}
    items = []
    shipping_left = paid
    for position, item in enumerate(order.items):
        rendered: dict = {"orderItemId": item.order_item_id, "quantityOrdered": item.quantity}
        product: dict = {"asin": item.asin, "title": item.title, "sellerSku": item.sku}
        if paid:
            product["price"] = {"unitPrice": _money(item.unit_price, currency)}
        rendered["product"] = product
        if paid and mask & PROCEEDS:
            shipping = order.shipping_price if shipping_left else Decimal(0)
            shipping_tax = order.shipping_tax if shipping_left else Decimal(0)
            shipping_left = False
            rendered["proceeds"] = _item_proceeds(
                item.unit_price * item.quantity, item.tax, shipping, shipping_tax, currency
            )
        if mask & FULFILLMENT:
            shipped = item.quantity if _shipped(status, position) else 0
            rendered["fulfillment"] = {
                "quantityFulfilled": shipped,
                "quantityUnfulfilled": item.quantity - shipped,
            }
        items.append(rendered)
    if paid and mask & PROCEEDS:
        data["proceeds"] = _order_proceeds(order)
    if mask & FULFILLMENT:
        data["fulfillment"] = {
            "fulfillmentStatus": status,
            "fulfilledBy": order.fulfilled_by,
            "fulfillmentServiceLevel": order.service_level,
        }
    data["orderItems"] = items
    return data


def _shipped(status: str, position: int) -> bool:
    """Whether an item line has shipped (PARTIALLY_SHIPPED: the first line has, the others not yet)."""
    return status == "SHIPPED" or (status == "PARTIALLY_SHIPPED" and position == 0)


def _address(order: OrderSpec) -> dict:
    recipient = order.recipient
    assert recipient is not None
    address: dict = {"name": recipient.name}
    if recipient.company_name:
        address["companyName"] = recipient.company_name
    address["addressLine1"] = recipient.address_line1
    if recipient.address_line2:
        address["addressLine2"] = recipient.address_line2
    address["city"] = recipient.city
    if recipient.state_or_region:
        address["stateOrRegion"] = recipient.state_or_region
    address["postalCode"] = recipient.postal_code
    address["countryCode"] = recipient.country_code
    if recipient.phone and order.fulfilled_by != FulfilledBy.AMAZON:
        address["phone"] = recipient.phone
    address["addressType"] = "COMMERCIAL" if recipient.company_name else "RESIDENTIAL"
    return address


def _item_proceeds(
    subtotal: Decimal, tax: Decimal, shipping: Decimal, shipping_tax: Decimal, currency: str
) -> dict:
    breakdowns: list[dict] = [{"type": "ITEM", "subtotal": _money(subtotal, currency)}]
    if shipping:
        breakdowns.append({"type": "SHIPPING", "subtotal": _money(shipping, currency)})
    details = [{"subtype": "ITEM", "value": _money(tax, currency)}]
    if shipping_tax:
        details.append({"subtype": "SHIPPING", "value": _money(shipping_tax, currency)})
    breakdowns.append(
        {"type": "TAX", "subtotal": _money(tax + shipping_tax, currency), "detailedBreakdowns": details}
    )
    total = subtotal + shipping + tax + shipping_tax
    return {"proceedsTotal": _money(total, currency), "breakdowns": breakdowns}


def _order_proceeds(order: OrderSpec) -> dict:
    currency = order.currency
    items = sum((item.unit_price * item.quantity for item in order.items), Decimal(0))
    taxes = sum((item.tax for item in order.items), Decimal(0)) + order.shipping_tax
    breakdowns = [{"type": "ITEM", "subtotal": _money(items, currency)}]
    if order.shipping_price:
        breakdowns.append({"type": "SHIPPING", "subtotal": _money(order.shipping_price, currency)})
    breakdowns.append({"type": "TAX", "subtotal": _money(taxes, currency)})
    return {"grandTotal": _money(items + taxes + order.shipping_price, currency), "breakdowns": breakdowns}


def render_order_json(order: OrderSpec, version: int, paid: bool, mask: int) -> bytes:
    """`render_order` straight to compact JSON bytes, without the intermediate dicts (tests check it equals
    `json.dumps(render_order(...))`); the simulator itself renders from kept records (`render_record`)."""
    event = order.timeline[version]
    return render_record(
        order_record(order),
        order.order_id,
        order.marketplace_id,
        order.fulfilled_by,
        iso_z(order.timeline[0].at),
        iso_z(event.at),
        event.status,
        paid,
        mask,
    )


def render_record(
    record: str,
    order_id: str,
    marketplace: str,
    fulfilled_by: str,
    created: str,
    updated: str,
    status: str,
    paid: bool,
    mask: int,
) -> bytes:
    """One version of an order from its `record.order_record` and what the index keeps: the id, the
    marketplace, the fulfilment channel, the creation and version times (ISO 8601 with Z) and status.

    The hot path of simulations (every order version served is rendered once): it only joins pieces.
    """
    f = record.split(SEPARATOR)
    money = '","currencyCode":"' + f[CURRENCY] + '"}'  # closes {"amount":"...
    out = [
        '{"orderId":',
        _q(order_id),
        ',"createdTime":"',
        created,
        '","lastUpdatedTime":"',
        updated,
        '"',
    ]
    if f[PROGRAMS]:
        out.append(',"programs":' + f[PROGRAMS])
    out.append(
        f',"salesChannel":{{"channelName":"AMAZON","marketplaceId":{_q(marketplace)},'
        f'"marketplaceName":{_q(MARKETPLACE_NAMES.get(marketplace, marketplace))}}}'
    )
    addressable = status in ADDRESS_STATUSES
    if mask & BUYER and f[HAS_BUYER]:
        fields = []
        if f[BUYER_NAME]:
            fields.append('"buyerName":' + f[BUYER_NAME])
        if f[BUYER_EMAIL] and addressable:
            fields.append('"buyerEmail":' + f[BUYER_EMAIL])
        if f[BUYER_COMPANY]:
            fields.append('"buyerCompanyName":' + f[BUYER_COMPANY])
        out.append(',"buyer":{' + ",".join(fields) + "}")
    if mask & RECIPIENT and f[HAS_RECIPIENT] and addressable:
        out.append(',"recipient":{"deliveryAddress":' + _address_from(f, fulfilled_by) + "}")
    proceeds = paid and mask & PROCEEDS
    shipping, shipping_tax = f[SHIPPING], f[SHIPPING_TAX]
    if proceeds:
        out += (',"proceeds":{"grandTotal":{"amount":"', f[GRAND_TOTAL], money)
        out += (',"breakdowns":[{"type":"ITEM","subtotal":{"amount":"', f[ITEMS_TOTAL], money, "},")
        if shipping:
            out += ('{"type":"SHIPPING","subtotal":{"amount":"', shipping, money, "},")
        out += ('{"type":"TAX","subtotal":{"amount":"', f[TAXES], money, "}]}")
    if mask & FULFILLMENT:
        out.append(
            f',"fulfillment":{{"fulfillmentStatus":{_q(status)},"fulfilledBy":{_q(fulfilled_by)},'
            f'"fulfillmentServiceLevel":{f[LEVEL]}}}'
        )
    out.append(',"orderItems":[')
    for position, start in enumerate(range(ITEMS, len(f), ITEM_FIELDS)):
        item_id, quantity, asin, title, sku, unit_price, tax, subtotal, total, taxes = f[
            start : start + ITEM_FIELDS
        ]
        if position:
            out.append(",")
            shipping = shipping_tax = ""  # the order's shipping is on its first item
        out.append(
            f'{{"orderItemId":{item_id},"quantityOrdered":{quantity},'
            f'"product":{{"asin":{asin},"title":{title},"sellerSku":{sku}'
        )
        if paid:
            out += (',"price":{"unitPrice":{"amount":"', unit_price, money, "}")
        out.append("}")
        if proceeds:
            out += (',"proceeds":{"proceedsTotal":{"amount":"', total, money, ',"breakdowns":[')
            out += ('{"type":"ITEM","subtotal":{"amount":"', subtotal, money, "},")
            if shipping:
                out += ('{"type":"SHIPPING","subtotal":{"amount":"', shipping, money, "},")
            out += ('{"type":"TAX","subtotal":{"amount":"', taxes, money)
            out += (',"detailedBreakdowns":[{"subtype":"ITEM","value":{"amount":"', tax, money, "}")
            if shipping_tax:
                out += (',{"subtype":"SHIPPING","value":{"amount":"', shipping_tax, money, "}")
            out.append("]}]}")
        if mask & FULFILLMENT:
            shipped, left = (quantity, "0") if _shipped(status, position) else ("0", quantity)
            out.append(f',"fulfillment":{{"quantityFulfilled":{shipped},"quantityUnfulfilled":{left}}}')
        out.append("}")
    out.append("]}")
    return "".join(out).encode()


def _address_from(f: list[str], fulfilled_by: str) -> str:
    out = ['{"name":', f[NAME]]
    if f[COMPANY]:
        out += (',"companyName":', f[COMPANY])
    out += (',"addressLine1":', f[LINE1])
    if f[LINE2]:
        out += (',"addressLine2":', f[LINE2])
    out += (',"city":', f[CITY])
    if f[STATE]:
        out += (',"stateOrRegion":', f[STATE])
    out += (',"postalCode":', f[POSTAL_CODE], ',"countryCode":', f[COUNTRY_CODE])
    if f[PHONE] and fulfilled_by != FulfilledBy.AMAZON:
        out += (',"phone":', f[PHONE])
    out.append(',"addressType":"COMMERCIAL"}' if f[COMPANY] else ',"addressType":"RESIDENTIAL"}')
    return "".join(out)


_q = encode_basestring


class FragmentCache:
    """A bounded cache of rendered order JSON, keyed by (order position, version, data mask).

    First in, first out: cheaper than an LRU on the hot path, and the reuse it serves (searchOrders then
    getOrder of the same version) happens within moments.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: dict[tuple[int, int, int], bytes] = {}

    def get(self, key: tuple[int, int, int]) -> bytes | None:
        return self._entries.get(key)

    def put(self, key: tuple[int, int, int], value: bytes) -> None:
        entries = self._entries
        entries[key] = value
        if len(entries) > self._size:
            del entries[next(iter(entries))]


def encode(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
