"""The fake's own API (catalogue setup, fault injection, counters, read helpers) and its concurrency."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from decimal import Decimal

import httpx
import pytest
from sim_ps_helpers import Ws, cart_price, new_address, new_cart, new_customer, order_fields, pin_carrier

from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop


def _order_id(response: httpx.Response) -> int:
    return int(ET.fromstring(response.content)[0].findtext("id"))


def test_fresh_install_ids_of_the_notes():
    shop = FakePrestaShop()
    assert shop.row("languages", 1)["iso_code"] == "en" and shop.row("languages", 2)["iso_code"] == "fr"
    assert shop.row("currencies", 1)["iso_code"] == "EUR"
    assert {shop.row("currencies", i)["iso_code"] for i in (2, 3)} == {"GBP", "USD"}
    assert shop.row("countries", 8)["iso_code"] == "FR"
    assert shop.row("countries", 6)["need_identification_number"] == "1"
    assert [(c["id"], c["active"]) for c in shop.carriers()] == [(1, "1"), (2, "1"), (3, "0"), (4, "0")]
    assert [s["id"] for s in shop.rows("order_states")] == list(range(1, 14))
    assert shop.row("order_states", 11)["name"][1] == "Remote payment accepted"
    assert (shop.configuration("PS_OS_WS_PAYMENT"), shop.configuration("PS_OS_ERROR")) == ("11", "8")
    mug = shop.row("products", 8)
    assert (mug["name"][1], mug["price"], mug["id_tax_rules_group"]) == (
        "Mug Today is a good day",
        "11.900000",
        "1",
    )
    assert set(shop.payment_modules) == {"ps_wirepayment", "ps_checkpayment", "ps_cashondelivery"}


def test_without_demo_data_products_start_at_one():
    shop = FakePrestaShop(demo=False)
    assert shop.products() == []
    assert shop.add_product("SKU-1", "Thing", Decimal("10.00")) == 1
    assert shop.configuration("PS_OS_WS_PAYMENT") == "11"


def test_combination_references_price_and_stock(ws, shop):
    product = shop.add_product(
        "TEE", "T-shirt", Decimal("20.00"), quantity=5, combinations=["TEE-S", "TEE-M"]
    )
    combos = ws.list("combinations", display="[id,reference]", **{"filter[id_product]": f"[{product}]"})
    assert [c["reference"] for c in combos] == ["TEE-S", "TEE-M"]
    medium = combos[1]["id"]
    assert shop.stock(product) == 10
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(product, medium, 2)])

    response = ws.post("orders", "order", order_fields(cart, customer, address, "48.00"))

    order = ws.get("orders", _order_id(response))
    assert order["current_state"] == "11"
    assert order["associations"]["order_rows"][0]["product_reference"] == "TEE-M"
    assert (shop.stock(product, medium), shop.stock(product)) == (3, 8)


def test_amazon_carrier_and_its_price(ws, shop):
    carrier = shop.add_carrier("Amazon")
    paid = shop.add_carrier("Amazon paid", price=Decimal("4.00"))
    customer = new_customer(ws)
    address = new_address(ws, customer)
    for pinned, total in ((carrier, "14.28"), (paid, "19.08")):
        cart = new_cart(ws, customer, address, [(8, 0, 1)])
        pin_carrier(ws, cart, address, pinned)
        response = ws.post("orders", "order", order_fields(cart, customer, address, total))
        order = ws.get("orders", _order_id(response))
        assert (order["id_carrier"], order["current_state"]) == (str(pinned), "11")


def test_unknown_payment_module_is_an_empty_500_and_inactive_one_says_so(ws, shop):
    shop.add_payment_module("amzorders", active=False)
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    for module, body in (
        ("nosuchmodule", b""),
        ("amzorders", b"Error processing order. Payment module is not active."),  # as on the live 8.2.1
    ):
        response = ws.post("orders", "order", order_fields(cart, customer, address, "14.28", module=module))
        assert (response.status_code, response.content) == (500, body)
        assert "psws-version" not in response.headers
    shop.add_payment_module("amzorders")
    response = ws.post("orders", "order", order_fields(cart, customer, address, "14.28", module="amzorders"))
    assert response.status_code == 201


def test_fail_next_before_and_after_the_work(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    shop.fail_next("POST", "orders", status=503)

    lost = ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))

    assert (lost.status_code, shop.orders()) == (503, [])
    shop.fail_next("post", "orders", after=True)
    crashed = ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    assert crashed.status_code == 500 and len(shop.orders()) == 1  # created, answer lost
    again = ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    assert again.status_code == 500 and "already been placed" in again.text
    assert shop.stats.calls[("POST", "orders")] == 3


def test_fail_next_counts_down(ws, shop):
    shop.fail_next("GET", "orders", times=2)
    statuses = [ws.http.get("/api/orders").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert shop.stats.calls[("GET", "orders")] == 3 and shop.stats.total == 3


def test_cancel_gives_stock_back_and_same_state_put_adds_no_history(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 3)])
    before = shop.stock(8)
    order_id = _order_id(ws.post("orders", "order", order_fields(cart, customer, address, "42.84")))
    assert shop.stock(8) == before - 3
    element = ws.get_xml("orders", order_id)
    assert ws.put_xml("orders", element).status_code == 200
    assert len(shop.order_histories(order_id)) == 1
    element.find("current_state").text = "6"
    assert ws.put_xml("orders", element).status_code == 200
    assert shop.stock(8) == before
    assert [h["id_order_state"] for h in shop.order_histories(order_id)] == ["11", "6"]


def test_mails_only_when_asked_or_through_put(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    order_id = _order_id(ws.post("orders", "order", order_fields(cart, customer, address, "14.28")))
    shop.mails.clear()
    ws.post(
        "order_histories", "order_history", {"id_order": order_id, "id_order_state": 3}, params="?sendemail=0"
    )
    ws.post("order_histories", "order_history", {"id_order": order_id, "id_order_state": 3})
    assert shop.mails == []
    ws.post(
        "order_histories", "order_history", {"id_order": order_id, "id_order_state": 4}, params="?sendemail=1"
    )
    assert [m["id_order_state"] for m in shop.mails] == [4]


def test_invoice_and_details_are_recorded(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 2)])
    cart_price(ws, cart, 8, Decimal("10.000000"))
    order_id = _order_id(ws.post("orders", "order", order_fields(cart, customer, address, "24.00")))
    detail = shop.order_details(order_id)[0]
    assert (detail["total_price_tax_incl"], detail["product_price"]) == ("24.000000", "10.000000")
    invoices = shop.rows("order_invoices", id_order=order_id)
    assert len(invoices) == 1 and detail["id_order_invoice"] == str(invoices[0]["id"])
    assert shop.order(order_id)["invoice_number"] == invoices[0]["number"]


def test_concurrent_creators_get_distinct_orders_and_one_order_per_cart(shop):
    with serve_fake_prestashop(shop) as server:
        setup = Ws(server.url, shop.api_key)
        carts = []
        for i in range(8):
            customer = new_customer(setup, f"c{i}@example.com")
            address = new_address(setup, customer)
            carts.append((new_cart(setup, customer, address, [(8, 0, 1)]), customer, address))
        statuses: list[int] = []
        lock = threading.Lock()

        def place(cart: int, customer: int, address: int) -> None:
            client = Ws(server.url, shop.api_key)
            status = client.post(
                "orders", "order", order_fields(cart, customer, address, "14.28")
            ).status_code
            client.close()
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=place, args=args) for args in carts + carts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        setup.close()

    assert sorted(statuses) == [201] * 8 + [500] * 8
    orders = shop.orders()
    assert len(orders) == 8 and len({o["reference"] for o in orders}) == 8
    assert sorted(int(o["id_cart"]) for o in orders) == sorted(c for c, _, _ in carts)


def test_lines_with_different_tax_rates_add_up(ws, shop):
    reduced = shop.add_tax_rules_group("FR 5.5", Decimal("5.5"))
    book = shop.add_product("BOOK-1", "Book", Decimal("10.00"), id_tax_rules_group=reduced)
    free = shop.add_product("GIFT-1", "Gift card", Decimal("25.00"), id_tax_rules_group=0)
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(book, 0, 3), (free, 0, 1), (8, 0, 1)])

    response = ws.post("orders", "order", order_fields(cart, customer, address, "70.93"))  # 31.65+25+14.28

    order = ws.get("orders", _order_id(response))
    assert (order["current_state"], order["total_products"]) == ("11", "66.900000")


@pytest.mark.parametrize(("round_type", "total"), [("1", "12.00"), ("2", "12.05"), ("3", "12.05")])
def test_round_type_setting_decides_the_cart_total(ws, shop, round_type, total):
    shop.set_configuration("PS_ROUND_TYPE", round_type)  # 1 per item, 2 per line, 3 on the total
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 10)])
    cart_price(ws, cart, 8, Decimal("1.004"))  # 1.2048 incl. tax per unit

    response = ws.post("orders", "order", order_fields(cart, customer, address, total))

    assert ws.get("orders", _order_id(response))["current_state"] == "11"


def test_without_stock_management_orders_leave_stock_alone(ws, shop):
    shop.set_configuration("PS_STOCK_MANAGEMENT", "0")
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 2)])
    before = shop.stock(8)
    ws.post("orders", "order", order_fields(cart, customer, address, "28.56"))
    assert shop.orders()[-1]["current_state"] == "11" and shop.stock(8) == before


def test_order_for_another_customer_than_the_carts_dies(ws, shop):
    customer = new_customer(ws)
    stranger = new_customer(ws, "someone.else@example.com")
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])

    response = ws.post("orders", "order", order_fields(cart, stranger, address, "14.28"))

    assert (response.status_code, response.content, shop.orders()) == (500, b"", [])


def test_records_are_dated_by_the_shop_clock(clock):
    from datetime import timedelta

    shop = FakePrestaShop(clock=clock)
    with serve_fake_prestashop(shop) as server:
        ws = Ws(server.url, shop.api_key)
        customer = new_customer(ws)
        clock.advance(timedelta(hours=2))
        address = new_address(ws, customer)
        ws.close()
    assert shop.customer(customer)["date_add"] == "2026-11-01 00:00:00"
    assert shop.row("addresses", address)["date_add"] == "2026-11-01 02:00:00"
