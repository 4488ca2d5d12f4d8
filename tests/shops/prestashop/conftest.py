"""Fixtures for the PrestaShop adapter: the fake shop served over real HTTP on loopback, an adapter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ps_helpers import seed_catalogue, test_mapping

from amzorders.shops.prestashop import PrestaShopShop


@pytest.fixture
def fake_shop():
    from amzorders.sim.prestashop import FakePrestaShop

    shop = FakePrestaShop()
    seed_catalogue(shop)
    return shop


@pytest.fixture
def fake_server(fake_shop) -> Iterator:
    from amzorders.sim.prestashop import serve_fake_prestashop

    server = serve_fake_prestashop(fake_shop)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def adapter(fake_server, fake_shop) -> Iterator[PrestaShopShop]:
    shop = PrestaShopShop.connect(fake_server.url, fake_shop.api_key, test_mapping())
    try:
        yield shop
    finally:
        shop.close()
