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


@pytest.fixture
def in_process(clock: SimClock) -> Iterator[Callable[..., tuple[Marketplace, ClientFactory]]]:
    """`in_process(scenario)` -> (marketplace, make_client(**overrides)), served through SimTransport."""
    clients: list[OrdersClient] = []

    def build(scenario, marketplace_clock: Clock | None = None):
        marketplace = Marketplace(scenario, marketplace_clock or clock)

        def make_client(**overrides) -> OrdersClient:
            options: dict[str, Any] = {
                "seller_id": SELLER,
                "credentials": sim_credentials(overrides.get("seller_id", SELLER)),
                "endpoint": BASE_URL,
                "token_url": TOKEN_URL,
                "governor": QuotaGovernor(MemoryBucketStore(), clock),
                "clock": clock,
                "transport": SimTransport(marketplace),
                "timeout": 5.0,
            }
            options.update(overrides)
            client = OrdersClient(**options)
            clients.append(client)
            return client

        return marketplace, make_client

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

        def make_client(**overrides) -> OrdersClient:
            options: dict[str, Any] = {
                "seller_id": SELLER,
                "credentials": sim_credentials(overrides.get("seller_id", SELLER)),
                "endpoint": handle.url,
                "token_url": f"{handle.url}/auth/o2/token",
                "governor": QuotaGovernor(MemoryBucketStore(), clock),
                "clock": clock,
                "timeout": 5.0,
            }
            options.update(overrides)
            client = OrdersClient(**options)
            clients.append(client)
            return client

        return marketplace, make_client

    yield build
    for client in clients:
        client.close()
    for handle in handles:
        handle.stop()


@pytest.fixture(params=["in_process", "loopback"])
def simulator(request) -> Callable[..., tuple[Marketplace, ClientFactory]]:
    """Runs a test once through SimTransport and once over real HTTP on loopback."""
    return request.getfixturevalue(request.param)
