"""An order as the simulator keeps it: the JSON pieces its renderings are assembled from.

What a rendering of an order takes from the order itself does not depend on the version shown: its texts
(JSON-escaped once) and its amounts, sums included (Decimal arithmetic and formatting, done once).
`order_record` prepares those pieces when the scenario is loaded, `CompactOrders` keeps them compressed,
and rendering a version (`render.render_record`) only joins them, which is cheaper than formatting the
order each time. The record is also the only copy of an order's details: `order_from` gives the
`OrderSpec` back.

A record is a string of fields separated by \\x1f, which never occurs in a field: texts are JSON string
literals (control characters escaped), amounts are plain decimals. An absent text is an empty field (the
scenario format has no empty texts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from .scenario import RECIPIENT_FIELDS, BuyerSpec, ItemSpec, OrderSpec, RecipientSpec, TimelineEvent

SEPARATOR = "\x1f"

# Field positions: the order's own fields, then ITEM_FIELDS per item. Amounts are formatted as rendered
# ("f"); SHIPPING and SHIPPING_TAX are empty when zero (renderings then leave them out).
LEVEL, CURRENCY, PROGRAMS, HAS_BUYER, BUYER_NAME, BUYER_EMAIL, BUYER_COMPANY = range(7)
HAS_RECIPIENT = 7
RECIPIENT_TEXTS = slice(8, 17)  # RecipientSpec's fields, in its order
NAME, LINE1, CITY, POSTAL_CODE, COUNTRY_CODE, PHONE, LINE2, COMPANY, STATE = range(8, 17)
SHIPPING, SHIPPING_TAX, ITEMS_TOTAL, TAXES, GRAND_TOTAL, ITEMS = range(17, 23)
ITEM_ID, QUANTITY, ASIN, TITLE, SKU, UNIT_PRICE, TAX, SUBTOTAL, ITEM_TOTAL, TAX_TOTAL = range(10)
ITEM_FIELDS = 10

_q = encode_basestring
_ZERO = Decimal(0)


def order_record(order: OrderSpec) -> str:
    """The pieces of `order` that renderings and `order_from` need besides the id, seller, marketplace,
    fulfilment channel, timeline and indexing delay (which `CompactOrders` keeps in arrays)."""
    buyer, recipient = order.buyer, order.recipient
    fields = [
        _q(order.service_level),
        order.currency,
        "[" + ",".join(map(_q, order.programs)) + "]" if order.programs else "",
    ]
    if buyer is None:
        fields += ("", "", "", "")
    else:
        fields += ("1", _text(buyer.name), _text(buyer.email), _text(buyer.company_name))
    if recipient is None:
        fields += [""] * 10
    else:
        fields.append("1")
        fields += (_text(getattr(recipient, name)) for name in RECIPIENT_FIELDS)
    shipping, shipping_tax = order.shipping_price, order.shipping_tax
    items, taxes = _ZERO, shipping_tax
    for item in order.items:
        items += item.unit_price * item.quantity
        taxes += item.tax
    fields += (
        _amount(shipping) if shipping else "",
        _amount(shipping_tax) if shipping_tax else "",
        _amount(items),
        _amount(taxes),
        _amount(items + taxes + shipping),
    )
    for item in order.items:  # the order's shipping is on its first item
        subtotal = item.unit_price * item.quantity
        fields += (
            _q(item.order_item_id),
            str(item.quantity),
            _q(item.asin),
            _q(item.title),
            _q(item.sku),
            _amount(item.unit_price),
            _amount(item.tax),
            _amount(subtotal),
            _amount(subtotal + shipping + item.tax + shipping_tax),
            _amount(item.tax + shipping_tax),
        )
        shipping = shipping_tax = _ZERO
    return SEPARATOR.join(fields)


def order_from(
    record: str,
    order_id: str,
    seller_id: str,
    marketplace_id: str,
    fulfilled_by: str,
    timeline: tuple[TimelineEvent, ...],
    indexing_delay_s: float | None,
) -> OrderSpec:
    """The `OrderSpec` a record was made from, given what `CompactOrders` keeps apart."""
    f = record.split(SEPARATOR)
    return OrderSpec(
        order_id=order_id,
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        fulfilled_by=fulfilled_by,
        service_level=_unquote(f[LEVEL]),
        currency=f[CURRENCY],
        items=tuple(_item(f[start : start + ITEM_FIELDS]) for start in range(ITEMS, len(f), ITEM_FIELDS)),
        timeline=timeline,
        programs=tuple(json.loads(f[PROGRAMS])) if f[PROGRAMS] else (),
        buyer=BuyerSpec(*map(_untext, f[BUYER_NAME : BUYER_COMPANY + 1])) if f[HAS_BUYER] else None,
        recipient=RecipientSpec(*map(_untext, f[RECIPIENT_TEXTS])) if f[HAS_RECIPIENT] else None,
        shipping_price=Decimal(f[SHIPPING]) if f[SHIPPING] else _ZERO,
        shipping_tax=Decimal(f[SHIPPING_TAX]) if f[SHIPPING_TAX] else _ZERO,
        indexing_delay_s=indexing_delay_s,
    )


def _item(f: Sequence[str]) -> ItemSpec:
    return ItemSpec(
        _unquote(f[ITEM_ID]),
        _unquote(f[SKU]),
        _unquote(f[ASIN]),
        _unquote(f[TITLE]),
        int(f[QUANTITY]),
        Decimal(f[UNIT_PRICE]),
        Decimal(f[TAX]),
    )


def _text(value: str | None) -> str:
    return _q(value) if value else ""


def _untext(field: str) -> str | None:
    return _unquote(field) if field else None


def _unquote(literal: str) -> str:
    return literal[1:-1] if "\\" not in literal else json.loads(literal)


def _amount(value: Decimal) -> str:
    return format(value, "f")
