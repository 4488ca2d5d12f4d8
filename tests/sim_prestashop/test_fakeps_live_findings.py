"""Behaviour first seen on a live PrestaShop 8.2.1 (fresh install, country FR) and now modelled by the fake:
taxes follow the tax rules of the delivery country, an inactive delivery country kills `POST orders`, the
order carries the cart's gift message, a price not in the cart's currency is converted at the currency's
rate, and a combination's price impact is added unless the specific price names that combination."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from sim_ps_helpers import cart_price, new_address, new_cart, new_customer, order_fields

US, ES, DE = 21, 6, 1


def _post_order(ws, shop, id_country: int, total: str, quantity: int = 1):
    customer = new_customer(ws, f"buyer{len(shop.customers())}@marketplace.amazon.fr")
    address = new_address(ws, customer, id_country=id_country, postcode="10001", dni="00000000T")
    cart = new_cart(ws, customer, address, [(8, 0, quantity)])
    return ws.post("orders", "order", order_fields(cart, customer, address, total))


def _order(ws, response) -> dict:
    return ws.get("orders", int(ET.fromstring(response.content)[0].findtext("id")))


def test_tax_rules_are_served_per_country(ws):
    rules = ws.list("tax_rules", display="full", **{"filter[id_tax_rules_group]": "[1]"})
    countries = {int(r["id_country"]) for r in rules}
    assert {ES, DE, 8} <= countries and US not in countries
    assert {r["id_tax"] for r in rules} == {"1"}
    assert ws.list("taxes", display="[id,rate]") == [{"id": 1, "rate": "20.000"}]


def test_a_country_without_a_rule_is_not_taxed(ws, shop):
    response = _post_order(ws, shop, US, "23.80", quantity=2)  # 2 x 11.90, no tax: the live shop's total
    order = _order(ws, response)
    assert (order["current_state"], order["total_paid_tax_incl"]) == ("11", "23.800000")


def test_a_country_with_a_rule_pays_its_rate(ws, shop):
    order = _order(ws, _post_order(ws, shop, ES, "14.28"))
    assert (order["current_state"], order["total_paid_tax_incl"]) == ("11", "14.280000")


def test_changing_a_groups_rate_changes_its_tax(ws, shop):
    shop.set_tax_rate(1, Decimal(10))
    assert shop.tax_rate(1, ES) == Decimal(10) and shop.tax_rate(1, US) == 0
    order = _order(ws, _post_order(ws, shop, ES, "13.09"))
    assert order["current_state"] == "11"


def test_an_inactive_delivery_country_is_a_php_fatal(ws, shop):
    shop.set_country_active("DE", False)
    response = _post_order(ws, shop, DE, "14.28")
    assert (response.status_code, response.content) == (500, b"")
    assert shop.orders() == []


def test_the_order_carries_the_carts_gift_message(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    shop.tables["carts"][cart]["gift_message"] = "Amazon order 402-1234567-1234567"
    order = _order(ws, ws.post("orders", "order", order_fields(cart, customer, address, "14.28")))
    assert order["gift_message"] == "Amazon order 402-1234567-1234567"


def test_a_price_in_the_default_currency_is_converted_to_the_carts(ws, shop):
    # Live 8.2.1, GBP at 0.86, the mug priced 9.991667 excl. (11.99 incl. 20 %) for the cart: with
    # id_currency 0 the line became 8.592834 excl. / 10.31 incl. and the order landed in 8 "Payment
    # error"; with the cart's id_currency (2) it stayed 9.991667 and matched 11.99.
    customer = new_customer(ws)
    address = new_address(ws, customer)
    states = []
    for price_currency in (0, 2):
        cart = new_cart(ws, customer, address, [(8, 0, 1)], id_currency=2)
        cart_price(ws, cart, 8, Decimal("9.991667"), id_currency=price_currency)
        fields = {**order_fields(cart, customer, address, "11.99"), "id_currency": 2}
        order = _order(ws, ws.post("orders", "order", fields))
        row = order["associations"]["order_rows"][0]
        states.append((order["current_state"], order["total_paid_tax_incl"], row["unit_price_tax_excl"]))
    assert states == [("8", "10.310000", "8.592834"), ("11", "11.990000", "9.991667")]


def test_a_combination_impact_is_added_to_a_product_level_price_only(ws, shop):
    # Live 8.2.1, a combination with a +2.00 impact and a cart price of 10.00 excl.: a price for the
    # product (attribute 0) gave 12.00 excl., a price for the combination gave 10.00.
    product = shop.add_product("TEE-BASE", "Tee", Decimal("23.90"), combinations=("TEE-IMPACT",))
    combination = int(shop.tables["products"][product]["id_default_combination"])
    shop.tables["combinations"][combination]["price"] = "2.000000"
    customer = new_customer(ws)
    address = new_address(ws, customer)
    units = []
    for price_attribute in (0, combination):
        cart = new_cart(ws, customer, address, [(product, combination, 1)])
        cart_price(ws, cart, product, Decimal("10.00"), id_attribute=price_attribute)
        total = "14.40" if price_attribute == 0 else "12.00"
        order = _order(ws, ws.post("orders", "order", order_fields(cart, customer, address, total)))
        units.append((order["current_state"], order["associations"]["order_rows"][0]["unit_price_tax_excl"]))
    assert units == [("11", "12.000000"), ("11", "10.000000")]


def test_a_combination_posted_through_the_webservice_joins_its_product(ws, shop):
    # Live 8.2.1: POST combinations on demo_1 answered 201 and made a stock row at quantity 0 for it; a
    # cart row and an order on it went through (the stock went negative: backorder states are off,
    # PS_ENABLE_BACKORDER_STATUS 0).
    product = shop.add_product("TEE-BASE", "Tee", Decimal("23.90"), combinations=("TEE-S",))
    fields = {"id_product": product, "reference": "AMZ-COMBI", "minimal_quantity": 1}
    combination = ws.create("combinations", "combination", fields)
    assert {"id": str(combination)} in ws.get("products", product)["associations"]["combinations"]
    assert shop.stock(product, combination) == 0
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(product, combination, 2)])
    order = _order(ws, ws.post("orders", "order", order_fields(cart, customer, address, "57.36")))
    assert order["associations"]["order_rows"][0]["product_reference"] == "AMZ-COMBI"
    assert order["current_state"] == "11"
