"""Multistore against the fake (what a live 8.2.1 showed, docs/prestashop.md): every call of an order's
creation names the mapped shop, lookups by Amazon id ask all shops, start-up checks the mapped shops."""

from __future__ import annotations

import pytest
from ps_helpers import ES, FR, draft, line, test_mapping

from amzorders.shops.port import OrderRejected, ShopError, ShopOrderStatus, ShopUnavailable
from amzorders.shops.prestashop import MappingError, MarketplaceMapping, PrestaShopShop, TotalMismatch


def _mapping(id_shop: int, id_shop_group: int = 1, currency: str | None = "EUR", **overrides):
    markets = {
        FR: MarketplaceMapping(language="fr", currency="EUR"),
        ES: MarketplaceMapping(
            id_shop=id_shop, id_shop_group=id_shop_group, language="fr", currency=currency
        ),
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


def test_each_shop_prices_with_its_own_rounding(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    fake_shop.set_configuration("PS_ROUND_TYPE", "1", id_shop=second, id_shop_group=1)  # each item, shop 2
    mugs = line("MUG-01", 3, "8.33", "1.67")  # a line total no price per item reaches once rounded
    with _connect(fake_server, fake_shop, _mapping(second)) as shop:
        order = draft(mugs, marketplace=FR)
        created = shop.create_order(order)  # old code: shop 2's rounding, refused
        assert created.total == order.total
        with pytest.raises(TotalMismatch, match="PS_ROUND_TYPE=1"):
            shop.create_order(draft(mugs, marketplace=ES))
    assert [o["id_shop"] for o in fake_shop.orders()] == ["1"]


def test_a_state_named_by_configuration_is_the_one_of_the_orders_shop(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    fake_shop.set_configuration("PS_OS_SHIPPING", "5", id_shop=second, id_shop_group=1)
    with _connect(fake_server, fake_shop, _mapping(second)) as shop:
        for marketplace, state in ((FR, "4"), (ES, "5")):  # old code: 5 in both
            created = shop.create_order(draft(marketplace=marketplace))
            shop.set_status(created.reference, ShopOrderStatus.SHIPPED)
            assert fake_shop.get("orders", int(created.reference))["current_state"] == state
            assert shop.find_by_amazon_id(created.amazon_order_id).status == ShopOrderStatus.SHIPPED


@pytest.mark.parametrize("share_stock", [True, False])
def test_fba_stock_goes_back_where_prestashop_took_it(fake_server, fake_shop, share_stock):
    group = fake_shop.add_shop_group("Other", share_stock=share_stock)
    third = fake_shop.add_shop("Third", id_shop_group=group)
    mug = fake_shop.products(reference="MUG-01")[0]["id"]
    before = (fake_shop.stock(mug), fake_shop.stock(mug, id_shop=third))
    with _connect(fake_server, fake_shop, _mapping(third, group)) as shop:
        fba = draft(
            line("MUG-01", 3, "11.90", "7.14"),
            marketplace=ES,
            fulfilled_by="AMAZON",
            status=ShopOrderStatus.SHIPPED,
        )
        shop.create_order(fba)
        shop.create_order(draft(line("MUG-01", 2, "11.90", "4.76"), marketplace=ES))
    # the FBA order's 3 are back in the third shop's stock (its group's when shared), shop 1's untouched:
    # old code put them on shop 1's row when the group shared stock
    assert (fake_shop.stock(mug), fake_shop.stock(mug, id_shop=third)) == (before[0], before[1] - 2)


def test_start_up_probes_the_payment_module_in_each_mapped_shop(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    fake_shop.modules_off_in_shop.add(("ps_wirepayment", second))  # live: every order there fails
    with pytest.raises(MappingError, match=f"enable it for shop {second} in Modules") as raised:
        _connect(fake_server, fake_shop, _mapping(second))  # old code: probed in shop 1 only, passed
    assert raised.value.key == "payment_module"
    assert fake_shop.carts() == [] and fake_shop.orders() == []


def test_a_currency_the_mapped_shop_does_not_take_is_refused_not_recorded_at_rate_one(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    fake_shop.not_in_shop.add(("currencies", 2, second))  # GBP, live 8.2.1: order at conversion rate 1

    with pytest.raises(MappingError, match=f"currency 2 is not available in shop {second}") as raised:
        _connect(fake_server, fake_shop, _mapping(second, currency="GBP"))
    assert raised.value.key == f"marketplaces.{ES}.currency"
    with _connect(
        fake_server, fake_shop, _mapping(second, currency=None)
    ) as shop:  # the order's own currency
        gbp = draft(line("MUG-01", 1, "9.99", "2.00", "GBP"), marketplace=ES)
        with pytest.raises(OrderRejected, match=f"currency GBP is not available in shop {second}"):
            shop.create_order(gbp)  # old code: created in shop 2 at conversion rate 1
    assert fake_shop.orders() == [] and fake_shop.carts() == []


def test_a_module_disabled_in_one_shop_later_fails_its_orders_not_the_whole_shop(fake_server, fake_shop):
    second = fake_shop.add_shop("Second")
    with _connect(fake_server, fake_shop, _mapping(second)) as shop:
        fake_shop.modules_off_in_shop.add(("ps_wirepayment", second))  # after start-up
        with pytest.raises(ShopError, match=f"'ps_wirepayment' is not active in shop {second}") as raised:
            shop.create_order(draft(marketplace=ES))
        # retried later, but not "the shop is down": the push goes on with the other shops' orders
        assert raised.value.retryable and not isinstance(raised.value, ShopUnavailable)
        assert shop.create_order(draft(marketplace=FR)).status == ShopOrderStatus.TO_SHIP
