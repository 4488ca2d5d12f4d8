"""What follows an order's creation, besides its state: FBA stock given back, the payment's transaction id,
the cart a rerun built for nothing deleted.

FBA orders ship from Amazon's warehouses, but PrestaShop takes stock for every valid order; unless the
mapping says `fba_decrement_stock = true` we put the quantities back (what Common-Services' "decrease
stock: no" does). The webservice has no relative stock update, so this reads the row and writes it back.
"""

from __future__ import annotations

import logging
from typing import Any

from amzorders.shops.port import ShopError
from amzorders.shops.prestashop.client import PrestaShopClient, filter_value
from amzorders.shops.prestashop.plan import OrderPlan

log = logging.getLogger(__name__)


def write_transaction_id(client: PrestaShopClient, order_reference: str, amazon_order_id: str) -> None:
    """Show the Amazon order id in the order's payment (optional: two more calls per order)."""
    payments = client.list(
        "order_payments", fields="full", filters={"order_reference": filter_value(order_reference)}
    )
    for payment in payments[:1]:
        if payment.get("transaction_id") != amazon_order_id:
            fields = {k: v for k, v in payment.items() if k != "id"}
            fields["transaction_id"] = amazon_order_id
            client.update("order_payments", "order_payment", int(payment["id"]), fields)


def give_back_stock(client: PrestaShopClient, plan: OrderPlan, id_shop: int, id_shop_group: int) -> None:
    """FBA orders ship from Amazon's stock: put back what PrestaShop took for them (one read for all).

    PrestaShop took it from the stock of the order's shop: the shop's own row, or its group's (`id_shop` 0)
    when the group shares stock. The webservice lists every shop's rows whatever the call's shop (live
    8.2.1), so the row is chosen by owner; another shop's row is never touched (it was, in a sharing
    group: the group lost the quantity and shop 1 gained it)."""
    lines = [line for line in plan.lines if not line.is_shipping]
    if not lines:
        return
    rows = client.list(
        "stock_availables",
        fields="full",
        filters={"id_product": filter_value(*sorted({line.id_product for line in lines}))},
    )
    for line in lines:
        matching = [
            row
            for row in rows
            if int(row.get("id_product") or 0) == line.id_product
            and int(row.get("id_product_attribute") or 0) == line.id_product_attribute
        ]
        row = _stock_of_shop(matching, id_shop, id_shop_group)
        if row is None:
            log.warning(
                "FBA stock not given back for product %s (combination %s): PrestaShop lists no stock of shop "
                "%s or of its group %s",
                line.id_product,
                line.id_product_attribute,
                id_shop,
                id_shop_group,
            )
            continue
        # a PUT replaces the row: every field it has is sent back, or PrestaShop clears it (the bin)
        fields = {k: row.get(k, "0") for k in _STOCK_FIELDS}
        fields["location"] = row.get("location") or ""
        fields["quantity"] = int(row.get("quantity") or 0) + line.quantity
        client.update("stock_availables", "stock_available", int(row["id"]), fields)


def _stock_of_shop(rows: list[dict[str, Any]], id_shop: int, id_shop_group: int) -> dict[str, Any] | None:
    """The row PrestaShop takes the shop's stock from: the shop's own, else its group's shared one."""
    for wanted in ((id_shop, 0), (0, id_shop_group)):
        for row in rows:
            if (int(row.get("id_shop") or 0), int(row.get("id_shop_group") or 0)) == wanted:
                return row
    return None


_STOCK_FIELDS = (
    "id_product",
    "id_product_attribute",
    "id_shop",
    "id_shop_group",
    "depends_on_stock",
    "out_of_stock",
)


def discard_cart(client: PrestaShopClient, id_cart: int, id_address: int) -> None:
    """Best effort: the cart we built is not needed (an older one is ordered); keep the shop tidy. Its
    prices go too: PrestaShop keeps a cart's specific prices when the cart is deleted (live 8.2.1)."""
    try:
        prices = client.list("specific_prices", fields=["id"], filters={"id_cart": filter_value(id_cart)})
    except ShopError as exc:
        log.info("could not list the prices of unused cart %s: %s", id_cart, exc)
        prices = []
    unused = [("specific_prices", int(p["id"])) for p in prices]
    for resource, object_id in [*unused, ("carts", id_cart), ("addresses", id_address)]:
        try:
            client.delete(resource, object_id)
        except ShopError as exc:
            log.info("could not delete unused %s %s: %s", resource, object_id, exc)
