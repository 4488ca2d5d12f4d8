"""Fixtures: a fake PrestaShop served over real HTTP on loopback, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sim_ps_helpers import Ws

from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop


@pytest.fixture
def shop() -> Iterator[FakePrestaShop]:
    fake = FakePrestaShop()
    yield fake
    assert fake.internal_errors == []  # the fake never hid a defect of its own behind a 500


@pytest.fixture
def server(shop: FakePrestaShop) -> Iterator:
    handle = serve_fake_prestashop(shop)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def ws(server, shop: FakePrestaShop) -> Iterator[Ws]:
    client = Ws(server.url, shop.api_key)
    try:
        yield client
    finally:
        client.close()
