"""The order model: v2026-01-01 JSON -> typed, immutable orders; bad input names the order and the field."""

from __future__ import annotations

import copy
import json
from dataclasses import FrozenInstanceError
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amzorders.amazon.models import OrderParseError, OrderSummary, parse_order, parse_order_summary
from amzorders.money import Money

MODEL = Path(__file__).resolve().parents[3] / "shared" / "sp-api-models" / "orders_2026-01-01.json"


def _sandbox_orders() -> list[dict]:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    found = []
    for path in model["paths"].values():
        for response in path["get"]["responses"].values():
            for case in response.get("x-amzn-api-sandbox", {}).get("static", []):
                body = case["response"]
                found += body.get("orders", []) + ([body["order"]] if "order" in body else [])
    return found


SANDBOX = _sandbox_orders()
EUR = "EUR"

ORDER = {
    "orderId": "405-1234567-1234567",
    "createdTime": "2026-11-01T10:00:00Z",
    "lastUpdatedTime": "2026-11-03T09:00:00.250Z",
    "programs": ["PRIME", "AMAZON_BUSINESS"],
    "salesChannel": {
        "channelName": "AMAZON",
        "marketplaceId": "A13V1IB3VIYZZH",
        "marketplaceName": "Amazon.fr",
    },
    "buyer": {
        "buyerName": "Jeanne Martin",
        "buyerEmail": "x1@marketplace.amazon.fr",
        "buyerCompanyName": "Martin SARL",
    },
    "recipient": {
        "deliveryAddress": {
            "name": "Jeanne Martin",
            "addressLine1": "3 rue des Lilas",
            "city": "Lyon",
            "postalCode": "69003",
            "countryCode": "FR",
            "phone": "+33 4 00 00 00 00",
            "addressType": "COMMERCIAL",
        }
    },
    "proceeds": {"grandTotal": {"amount": "34.55", "currencyCode": EUR}},
    "fulfillment": {
        "fulfillmentStatus": "UNSHIPPED",
        "fulfilledBy": "MERCHANT",
        "fulfillmentServiceLevel": "STANDARD",
    },
    "orderItems": [
        {
            "orderItemId": "10001",
            "quantityOrdered": 2,
            "product": {
                "asin": "B0EXAMPLE1",
                "title": "Mug",
                "sellerSku": "MUG-01",
                "price": {"unitPrice": {"amount": "11.90", "currencyCode": EUR}},
            },
            "proceeds": {
                "proceedsTotal": {"amount": "34.55", "currencyCode": EUR},
                "breakdowns": [
                    {"type": "ITEM", "subtotal": {"amount": "23.80", "currencyCode": EUR}},
                    {"type": "SHIPPING", "subtotal": {"amount": "4.99", "currencyCode": EUR}},
                    {
                        "type": "TAX",
                        "subtotal": {"amount": "5.76", "currencyCode": EUR},
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": {"amount": "4.76", "currencyCode": EUR}},
                            {"subtype": "SHIPPING", "value": {"amount": "1.00", "currencyCode": EUR}},
                        ],
                    },
                    {"type": "DISCOUNT", "subtotal": {"amount": "-0.00", "currencyCode": EUR}},
                ],
            },
        }
    ],
}


def test_parses_every_field_an_importer_needs():
    order = parse_order(ORDER)
    assert order.order_id == "405-1234567-1234567"
    assert order.created_time.isoformat() == "2026-11-01T10:00:00+00:00"
    assert order.last_updated_time.microsecond == 250000
    assert order.marketplace_id == "A13V1IB3VIYZZH" and order.channel_name == "AMAZON"
    assert (order.fulfillment_status, order.fulfilled_by, order.service_level) == (
        "UNSHIPPED",
        "MERCHANT",
        "STANDARD",
    )
    assert order.is_prime and order.is_business and not order.is_amazon_fulfilled and not order.is_pending
    assert order.grand_total == Money.of("34.55", EUR) and order.currency == EUR
    (item,) = order.items
    assert (item.order_item_id, item.quantity_ordered, item.asin, item.seller_sku, item.title) == (
        "10001", 2, "B0EXAMPLE1", "MUG-01", "Mug")  # fmt: skip
    assert item.unit_price == Money.of("11.90", EUR) and item.item_subtotal == Money.of("23.80", EUR)
    assert item.item_tax == Money.of("4.76", EUR) and item.shipping_tax == Money.of("1.00", EUR)
    assert item.shipping == Money.of("4.99", EUR) and item.proceeds_total == Money.of("34.55", EUR)
    assert item.discount == Money.of("0", EUR)
    assert isinstance(item.unit_price.amount, Decimal)
    assert order.buyer.email == "x1@marketplace.amazon.fr" and order.buyer.company_name == "Martin SARL"
    assert order.recipient.line1 == "3 rue des Lilas" and order.recipient.phone.startswith("+33")
    assert order.recipient.address_type == "COMMERCIAL"


def test_orders_are_immutable():
    order = parse_order(ORDER)
    with pytest.raises(FrozenInstanceError):
        order.order_id = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        order.items[0].quantity_ordered = 3  # type: ignore[misc]


def test_a_pending_order_without_prices_address_or_buyer_parses():
    pending = copy.deepcopy(ORDER)
    for key in ("proceeds", "recipient", "buyer"):
        del pending[key]
    pending["fulfillment"]["fulfillmentStatus"] = "PENDING"
    item = pending["orderItems"][0]
    del item["proceeds"], item["product"]["price"]
    order = parse_order(pending)
    assert order.is_pending and order.grand_total is None and order.currency is None
    assert order.items[0].unit_price is None and order.items[0].proceeds_total is None
    assert order.buyer is None and order.recipient is None


def test_unknown_enum_values_are_kept_not_rejected():
    novel = copy.deepcopy(ORDER)
    novel["fulfillment"] = {
        "fulfillmentStatus": "ON_THE_MOON",
        "fulfilledBy": "DRONES",
        "fulfillmentServiceLevel": "WARP",
    }
    novel["programs"] = ["NEW_PROGRAM"]
    order = parse_order(novel)
    assert (order.fulfillment_status, order.fulfilled_by, order.service_level) == (
        "ON_THE_MOON",
        "DRONES",
        "WARP",
    )
    assert order.programs == ("NEW_PROGRAM",)


def test_a_tax_breakdown_without_details_is_item_tax():
    plain = copy.deepcopy(ORDER)
    plain["orderItems"][0]["proceeds"]["breakdowns"] = [
        {"type": "ITEM", "subtotal": {"amount": "39.99", "currencyCode": "USD"}},
        {"type": "TAX", "subtotal": {"amount": "10.00", "currencyCode": "USD"}},
    ]
    item = parse_order(plain).items[0]
    assert item.item_tax == Money.of("10.00", "USD") and item.shipping_tax is None


@pytest.mark.parametrize("example", SANDBOX, ids=[o["orderId"] for o in SANDBOX])
def test_every_sandbox_order_of_the_official_model_parses(example):
    order = parse_order(example)
    assert order.order_id == example["orderId"]
    assert order.grand_total == Money.from_amazon(example["proceeds"]["grandTotal"])
    assert [i.order_item_id for i in order.items] == [i["orderItemId"] for i in example["orderItems"]]
    # the reconciliation's summary reads the same fields the same way
    assert parse_order_summary(example) == OrderSummary(
        order.order_id,
        order.fulfillment_status,
        order.fulfilled_by,
        order.grand_total,
        order.last_updated_time,
    )


def _broken(change) -> dict:
    data = copy.deepcopy(ORDER)
    change(data)
    return data


def _bad(change, field: str) -> tuple[dict, str, str]:
    """ORDER broken by `change`: the error must name the order and `field`."""
    return _broken(change), ORDER["orderId"], field


BAD = {
    "not an object": ([], None, "order"),
    "no orderId": (_broken(lambda d: d.pop("orderId")), None, "orderId"),
    "no createdTime": _bad(lambda d: d.pop("createdTime"), "createdTime"),
    "naive time": _bad(lambda d: d.update(createdTime="2026-11-01T10:00:00"), "createdTime"),
    "bad time": _bad(lambda d: d.update(lastUpdatedTime="yesterday"), "lastUpdatedTime"),
    "no salesChannel": _bad(lambda d: d.pop("salesChannel"), "salesChannel"),
    "no channelName": _bad(lambda d: d["salesChannel"].pop("channelName"), "channelName"),
    "no items": _bad(lambda d: d.pop("orderItems"), "orderItems"),
    "item not object": _bad(lambda d: d.update(orderItems=["x"]), "orderItems[0]"),
    "no item id": _bad(lambda d: d["orderItems"][0].pop("orderItemId"), "orderItemId"),
    "quantity": _bad(lambda d: d["orderItems"][0].update(quantityOrdered="2"), "quantityOrdered"),
    "float amount": _bad(
        lambda d: d["proceeds"].update(grandTotal={"amount": 34.55, "currencyCode": EUR}),
        "proceeds.grandTotal",
    ),
    "no currency": _bad(
        lambda d: d["orderItems"][0]["product"]["price"].update(unitPrice={"amount": "1"}), "product.price"
    ),
    "product not object": _bad(lambda d: d["orderItems"][0].update(product="mug"), "product"),
    "breakdown not object": _bad(
        lambda d: d["orderItems"][0]["proceeds"].update(breakdowns=["ITEM"]), "breakdowns[0]"
    ),
    "breakdown without subtotal": _bad(
        lambda d: d["orderItems"][0]["proceeds"].update(breakdowns=[{"type": "ITEM"}]),
        "breakdowns[0].subtotal",
    ),
    "recipient not object": _bad(lambda d: d.update(recipient="Lyon"), "recipient"),
    "programs not a list": _bad(lambda d: d.update(programs=5), "programs"),
    "amount a list": _bad(
        lambda d: d["proceeds"].update(grandTotal={"amount": [1], "currencyCode": EUR}),
        "proceeds.grandTotal",
    ),
    "implausible amount": _bad(
        lambda d: d["orderItems"][0]["product"]["price"].update(
            unitPrice={"amount": "1e30", "currencyCode": EUR}
        ),
        "product.price.unitPrice",
    ),
    "breakdowns in two currencies": _bad(
        lambda d: d["orderItems"][0]["proceeds"].update(
            breakdowns=[
                {"type": "ITEM", "subtotal": {"amount": "1.00", "currencyCode": EUR}},
                {"type": "ITEM", "subtotal": {"amount": "1.00", "currencyCode": "GBP"}},
            ]
        ),
        "breakdowns[1].subtotal",
    ),
    "status not a string": _bad(lambda d: d["fulfillment"].update(fulfillmentStatus=7), "fulfillmentStatus"),
    "fulfillment not object": _bad(lambda d: d.update(fulfillment="SHIPPED"), "fulfillment"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_orders_raise_order_parse_error_naming_order_and_field(name):
    data, order_id, field = BAD[name]
    with pytest.raises(OrderParseError) as caught:
        parse_order(data)
    assert caught.value.order_id == order_id
    assert field in caught.value.field, caught.value.field
    assert "\n" not in str(caught.value)


SUMMARY_BAD = ("not an object", "no orderId", "float amount", "fulfillment not object")


@pytest.mark.parametrize("name", SUMMARY_BAD)
def test_the_summary_refuses_what_it_reads_as_the_full_parse_does(name):
    data, order_id, field = BAD[name]
    with pytest.raises(OrderParseError) as caught:
        parse_order_summary(data)
    assert caught.value.order_id == order_id and field in caught.value.field


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


_ORDER_PATHS = [path for path in _paths(ORDER) if path]


@given(st.lists(st.tuples(st.sampled_from(_ORDER_PATHS), _JSON_VALUES), min_size=1, max_size=3))
def test_whatever_amazon_sends_an_order_parses_or_raises_order_parse_error(changes):
    """Amazon's data is untrusted: any value anywhere in an order gives an `Order` or an
    `OrderParseError` (parked, the page goes on), never another exception, which stopped every run of the
    account on the same order (`"programs": 5`, an amount `[1]`, two currencies in one item)."""
    data = copy.deepcopy(ORDER)
    for path, value in changes:
        target = data
        try:
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent of this path
    for parse in (parse_order, parse_order_summary):
        try:
            parse(data)
        except OrderParseError as exc:
            assert exc.order_id in (None, ORDER["orderId"]) and "\n" not in str(exc)
