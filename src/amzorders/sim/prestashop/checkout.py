"""Order creation (`validateOrder` semantics) and order state changes.

What PrestaShop 8.2.1 did on the recorded shop (notes §2):
- `POST /api/orders` builds the order from the cart; the posted `module` must be an installed payment
  module (else PHP dies: 500, empty body) enabled for the shop (else 500 text/html `MODULE_INACTIVE`,
  checked before the cart, seen on the live 8.2.1 shop); a cart already ordered -> 500 text/html message; a
  delivery address in an inactive country -> 500, empty body (seen on the live 8.2.1 shop).
- The cart total (see `pricing`) is compared with `total_paid` at the currency's precision: equal ->
  `PS_OS_WS_PAYMENT` (11), else `PS_OS_ERROR` (8) with `total_paid` = the cart total and
  `total_paid_real` = the amount posted.
- The POST answer only echoes what was posted; the real order is read with GET.
- A state change through `order_histories` invoicing an order adds a second, full-amount payment; the
  same change by `PUT orders` adds only the missing difference. Stock is taken while the order is in a
  state other than error or canceled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from . import multistore
from .errors import PhpFatal, invalid
from .payload import Payload
from .pricing import CART_REFUSED, Line, Pricer, money6

MODULE_INACTIVE = "Error processing order. Payment module is not active."

if TYPE_CHECKING:
    from .shop import FakePrestaShop


def _state(shop: FakePrestaShop, id_state: int) -> dict:
    state = shop.get("order_states", id_state)
    if state is None:
        raise invalid("OrderHistory", "id_order_state")
    return state


def _takes_stock(shop: FakePrestaShop, id_state: int) -> bool:
    return id_state not in (shop.config_int("PS_OS_ERROR", 8), shop.config_int("PS_OS_CANCELED", 6))


def create_order(shop: FakePrestaShop, values: dict, payload: Payload) -> tuple[dict, dict]:
    if values["module"] not in shop.payment_modules:
        raise PhpFatal("")  # getInstanceByName() fails or the module is no PaymentModule: PHP dies
    if not multistore.module_active(shop, values["module"]):  # disabled for the shop of the call
        raise PhpFatal(MODULE_INACTIVE)  # validateOrder() dies first
    cart = shop.get("carts", int(values["id_cart"]))
    if cart is None or cart["id"] in shop.cart_orders or not cart["associations"].get("cart_rows"):
        raise PhpFatal(CART_REFUSED)
    customer = shop.get("customers", int(values["id_customer"]))
    if customer is None or customer["secure_key"] != cart["secure_key"]:
        raise PhpFatal("")  # validateOrder() dies: the customer's secure key must be the cart's
    address = shop.get("addresses", int(cart["id_address_delivery"] or 0))
    country = shop.get("countries", int(address["id_country"] or 0)) if address else None
    if country is None or country["active"] != "1":
        raise PhpFatal("")  # "The delivery address country is not active.": an uncaught exception
    pricer = Pricer(shop)
    total = pricer.total(cart)
    posted = Decimal(values["total_paid"])
    matches = pricer.cents(posted) == pricer.cents(total.paid_incl)
    state = shop.config_int("PS_OS_WS_PAYMENT" if matches else "PS_OS_ERROR", 11 if matches else 8)
    currency = shop.get("currencies", int(cart["id_currency"]))
    now = shop.now()
    order = shop.insert(
        "orders",
        {
            "id_address_delivery": cart["id_address_delivery"],
            "id_address_invoice": cart["id_address_invoice"],
            "id_cart": str(cart["id"]),
            "id_currency": cart["id_currency"],
            "id_lang": cart["id_lang"],
            "id_customer": cart["id_customer"],
            "id_carrier": str(total.id_carrier),
            "current_state": "0",
            "module": values["module"],
            "invoice_number": "0",
            "invoice_date": "0000-00-00 00:00:00",
            "delivery_number": "0",
            "delivery_date": "0000-00-00 00:00:00",
            "valid": "0",
            "date_add": now,
            "date_upd": now,
            "id_shop_group": cart.get("id_shop_group") or "1",  # the cart's shop (live 8.2.1)
            "id_shop": cart.get("id_shop") or "1",
            "secure_key": cart["secure_key"],
            "payment": values["payment"],
            "gift": cart.get("gift") or "0",
            "gift_message": cart.get("gift_message") or "",  # copied from the cart (live 8.2.1)
            "total_paid": money6(total.paid_incl),
            "total_paid_tax_incl": money6(total.paid_incl),
            "total_paid_tax_excl": money6(total.paid_excl),
            "total_paid_real": money6(Decimal(0)),
            "total_products": money6(total.products_excl),
            "total_products_wt": money6(total.products_incl),
            "total_shipping": money6(total.shipping_incl),
            "total_shipping_tax_incl": money6(total.shipping_incl),
            "total_shipping_tax_excl": money6(total.shipping_excl),
            "carrier_tax_rate": f"{total.carrier_tax_rate:.3f}",
            "round_mode": str(shop.config_int("PS_PRICE_ROUND_MODE", 2)),
            "round_type": str(shop.config_int("PS_ROUND_TYPE", 2)),
            "conversion_rate": (
                currency["conversion_rate"]
                if currency and multistore.associated(shop, "currencies", int(currency["id"]))
                else "1.000000"  # live 8.2.1: a currency not associated with the order's shop
            ),
            "reference": shop.new_reference(),
        },
    )
    shop.cart_orders[cart["id"]] = order["id"]
    order["associations"] = {"order_rows": [_add_detail(shop, order, line) for line in total.lines]}
    shop.insert(
        "order_carriers",
        {
            "id_order": str(order["id"]),
            "id_carrier": str(total.id_carrier),
            "id_order_invoice": "0",
            "weight": "0.000000",
            "shipping_cost_tax_excl": money6(total.shipping_excl),
            "shipping_cost_tax_incl": money6(total.shipping_incl),
            "tracking_number": "",
            "date_add": now,
        },
    )
    _add_payment(shop, order, posted)
    change_state(shop, order, state, full_payment=False, send_email=True)
    echo = {
        "id": order["id"],
        **{k: v for k, v in payload.values.items() if k != "id"},
        "associations": order["associations"],
    }
    return echo, order


def _add_detail(shop: FakePrestaShop, order: dict, line: Line) -> dict:
    name = line.product["name"].get(int(order["id_lang"]) or 1) or line.product["name"].get(1, "")
    detail = shop.insert(
        "order_details",
        {
            "id_order": str(order["id"]),
            "product_id": str(line.product["id"]),
            "product_attribute_id": str(line.id_attribute),
            "id_shop": multistore.context_id(shop),  # the context's shop, not the order's (live 8.2.1)
            "id_warehouse": "0",
            "id_customization": "0",
            "product_name": name,
            "product_quantity": str(line.quantity),
            "product_quantity_in_stock": str(line.quantity),
            "product_price": money6(line.unit_excl),
            "product_reference": line.reference,
            "id_tax_rules_group": line.product["id_tax_rules_group"],
            "unit_price_tax_incl": money6(line.unit_incl),
            "unit_price_tax_excl": money6(line.unit_excl),
            "total_price_tax_incl": money6(line.total_incl),
            "total_price_tax_excl": money6(line.total_excl),
            "original_product_price": line.product["price"],
            "tax_computation_method": "0",
            "associations": {"taxes": [{"id": "1"}] if line.tax_rate else []},
        },
    )
    return {
        "id": str(detail["id"]),
        "product_id": str(line.product["id"]),
        "product_attribute_id": str(line.id_attribute),
        "product_quantity": str(line.quantity),
        "product_name": name,
        "product_reference": line.reference,
        "product_ean13": "",
        "product_isbn": "",
        "product_upc": "",
        "product_price": money6(line.unit_excl),
        "id_customization": "0",
        "unit_price_tax_incl": money6(line.unit_incl),
        "unit_price_tax_excl": money6(line.unit_excl),
    }


def _add_payment(shop: FakePrestaShop, order: dict, amount: Decimal) -> None:
    shop.insert(
        "order_payments",
        {
            "order_reference": order["reference"],
            "id_currency": order["id_currency"],
            "amount": money6(amount),
            "payment_method": order["payment"],
            "conversion_rate": order["conversion_rate"],
            "id_employee": "0",
        },
    )
    paid = sum(
        (
            Decimal(p["amount"])
            for p in shop.tables["order_payments"].values()
            if p["order_reference"] == order["reference"]
        ),
        Decimal(0),
    )
    order["total_paid_real"] = money6(paid)


def _add_invoice(shop: FakePrestaShop, order: dict) -> None:
    invoice = shop.insert(
        "order_invoices",
        {
            "id_order": str(order["id"]),
            "number": order["invoice_number"],
            "delivery_number": "0",
            "delivery_date": "0000-00-00 00:00:00",
            **{
                f"total_{name}": order[f"total_{source}"]
                for name, source in (
                    ("discount_tax_excl", "discounts_tax_excl"),
                    ("discount_tax_incl", "discounts_tax_incl"),
                    ("paid_tax_excl", "paid_tax_excl"),
                    ("paid_tax_incl", "paid_tax_incl"),
                    ("products", "products"),
                    ("products_wt", "products_wt"),
                    ("shipping_tax_excl", "shipping_tax_excl"),
                    ("shipping_tax_incl", "shipping_tax_incl"),
                    ("wrapping_tax_excl", "wrapping_tax_excl"),
                    ("wrapping_tax_incl", "wrapping_tax_incl"),
                )
            },
            "shipping_tax_computation_method": "0",
        },
    )
    for resource in ("order_details", "order_carriers"):
        for row in shop.tables[resource].values():
            if row["id_order"] == str(order["id"]):
                row["id_order_invoice"] = str(invoice["id"])


def change_state(
    shop: FakePrestaShop, order: dict, id_state: int, *, full_payment: bool, send_email: bool
) -> dict:
    """Moves `order` to `id_state`: history row, validity, invoice, payment, stock and mail effects."""
    new = _state(shop, id_state)
    old_id = int(order["current_state"] or 0)
    history = shop.insert(
        "order_histories", {"id_employee": "0", "id_order_state": str(id_state), "id_order": str(order["id"])}
    )
    taken_before = old_id != 0 and _takes_stock(shop, old_id)
    taken_after = _takes_stock(shop, id_state)
    if taken_before != taken_after and shop.configuration("PS_STOCK_MANAGEMENT") == "1":
        sign = -1 if taken_after else 1
        for row in order["associations"]["order_rows"]:
            shop.move_stock(
                int(row["product_id"]),
                int(row["product_attribute_id"]),
                sign * int(row["product_quantity"]),
                id_shop=int(order["id_shop"] or 1),  # its shop's stock, or its group's when shared
            )
    now = shop.now()
    if new["invoice"] == "1" and order["invoice_number"] == "0":
        order["invoice_number"] = str(shop.next_invoice_number())
        order["invoice_date"] = now
        _add_invoice(shop, order)
        if old_id:  # a later invoicing state change: full amount (order_histories) or the difference (PUT)
            paid = Decimal(order["total_paid_real"])
            due = Decimal(order["total_paid_tax_incl"])
            amount = due if full_payment else due - paid
            if amount > 0:
                _add_payment(shop, order, amount)
    if new["delivery"] == "1" and order["delivery_number"] == "0":
        order["delivery_number"] = str(shop.next_delivery_number())
        order["delivery_date"] = now
    order["current_state"] = str(id_state)
    order["valid"] = new["logable"]
    order["date_upd"] = now
    if send_email and new["send_email"] == "1":
        shop.mails.append({"id_order": order["id"], "id_order_state": id_state, "template": new["template"]})
    return history


def add_history(shop: FakePrestaShop, values: dict, *, send_email: bool) -> dict:
    order = shop.get("orders", int(values["id_order"]))
    if order is None:
        raise invalid("OrderHistory", "id_order")
    return change_state(shop, order, int(values["id_order_state"]), full_payment=True, send_email=send_email)


def update_order(shop: FakePrestaShop, order: dict, values: dict) -> dict:
    """PUT: `current_state` goes through a state change (existing payments reused); the other posted
    fields are then written as sent, stale values included (so a round-tripped `valid=0` sticks)."""
    new_state = values.pop("current_state", "")
    if new_state and new_state != order["current_state"]:
        change_state(shop, order, int(new_state), full_payment=False, send_email=True)
    values.pop("associations", None)
    order.update(values)
    order["date_upd"] = shop.now()
    return order
