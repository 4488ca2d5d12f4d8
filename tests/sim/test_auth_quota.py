"""LWA token endpoint, x-amz-access-token, usage plans (token buckets), headers and statistics."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_helpers import SEARCH, SimClient, at, make_world, scenario

from amzorders.clock import SimClock
from amzorders.sim.buckets import Plan, TokenBucket
from amzorders.sim.scenario import load_scenario
from amzorders.sim.transport import TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace

GRANT = {
    "grant_type": "refresh_token",
    "refresh_token": "Atzr|sim-A1SELLER",
    "client_id": "amzorders-sim",
    "client_secret": "sim-secret",
}
AFTER = {"lastUpdatedAfter": "2026-11-01T00:00:00Z"}


def test_token_grant_returns_a_one_hour_bearer_token():
    marketplace, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    body = client.http.post(TOKEN_URL, data=GRANT).json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")
    assert marketplace.stats.token_calls == 2  # the client's own grant and this one


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "someone"}, "invalid_client"),
        ({"client_secret": "guess"}, "invalid_client"),
        ({"refresh_token": "Atzr|sim-UNKNOWN"}, "invalid_grant"),
        ({"refresh_token": "Atzr|whatever"}, "invalid_grant"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ],
)
def test_token_grant_refusals_are_lwa_400s(change, error):
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    response = client.http.post(TOKEN_URL, data={**GRANT, **change})
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


def test_token_grant_accepts_a_json_body_and_custom_credentials():
    clock = SimClock(at("2026-11-05T00:00:00Z"))
    marketplace = Marketplace(load_scenario(scenario()), clock, client_id="mine", client_secret="s3cret")
    http = httpx.Client(transport=SimTransport(marketplace))
    ok = http.post(TOKEN_URL, json={**GRANT, "client_id": "mine", "client_secret": "s3cret"})
    assert ok.status_code == 200
    assert http.post(TOKEN_URL, json=GRANT).status_code == 400


@pytest.mark.parametrize(
    ("token", "detail"),
    [(None, "missing"), ("Atza|A1SELLER.9999999999.forged", "invalid"), ("Bearer x", "invalid")],
)
def test_missing_or_unknown_access_token_is_403(token, detail, model):
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    headers = {"x-amz-access-token": token} if token else {}
    for path in (SEARCH, f"{SEARCH}/405-1234567-1234567"):
        response = client.http.get(path, params=AFTER, headers=headers)
        assert response.status_code == 403
        error = response.json()["errors"][0]
        assert error["code"] == "Unauthorized" and detail in error["details"]
        assert "x-amzn-RequestId" in response.headers and "x-amzn-RateLimit-Limit" not in response.headers
        model.check_response(response)


def test_an_access_token_expires_after_one_hour():
    _, clock, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    client.auto_refresh = False
    clock.advance(3599)
    assert client.search(**AFTER).status_code == 200
    clock.advance(1)
    response = client.search(**AFTER)
    assert response.status_code == 403 and "expired" in response.json()["errors"][0]["details"]


def test_search_orders_bucket_20_burst_then_429_then_refill_at_the_plan_rate(model):
    marketplace, clock, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    codes = [client.search(**AFTER).status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]
    throttled = client.search(**AFTER)
    message = "You exceeded your quota for the requested resource."
    assert throttled.json() == {"errors": [{"code": "QuotaExceeded", "message": message, "details": ""}]}
    assert "x-amzn-RateLimit-Limit" not in throttled.headers and throttled.headers["x-amzn-RequestId"]
    model.check_response(throttled)
    clock.advance(1 / 0.0056 - 1)
    assert client.search(**AFTER).status_code == 429
    clock.advance(1)
    assert client.search(**AFTER).status_code == 200
    assert marketplace.stats.throttled == 3
    assert marketplace.stats.calls[("A1SELLER", "searchOrders")] == 24
    assert marketplace.stats.responses[("searchOrders", 200)] == 21
    assert marketplace.stats.responses[("searchOrders", 429)] == 3


def test_get_order_bucket_is_separate_and_larger():
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    for _ in range(20):
        client.search(**AFTER)
    assert client.search(**AFTER).status_code == 429
    codes = [client.get("405-1234567-1234567").status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]


def test_per_seller_usage_plans_from_the_scenario():
    sellers = [
        {"seller_id": "A1SELLER", "marketplace_ids": ["A13V1IB3VIYZZH"],
         "usage_plans": {"searchOrders": {"rate": 0.5, "burst": 3}}},
        {"seller_id": "A2OTHER", "marketplace_ids": ["A13V1IB3VIYZZH"]},
    ]  # fmt: skip
    marketplace, clock, client = make_world(scenario(sellers=sellers), "2026-11-05T00:00:00Z")
    response = client.search(**AFTER)
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert [client.search(**AFTER).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(2)
    assert client.search(**AFTER).status_code == 200
    other = SimClient(marketplace, "A2OTHER")
    first = other.search(**AFTER)
    assert first.status_code == 200 and first.headers["x-amzn-RateLimit-Limit"] == "0.0056"


def test_buckets_are_checked_before_parameters_and_400s_carry_the_rate_limit():
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    codes = [client.search().status_code for _ in range(21)]
    assert codes == [400] * 20 + [429]


def test_every_response_has_a_distinct_request_id():
    _, _, client = make_world(scenario(), "2026-11-05T00:00:00Z")
    ids = {client.search(**AFTER).headers["x-amzn-RequestId"] for _ in range(5)}
    ids.add(client.get("405-1234567-1234567").headers["x-amzn-RequestId"])
    ids.add(client.http.post(TOKEN_URL, data=GRANT).headers["x-amzn-RequestId"])
    assert len(ids) == 7


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.001, 10),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 600), max_size=60),
)
def test_bucket_never_grants_more_than_burst_plus_rate_times_elapsed(rate, burst, gaps):
    bucket = TokenBucket(Plan(rate, burst), 0.0)
    now = 0.0
    granted = 0
    for gap in gaps:
        now += gap
        if bucket.take(now):
            granted += 1
        assert granted <= burst + rate * now + 1e-6
        assert 0.0 <= bucket.tokens <= burst
    # A bucket left alone refills completely.
    bucket.refill(now + burst / rate + 1)
    assert bucket.tokens == pytest.approx(burst)


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(0.001, 5), burst=st.integers(1, 30), drained=st.integers(0, 30))
def test_bucket_wait_time_is_when_the_next_token_comes(rate, burst, drained):
    bucket = TokenBucket(Plan(rate, burst), 0.0)
    for _ in range(drained):
        bucket.take(0.0)
    wait = bucket.wait_time(0.0)
    if wait > 1e-3:
        early = TokenBucket(bucket.plan, 0.0)
        early.tokens = bucket.tokens
        assert not early.take(wait * 0.999)
    assert bucket.take(wait * 1.000001 + 1e-9)


def test_refill_does_not_run_backwards():
    bucket = TokenBucket(Plan(1.0, 2), 100.0)
    assert bucket.take(100.0) and bucket.take(100.0)
    assert not bucket.take(50.0)
    assert bucket.take(101.0)
