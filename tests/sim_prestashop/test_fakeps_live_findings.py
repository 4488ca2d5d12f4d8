"""Behaviour first seen on a live PrestaShop 8.2.1 (fresh install, country FR) and now modelled by the fake:
taxes follow the tax rules of the delivery country, an inactive delivery country kills `POST orders`, the
order carries the cart's gift message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from sim_ps_helpers import new_address, new_cart, new_customer, order_fields

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
