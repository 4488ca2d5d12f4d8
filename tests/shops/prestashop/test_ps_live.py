"""The same checks against the fake and, when PRESTASHOP_URL and PRESTASHOP_KEY are set, a real shop.

The live run needs a throw-away PrestaShop 8.2 test shop with its demo data (product `demo_13` "Mug Today
is a good day" at 11.90 excl. 20 % tax, the free carrier "Click and collect", Spain needing a DNI), mail
disabled, and a webservice key allowed on the resources used. It creates real orders there. Optional:
PRESTASHOP_SKU (default demo_13), PRESTASHOP_CARRIER (default "Click and collect"),
PRESTASHOP_SHIPPING_SKU (a product carrying shipping charges; without it shipping is not exercised).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from ps_helpers import ES, FR, draft, line

from amzorders.shops.port import PostalAddress, ShopOrderStatus, UnknownSku
from amzorders.shops.prestashop import MappingError, MarketplaceMapping, PrestaShopMapping, PrestaShopShop
from amzorders.shops.prestashop.errors import ResourceNotFound

LIVE_URL, LIVE_KEY = os.environ.get("PRESTASHOP_URL"), os.environ.get("PRESTASHOP_KEY")
SKU = os.environ.get("PRESTASHOP_SKU", "demo_13")
CARRIER = os.environ.get("PRESTASHOP_CARRIER", "Click and collect")
SHIPPING_SKU = os.environ.get("PRESTASHOP_SHIPPING_SKU", "")


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
def target(request) -> Iterator[tuple[str, str]]:
    """(url, key) of the shop under test."""
    if request.param == "live":
        yield LIVE_URL, LIVE_KEY
        return
    from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop

    shop = FakePrestaShop()
    if SHIPPING_SKU:
        shop.add_product(SHIPPING_SKU, "Shipping", Decimal(0))
    server = serve_fake_prestashop(shop)
    try:
        yield server.url, shop.api_key
    finally:
        server.stop()


@pytest.fixture
def shop(target) -> Iterator[PrestaShopShop]:
    with PrestaShopShop.connect(*target, demo_mapping()) as connected:
        yield connected


def mug() -> object:
    return line(SKU, 1, "11.90", "2.38")


def unique_id() -> str:
    digits = f"{uuid.uuid4().int % 10**14:014d}"
    return f"999-{digits[:7]}-{digits[7:]}"


def test_order_total_equals_amazons_and_state_is_remote_payment(shop):
    order = draft(line(SKU, 3, "16.66", "9.99"), order_id=unique_id())  # 3 x 19.99 incl. 20 %
    created = shop.create_order(order)
    stored = shop.client.get("orders", created.reference)
    assert Decimal(stored["total_paid"]) == order.total.amount == Decimal("59.97")
    assert int(stored["current_state"]) == shop.catalog.ws_payment_state
    assert stored["payment"] == "Amazon"
    assert int(stored["id_carrier"]) == shop.catalog.resolve("eu", FR).default_carrier  # delivery_option held


def test_rerun_and_lookup_find_the_same_order(shop):
    order = draft(mug(), order_id=unique_id())
    created = shop.create_order(order)
    assert shop.create_order(order).reference == created.reference
    assert shop.find_by_amazon_id(order.amazon_order_id) == created
    assert shop.find_by_amazon_id(unique_id()) is None


def test_status_changes_without_email(shop):
    created = shop.create_order(draft(mug(), order_id=unique_id()))
    shop.set_status(created.reference, ShopOrderStatus.SHIPPED)
    shop.set_status(created.reference, ShopOrderStatus.CANCELLED)
    histories = shop.client.list(
        "order_histories", fields=["id", "id_order_state"], filters={"id_order": f"[{created.reference}]"}
    )
    states = [int(h["id_order_state"]) for h in histories]
    assert states[-2:] == [
        shop.catalog.channels[("*", FR)].states["shipped"],
        shop.catalog.channels[("*", FR)].states["cancelled"],
    ]


def test_names_and_spanish_address_are_accepted(shop):
    address = PostalAddress(
        name="Business (FR) Dupont2",
        line1="Calle Mayor 5, " * 12,
        city="Madrid",
        postal_code="28001",
        country_code="ES",
    )
    created = shop.create_order(
        draft(
            mug(),
            order_id=unique_id(),
            marketplace=ES,
            address=address,
            buyer_name="J.Dupont",
            fulfilled_by="AMAZON",
            status=ShopOrderStatus.SHIPPED,
        )
    )
    stored = shop.client.get("orders", created.reference)
    saved = shop.client.get("addresses", stored["id_address_delivery"])
    assert saved["dni"] and saved["lastname"] == "Dupont"


def test_unknown_sku_is_parked(shop):
    with pytest.raises(UnknownSku, match="unknown SKU NO-SUCH-SKU-42 in shop live-test"):
        shop.create_order(draft(line("NO-SUCH-SKU-42", 1, "10.00", "2.00"), order_id=unique_id()))


def test_missing_payment_module_is_a_start_up_error(target):
    with pytest.raises(MappingError, match="payment_module"):
        PrestaShopShop.connect(*target, demo_mapping(payment_module="amzorders_no_such_module"))


def test_webservice_contract(shop):
    assert (
        shop.client.list("customers", fields=["id", "email"], filters={"email": "[nobody@example.com]"}) == []
    )
    with pytest.raises(ResourceNotFound):
        shop.client.get("orders", 999999)
