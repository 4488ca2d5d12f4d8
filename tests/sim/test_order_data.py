"""getOrder and what an order shows: Amazon's data rules, includedData, money semantics."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sim_helpers import ORDER, make_world, order, scenario

from amzorders.amazon.models import parse_order

ALL = ["BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT"]
OID = ORDER["order_id"]


def _order_at(now: str, included=ALL, **fields) -> dict:
    data = scenario(orders=[{**ORDER, **fields}])
    _, _, client = make_world(data, now)
    response = client.get(OID, includedData=included)
    assert response.status_code == 200, response.text
    return response.json()["order"]


def test_get_order_follows_the_timeline_at_once():
    _, clock, client = make_world(scenario(), "2026-11-01T09:59:59Z")
    assert client.get(OID).status_code == 404
    for now, status in [
        ("2026-11-01T10:00:00Z", "PENDING"),
        ("2026-11-03T08:59:59Z", "PENDING"),
        ("2026-11-03T09:00:00Z", "UNSHIPPED"),
        ("2026-11-04T12:00:00Z", "SHIPPED"),
    ]:
        from sim_helpers import at

        clock.advance_to(at(now))
        got = client.get(OID, includedData=["FULFILLMENT"]).json()["order"]
        assert got["fulfillment"]["fulfillmentStatus"] == status


def test_pending_orders_have_items_but_no_prices_proceeds_address_or_email(model):
    got = _order_at("2026-11-02T00:00:00Z")
    model.check("Order", got)
    assert got["fulfillment"]["fulfillmentStatus"] == "PENDING"
    item = got["orderItems"][0]
    assert item["product"] == {"asin": "B0EXAMPLE1", "title": "Mug", "sellerSku": "MUG-01"}
    assert "proceeds" not in item and "proceeds" not in got
    assert "recipient" not in got
    assert got["buyer"] == {"buyerName": "Jeanne Martin"}
    parsed = parse_order(got)
    assert parsed.is_pending and parsed.grand_total is None and parsed.items[0].unit_price is None


def test_from_unshipped_on_prices_address_email_and_phone_appear(model):
    got = _order_at("2026-11-03T10:00:00Z")
    model.check("Order", got)
    assert got["buyer"]["buyerEmail"] == "x1@marketplace.amazon.fr"
    address = got["recipient"]["deliveryAddress"]
    assert address["addressLine1"] == "3 rue des Lilas" and address["phone"] == "+33 4 00 00 00 00"
    assert got["orderItems"][0]["product"]["price"]["unitPrice"] == {"amount": "11.90", "currencyCode": "EUR"}


def test_the_phone_is_suppressed_for_amazon_fulfilled_orders():
    got = _order_at("2026-11-03T10:00:00Z", fulfilled_by="AMAZON")
    assert "phone" not in got["recipient"]["deliveryAddress"]
    assert got["recipient"]["deliveryAddress"]["city"] == "Lyon"


def test_a_cancelled_order_keeps_prices_if_it_was_paid_but_loses_address_and_email():
    timeline = [
        {"at": "2026-11-01T10:00:00Z", "status": "PENDING"},
        {"at": "2026-11-01T11:00:00Z", "status": "UNSHIPPED"},
        {"at": "2026-11-01T12:00:00Z", "status": "CANCELLED"},
    ]
    got = _order_at("2026-11-02T00:00:00Z", timeline=timeline)
    assert got["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert "recipient" not in got and "buyerEmail" not in got["buyer"]
    assert got["proceeds"]["grandTotal"]["amount"] == "34.55"
    never_paid = _order_at("2026-11-02T00:00:00Z", timeline=[timeline[0], {**timeline[2]}])
    assert "proceeds" not in never_paid and "price" not in never_paid["orderItems"][0]["product"]


@pytest.mark.parametrize(
    "included", [[], ["BUYER"], ["RECIPIENT"], ["PROCEEDS"], ["FULFILLMENT"], ["TAX", "PACKAGES"]]
)
def test_data_not_asked_for_is_absent(included, model):
    got = _order_at("2026-11-05T00:00:00Z", included=included)
    model.check("Order", got)
    assert ("buyer" in got) == ("BUYER" in included)
    assert ("recipient" in got) == ("RECIPIENT" in included)
    assert ("proceeds" in got) == ("PROCEEDS" in included)
    assert ("proceeds" in got["orderItems"][0]) == ("PROCEEDS" in included)
    assert ("fulfillment" in got) == ("FULFILLMENT" in included)
    assert {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"} <= got.keys()


def test_money_is_tax_exclusive_with_itemised_proceeds_and_a_grand_total():
    two_lines = [
        {**ORDER["items"][0]},
        {"order_item_id": "10002", "sku": "TEE-01", "asin": "B0EXAMPLE2", "title": "Tee", "quantity": 1,
         "unit_price": "19.90", "tax": "3.98"},
    ]  # fmt: skip
    got = _order_at("2026-11-05T00:00:00Z", items=two_lines)
    first, second = got["orderItems"]
    kinds = {b["type"]: b for b in first["proceeds"]["breakdowns"]}
    assert kinds["ITEM"]["subtotal"]["amount"] == "23.80"
    assert kinds["SHIPPING"]["subtotal"]["amount"] == "4.99"
    assert kinds["TAX"]["subtotal"]["amount"] == "5.76"
    details = {d["subtype"]: d["value"]["amount"] for d in kinds["TAX"]["detailedBreakdowns"]}
    assert details == {"ITEM": "4.76", "SHIPPING": "1.00"}
    assert first["proceeds"]["proceedsTotal"]["amount"] == "34.55"
    assert [b["type"] for b in second["proceeds"]["breakdowns"]] == ["ITEM", "TAX"]
    assert second["proceeds"]["proceedsTotal"]["amount"] == "23.88"
    grand = Decimal(got["proceeds"]["grandTotal"]["amount"])
    assert grand == Decimal("23.80") + Decimal("19.90") + Decimal("4.76") + Decimal("3.98") + Decimal(
        "4.99"
    ) + Decimal("1.00")
    assert grand == sum(Decimal(i["proceeds"]["proceedsTotal"]["amount"]) for i in got["orderItems"])
    parsed = parse_order(got)
    assert parsed.grand_total.amount == grand and parsed.items[0].shipping_tax.amount == Decimal("1.00")
    assert parsed.items[0].item_tax.amount == Decimal("4.76")


def test_get_order_errors(model):
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    bad_id = client.get("TEST_CASE_400")
    assert bad_id.status_code == 400 and bad_id.json()["errors"][0]["code"] == "InvalidInput"
    missing = client.get("405-9999999-9999999")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NotFound"
    assert "x-amzn-RateLimit-Limit" in missing.headers
    bad_data = client.get(OID, includedData=["EVERYTHING"])
    assert bad_data.status_code == 400
    for response in (bad_id, missing, bad_data):
        model.check_response(response)


def test_another_sellers_order_is_not_found():
    data = scenario(
        orders=[order(), order("405-7654321-7654321", seller_id="A2OTHER", marketplace_id="A13V1IB3VIYZZH")],
        sellers=[
            {"seller_id": "A1SELLER", "marketplace_ids": ["A13V1IB3VIYZZH"]},
            {"seller_id": "A2OTHER", "marketplace_ids": ["A13V1IB3VIYZZH"]},
        ],
    )
    marketplace, _, client = make_world(data, "2026-11-05T00:00:00Z")
    assert client.get("405-7654321-7654321").status_code == 404
    assert [o["orderId"] for o in client.all_orders(createdAfter="2026-11-01T00:00:00Z")] == [OID]
    from sim_helpers import SimClient

    other = SimClient(marketplace, "A2OTHER")
    assert other.get("405-7654321-7654321").status_code == 200


def test_the_fast_json_renderer_matches_the_readable_one_for_every_kind_of_order():
    import json

    from amzorders.sim.generate import generate
    from amzorders.sim.render import render_order, render_order_json

    for spec in generate(orders_per_day=60, days=10, seed=9).orders:
        paid = False
        for version, event in enumerate(spec.timeline):
            paid = paid or event.status in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
            for mask in (0, 1, 2, 4, 8, 15):
                fast = render_order_json(spec, version, paid, mask)
                readable = render_order(spec, version, paid, mask)
                assert json.loads(fast) == readable
                assert fast == json.dumps(readable, separators=(",", ":"), ensure_ascii=False).encode()


def test_partially_shipped_orders_ship_their_first_line():
    two_lines = [
        {**ORDER["items"][0]},
        {"order_item_id": "10002", "sku": "TEE-01", "asin": "B0EXAMPLE2", "title": "Tee", "quantity": 3,
         "unit_price": "19.90", "tax": "3.98"},
    ]  # fmt: skip
    timeline = [
        {"at": "2026-11-01T10:00:00Z", "status": "PENDING"},
        {"at": "2026-11-01T11:00:00Z", "status": "UNSHIPPED"},
        {"at": "2026-11-02T11:00:00Z", "status": "PARTIALLY_SHIPPED"},
    ]
    got = _order_at("2026-11-03T00:00:00Z", items=two_lines, timeline=timeline)
    assert [i["fulfillment"] for i in got["orderItems"]] == [
        {"quantityFulfilled": 2, "quantityUnfulfilled": 0},
        {"quantityFulfilled": 0, "quantityUnfulfilled": 3},
    ]
    assert "recipient" in got and got["buyer"]["buyerEmail"]
