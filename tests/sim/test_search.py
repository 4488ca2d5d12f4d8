"""searchOrders: parameter constraints, ordering, keyset pagination, page tokens, visibility delay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import DE, FR, make_world, order, scenario

from amzorders.sim.paging import PagePosition, PageTokens

NOW = "2026-11-10T00:00:00Z"


def _orders(n: int, second: str = "2026-11-02T10:00:00Z", **fields) -> list[dict]:
    return [order(f"405-{i:07d}-0000000", [(second, "UNSHIPPED")], **fields) for i in range(n)]


def _error(response) -> str:
    body = response.json()
    assert response.status_code == 400, body
    assert body["errors"][0]["code"] == "InvalidInput"
    assert "x-amzn-RateLimit-Limit" in response.headers
    return body["errors"][0]["message"]


def _updated_since_nov_1(**params) -> dict:
    return {"lastUpdatedAfter": "2026-11-01T00:00:00Z", **params}


NEGATIVE = {
    "neither after": ({}, "Exactly one of createdAfter and lastUpdatedAfter"),
    "both afters": (
        {"createdAfter": "2026-11-01T00:00:00Z", "lastUpdatedAfter": "2026-11-01T00:00:00Z"},
        "Exactly one",
    ),
    "created after with lastUpdatedBefore": (
        {"createdAfter": "2026-11-01T00:00:00Z", "lastUpdatedBefore": "2026-11-02T00:00:00Z"},
        "lastUpdatedBefore cannot be combined",
    ),
    "updated after with createdBefore": (
        _updated_since_nov_1(createdBefore="2026-11-02T00:00:00Z"),
        "createdBefore cannot be combined",
    ),
    "before earlier than after": (
        {"lastUpdatedAfter": "2026-11-02T00:00:00Z", "lastUpdatedBefore": "2026-11-01T00:00:00Z"},
        "must be equal to or after",
    ),
    "created before earlier than after": (
        {"createdAfter": "2026-11-02T00:00:00Z", "createdBefore": "2026-11-01T00:00:00Z"},
        "must be equal to or after",
    ),
    "before within 2 minutes of now": (
        _updated_since_nov_1(lastUpdatedBefore="2026-11-09T23:59:00Z"),
        "at least 2 minutes before",
    ),
    "after in the future": ({"lastUpdatedAfter": "2026-11-11T00:00:00Z"}, "future"),
    "not a date": ({"createdAfter": "TEST_CASE_400"}, "ISO 8601"),
    "unknown status": (_updated_since_nov_1(fulfillmentStatuses=["Unshipped"]), "fulfillmentStatuses"),
    "unknown fulfilledBy": (_updated_since_nov_1(fulfilledBy=["AFN"]), "fulfilledBy"),
    "51 marketplaces": (_updated_since_nov_1(marketplaceIds=[f"M{i}" for i in range(51)]), "at most 50"),
    "page size 0": (_updated_since_nov_1(maxResultsPerPage="0"), "between 1 and 100"),
    "page size 101": (_updated_since_nov_1(maxResultsPerPage="101"), "between 1 and 100"),
    "page size text": (_updated_since_nov_1(maxResultsPerPage="ten"), "integer"),
    "unknown includedData": (_updated_since_nov_1(includedData=["ADDRESS"]), "includedData"),
    "garbage token": (_updated_since_nov_1(paginationToken="abc.def"), "paginationToken"),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_each_constraint_is_enforced_with_amazons_400(name, model):
    params, message = NEGATIVE[name]
    _, _, client = make_world(scenario(), NOW)
    response = client.search(**params)
    assert message in _error(response)
    model.check_response(response)


def test_limits_are_inclusive():
    _, _, client = make_world(scenario(orders=_orders(3)), NOW)
    ok = client.search(
        lastUpdatedAfter="2026-11-01T00:00:00Z",
        lastUpdatedBefore="2026-11-09T23:58:00Z",  # exactly now - 2 min
        marketplaceIds=[f"M{i}" for i in range(49)] + [FR],  # 50
        maxResultsPerPage="100",
    )
    assert ok.status_code == 200
    assert len(ok.json()["orders"]) == 3
    assert (
        client.search(createdAfter="2026-11-01T00:00:00Z", createdBefore="2026-11-01T00:00:00Z").status_code
        == 200
    )
    assert client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", maxResultsPerPage="1").status_code == 200


def test_results_are_ordered_by_the_filtered_timestamp_then_order_id():
    orders = [
        order(
            "405-0000003-0000000",
            [("2026-11-01T10:00:00Z", "PENDING"), ("2026-11-03T10:00:00Z", "UNSHIPPED")],
        ),
        order("405-0000002-0000000", [("2026-11-02T10:00:00Z", "UNSHIPPED")]),
        order("405-0000001-0000000", [("2026-11-02T10:00:00Z", "UNSHIPPED")]),
    ]
    _, _, client = make_world(scenario(orders=orders), NOW)
    by_update = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z").json()["orders"]
    assert [o["orderId"] for o in by_update] == [
        "405-0000001-0000000",
        "405-0000002-0000000",
        "405-0000003-0000000",
    ]
    by_creation = client.search(createdAfter="2026-11-01T00:00:00Z").json()["orders"]
    assert [o["orderId"] for o in by_creation] == [
        "405-0000003-0000000",
        "405-0000001-0000000",
        "405-0000002-0000000",
    ]
    # The created window shows the latest indexed version, the updated window filters on it.
    assert by_creation[0]["lastUpdatedTime"] == "2026-11-03T10:00:00Z"
    assert (
        client.search(
            lastUpdatedAfter="2026-11-01T00:00:00Z", lastUpdatedBefore="2026-11-02T00:00:00Z"
        ).json()["orders"]
        == []
    )


def test_response_carries_the_window_end_and_windows_are_half_open():
    _, _, client = make_world(scenario(orders=_orders(1, "2026-11-02T10:00:00Z")), NOW)
    body = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z").json()
    assert body["lastUpdatedBefore"] == "2026-11-09T23:58:00Z"
    assert "createdBefore" not in body
    body = client.search(createdAfter="2026-11-01T00:00:00Z", createdBefore="2026-11-02T10:00:00Z").json()
    assert body["createdBefore"] == "2026-11-02T10:00:00Z" and body["orders"] == []
    body = client.search(createdAfter="2026-11-02T10:00:00Z", createdBefore="2026-11-02T10:00:01Z").json()
    assert len(body["orders"]) == 1


def test_250_orders_in_one_second_across_page_boundaries_are_neither_lost_nor_repeated():
    _, _, client = make_world(scenario(orders=_orders(250)), NOW)
    pages = []
    token = None
    while True:
        extra = {"paginationToken": token} if token else {}
        body = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", **extra).json()
        pages.append([o["orderId"] for o in body["orders"]])
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert [len(page) for page in pages] == [100, 100, 50]
    seen = [order_id for page in pages for order_id in page]
    assert len(set(seen)) == 250 == len(seen)


def test_the_last_page_has_no_pagination_and_a_full_last_page_is_not_followed_by_an_empty_one():
    _, _, client = make_world(scenario(orders=_orders(100)), NOW)
    body = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z").json()
    assert len(body["orders"]) == 100 and "pagination" not in body


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    page_size=st.integers(1, 100),
    seconds=st.lists(st.integers(0, 5), min_size=0, max_size=120),
    statuses=st.sets(st.sampled_from(["UNSHIPPED", "SHIPPED", "PENDING"]), max_size=2),
)
def test_any_page_size_returns_every_order_in_the_window_exactly_once(page_size, seconds, statuses):
    orders = []
    for i, second in enumerate(seconds):
        status = ("UNSHIPPED", "SHIPPED", "PENDING")[i % 3]
        orders.append(order(f"405-{i:07d}-0000000", [(f"2026-11-02T10:00:0{second}Z", status)]))
    _, _, client = make_world(scenario(orders=orders), NOW)
    params = {"lastUpdatedAfter": "2026-11-02T10:00:01Z", "lastUpdatedBefore": "2026-11-02T10:00:05Z"}
    if statuses:
        params["fulfillmentStatuses"] = sorted(statuses)
    got = [o["orderId"] for o in client.all_orders(**params, maxResultsPerPage=str(page_size))]
    expected = sorted(
        (o["timeline"][0]["at"], o["order_id"])
        for o in orders
        if "2026-11-02T10:00:01Z" <= o["timeline"][0]["at"] < "2026-11-02T10:00:05Z"
        and (not statuses or o["timeline"][0]["status"] in statuses)
    )
    assert got == [order_id for _, order_id in expected]


def test_filters_on_marketplace_fulfillment_and_status():
    orders = [
        order("405-0000001-0000000", [("2026-11-02T10:00:00Z", "UNSHIPPED")]),
        order(
            "302-0000002-0000000",
            [("2026-11-02T10:00:00Z", "SHIPPED")],
            marketplace_id=DE,
            fulfilled_by="AMAZON",
        ),
    ]
    _, _, client = make_world(scenario(orders=orders), NOW)
    after = "2026-11-01T00:00:00Z"

    def ids(**params):
        return [o["orderId"] for o in client.all_orders(lastUpdatedAfter=after, **params)]

    assert ids() == ["302-0000002-0000000", "405-0000001-0000000"]
    assert ids(marketplaceIds=[FR]) == ["405-0000001-0000000"]
    assert ids(fulfilledBy=["AMAZON"]) == ["302-0000002-0000000"]
    assert ids(fulfillmentStatuses=["UNSHIPPED", "PENDING"]) == ["405-0000001-0000000"]
    assert ids(marketplaceIds=["ATVPDKIKX0DER"]) == []
    # Repeated parameters are accepted as well as comma-separated ones.
    repeated = client.http.get(
        "/orders/2026-01-01/orders",
        params=[("lastUpdatedAfter", after), ("fulfilledBy", "AMAZON"), ("fulfilledBy", "MERCHANT")],
        headers={"x-amz-access-token": client.token},
    )
    assert len(repeated.json()["orders"]) == 2


def _two_pages(client):
    first = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", maxResultsPerPage="1").json()
    return first["pagination"]["nextToken"]


def test_a_page_token_expires_after_24_hours_on_the_virtual_clock():
    _, clock, client = make_world(scenario(orders=_orders(3)), NOW)
    token = _two_pages(client)
    clock.advance(timedelta(hours=23, minutes=59))
    assert client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", paginationToken=token).status_code == 200
    clock.advance(timedelta(minutes=2))
    response = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", paginationToken=token)
    assert "expired" in _error(response)


def test_a_page_token_needs_the_same_parameters_but_page_size_and_included_data_may_change():
    _, _, client = make_world(scenario(orders=_orders(3)), NOW)
    token = _two_pages(client)
    other = client.search(lastUpdatedAfter="2026-11-01T00:00:01Z", paginationToken=token)
    assert "other parameters" in _error(other)
    other = client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", marketplaceIds=[FR], paginationToken=token)
    assert "other parameters" in _error(other)
    same = client.search(
        lastUpdatedAfter="2026-11-01T00:00:00Z",
        paginationToken=token,
        maxResultsPerPage="50",
        includedData=["BUYER"],
    )
    assert same.status_code == 200 and len(same.json()["orders"]) == 2


def test_a_tampered_or_foreign_page_token_is_refused():
    _, _, client = make_world(scenario(orders=_orders(3)), NOW)
    token = _two_pages(client)
    payload, _, signature = token.partition(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert "Invalid" in _error(
        client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", paginationToken=tampered)
    )
    foreign = PageTokens(b"another secret").issue(PagePosition(0.0, "", 2e9, 1.79e9), "x")
    assert "Invalid" in _error(
        client.search(lastUpdatedAfter="2026-11-01T00:00:00Z", paginationToken=foreign)
    )


def test_search_sees_a_change_only_after_its_indexing_delay_get_order_at_once():
    orders = [
        order(
            "405-0000001-0000000",
            [("2026-11-02T10:00:00Z", "PENDING"), ("2026-11-02T11:00:00Z", "UNSHIPPED")],
        ),
        order(
            "405-0000002-0000000",
            [("2026-11-02T10:00:00Z", "PENDING"), ("2026-11-02T11:00:00Z", "UNSHIPPED")],
            indexing_delay_s=900,
        ),
    ]
    _, clock, client = make_world(scenario(orders=orders), "2026-11-02T09:00:00Z")

    def statuses():
        found = client.all_orders(createdAfter="2026-11-01T00:00:00Z", includedData=["FULFILLMENT"])
        return {o["orderId"]: o["fulfillment"]["fulfillmentStatus"] for o in found}

    assert statuses() == {}
    clock.advance_to(at_("2026-11-02T10:00:00Z"))
    assert statuses() == {}
    assert client.get("405-0000001-0000000").status_code == 200
    clock.advance_to(at_("2026-11-02T10:01:59Z"))
    assert statuses() == {}
    clock.advance_to(at_("2026-11-02T10:03:00Z"))
    assert statuses() == {"405-0000001-0000000": "PENDING"}
    clock.advance_to(at_("2026-11-02T10:15:00Z"))
    assert statuses() == {"405-0000001-0000000": "PENDING", "405-0000002-0000000": "PENDING"}
    clock.advance_to(at_("2026-11-02T11:00:00Z"))
    got = client.get("405-0000002-0000000", includedData=["FULFILLMENT"]).json()
    assert got["order"]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    clock.advance_to(at_("2026-11-02T11:02:00Z"))
    assert statuses() == {"405-0000001-0000000": "UNSHIPPED", "405-0000002-0000000": "PENDING"}
    clock.advance_to(at_("2026-11-02T11:14:59Z"))
    assert statuses()["405-0000002-0000000"] == "PENDING"
    clock.advance_to(at_("2026-11-02T11:15:00Z"))
    assert statuses() == {"405-0000001-0000000": "UNSHIPPED", "405-0000002-0000000": "UNSHIPPED"}


def test_an_update_window_shows_an_order_only_under_its_indexed_version():
    orders = [
        order(
            "405-0000001-0000000",
            [("2026-11-02T10:00:00Z", "PENDING"), ("2026-11-02T11:00:00Z", "UNSHIPPED")],
        )
    ]
    _, _, client = make_world(scenario(orders=orders), NOW)
    early = client.search(lastUpdatedAfter="2026-11-02T09:00:00Z", lastUpdatedBefore="2026-11-02T10:30:00Z")
    assert early.json()["orders"] == []  # its 10:00 version is superseded
    late = client.search(lastUpdatedAfter="2026-11-02T10:30:00Z", lastUpdatedBefore="2026-11-02T12:00:00Z")
    assert [o["lastUpdatedTime"] for o in late.json()["orders"]] == ["2026-11-02T11:00:00Z"]


def at_(text: str):
    from sim_helpers import at

    return at(text)
