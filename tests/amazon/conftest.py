"""Simulator wiring for the client and governor tests: in-process (SimTransport) and over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from amazon_scenarios import SELLER, sim_credentials

from amzorders.amazon.client import OrdersClient
from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.clock import Clock, SimClock
from amzorders.sim.server import serve_in_thread
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace

ClientFactory = Callable[..., OrdersClient]


def _client_maker(
    clock: SimClock, clients: list[OrdersClient], connection: Callable[[], dict[str, Any]]
) -> ClientFactory:
    """`make_client(**overrides)`: an OrdersClient of SELLER on `clock`, reaching the simulator through
    `connection()` (endpoint, token URL and maybe a transport, new for each client)."""

    def make_client(**overrides) -> OrdersClient:
        options: dict[str, Any] = {
            "seller_id": SELLER,
            "credentials": sim_credentials(overrides.get("seller_id", SELLER)),
            "governor": QuotaGovernor(MemoryBucketStore(), clock),
            "clock": clock,
            "timeout": 5.0,
            **connection(),
        }
        options.update(overrides)
        client = OrdersClient(**options)
        clients.append(client)
        return client

    return make_client


@pytest.fixture
def in_process(clock: SimClock) -> Iterator[Callable[..., tuple[Marketplace, ClientFactory]]]:
    """`in_process(scenario)` -> (marketplace, make_client(**overrides)), served through SimTransport."""
    clients: list[OrdersClient] = []

    def build(scenario, marketplace_clock: Clock | None = None):
        marketplace = Marketplace(scenario, marketplace_clock or clock)
        connection = {"endpoint": BASE_URL, "token_url": TOKEN_URL}
        return marketplace, _client_maker(
            clock, clients, lambda: {**connection, "transport": SimTransport(marketplace)}
        )

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def loopback(clock: SimClock) -> Iterator[Callable[..., tuple[Marketplace, ClientFactory]]]:
    """Like `in_process`, over real HTTP: the simulator served by uvicorn on 127.0.0.1 (ephemeral port)."""
    handles = []
    clients: list[OrdersClient] = []

    def build(scenario, marketplace_clock: Clock | None = None):
        marketplace = Marketplace(scenario, marketplace_clock or clock)
        handle = serve_in_thread(marketplace)
        handles.append(handle)
        connection = {"endpoint": handle.url, "token_url": f"{handle.url}/auth/o2/token"}
        return marketplace, _client_maker(clock, clients, lambda: connection)

    yield build
    for client in clients:
        client.close()
    for handle in handles:
        handle.stop()


@pytest.fixture(params=["in_process", "loopback"])
def simulator(request) -> Callable[..., tuple[Marketplace, ClientFactory]]:
    """Runs a test once through SimTransport and once over real HTTP on loopback."""
    return request.getfixturevalue(request.param)
