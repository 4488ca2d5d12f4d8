"""OrdersClient against the simulator: pages, windows, getOrder, quota, and the 5,000-order backlog."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from amazon_scenarios import FR, NOW, SCENARIO_START, SELLER, scenario_for

from amzorders.amazon.client import SearchQuery, request_url
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS
from amzorders.amazon.errors import InvalidInput, NotFound
from amzorders.amazon.governor import DEFAULT_PLANS, MemoryBucketStore, Priority, QuotaGovernor, UsagePlan
from amzorders.amazon.models import parse_order
from amzorders.clock import format_instant


def window(**overrides) -> SearchQuery:
    options = {"marketplace_ids": (FR,), "last_updated_after": SCENARIO_START}
    options.update(overrides)
    return SearchQuery(**options)


def test_search_orders_iterates_every_page_with_the_servers_bound(simulator):
    marketplace, make_client = simulator(scenario_for(250))
    client = make_client()
    pages = list(client.search_orders(window()))
    assert [page.page_number for page in pages] == [1, 2, 3]
    assert [len(page.orders) for page in pages] == [100, 100, 50]
    assert [page.next_token is None for page in pages] == [False, False, True]
    assert not any(page.restarted for page in pages)
    ids = [order["orderId"] for page in pages for order in page.orders]
    assert len(set(ids)) == 250
    # The server chose now - 2 min as the window's end; every page reports it.
    assert {page.last_updated_before for page in pages} == {NOW - timedelta(minutes=2)}
    assert all(page.created_before is None for page in pages)
    assert client.stats.calls[SEARCH_ORDERS] == 3
    assert marketplace.stats.throttled == 0
    parse_order(pages[0].orders[0])  # raw dicts in Amazon's v2026 shape


def test_search_orders_sends_filters_and_created_windows(in_process):
    _marketplace, make_client = in_process(scenario_for(40))
    client = make_client()
    query = SearchQuery(
        marketplace_ids=(FR,),
        created_after=SCENARIO_START,
        created_before=SCENARIO_START + timedelta(days=29 * 10 / 40, seconds=1),
        fulfillment_statuses=("UNSHIPPED",),
        fulfilled_by=("MERCHANT",),
        included_data=("FULFILLMENT",),
        max_results_per_page=4,
    )
    pages = list(client.search_orders(query))
    assert sum(len(page.orders) for page in pages) == 11  # orders 0..10 were created in the window
    assert len(pages) == 3
    assert pages[0].created_before == query.created_before.replace(microsecond=0)
    orders = [order for page in pages for order in page.orders]
    assert all(order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED" for order in orders)
    assert not any("recipient" in order for order in orders)  # includedData was sent as asked
    nothing = list(client.search_orders(window(fulfillment_statuses=("SHIPPED",))))
    assert len(nothing) == 1 and nothing[0].orders == [] and nothing[0].next_token is None


def test_an_expired_page_token_reruns_the_window_from_the_first_page(in_process, clock):
    marketplace, make_client = in_process(scenario_for(30))
    client = make_client()
    pages = client.search_orders(window(max_results_per_page=10))
    first = next(pages)
    clock.advance(timedelta(hours=25))  # the consumer was slow: Amazon's token lives 24 h
    rest = list(pages)
    assert [(page.page_number, page.restarted) for page in rest] == [(1, True), (2, False), (3, False)]
    # The same window again (its end pinned to the first answer), so nothing is skipped.
    assert {page.last_updated_before for page in rest} == {first.last_updated_before}
    seen = {order["orderId"] for page in (first, *rest) for order in page.orders}
    assert len(seen) == 30
    assert client.stats.restarts == 1
    assert marketplace.stats.responses[(SEARCH_ORDERS, 400)] == 1


def test_a_page_token_that_keeps_failing_surfaces_after_a_few_reruns(in_process, clock):
    _marketplace, make_client = in_process(scenario_for(30))
    client = make_client()
    pages = client.search_orders(window(max_results_per_page=10))
    with pytest.raises(InvalidInput, match="expired"):
        while True:
            next(pages)
            clock.advance(timedelta(hours=25))
    assert client.stats.restarts == client.max_restarts


def test_a_bad_window_is_invalid_input_and_not_retried(simulator):
    _marketplace, make_client = simulator(scenario_for(5))
    client = make_client()
    with pytest.raises(InvalidInput) as caught:
        list(client.search_orders(window(last_updated_before=NOW - timedelta(seconds=30))))
    error = caught.value
    assert (error.status, error.code) == (400, "InvalidInput")
    assert "2 minutes" in error.message and error.request_id
    assert client.stats.calls[SEARCH_ORDERS] == 1 and client.stats.retries == 0


def test_get_order_returns_the_raw_order_and_404_is_not_found(simulator):
    marketplace, make_client = simulator(scenario_for(3))
    client = make_client()
    order_id = marketplace.scenario.orders[1].order_id
    order = client.get_order(order_id, included_data=("RECIPIENT", "PROCEEDS"))
    assert order["orderId"] == order_id
    assert parse_order(order).order_id == order_id
    with pytest.raises(NotFound) as caught:
        client.get_order("405-9999999-9999999")
    assert caught.value.status == 404 and "405-9999999-9999999" in str(caught.value)
    assert client.stats.calls[GET_ORDER] == 2 and client.stats.retries == 0


def test_query_mistakes_are_refused_before_any_call():
    with pytest.raises(ValueError, match="exactly one of last_updated_after and created_after"):
        SearchQuery(marketplace_ids=(FR,))
    with pytest.raises(ValueError, match="created_before cannot be combined"):
        SearchQuery(marketplace_ids=(FR,), last_updated_after=NOW, created_before=NOW)
    with pytest.raises(ValueError, match="max_results_per_page"):
        SearchQuery(marketplace_ids=(FR,), created_after=NOW, max_results_per_page=101)


def test_query_parameters_are_amazons(clock):
    query = window(fulfillment_statuses=("UNSHIPPED", "SHIPPED"), last_updated_before=NOW)
    assert query.to_params() == {
        "lastUpdatedAfter": format_instant(SCENARIO_START),
        "lastUpdatedBefore": "2026-11-01T00:00:00Z",
        "marketplaceIds": FR,
        "fulfillmentStatuses": "UNSHIPPED,SHIPPED",
        "includedData": "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT",
        "maxResultsPerPage": "100",
    }


def test_the_announced_rate_limit_is_adopted(in_process, clock):
    scenario = scenario_for(5, usage_plans={"searchOrders": {"rate": 0.05, "burst": 20}})
    _marketplace, make_client = in_process(scenario)
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0)
    client = make_client(governor=governor)
    list(client.search_orders(window()))
    for _ in range(19):
        governor.acquire(SELLER, SEARCH_ORDERS)
    assert governor.wait_time(SELLER, SEARCH_ORDERS) == pytest.approx(1 / 0.05)  # not 1 / 0.0056


def test_draining_a_5000_order_backlog_spends_the_quota_exactly(in_process, clock):
    """Zero 429 and within 5 % of the minimum time the usage plan allows (virtual clock)."""
    marketplace, make_client = in_process(scenario_for(5000))
    client = make_client()
    started = clock.now()
    pages = list(client.search_orders(window()))
    elapsed = (clock.now() - started).total_seconds()
    plan = DEFAULT_PLANS[SEARCH_ORDERS]
    calls = len(pages)
    minimum = max(0, calls - plan.burst) / plan.rate  # the burst at once, then one call per refill
    assert sum(len(page.orders) for page in pages) == 5000 and calls == 50
    assert marketplace.stats.throttled == 0 and client.stats.throttled == 0
    assert minimum <= elapsed <= 1.05 * minimum, (elapsed, minimum)


def test_a_bigger_plan_granted_to_one_seller_is_used_fully(in_process, clock):
    plans = {SEARCH_ORDERS: UsagePlan(0.0056, 20), GET_ORDER: UsagePlan(5.0, 50)}
    scenario = scenario_for(300, usage_plans={"getOrder": {"rate": 5.0, "burst": 50}})
    marketplace, make_client = in_process(scenario)
    client = make_client(governor=QuotaGovernor(MemoryBucketStore(), clock, plans))
    started = clock.now()
    for order in marketplace.scenario.orders:
        client.get_order(order.order_id, priority=Priority.INCREMENTAL)
    elapsed = (clock.now() - started).total_seconds()
    assert marketplace.stats.throttled == 0
    assert (300 - 50) / 5.0 <= elapsed <= 1.05 * (300 - 50) / 5.0


def test_the_simulators_answers_carry_what_the_client_reads(in_process):
    _marketplace, make_client = in_process(scenario_for(1))
    client = make_client()
    page = next(client.search_orders(window()))
    assert json.loads(json.dumps(page.orders))  # plain JSON values, ready for the ledger


@pytest.mark.parametrize(
    "params",
    [
        {},
        window(last_updated_before=NOW, fulfillment_statuses=("SHIPPED", "UNSHIPPED")).to_params(),
        {"paginationToken": "a+b/c=d,e:f g~h%i", "includedData": "BUYER,RECIPIENT", "x": "é ü"},
    ],
)
def test_the_prebuilt_query_string_is_what_httpx_params_would_send(params):
    """The client builds its URL's query itself (one URL parse instead of two): same bytes on the wire."""
    base = "https://sellingpartnerapi-eu.amazon.com/orders/2026-01-01/orders"
    with httpx.Client() as http:
        expected = http.build_request("GET", base, params=params).url
        built = http.build_request("GET", request_url(base, params)).url
    assert (built.raw_path, built.query) == (expected.raw_path, expected.query)
    assert str(built) == str(expected)
