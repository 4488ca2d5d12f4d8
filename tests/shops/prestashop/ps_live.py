"""What the live checks share (test_ps_live.py, test_ps_live_catalogue.py): the shop under test, the
fake or a real PrestaShop named by PRESTASHOP_URL and PRESTASHOP_KEY, and the demo shop's mapping."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ps_helpers import ES, FR

from amzorders.shops.prestashop import MarketplaceMapping, PrestaShopMapping

LIVE_URL, LIVE_KEY = os.environ.get("PRESTASHOP_URL"), os.environ.get("PRESTASHOP_KEY")
SKU = os.environ.get("PRESTASHOP_SKU", "demo_13")
CARRIER = os.environ.get("PRESTASHOP_CARRIER", "Amazon")
SHIPPING_SKU = os.environ.get("PRESTASHOP_SHIPPING_SKU", "AMAZON-SHIPPING")
# A second shop of a multistore install (products, carrier and shipping product associated with it, the
# key enabled for it): the multistore check runs live only when it is set.
SECOND_SHOP = os.environ.get("PRESTASHOP_SECOND_SHOP")


def demo_mapping(**overrides) -> PrestaShopMapping:
    fields = {
        "shop_name": "live-test",
        "default_carrier": CARRIER,
        "shipping_product": SHIPPING_SKU,
        "marketplaces": {
            FR: MarketplaceMapping(language=1, currency="EUR"),
            ES: MarketplaceMapping(language=1),
        },
    }
    return PrestaShopMapping(**{**fields, **overrides})


@dataclass(frozen=True)
class Target:
    url: str
    key: str
    fake: Any = None  # the FakePrestaShop behind `url`, None for a real shop


def serve_target(kind: str) -> Iterator[Target]:
    """The real shop (`live`) or a fake with the live prerequisites (carrier, shipping product)."""
    if kind == "live":
        yield Target(LIVE_URL or "", LIVE_KEY or "")
        return
    from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop

    fake = FakePrestaShop()
    fake.add_carrier(CARRIER)
    if SHIPPING_SKU:
        fake.add_product(SHIPPING_SKU, "Shipping", Decimal(0), quantity=10**6)
    server = serve_fake_prestashop(fake)
    try:
        yield Target(server.url, fake.api_key, fake)
    finally:
        server.stop()


def unique_id() -> str:
    digits = f"{uuid.uuid4().int % 10**14:014d}"
    return f"999-{digits[:7]}-{digits[7:]}"
