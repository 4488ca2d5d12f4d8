"""Amazon Orders v2026-01-01 order objects for tests, in the wire format the simulator serves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from amzorders.clock import format_instant


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": format(amount, "f"), "currencyCode": currency}


def amazon_order(
    order_id: str = "402-1234567-1234567",
    *,
    status: str = "UNSHIPPED",
    fulfilled_by: str = "MERCHANT",
    created: datetime | str = "2026-10-31T10:00:00Z",
    updated: datetime | str | None = None,
    marketplace: str = "A13V1IB3VIYZZH",
    currency: str = "EUR",
    items: tuple[tuple[str, int, str, str], ...] = (("SKU-1", 2, "9.99", "4.00"),),
    shipping: tuple[str, str] = ("4.90", "0.98"),
    buyer: bool = True,
    priced: bool | None = None,
) -> dict[str, Any]:
    """`items` are (sku, quantity, unit price tax excl., line tax); PENDING orders carry no prices."""
    created_s = created if isinstance(created, str) else format_instant(created)
    updated_s = (
        created_s if updated is None else updated if isinstance(updated, str) else format_instant(updated)
    )
    priced = status not in ("PENDING", "PENDING_AVAILABILITY") if priced is None else priced
    ship, ship_tax = Decimal(shipping[0]), Decimal(shipping[1])
    order_items, grand = [], Decimal(0)
    for index, (sku, quantity, unit, tax) in enumerate(items):
        unit_d, tax_d = Decimal(unit), Decimal(tax)
        item: dict[str, Any] = {
            "orderItemId": f"{order_id[-7:]}{index:02d}",
            "quantityOrdered": quantity,
            "product": {"asin": f"B0{index:08d}", "sellerSku": sku, "title": f"Product {sku}"},
        }
        if priced:
            item["product"]["price"] = {"unitPrice": _money(unit_d, currency)}
            item_ship = ship if index == 0 else Decimal(0)
            item_ship_tax = ship_tax if index == 0 else Decimal(0)
            breakdowns = [{"type": "ITEM", "subtotal": _money(unit_d * quantity, currency)}]
            if index == 0:
                breakdowns.append({"type": "SHIPPING", "subtotal": _money(item_ship, currency)})
            breakdowns.append(
                {
                    "type": "TAX",
                    "subtotal": _money(tax_d + item_ship_tax, currency),
                    "detailedBreakdowns": [
                        {"subtype": "ITEM", "value": _money(tax_d, currency)},
                        {"subtype": "SHIPPING", "value": _money(item_ship_tax, currency)},
                    ],
                }
            )
            proceeds_total = unit_d * quantity + tax_d + item_ship + item_ship_tax
            item["proceeds"] = {"proceedsTotal": _money(proceeds_total, currency), "breakdowns": breakdowns}
            grand += proceeds_total
        order_items.append(item)
    order: dict[str, Any] = {
        "orderId": order_id,
        "createdTime": created_s,
        "lastUpdatedTime": updated_s,
        "programs": [],
        "salesChannel": {
            "channelName": "Amazon.fr",
            "marketplaceId": marketplace,
            "marketplaceName": "Amazon.fr",
        },
        "fulfillment": {
            "fulfillmentStatus": status,
            "fulfilledBy": fulfilled_by,
            "fulfillmentServiceLevel": "STANDARD",
        },
        "orderItems": order_items,
    }
    if priced:
        order["proceeds"] = {"grandTotal": _money(grand, currency)}
    if buyer and priced:
        order["buyer"] = {"buyerName": "Jeanne Martin", "buyerEmail": f"{order_id}@marketplace.amazon.fr"}
        order["recipient"] = {
            "deliveryAddress": {
                "name": "Jeanne Martin",
                "addressLine1": "1 rue de la Paix",
                "city": "Paris",
                "postalCode": "75002",
                "countryCode": "FR",
            }
        }
    return order
