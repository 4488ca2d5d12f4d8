"""Exactly once: crashes at every step of the creation sequence, lost answers and racing processes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from ps_helpers import draft, line, test_mapping

from amzorders.shops.port import PostalAddress, ShopUnavailable
from amzorders.shops.prestashop import MarketplaceMapping, PrestaShopShop


def orders_for(fake, amazon_order_id: str) -> list[dict]:
    carts = {str(c["id"]) for c in fake.carts() if c["gift_message"] == f"Amazon order {amazon_order_id}"}
    return [o for o in fake.orders() if o["id_cart"] in carts]


@pytest.mark.parametrize(
    ("method", "resource", "after"),
    [
        ("POST", "addresses", False),
        ("POST", "carts", False),
        ("POST", "carts", True),  # cart created, answer lost
        ("POST", "specific_prices", False),  # crash between cart and prices
        ("POST", "specific_prices", True),
        ("GET", "carts", False),
        ("POST", "orders", False),  # crash between cart and order
        ("POST", "orders", True),  # order created, answer lost
        ("GET", "orders", False),  # crash before reading it back
    ],
)
def test_a_crash_anywhere_then_a_rerun_gives_one_order_with_amazons_total(
    adapter, fake_shop, method, resource, after
):
    order = draft(
        line("MUG-01", 2, "12.00", "4.80"),
        line("BOOK-1", 1, "9.50", "1.90"),
        shipping="3.00",
        shipping_tax="0.60",
    )
    fake_shop.fail_next(method, resource, 500, after=after)
    with pytest.raises(ShopUnavailable):
        adapter.create_order(order)
    created = adapter.create_order(order)
    again = adapter.create_order(order)
    (stored,) = orders_for(fake_shop, order.amazon_order_id)
    assert created.reference == again.reference == str(stored["id"])
    assert Decimal(stored["total_paid"]) == order.total.amount == Decimal("43.80")
    assert stored["current_state"] == "11"


def test_crash_between_cart_and_order_resumes_with_the_same_cart(adapter, fake_shop):
    order = draft()
    fake_shop.fail_next("POST", "orders", 500)
    with pytest.raises(ShopUnavailable):
        adapter.create_order(order)
    (cart,) = fake_shop.carts()
    created = adapter.create_order(order)
    assert fake_shop.order(int(created.reference))["id_cart"] == str(cart["id"])
    assert len(fake_shop.carts()) == 1 and len(fake_shop.addresses()) == 1
    # the rerun's own cart is deleted with its prices (PrestaShop keeps those of a deleted cart)
    assert {p["id_cart"] for p in fake_shop.tables["specific_prices"].values()} == {str(cart["id"])}


def test_a_resumed_cart_priced_in_the_default_currency_gets_prices_in_its_own(fake_server, fake_shop):
    # Versions before the live GBP finding wrote cart prices with id_currency 0, which PrestaShop converts
    # at the cart currency's rate: a cart left by such a run gets prices in its currency when resumed.
    uk = "A1F83G8C2ARO7P"
    mapping = test_mapping(marketplaces={uk: MarketplaceMapping(language="fr", currency="GBP")})
    gb = PostalAddress(
        name="Oliver Jones", line1="1 High St", city="London", postal_code="SW1A 1AA", country_code="GB"
    )
    order = draft(line("MUG-01", 1, "9.99", "2.00", "GBP"), marketplace=uk, address=gb)
    with PrestaShopShop.connect(fake_server.url, fake_shop.api_key, mapping) as shop:
        fake_shop.fail_next("POST", "orders", 500)
        with pytest.raises(ShopUnavailable):
            shop.create_order(order)
        for price in fake_shop.tables["specific_prices"].values():
            price["id_currency"] = "0"  # as the older run wrote it
        created = shop.create_order(order)
    (stored,) = orders_for(fake_shop, order.amazon_order_id)
    assert created.reference == str(stored["id"]) and stored["current_state"] == "11"
    assert Decimal(stored["total_paid"]) == Decimal("11.99")


def test_crash_before_the_state_change_is_completed_on_rerun(fake_server, fake_shop):
    mapping = test_mapping(states={"merchant": "Payment accepted"})
    order = draft()
    with PrestaShopShop.connect(fake_server.url, fake_shop.api_key, mapping) as shop:
        fake_shop.fail_next("POST", "order_histories", 500)
        with pytest.raises(ShopUnavailable):
            shop.create_order(order)
        created = shop.create_order(order)
    stored = fake_shop.order(int(created.reference))
    assert stored["current_state"] == "2"
    assert len(fake_shop.orders()) == 1 and len(fake_shop.order_payments(stored["id"])) == 1


def test_find_by_amazon_id(adapter):
    order = draft()
    assert adapter.find_by_amazon_id(order.amazon_order_id) is None
    created = adapter.create_order(order)
    found = adapter.find_by_amazon_id(order.amazon_order_id)
    assert found == created


def test_two_processes_racing_on_the_same_orders_create_each_once(fake_server, fake_shop):
    shops = [PrestaShopShop.connect(fake_server.url, fake_shop.api_key, test_mapping()) for _ in range(2)]
    drafts = [draft(line("MUG-01", 1 + i % 3, "11.90", f"{2.38 * (1 + i % 3):.2f}")) for i in range(15)]
    results: dict[int, list] = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def run(worker: int) -> None:
        for order in drafts:
            barrier.wait()
            results[worker].append(shops[worker].create_order(order).reference)

    threads = [threading.Thread(target=run, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for shop in shops:
        shop.close()
    assert results[0] == results[1]  # both processes report the same shop order
    assert len(fake_shop.orders()) == len(drafts)
    for order in drafts:
        (stored,) = orders_for(fake_shop, order.amazon_order_id)
        assert Decimal(stored["total_paid"]) == order.total.amount and stored["current_state"] == "11"
