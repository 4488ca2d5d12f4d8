"""The order-creation sequence of the notes (§1.1) against the fake, over real HTTP."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sim_ps_helpers import cart_price, new_address, new_cart, new_customer, order_fields, pin_carrier

MUG = 8  # "Mug Today is a good day", 11.90 excl. tax, FR 20 %


def _excl(unit_incl: str) -> Decimal:
    """Amazon's unit price incl. 20 % tax -> excl. tax at 6 dp, as the importer sends it."""
    return (Decimal(unit_incl) / Decimal("1.2")).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("quantity", "unit_incl"), [(2, "12.00"), (3, "19.99"), (7, "9.95"), (3, "33.33"), (11, "0.99")]
)
def test_cart_level_price_gives_amazon_total_to_the_cent(ws, shop, quantity, unit_incl):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, quantity)])
    pin_carrier(ws, cart, address, 1)
    cart_price(ws, cart, MUG, _excl(unit_incl))
    total = f"{Decimal(unit_incl) * quantity:.2f}"
    stock_before = shop.stock(MUG)

    posted = ws.post("orders", "order", order_fields(cart, customer, address, total))

    assert posted.status_code == 201
    order_id = int(posted.text.split("<id><![CDATA[")[1].split("]")[0])
    order = ws.get("orders", order_id)
    assert order["current_state"] == "11"
    assert order["valid"] == "1"
    assert Decimal(order["total_paid"]) == Decimal(total)
    assert Decimal(order["total_paid_real"]) == Decimal(total)
    assert order["reference"] and len(order["reference"]) == 9
    row = order["associations"]["order_rows"][0]
    assert Decimal(row["unit_price_tax_incl"]).quantize(Decimal("0.01")) == Decimal(unit_incl)
    assert shop.stock(MUG) == stock_before - quantity


def test_post_echoes_while_get_returns_the_real_order(ws):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])

    posted = ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))

    assert "<current_state xlink:href" in posted.text and "<reference><![CDATA[]]></reference>" in posted.text
    order_id = int(posted.text.split("<id><![CDATA[")[1].split("]")[0])
    order = ws.get("orders", order_id)
    assert order["current_state"] == "11" and order["id_carrier"] == "1"  # cheapest carrier: click & collect


def test_total_mismatch_creates_the_order_in_payment_error_without_taking_stock(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])
    before = shop.stock(MUG)

    posted = ws.post("orders", "order", order_fields(cart, customer, address, "9.99"))

    assert posted.status_code == 201
    order = shop.orders()[-1]
    assert (order["current_state"], order["valid"]) == ("8", "0")
    assert (order["total_paid"], order["total_paid_real"]) == ("14.280000", "9.990000")
    assert shop.stock(MUG) == before


def test_pinned_carrier_adds_its_cost_and_handling(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])
    pin_carrier(ws, cart, address, 2)

    ws.post("orders", "order", order_fields(cart, customer, address, "22.68"))  # 14.28 + 8.40

    order = shop.orders()[-1]
    assert (order["current_state"], order["id_carrier"], order["total_shipping"]) == ("11", "2", "8.400000")
    assert shop.order_carriers(order["id"])[0]["shipping_cost_tax_excl"] == "7.000000"


def test_order_history_changes_state_and_adds_a_payment_when_invoicing(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "1.00"))
    order_id = shop.orders()[-1]["id"]
    before = shop.stock(MUG)

    response = ws.post(
        "order_histories", "order_history", {"id_order": order_id, "id_order_state": 2}, params="?sendemail=0"
    )

    assert response.status_code == 201
    order = ws.get("orders", order_id)
    assert order["current_state"] == "2" and order["valid"] == "1"
    assert order["total_paid_real"] == "15.280000"  # 1.00 posted + a full 14.28 payment, as recorded
    assert [p["amount"] for p in shop.order_payments(order_id)] == ["1.000000", "14.280000"]
    assert shop.stock(MUG) == before - 1
    assert not [m for m in shop.mails if m["id_order"] == order_id and m["id_order_state"] == 2]


def test_put_order_state_adds_only_the_missing_payment_and_keeps_posted_valid(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "10.72"))
    order_id = shop.orders()[-1]["id"]
    element = ws.get_xml("orders", order_id)
    element.find("current_state").text = "2"

    response = ws.put_xml("orders", element)

    assert response.status_code == 200, response.text
    order = shop.order(order_id)
    assert order["current_state"] == "2"
    assert [p["amount"] for p in shop.order_payments(order_id)] == ["10.720000", "3.560000"]
    assert order["valid"] == "0"  # the round-tripped stale value wins, as recorded


def test_note_is_writable_and_filterable(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(MUG, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    order_id = shop.orders()[-1]["id"]
    element = ws.get_xml("orders", order_id)
    element.find("note").text = "amazon:402-1234567-1234567"
    assert ws.put_xml("orders", element).status_code == 200

    found = ws.list("orders", display="[id,note]", **{"filter[note]": "%[402-1234567]%"})

    assert found == [{"id": order_id, "note": "amazon:402-1234567-1234567"}]
    assert ws.list("orders", **{"filter[note]": "[nothing]"}) == []
