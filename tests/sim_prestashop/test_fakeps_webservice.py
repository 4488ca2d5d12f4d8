"""Webservice behaviours of the fake beyond the captures: auth, formats, queries, validation, writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import httpx
import pytest
from sim_ps_helpers import cart_price, new_address, new_cart, new_customer, order_fields

from amzorders.sim.prestashop.schemas import data_dir, resource_specs


def _codes(response: httpx.Response) -> list[int]:
    return [int(e.findtext("code")) for e in ET.fromstring(response.content).iter("error")]


def _message(response: httpx.Response) -> str:
    return ET.fromstring(response.content).find(".//message").text


# ---- authentication and routing -------------------------------------------------------------------
def test_no_key_is_a_plain_401_with_a_basic_challenge(server):
    response = httpx.get(server.url + "/api/orders", verify=False)
    assert response.status_code == 401
    assert response.text == "401 Unauthorized"
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert "psws-version" not in response.headers


def test_key_as_ws_key_parameter(server, shop):
    response = httpx.get(server.url + "/api/order_states/11", params={"ws_key": shop.api_key}, verify=False)
    assert response.status_code == 200
    assert "Remote payment accepted" in response.text


def test_dispatcher_url_without_rewriting(ws):
    response = ws.http.get(
        "/webservice/dispatcher.php", params={"url": "carriers/2", "output_format": "JSON"}
    )
    assert response.json()["carrier"]["name"] == "My carrier"


def test_api_index_lists_the_recorded_resources_with_our_urls(ws, server):
    response = ws.http.get("/api/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)[0]
    assert {"orders", "carts", "order_histories", "stock_availables"} <= {child.tag for child in root}
    assert f"{server.url}/api/orders" in response.text and "127.0.0.1:8081" not in response.text


def test_unknown_resource_is_400_code_27(ws):
    response = ws.http.get("/api/nonsense")
    assert (response.status_code, _codes(response)) == (400, [27])


def test_api_resource_the_fake_keeps_no_data_for_lists_empty(ws):
    assert ws.http.get("/api/categories", params={"output_format": "JSON"}).text == "[]"
    assert ws.http.get("/api/categories/2").status_code == 404


def test_head_has_the_headers_and_no_body(ws):
    response = ws.http.head("/api/orders")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["psws-version"] == "8.2.1"


@pytest.mark.parametrize("kind", ["synopsis", "blank"])
def test_schemas_are_the_recorded_files(ws, server, kind):
    response = ws.http.get("/api/orders", params={"schema": kind})
    recorded = (data_dir() / "schemas" / f"orders.{kind}.xml").read_text()
    assert response.status_code == 200
    assert response.text == recorded.replace("http://127.0.0.1:8080", server.url).replace(
        "http://127.0.0.1:8081", server.url
    )


# ---- reads: formats and queries ------------------------------------------------------------------
def test_io_format_json_and_collections(ws):
    response = ws.http.get("/api/carriers", params={"io_format": "JSON"})
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"carriers": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]}


def test_xml_collection_lists_ids_with_hrefs(ws, server):
    root = ET.fromstring(ws.http.get("/api/carriers").content)[0]
    assert [c.get("id") for c in root] == ["1", "2", "3", "4"]
    assert root[0].get("{http://www.w3.org/1999/xlink}href") == f"{server.url}/api/carriers/1"


def test_display_keeps_schema_order_and_empty_values(ws):
    rows = ws.list("order_states", display="[name,paid,id]", **{"filter[id]": "[8]"})
    assert rows == [
        {
            "id": 8,
            "paid": "0",
            "name": [{"id": "1", "value": "Payment error"}, {"id": "2", "value": "Payment error"}],
        }
    ]


def test_display_full_gives_whole_objects(ws):
    rows = ws.list("order_states", display="full", limit="2")
    assert [r["id"] for r in rows] == [1, 2] and "template" in rows[0]


def test_filters_sort_and_limit(ws):
    ids = lambda **p: [r["id"] for r in ws.list("products", display="[id]", **p)]  # noqa: E731
    assert ids(**{"filter[reference]": "[demo_13]"}) == [8]
    assert ids(**{"filter[reference]": "[demo_13|demo_11]"}) == [6, 8]
    assert ids(**{"filter[reference]": "[DEMO_13]"}) == [8]  # MySQL's case-insensitive collation
    assert ids(**{"filter[id]": "[3,5]"}) == [3, 4, 5]
    assert ids(**{"filter[reference]": "%[demo_1]%", "sort": "[id_DESC]", "limit": "3"}) == [11, 10, 9]
    assert ids(**{"filter[reference]": "[demo_1]%", "limit": "1,2"}) == [6, 7]
    assert ids(**{"filter[price]": "[20,30]"}) == [1, 3, 4, 5]
    assert ids(**{"filter[name]": "%[good day]%"}) == [5, 8]  # multilingual: any language


def test_date_interval_filter(ws, shop):
    customer = new_customer(ws)
    rows = ws.list(
        "customers",
        display="[id,date_add]",
        date="1",
        **{"filter[date_add]": "[2000-01-01 00:00:00,2100-01-01 00:00:00]"},
    )
    assert [r["id"] for r in rows] == [customer]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"filter[nope]": "[1]"}, 32),
        ({"filter[shipping_number]": "[1]"}, 32),  # notFilterable in the synopsis
        ({"display": "[id,nope]"}, 35),
        ({"sort": "[nope_ASC]"}, 29),
    ],
)
def test_bad_queries_are_400(ws, params, code):
    response = ws.http.get("/api/orders", params=params)
    assert (response.status_code, _codes(response)) == (400, [code])


def test_empty_xml_collection_is_an_empty_element(ws):
    response = ws.http.get("/api/orders")
    assert response.text.endswith("<orders>\n</orders>\n</prestashop>\n")


def test_unknown_id_is_404_with_an_empty_body(ws):
    response = ws.http.get("/api/customers/424242", params={"output_format": "JSON"})
    assert (response.status_code, response.content, response.headers.get("content-type")) == (404, b"", None)


# Recorded resources the fake keeps no rows for (customer service threads, guests, regions).
_NO_ROWS = {"customer_messages", "customer_threads", "guests", "states"}


@pytest.mark.parametrize(
    "resource", sorted({p.name.split(".")[0] for p in data_dir().glob("schemas/*.blank.xml")} - _NO_ROWS)
)
def test_rendered_fields_follow_the_recorded_schemas(ws, shop, resource):
    """Every resource prints `id` then the recorded synopsis' elements; the blank's are among them."""
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    cart_price(ws, cart, 8, Decimal("11.90"))
    ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    rows = shop.tables[resource]
    schemas = data_dir() / "schemas"
    synopsis = ET.fromstring((schemas / f"{resource}.synopsis.xml").read_bytes())[0]
    blank = [child.tag for child in ET.fromstring((schemas / f"{resource}.blank.xml").read_bytes())[0]]
    rendered = [child.tag for child in ET.fromstring(ws.http.get(f"/api/{resource}/{min(rows)}").content)[0]]
    assert rendered == ["id", *(child.tag for child in synopsis)]
    assert [tag for tag in rendered if tag in blank] == blank


# ---- writes: validation --------------------------------------------------------------------------
def test_body_must_be_xml(ws):
    response = ws.http.post("/api/customers", content='{"customer": {}}')
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/xml;charset=utf-8"
    assert _codes(response) == [3, 3, 3, 127]


def test_first_missing_required_field_is_reported(ws):
    response = ws.post("customers", "customer", {"lastname": "Dupont", "firstname": "Jean", "passwd": "x"})
    assert (response.status_code, _codes(response)) == (400, [41])
    assert _message(response) == 'parameter "email" required'


def test_too_long_value_is_400_code_85_naming_the_field(ws):
    customer = new_customer(ws)
    response = ws.post(
        "addresses",
        "address",
        {
            "id_customer": customer,
            "id_country": 8,
            "alias": "a",
            "lastname": "L",
            "firstname": "F",
            "address1": "x" * 129,
            "city": "Paris",
        },
    )
    assert (response.status_code, _codes(response)) == (400, [85])
    assert (
        _message(response)
        == 'Validation error: "Property Address-&gt;address1 length (129) must be between 0 and 128"'
    )


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"postcode": "7500"}, True),  # the country's zip format is not checked
        ({"postcode": ""}, True),
        ({"address1": "Bât. #4, appt 12"}, True),
        ({"lastname": "Dupont 2"}, False),
        ({"phone": "0123 ext. 5"}, False),
        ({"address1": "x" * 128}, True),
    ],
)
def test_address_table_of_the_notes(ws, fields, ok):
    customer = new_customer(ws)
    base = {
        "id_customer": customer,
        "id_country": 8,
        "alias": "a",
        "lastname": "L",
        "firstname": "F",
        "address1": "1 rue",
        "city": "Paris",
    }
    response = ws.post("addresses", "address", {**base, **fields})
    assert response.status_code == (201 if ok else 400), response.text


def test_spain_needs_a_dni(ws):
    customer = new_customer(ws)
    with_dni = new_address(ws, customer, id_country=6, dni="12345678Z")
    assert ws.get("addresses", with_dni)["dni"] == "12345678Z"
    response = ws.post(
        "addresses",
        "address",
        {
            "id_customer": customer,
            "id_country": 6,
            "alias": "a",
            "lastname": "L",
            "firstname": "F",
            "address1": "Calle 1",
            "city": "Madrid",
        },
    )
    assert _message(response) == 'Validation error: "Property Address-&gt;dni is empty."'


def test_email_uniqueness_ignores_case_and_applies_to_guests(ws):
    new_customer(ws, "Buyer@Example.com")
    response = ws.post(
        "customers",
        "customer",
        {
            "lastname": "X",
            "firstname": "Y",
            "email": "buyer@example.com",
            "passwd": "x12345678",
            "is_guest": 1,
        },
    )
    assert (response.status_code, _codes(response)) == (500, [140, 46])


def test_customer_answer_has_id_and_secure_key_and_no_plain_password(ws, shop):
    response = ws.post(
        "customers",
        "customer",
        {"lastname": "Dupont", "firstname": "Jean", "email": "jd@example.com", "passwd": "x12345678"},
    )
    entity = ET.fromstring(response.content)[0]
    assert len(entity.findtext("secure_key")) == 32
    stored = shop.customer(int(entity.findtext("id")))
    assert stored["passwd"] != "x12345678" and stored["id_default_group"] == "3"
    assert stored["associations"]["groups"] == [{"id": "3"}]


def test_read_only_secure_key_is_ignored_on_post(ws, shop):
    customer = new_customer(ws, secure_key="0" * 32)
    assert shop.customer(customer)["secure_key"] != "0" * 32


def test_put_needs_the_id_and_the_required_fields(ws):
    customer = new_customer(ws)
    element = ws.get_xml("customers", customer)
    element.remove(element.find("id"))
    assert _codes(ws.put_xml_to("customers", customer, element)) == [90]
    element = ws.get_xml("customers", customer)
    element.remove(element.find("email"))
    assert _codes(ws.put_xml("customers", element)) == [41]


def test_get_put_round_trip_keeps_the_password_and_updates_fields(ws, shop):
    customer = new_customer(ws)
    before = shop.customer(customer)["passwd"]
    element = ws.get_xml("customers", customer)
    element.find("note").text = "VIP"
    response = ws.put_xml("customers", element)
    assert response.status_code == 200
    assert shop.customer(customer)["passwd"] == before and shop.customer(customer)["note"] == "VIP"


def test_cart_copies_the_customer_secure_key_and_refuses_unknown_products(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 2)])
    assert shop.cart(cart)["secure_key"] == shop.customer(customer)["secure_key"]
    response = ws.post(
        "carts",
        "cart",
        {"id_currency": 1, "id_lang": 1},
        {
            "cart_rows": (
                "cart_row",
                [
                    {
                        "id_product": 999,
                        "id_product_attribute": 0,
                        "id_address_delivery": address,
                        "quantity": 1,
                    }
                ],
            )
        },
    )
    assert (response.status_code, _codes(response)) == (400, [85])


def test_stock_availables_get_and_put(ws, shop):
    stock = ws.list("stock_availables", display="full", **{"filter[id_product]": "[8]"})[0]
    element = ws.get_xml("stock_availables", stock["id"])
    element.find("quantity").text = str(int(stock["quantity"]) + 1)
    assert ws.put_xml("stock_availables", element).status_code == 200
    assert shop.stock(8) == int(stock["quantity"]) + 1
    assert ws.get("products", 8)["quantity"] == str(int(stock["quantity"]) + 1)


def test_put_tracking_number_becomes_the_order_shipping_number(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    order_id = shop.orders()[-1]["id"]
    carrier_row = ws.list("order_carriers", display="[id]", **{"filter[id_order]": f"[{order_id}]"})[0]
    element = ws.get_xml("order_carriers", carrier_row["id"])
    element.find("tracking_number").text = "1Z999AA10123456784"
    assert ws.put_xml("order_carriers", element).status_code == 200
    assert ws.get("orders", order_id)["shipping_number"] == "1Z999AA10123456784"


def test_payment_transaction_id_is_writable_and_filterable(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    payment = shop.order_payments(shop.orders()[-1]["id"])[0]
    element = ws.get_xml("order_payments", payment["id"])
    element.find("transaction_id").text = "402-1234567-1234567"
    assert ws.put_xml("order_payments", element).status_code == 200
    found = ws.list(
        "order_payments",
        display="[id,order_reference]",
        **{"filter[transaction_id]": "[402-1234567-1234567]"},
    )
    assert found == [{"id": payment["id"], "order_reference": payment["order_reference"]}]


def test_every_recorded_resource_is_modelled():
    recorded = {p.name.split(".")[0] for p in data_dir().glob("schemas/*.synopsis.xml")}
    assert len(recorded) == 22 and recorded <= set(resource_specs())


def test_patch_updates_only_the_fields_sent(ws, shop):
    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 1)])
    ws.post("orders", "order", order_fields(cart, customer, address, "14.28"))
    order_id = shop.orders()[-1]["id"]
    body = f"<prestashop><order><id>{order_id}</id><current_state>4</current_state></order></prestashop>"

    response = ws.http.patch(f"/api/orders/{order_id}", content=body)

    assert response.status_code == 200, response.text
    order = shop.order(order_id)
    assert (order["current_state"], order["valid"], order["total_paid"]) == ("4", "1", "14.280000")
    assert order["delivery_number"] != "0"
