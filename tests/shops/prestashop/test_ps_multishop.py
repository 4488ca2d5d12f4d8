"""Multistore against the fake (what a live 8.2.1 showed, docs/prestashop.md): every call of an order's
creation names the mapped shop, lookups by Amazon id ask all shops, start-up checks the mapped shops."""

from __future__ import annotations

import pytest
from ps_helpers import ES, FR, draft, test_mapping

from amzorders.shops.port import ShopOrderStatus
from amzorders.shops.prestashop import MappingError, MarketplaceMapping, PrestaShopShop


def _mapping(id_shop: int, id_shop_group: int = 1, **overrides):
    markets = {
        FR: MarketplaceMapping(language="fr", currency="EUR"),
        ES: MarketplaceMapping(id_shop=id_shop, id_shop_group=id_shop_group, language="fr", currency="EUR"),
    }
    return test_mapping(marketplaces=markets, **overrides)


def _connect(fake_server, fake_shop, mapping) -> PrestaShopShop:
    return PrestaShopShop.connect(fake_server.url, fake_shop.api_key, mapping)


def test_orders_of_the_second_shop_are_created_found_and_moved_there(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    with _connect(fake_server, fake_shop, _mapping(second)) as shop:
        order = draft(marketplace=ES, shipping="4.99", shipping_tax="1.00")
        created = shop.create_order(order)  # old code: Payment error, 14.28 for Amazon's 20.27
        stored = fake_shop.get("orders", int(created.reference))
        assert (stored["id_shop"], stored["current_state"], stored["total_paid"]) == ("2", "11", "20.270000")
        assert shop.find_by_amazon_id(order.amazon_order_id) == created  # old code: None
        assert shop.create_order(order).reference == created.reference
        shop.set_status(created.reference, ShopOrderStatus.SHIPPED)
        assert shop.find_by_amazon_id(order.amazon_order_id).status == ShopOrderStatus.SHIPPED
        # the same buyer on the FR marketplace (shop 1) gets a customer of shop 1
        other = shop.create_order(draft(marketplace=FR, buyer_email=order.buyer_email))
        first = fake_shop.get("orders", int(other.reference))
        assert first["id_shop"] == "1" and first["id_customer"] != stored["id_customer"]


def test_a_single_shop_mapping_costs_no_more_start_up_calls(fake_server, fake_shop):
    with _connect(fake_server, fake_shop, test_mapping()) as shop:
        assert ("GET", "shops") not in shop.client.calls


def _hide(fake, resource: str, reference: str, second: int) -> None:
    rows = fake.tables[resource].values()
    row = next(r for r in rows if reference in (r.get("reference"), r.get("name")))
    fake.not_in_shop.add((resource, int(row["id"]), second))


@pytest.mark.parametrize(
    ("hide", "id_shop", "id_shop_group", "key", "problem"),
    [
        (None, 9, 1, "id_shop", "no shop 9"),
        (None, 2, 2, "id_shop_group", "is in shop group 1, not 2"),
        (("carriers", "Amazon"), 2, 1, "default_carrier", "is not available in shop 2"),
        (("products", "AMAZON-SHIPPING"), 2, 1, "shipping_product", "is not in shop 2"),
    ],
)
def test_start_up_names_what_the_mapped_shop_lacks(
    fake_server, fake_shop, hide, id_shop, id_shop_group, key, problem
):
    second = fake_shop.add_shop("Second")
    if hide:
        _hide(fake_shop, *hide, second)
    with pytest.raises(MappingError, match=problem) as raised:
        _connect(fake_server, fake_shop, _mapping(id_shop, id_shop_group))
    assert raised.value.key.endswith(key)
