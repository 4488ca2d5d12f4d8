"""The client's pure parts: query strings, XML bodies, and errors read from every recorded shape."""

from __future__ import annotations

import json
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from ps_helpers import ps_shared

from amzorders.shops.port import OrderRejected, ShopUnavailable
from amzorders.shops.prestashop import errors
from amzorders.shops.prestashop.client import display, filter_value, from_xml, query_string, sort, to_xml


def capture(name: str) -> dict:
    return json.loads(ps_shared("captures", f"{name}.json").read_text())


def fault_of(name: str) -> errors.WebserviceFault:
    data = capture(name)
    request, response = data["request"], data["response"]
    resource = request["path"].removeprefix("/api/").split("?")[0].split("/")[0]
    headers = {k.lower(): v for k, v in response["headers"].items()}
    return errors.parse_fault(
        request["method"],
        resource,
        response["status"],
        headers.get("content-type", ""),
        response["body"].encode(),
    )


def test_query_string_keeps_prestashop_syntax_and_quotes_values():
    params = [
        ("display", display(["id", "email"])),
        ("filter[email]", filter_value("a+b@x.fr")),
        ("filter[id]", filter_value(1, 2, 3)),
        ("sort", sort("id", descending=True)),
        ("filter[note]", filter_value("50% off & more")),
    ]
    assert query_string(params) == (
        "display=[id,email]&filter[email]=[a%2Bb@x.fr]&filter[id]=[1|2|3]&sort=[id_DESC]"
        "&filter[note]=[50%25%20off%20%26%20more]"
    )


def test_filter_refuses_values_the_syntax_cannot_express():
    with pytest.raises(errors.PrestaShopUsageError, match="cannot match"):
        filter_value("A|B")


def test_xml_body_nests_associations_and_escapes_text():
    body = to_xml(
        "cart",
        {
            "id_currency": 1,
            "gift_message": "Amazon order <1> & co",
            "skip": None,
            "price": Decimal("16.658333"),
            "associations": {"cart_rows": [("cart_row", {"id_product": 8, "quantity": 2})]},
        },
    )
    root = ElementTree.fromstring(body)
    assert root.tag == "prestashop"
    cart = root.find("cart")
    assert cart.findtext("gift_message") == "Amazon order <1> & co"
    assert cart.find("skip") is None
    assert cart.findtext("price") == "16.658333"
    assert cart.findtext("associations/cart_rows/cart_row/quantity") == "2"


def test_post_echo_is_read_from_xml():
    echo = from_xml(capture("post_order_201_echo")["response"]["body"].encode())
    assert echo["id"] == "14" and echo["current_state"] == "" and echo["payment"] == "Amazon"


@pytest.mark.parametrize(
    ("name", "kind", "text"),
    [
        (
            "post_customer_400_invalid_name",
            errors.PrestaShopRejected,
            "customer.lastname (isCustomerName): Validation error",
        ),
        ("post_order_400_invalid_price", errors.PrestaShopRejected, "order.total_paid (isPrice)"),
        (
            "post_order_400_missing_required",
            errors.PrestaShopRejected,
            "order.total_paid_real (isPrice): parameter",
        ),
        ("post_address_400_dni_required_ES", errors.PrestaShopRejected, "address.dni (isDniLite)"),
        ("post_customer_500_email_used", errors.EmailAlreadyUsed, "[140,46]"),
        ("post_order_500_duplicate_cart", errors.CartAlreadyOrdered, "already been placed"),
        ("post_order_500_module_not_installed", errors.PrestaShopUnavailable, "payment module"),
        ("post_customer_500_json_body", errors.PrestaShopUnavailable, "[3,3,3,127]"),
        ("get_order_404", errors.ResourceNotFound, "empty body"),
    ],
)
def test_every_recorded_error_becomes_a_readable_port_error(name, kind, text):
    error = errors.error_for(fault_of(name))
    assert type(error) is kind
    assert text in str(error), str(error)


def test_rejections_are_parked_and_outages_retried():
    rejected = errors.error_for(fault_of("post_customer_400_invalid_name"))
    assert isinstance(rejected, OrderRejected) and not rejected.retryable
    assert rejected.field == "lastname"
    down = errors.error_for(fault_of("post_order_500_module_not_installed"))
    assert isinstance(down, ShopUnavailable) and down.retryable


def test_bad_key_names_the_fix():
    body = ps_shared("samples", "err_401_badkey.xml").read_bytes()
    error = errors.error_for(errors.parse_fault("GET", "orders", 401, "text/xml", body))
    assert isinstance(error, errors.PrestaShopAuthError) and error.retryable
    assert "PRESTASHOP_KEY" in str(error) and "[20,21]" in str(error)
