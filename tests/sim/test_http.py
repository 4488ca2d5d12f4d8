"""The simulator over real HTTP on loopback: the same behaviour, with real sockets and real faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sim_helpers import SEARCH, at, csv, scenario

from amzorders.clock import SimClock
from amzorders.sim.scenario import load_scenario
from amzorders.sim.server import ServerHandle, serve_in_thread
from amzorders.sim.world import Marketplace

GRANT = {
    "grant_type": "refresh_token",
    "refresh_token": "Atzr|sim-A1SELLER",
    "client_id": "amzorders-sim",
    "client_secret": "sim-secret",
}


def _orders(n: int) -> list[dict]:
    from sim_helpers import order

    return [order(f"405-{i:07d}-0000000", [("2026-11-02T10:00:00Z", "UNSHIPPED")]) for i in range(n)]


@pytest.fixture
def served() -> Iterator[tuple[ServerHandle, httpx.Client, str]]:
    faults = [
        {"from": "2026-11-06T00:00:00Z", "to": "2026-11-06T01:00:00Z", "operations": ["searchOrders"],
         "kind": "timeout", "delay_s": 2},
        {"from": "2026-11-06T01:00:00Z", "to": "2026-11-06T02:00:00Z", "operations": ["searchOrders"],
         "kind": "reset"},
        {"from": "2026-11-06T02:00:00Z", "to": "2026-11-06T03:00:00Z", "operations": ["searchOrders"],
         "kind": "slow", "delay_s": 0.3},
    ]  # fmt: skip
    marketplace = Marketplace(
        load_scenario(scenario(orders=_orders(150), faults=faults)), SimClock(at("2026-11-05T00:00:00Z"))
    )
    handle = serve_in_thread(marketplace)
    client = httpx.Client(base_url=handle.url, timeout=5)
    token = client.post("/auth/o2/token", data=GRANT).json()["access_token"]
    try:
        yield handle, client, token
    finally:
        client.close()
        handle.stop()


def test_serves_on_an_ephemeral_loopback_port(served):
    handle, _, _ = served
    assert handle.url.startswith("http://127.0.0.1:") and not handle.url.endswith(":0")


def test_21_quick_search_calls_give_20_answers_then_429(served):
    _, client, token = served
    params = {"lastUpdatedAfter": "2026-11-01T00:00:00Z", "maxResultsPerPage": "10"}
    responses = [client.get(SEARCH, params=params, headers={"x-amz-access-token": token}) for _ in range(21)]
    assert [r.status_code for r in responses] == [200] * 20 + [429]
    assert responses[0].headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert responses[-1].json()["errors"][0]["code"] == "QuotaExceeded"


def test_token_then_paginated_search_over_http(served, model):
    _, client, token = served
    seen: list[str] = []
    page_token = None
    while True:
        params = csv({"lastUpdatedAfter": "2026-11-01T00:00:00Z", "marketplaceIds": ["A13V1IB3VIYZZH"]})
        if page_token:
            params["paginationToken"] = page_token
        response = client.get(SEARCH, params=params, headers={"x-amz-access-token": token})
        assert response.status_code == 200
        model.check_response(response)
        body = response.json()
        seen += [o["orderId"] for o in body["orders"]]
        page_token = body.get("pagination", {}).get("nextToken")
        if not page_token:
            break
    assert len(seen) == len(set(seen)) == 150
    bad = client.get(SEARCH, headers={"x-amz-access-token": token})
    assert bad.status_code == 400 and bad.headers["x-amzn-RateLimit-Limit"]
    denied = client.get(f"{SEARCH}/405-0000001-0000000")
    assert denied.status_code == 403


def _at_fault_hour(handle: ServerHandle, hour: int) -> None:
    clock = handle.marketplace.clock
    assert isinstance(clock, SimClock)
    clock.advance_to(at(f"2026-11-06T0{hour}:00:00Z"))


def test_timeout_fault_holds_the_connection_until_the_client_gives_up(served):
    handle, client, _ = served
    _at_fault_hour(handle, 0)
    token = client.post("/auth/o2/token", data=GRANT).json()["access_token"]
    with pytest.raises(httpx.ReadTimeout):
        client.get(SEARCH, params={"lastUpdatedAfter": "2026-11-01T00:00:00Z"},
                   headers={"x-amz-access-token": token}, timeout=0.5)  # fmt: skip


def test_reset_fault_closes_the_connection_without_an_answer(served):
    handle, client, _ = served
    _at_fault_hour(handle, 1)
    token = client.post("/auth/o2/token", data=GRANT).json()["access_token"]
    with pytest.raises(httpx.TransportError) as caught:
        client.get(
            SEARCH, params={"lastUpdatedAfter": "2026-11-01T00:00:00Z"}, headers={"x-amz-access-token": token}
        )
    assert isinstance(caught.value, httpx.RemoteProtocolError | httpx.ReadError)


def test_slow_fault_answers_late(served):
    handle, client, _ = served
    _at_fault_hour(handle, 2)
    token = client.post("/auth/o2/token", data=GRANT).json()["access_token"]
    started = time.monotonic()
    response = client.get(
        SEARCH, params={"lastUpdatedAfter": "2026-11-01T00:00:00Z"}, headers={"x-amz-access-token": token}
    )
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
