"""LWA access tokens: cached per account, refreshed before expiry, one refresh across threads."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from amazon_scenarios import scenario_for, sim_credentials

from amzorders.amazon.auth import AccessTokens, Credentials
from amzorders.amazon.errors import ServerError, TransportError
from amzorders.amazon.regions import (
    ENDPOINTS,
    LWA_TOKEN_URL,
    UnknownRegion,
    region_for_marketplace,
    resolve_endpoint,
)
from amzorders.sim.transport import TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace


class FlakyLwa(httpx.BaseTransport):
    """The simulator, behind a Login with Amazon that first fails `failures` times, then answers slowly."""

    def __init__(self, inner: httpx.BaseTransport, failures: list[str], delay: float = 0.0) -> None:
        self.inner = inner
        self.failures = failures
        self.delay = delay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            if self.failures:
                failure = self.failures.pop(0)
                if failure == "reset":
                    raise httpx.RemoteProtocolError("Server disconnected", request=request)
                if failure == "html":
                    return httpx.Response(200, text="<html>maintenance</html>", request=request)
                return httpx.Response(int(failure), json={"error": "server_error"}, request=request)
            time.sleep(self.delay)
        return self.inner.handle_request(request)


def test_credentials_never_show_their_secrets():
    credentials = Credentials("amzn1.application-oa2-client.x", "s3cr3t", "Atzr|IwEB-refresh")
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert "s3cr3t" not in text and "Atzr|" not in text and "amzn1.application-oa2-client.x" in text


def test_the_access_token_is_cached_and_refreshed_five_minutes_before_expiry(in_process, clock):
    marketplace, make_client = in_process(scenario_for(3))
    client = make_client()
    order_id = marketplace.scenario.orders[0].order_id
    for _ in range(5):
        client.get_order(order_id)
    assert marketplace.stats.token_calls == 1
    clock.advance(3600 - 300 - 5)
    client.get_order(order_id)
    assert marketplace.stats.token_calls == 1
    clock.advance(10)  # now within 5 minutes of the hour
    client.get_order(order_id)
    assert marketplace.stats.token_calls == 2 and client.token_refreshes == 2


def test_threads_sharing_a_client_refresh_the_token_once(clock):
    marketplace = Marketplace(scenario_for(1), clock)
    transport = FlakyLwa(SimTransport(marketplace), [], delay=0.05)
    with httpx.Client(transport=transport) as http:
        tokens = AccessTokens(sim_credentials(), http=http, token_url=TOKEN_URL, clock=clock)
        barrier = threading.Barrier(8)
        seen: list[str] = []

        def use() -> None:
            barrier.wait()
            seen.append(tokens.get())

        threads = [threading.Thread(target=use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert marketplace.stats.token_calls == 1 and len(set(seen)) == 1 and len(seen) == 8


@pytest.mark.parametrize("failures", [["503"], ["500", "reset"], ["html"]])
def test_a_transient_lwa_failure_is_retried(in_process, clock, failures):
    marketplace, make_client = in_process(scenario_for(3))
    client = make_client(transport=FlakyLwa(SimTransport(marketplace), list(failures)))
    assert client.get_order(marketplace.scenario.orders[0].order_id)
    assert client.stats.retries == len(failures)


def test_a_lasting_lwa_outage_surfaces_typed(in_process, clock):
    marketplace, make_client = in_process(scenario_for(3))
    client = make_client(transport=FlakyLwa(SimTransport(marketplace), ["503"] * 3), max_retries=2)
    with pytest.raises(ServerError, match="Login with Amazon failed"):
        client.get_order(marketplace.scenario.orders[0].order_id)
    client = make_client(transport=FlakyLwa(SimTransport(marketplace), ["html"] * 3), max_retries=2)
    with pytest.raises(TransportError, match="without access_token"):
        client.get_order(marketplace.scenario.orders[0].order_id)


def test_regions_and_overrides():
    assert resolve_endpoint("eu") == ENDPOINTS["EU"] == "https://sellingpartnerapi-eu.amazon.com"
    assert resolve_endpoint("FE") == "https://sellingpartnerapi-fe.amazon.com"
    assert resolve_endpoint("http://127.0.0.1:8123/") == "http://127.0.0.1:8123"
    assert LWA_TOKEN_URL == "https://api.amazon.com/auth/o2/token"
    assert region_for_marketplace("A13V1IB3VIYZZH") == "EU"
    assert region_for_marketplace("ATVPDKIKX0DER") == "NA"
    assert region_for_marketplace("A1VC38T7YXB528") == "FE"
    with pytest.raises(UnknownRegion, match="'XX' is neither a region"):
        resolve_endpoint("XX")
    with pytest.raises(UnknownRegion, match="not a known Amazon marketplace"):
        region_for_marketplace("NOPE")
