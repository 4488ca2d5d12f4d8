"""Each fault the simulator injects surfaces as its typed error, or is retried as specified.

Every test runs twice: through SimTransport and over real HTTP on loopback (uvicorn on 127.0.0.1), both on
the virtual clock, so backoff sleeps cost no real time.
"""

from __future__ import annotations

import pytest
from amazon_scenarios import FR, NOW, SCENARIO_START, SELLER, fault, scenario_for, sim_credentials

from amzorders.amazon.client import SearchQuery
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS
from amzorders.amazon.errors import (
    AccessDenied,
    AmazonError,
    AuthError,
    ServerError,
    Throttled,
    TransportError,
)
from amzorders.amazon.governor import MemoryBucketStore, Priority, QuotaGovernor
from amzorders.clock import SimClock

QUERY = SearchQuery(marketplace_ids=(FR,), last_updated_after=SCENARIO_START)
RETRIES = 3

PERSISTENT = [
    ("http_500", ServerError, 500, "InternalFailure"),
    ("http_503", ServerError, 503, "ServiceUnavailable"),
    ("throttle", Throttled, 429, "QuotaExceeded"),
    ("malformed_json", TransportError, 200, None),
    ("reset", TransportError, None, None),
    ("timeout", TransportError, None, None),
]


def first_order_id(marketplace) -> str:
    return marketplace.scenario.orders[0].order_id


@pytest.mark.parametrize(("kind", "error", "status", "code"), PERSISTENT, ids=[p[0] for p in PERSISTENT])
def test_a_lasting_fault_is_retried_then_surfaces_typed(simulator, kind, error, status, code):
    extra = {"delay_s": 0.5} if kind == "timeout" else {}  # loopback: the server holds 0.5 s, then hangs up
    marketplace, make_client = simulator(scenario_for(3, faults=[fault(kind, **extra)]))
    client = make_client(max_retries=RETRIES, timeout=0.2)
    with pytest.raises(error) as caught:
        client.get_order(first_order_id(marketplace))
    assert type(caught.value) is error
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.operation == GET_ORDER
    assert "\n" not in str(caught.value)
    assert marketplace.stats.calls[(SELLER, GET_ORDER)] == RETRIES + 1
    assert client.stats.calls[GET_ORDER] == RETRIES + 1 and client.stats.retries == RETRIES


@pytest.mark.parametrize("kind", ["http_500", "http_503", "throttle", "malformed_json", "reset", "timeout"])
def test_a_passing_fault_is_retried_until_the_call_succeeds(simulator, clock, kind):
    extra = {"delay_s": 0.3} if kind == "timeout" else {}
    _marketplace, make_client = simulator(scenario_for(3, faults=[fault(kind, minutes=0.2 / 60, **extra)]))
    client = make_client(timeout=0.1)
    pages = list(client.search_orders(QUERY))
    assert sum(len(page.orders) for page in pages) == 3
    assert client.stats.retries >= 1
    assert client.stats.calls[SEARCH_ORDERS] == 1 + client.stats.retries


def test_an_unexpected_429_empties_the_governors_bucket_and_is_counted(simulator, clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0, throttle_pause=2.0)
    marketplace, make_client = simulator(scenario_for(3, faults=[fault("throttle", minutes=0.2 / 60)]))
    client = make_client(governor=governor)
    started = clock.now()
    client.get_order(first_order_id(marketplace), priority=Priority.INCREMENTAL)
    assert client.stats.throttled == 1 and marketplace.stats.throttled == 1
    # The retry waited for the pause plus one token's refill (0.5/s), whatever the (shorter) backoff,
    # and took that token: the bucket was assumed empty, not left with the 29 tokens we believed in.
    assert (clock.now() - started).total_seconds() == pytest.approx(2.0 + 1 / 0.5, abs=0.01)
    assert governor.tokens_left(SELLER, GET_ORDER) == pytest.approx(0.0, abs=0.01)


def test_a_rejected_access_token_is_access_denied_at_once_with_what_to_check(simulator, clock):
    marketplace, make_client = simulator(scenario_for(3, faults=[fault("token_rejected", minutes=1)]))
    client = make_client()
    with pytest.raises(AccessDenied) as caught:
        client.get_order(first_order_id(marketplace))
    error = caught.value
    assert (error.status, error.code) == (403, "Unauthorized") and error.request_id
    for advice in ("client id", "refresh token", "roles", "region"):
        assert advice in str(error)
    assert marketplace.stats.calls[(SELLER, GET_ORDER)] == 1 and client.stats.retries == 0
    # The refused token is dropped: the next call (fault over) logs in again and succeeds.
    clock.advance(120)
    assert client.get_order(first_order_id(marketplace))["orderId"] == first_order_id(marketplace)
    assert marketplace.stats.token_calls == 2


def test_a_slow_answer_within_the_timeout_is_just_slow(simulator, clock):
    marketplace, make_client = simulator(scenario_for(3, faults=[fault("slow", delay_s=0.05)]))
    client = make_client(timeout=2.0)
    assert client.get_order(first_order_id(marketplace))["orderId"] == first_order_id(marketplace)
    assert client.stats.retries == 0


def test_a_slow_answer_beyond_the_timeout_is_a_transport_error(simulator):
    marketplace, make_client = simulator(scenario_for(3, faults=[fault("slow", delay_s=0.4)]))
    client = make_client(timeout=0.1, max_retries=1)
    with pytest.raises(TransportError, match="timed out"):
        client.get_order(first_order_id(marketplace))
    assert client.stats.retries == 1


@pytest.mark.parametrize(
    ("credentials", "lwa_error"),
    [
        (sim_credentials(refresh_token="Atzr|sim-SOMEONE-ELSE"), "invalid_grant"),
        (sim_credentials().__class__("amzorders-sim", "wrong-secret", "Atzr|sim-A1SELLER"), "invalid_client"),
    ],
    ids=["refresh_token", "client_secret"],
)
def test_refused_credentials_give_one_readable_auth_error(simulator, clock, credentials, lwa_error):
    marketplace, make_client = simulator(scenario_for(3))
    governor = QuotaGovernor(MemoryBucketStore(), clock)
    client = make_client(credentials=credentials, governor=governor)
    with pytest.raises(AuthError) as caught:
        list(client.search_orders(QUERY))
    error = caught.value
    text = str(error)
    assert "\n" not in text and text.count("Login with Amazon refused") == 1
    assert error.code == lwa_error and error.status == 400
    assert "client id 'amzorders-sim'" in text and "Check the LWA client id" in text
    assert "Atzr|" not in text and "wrong-secret" not in text  # secrets never end up in messages
    # Nothing was retried and no quota was spent on a call that could not be authorised.
    assert marketplace.stats.token_calls == 1 and not marketplace.stats.calls
    assert governor.tokens_left(SELLER, SEARCH_ORDERS) == 20


def test_retries_are_bounded_in_time_too(in_process, clock):
    marketplace, make_client = in_process(scenario_for(3, faults=[fault("http_503")]))
    client = make_client(max_retries=1000, max_retry_time=30.0, backoff=2.0)
    started = clock.now()
    with pytest.raises(ServerError):
        client.get_order(first_order_id(marketplace))
    spent = (clock.now() - started).total_seconds()
    assert 30.0 <= spent <= 31.0, spent
    assert 3 <= client.stats.retries < 60


def test_every_retry_takes_a_quota_token_first(in_process, clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0)
    marketplace, make_client = in_process(scenario_for(3, faults=[fault("http_500")]))
    client = make_client(governor=governor, max_retries=4)
    with pytest.raises(ServerError):
        client.get_order(first_order_id(marketplace))
    refilled = 0.5 * (clock.now() - NOW).total_seconds()
    # 5 attempts took 5 tokens: what is left is at most the refill since (float rounding aside)
    assert governor.tokens_left(SELLER, GET_ORDER) <= 30 - 5 + refilled + 1e-9
    assert marketplace.stats.throttled == 0


def test_errors_share_one_base_class_with_amazons_fields():
    error = Throttled("You exceeded your quota", status=429, code="QuotaExceeded", request_id="r-1")
    assert isinstance(error, AmazonError) and error.retryable
    assert str(error) == "HTTP 429 QuotaExceeded: You exceeded your quota (request id r-1)"
    assert not AccessDenied("x").retryable and not AuthError("x").retryable


def test_each_retry_is_logged_without_secrets(in_process, caplog):
    marketplace, make_client = in_process(scenario_for(3, faults=[fault("http_503", minutes=0.2 / 60)]))
    client = make_client()
    with caplog.at_level("WARNING", logger="amzorders.amazon.client"):
        client.get_order(first_order_id(marketplace))
    assert len(caplog.records) == client.stats.retries >= 1
    line = caplog.records[0].getMessage()
    assert "A1SELLER" in line and "ServiceUnavailable" in line and "retry 1" in line
    assert "Atz" not in line and "sim-secret" not in line


def test_a_cached_token_amazon_says_has_expired_is_renewed_and_the_call_made_again(simulator, clock):
    """This host's clock runs 11 minutes behind Amazon's (no NTP, a VM resumed after a pause): a cached
    token still valid by ours has expired by Amazon's. The client logs in again and makes the call once
    more, instead of failing the run (a token refused just after it was fetched stays final: above)."""
    amazon_clock = SimClock(clock.now())
    marketplace, make_client = simulator(scenario_for(3), marketplace_clock=amazon_clock)
    client = make_client()
    order_id = first_order_id(marketplace)
    assert client.get_order(order_id)["orderId"] == order_id  # a token valid for an hour
    clock.advance(50 * 60)  # ours: 50 minutes on, the token is still good (renewed 5 minutes before its end)
    amazon_clock.advance(61 * 60)  # Amazon's: expired a minute ago
    assert client.get_order(order_id)["orderId"] == order_id
    assert marketplace.stats.token_calls == 2  # logged in again once
    assert client.stats.calls[GET_ORDER] == 3 and client.stats.retries == 1
