"""Conformance with the official model (shared/sp-api-models/orders_2026-01-01.json, loaded, never retyped).

- Every kind of simulator response validates against the operation's schema.
- The model's `x-amzn-api-sandbox` static examples validate, parse with `parse_order`, and are replayed:
  their orders become a scenario, their request parameters go to the simulator, and the answer must have
  the example's shape (same orders, same sections, nothing the example does not have, same values).
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sim_helpers import load_model, make_world, scenario

from amzorders.amazon.models import parse_order
from amzorders.clock import format_instant, parse_instant
from amzorders.sim.generate import generate
from amzorders.sim.render import render_order_json
from amzorders.sim.scenario import dump_scenario, load_scenario

MODEL = load_model()
ORDERS_PATH = "/orders/2026-01-01/orders"
OPERATIONS = {
    "searchOrders": MODEL["paths"][ORDERS_PATH]["get"],
    "getOrder": MODEL["paths"][ORDERS_PATH + "/{orderId}"]["get"],
}


def _examples() -> list[tuple[str, str, dict, Any]]:
    found = []
    for name, operation in OPERATIONS.items():
        for status, response in operation["responses"].items():
            for case in response.get("x-amzn-api-sandbox", {}).get("static", []):
                params = {key: value["value"] for key, value in case["request"]["parameters"].items()}
                found.append((name, status, params, case["response"]))
    return found


EXAMPLES = _examples()
SUCCESS = [e for e in EXAMPLES if e[1] == "200"]
FAILURE = [e for e in EXAMPLES if e[1] == "400"]


def _id(example) -> str:
    name, status, params, _ = example
    return f"{name}-{status}-{params.get('orderId') or params.get('createdAfter')}"


def test_the_model_has_the_sandbox_cases_we_replay():
    assert [(e[0], e[1]) for e in EXAMPLES].count(("searchOrders", "200")) == 3
    assert [(e[0], e[1]) for e in EXAMPLES].count(("getOrder", "200")) == 3
    assert len(FAILURE) == 2


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_sandbox_example_responses_validate_and_their_orders_parse(example, model):
    name, status, _, body = example
    schema = {"searchOrders": "SearchOrdersResponse", "getOrder": "GetOrderResponse"}[name]
    model.check(schema if status == "200" else "ErrorList", body)
    for order in _example_orders(body):
        parsed = parse_order(order)
        assert parsed.order_id == order["orderId"]
        assert parsed.fulfillment_status == order["fulfillment"]["fulfillmentStatus"]
        assert parsed.grand_total is not None
        assert len(parsed.items) == len(order["orderItems"])


def _example_orders(body: dict) -> list[dict]:
    return body.get("orders") or ([body["order"]] if "order" in body else [])


ALL_ORDERS = {o["orderId"]: o for e in SUCCESS for o in _example_orders(e[3])}


def _money(value: dict | None) -> str:
    return value["amount"] if value else "0"


def _scenario_order(example: dict) -> dict:
    """A scenario order that replays an example order (created, then at its last update in its status)."""
    fulfillment = example["fulfillment"]
    currency = example["proceeds"]["grandTotal"]["currencyCode"]
    items = []
    for item in example["orderItems"]:
        product = item["product"]
        taxes = [b for b in item.get("proceeds", {}).get("breakdowns", []) if b["type"] == "TAX"]
        items.append(
            {
                "order_item_id": item["orderItemId"],
                "sku": product["sellerSku"],
                "asin": product["asin"],
                "title": product["title"],
                "quantity": item["quantityOrdered"],
                "unit_price": product["price"]["unitPrice"]["amount"],
                "tax": _money(taxes[0]["subtotal"]) if taxes else "0",
            }
        )
    data: dict[str, Any] = {
        "order_id": example["orderId"],
        "seller_id": "A1SELLER",
        "marketplace_id": example["salesChannel"]["marketplaceId"],
        "fulfilled_by": fulfillment["fulfilledBy"],
        "service_level": fulfillment["fulfillmentServiceLevel"],
        "currency": currency,
        "programs": example.get("programs", []),
        "items": items,
        "timeline": [
            {"at": example["createdTime"], "status": "PENDING"},
            {"at": example["lastUpdatedTime"], "status": fulfillment["fulfillmentStatus"]},
        ],
    }
    if "buyer" in example:
        buyer = example["buyer"]
        data["buyer"] = {
            key: buyer[source]
            for key, source in (
                ("name", "buyerName"),
                ("email", "buyerEmail"),
                ("company_name", "buyerCompanyName"),
            )
            if buyer.get(source)
        }
    address = example.get("recipient", {}).get("deliveryAddress")
    if address:
        data["recipient"] = {
            key: address[source]
            for key, source in (
                ("name", "name"),
                ("address_line1", "addressLine1"),
                ("address_line2", "addressLine2"),
                ("city", "city"),
                ("postal_code", "postalCode"),
                ("country_code", "countryCode"),
                ("phone", "phone"),
                ("company_name", "companyName"),
                ("state_or_region", "stateOrRegion"),
            )
            if address.get(source)
        }
    return data


@pytest.fixture(scope="module")
def sandbox():
    """The examples' orders as one scenario, a day after the latest example update."""
    orders = sorted(ALL_ORDERS.values(), key=lambda o: o["createdTime"])
    latest = max(parse_instant(o["lastUpdatedTime"]) for o in orders)
    earliest = min(parse_instant(o["createdTime"]) for o in orders)
    marketplaces = sorted({o["salesChannel"]["marketplaceId"] for o in orders})
    data = scenario(
        orders=[_scenario_order(o) for o in orders],
        start=format_instant(earliest - timedelta(days=1)),
        end=format_instant(latest + timedelta(days=30)),
        sellers=[{"seller_id": "A1SELLER", "marketplace_ids": marketplaces,
                  "usage_plans": {"searchOrders": {"rate": 1, "burst": 100}}}],
    )  # fmt: skip
    return make_world(data, format_instant(latest + timedelta(days=1)))


@pytest.mark.parametrize("example", SUCCESS, ids=_id)
def test_replaying_a_sandbox_request_gives_the_examples_shape(example, sandbox, model):
    _, _, params, body = example
    _, _, client = sandbox
    params = dict(params)
    params.pop("paginationToken", None)  # opaque to other servers; the window itself is replayed
    order_id = params.pop("orderId", None)
    response = client.get(order_id, **params) if order_id else client.search(**params)
    assert response.status_code == 200, response.text
    model.check_response(response)
    simulated = {o["orderId"]: o for o in _example_orders(response.json())}
    included = set(params.get("includedData", []))
    for expected in _example_orders(body):
        got = simulated[expected["orderId"]]
        _same_shape(expected, got, included)


def _same_shape(expected: dict, got: dict, included: set[str]) -> None:
    assert got.keys() <= expected.keys() | {"programs"}, got.keys() - expected.keys()
    for key in ("orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"):
        assert key in got
    for section, data in (
        ("buyer", "BUYER"),
        ("recipient", "RECIPIENT"),
        ("proceeds", "PROCEEDS"),
        ("fulfillment", "FULFILLMENT"),
    ):
        if section in expected and data in included:
            assert section in got, section
    assert (
        got["createdTime"] == expected["createdTime"]
        and got["lastUpdatedTime"] == expected["lastUpdatedTime"]
    )
    assert got["salesChannel"]["marketplaceId"] == expected["salesChannel"]["marketplaceId"]
    for key in ("fulfillmentStatus", "fulfilledBy", "fulfillmentServiceLevel"):
        assert got["fulfillment"][key] == expected["fulfillment"][key]
    assert got["proceeds"]["grandTotal"] == expected["proceeds"]["grandTotal"]
    if "recipient" in got:
        assert got["recipient"]["deliveryAddress"].keys() <= expected["recipient"]["deliveryAddress"].keys()
    if "buyer" in got:
        assert got["buyer"].keys() <= expected["buyer"].keys()
    for want, have in zip(expected["orderItems"], got["orderItems"], strict=True):
        assert have.keys() <= want.keys()
        assert have["product"]["price"] == {"unitPrice": want["product"]["price"]["unitPrice"]}
        assert have["quantityOrdered"] == want["quantityOrdered"]
        if "proceeds" in have:
            assert have["proceeds"]["proceedsTotal"] == want["proceeds"]["proceedsTotal"]
    ours, theirs = parse_order(got), parse_order(expected)
    assert ours.fulfillment_status == theirs.fulfillment_status
    assert ours.grand_total == theirs.grand_total
    assert [i.unit_price for i in ours.items] == [i.unit_price for i in theirs.items]
    assert (ours.recipient is None) == (theirs.recipient is None) or "RECIPIENT" not in included


@pytest.mark.parametrize("example", FAILURE, ids=_id)
def test_replaying_a_sandbox_400_gives_invalid_input(example, sandbox, model):
    name, _, params, body = example
    _, _, client = sandbox
    response = client.get(params["orderId"]) if name == "getOrder" else client.search(**params)
    assert response.status_code == 400
    model.check_response(response)
    assert response.json()["errors"][0]["code"] == body["errors"][0]["code"] == "InvalidInput"


def test_every_kind_of_generated_order_validates_in_every_state(tmp_path, model):
    """One order of each shape a generated month has (FBA or merchant, status path, lines, business,
    shipping), at every version, with and without included data."""
    path = tmp_path / "month.json"
    dump_scenario(generate(orders_per_day=40, days=30, seed=3), path)
    shapes: dict[tuple, object] = {}
    for order in load_scenario(path).orders:
        shape = (
            order.fulfilled_by,
            tuple(event.status for event in order.timeline),
            len(order.items) > 1,
            bool(order.buyer and order.buyer.company_name),
            order.shipping_price > 0,
            order.currency,
        )
        shapes.setdefault(shape, order)
    assert len(shapes) > 20
    for order in shapes.values():
        paid = False
        for version, event in enumerate(order.timeline):
            paid = paid or event.status in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
            for mask in (15, 0):
                body = json.loads(render_order_json(order, version, paid, mask))
                model.check("Order", body)
                parsed = parse_order(body)
                if paid and mask:
                    assert parsed.grand_total.amount == order.grand_total
                    assert (
                        sum((i.proceeds_total.amount for i in parsed.items), Decimal(0)) == order.grand_total
                    )
