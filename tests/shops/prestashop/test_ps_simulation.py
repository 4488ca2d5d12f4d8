"""The PrestaShop a simulation fills: the fake with a catalogue that grows on demand, or a real shop."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest
from ps_helpers import draft, line

from amzorders.shops.port import ShopOrderStatus
from amzorders.shops.prestashop.simulation import SimulationShopError, create_shop


def test_fake_shop_creates_unknown_skus_and_keeps_amazons_totals():
    shop = create_shop({"name": "sim-ps"})
    try:
        order = draft(line("NEVER-SEEN-1", 2, "10.00", "4.00"), shipping="3.00", shipping_tax="0.60")
        created = shop.create_order(order)
        assert created.total.amount == order.total.amount == Decimal("27.60")
        assert shop.find_by_amazon_id(order.amazon_order_id) == created
        shop.set_status(created.reference, ShopOrderStatus.SHIPPED)
        assert shop.fake.order(int(created.reference))["current_state"] == "4"
        assert shop.name == "sim-ps"
    finally:
        shop.inner.close()
        del shop
        gc.collect()  # the fake's server stops with the shop


def test_real_shop_needs_the_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("PRESTASHOP_KEY", raising=False)
    with pytest.raises(SimulationShopError, match="PRESTASHOP_KEY"):
        create_shop({"url": "http://127.0.0.1:9"})
    monkeypatch.setenv("PRESTASHOP_KEY", "K" * 32)
    with pytest.raises(SimulationShopError, match="mapping="):
        create_shop({"url": "http://127.0.0.1:9"})
