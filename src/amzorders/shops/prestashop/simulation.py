"""A PrestaShop for simulations (`amzorders simulate --shop prestashop`): the fake, or a real test shop.

`create_shop(options)` takes the `--shop-option key=value` pairs:
- none: a fake PrestaShop 8.2.1 served over HTTP on 127.0.0.1 (ephemeral port) with a free "Amazon"
  carrier, the shipping product, and a catalogue that grows on demand: a SKU the shop does not know is
  created on first sight (a merchant whose catalogue has every product), so a scenario measures the
  importer, not the catalogue. `tax_rate=20` is the rate of the fake's tax rules group 1 in the
  European countries (like the real install, it has no rule for the US, which is untaxed); the adapter
  reads it from the fake's `tax_rules`, as on a real shop.
- `url=https://...` and `mapping=path.toml` (its `[prestashop]` table, or the whole file): a real shop;
  the key comes from `PRESTASHOP_KEY`, never from the command line.

This is glue at the edge (it knows the simulator's marketplaces); the adapter itself does not.
"""

from __future__ import annotations

import os
import tomllib
import weakref
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from amzorders.shops.port import OrderDraft, ShopOrder, UnknownSku
from amzorders.shops.prestashop.adapter import PrestaShopShop
from amzorders.shops.prestashop.mapping import MarketplaceMapping, PrestaShopMapping


class SimulationShopError(ValueError):
    """The options cannot make a shop (missing key, unreadable mapping); one line."""


class GrowingCatalogueShop:
    """The adapter over the fake, creating unknown SKUs in the fake before retrying once."""

    def __init__(self, inner: PrestaShopShop, fake: Any) -> None:
        self.inner = inner
        self.fake = fake
        self.name = inner.name

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        try:
            return self.inner.create_order(draft)
        except UnknownSku:
            for line in draft.lines:
                if not self.fake.products(reference=line.sku):
                    price = line.unit_price.amount if line.unit_price.amount >= 0 else Decimal(0)
                    self.fake.add_product(line.sku, line.title or line.sku, price, quantity=1_000_000)
            return self.inner.create_order(draft)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def create_shop(options: Mapping[str, str]) -> PrestaShopShop | GrowingCatalogueShop:
    url = options.get("url")
    if url:
        return _real_shop(url, options)
    from amzorders.amazon.constants import MARKETPLACES
    from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop

    fake = FakePrestaShop()
    fake.add_carrier("Amazon")
    fake.add_product("AMAZON-SHIPPING", "Shipping", Decimal(0), quantity=10**9)
    rate = Decimal(options.get("tax_rate", "20"))
    fake.set_tax_rate(1, rate)
    server = serve_fake_prestashop(fake)
    mapping = PrestaShopMapping(
        shop_name=options.get("name", "prestashop"),
        marketplaces={mp: MarketplaceMapping(language=1) for mp in MARKETPLACES.values()},
    )  # no tax_rates: the adapter reads the fake's tax rules (European countries at `rate`, US untaxed)
    try:
        shop = PrestaShopShop.connect(server.url, fake.api_key, mapping)
    except BaseException:
        server.stop()
        raise
    wrapped = GrowingCatalogueShop(shop, fake)
    weakref.finalize(wrapped, server.stop)  # the simulation ends, the fake stops
    return wrapped


def _real_shop(url: str, options: Mapping[str, str]) -> PrestaShopShop:
    key = os.environ.get("PRESTASHOP_KEY")
    if not key:
        raise SimulationShopError(
            "url= given but PRESTASHOP_KEY is not set: the key never goes on the command line"
        )
    path = options.get("mapping")
    if not path:
        raise SimulationShopError(
            "url= needs mapping=<file.toml> describing the shop (see docs/prestashop.md)"
        )
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SimulationShopError(f"mapping file {path}: {exc}") from exc
    mapping = PrestaShopMapping.model_validate(data.get("prestashop", data))
    return PrestaShopShop.connect(url, key, mapping)
