"""Fixtures for the PrestaShop adapter: the fake shop served over real HTTP on loopback, an adapter, and
`target` for the live checks (the fake, then a real shop when PRESTASHOP_URL and PRESTASHOP_KEY are set)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ps_helpers import seed_catalogue, test_mapping
from ps_live import LIVE_KEY, LIVE_URL, Target, serve_target

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


@pytest.fixture(
    params=[
        "fake",
        pytest.param(
            "live",
            marks=[
                pytest.mark.prestashop_live,
                pytest.mark.skipif(
                    not (LIVE_URL and LIVE_KEY), reason="PRESTASHOP_URL and PRESTASHOP_KEY are not set"
                ),
            ],
        ),
    ]
)
def target(request) -> Iterator[Target]:
    """The shop under test of the live checks."""
    yield from serve_target(request.param)
