"""Live checks of what the catalogue and the currencies change: a SKU that is a combination's reference, an
order in a currency other than the shop's default. Same targets as test_ps_live.py (the fake, then a real
shop when PRESTASHOP_URL and PRESTASHOP_KEY are set) and the same shop prerequisites.

Each check sets up what it needs through the webservice, so any throw-away shop with the demo data will do:
- a combination whose reference is PRESTASHOP_COMBINATION_SKU (default AMZ-LIVE-COMBI), created when
  absent on the product whose reference is PRESTASHOP_COMBINATION_PRODUCT (default demo_1, the demo
  "Hummingbird printed t-shirt"), with the option values of that product's first combination and a +2.00
  price impact (which Amazon's price must override);
- the currency PRESTASHOP_CURRENCY (default GBP), created when absent at PRESTASHOP_CURRENCY_RATE (default
  0.86, a rate other than 1 is what the check is about); an existing one is used at its own rate and must
  be active. The order is delivered to Great Britain when GB is active in the shop, else to France.
The key needs, besides the documented resources, POST on combinations and currencies (only to create them).
"""

from __future__ import annotations

import os
from decimal import Decimal

import httpx
import pytest
from ps_helpers import draft, line
from ps_live import SHIPPING_SKU, SKU, demo_mapping, unique_id

from amzorders.money import Money
from amzorders.shops.port import PostalAddress, UnknownSku
from amzorders.shops.prestashop import MarketplaceMapping, PrestaShopShop
from amzorders.shops.prestashop.client import PrestaShopClient, filter_value

COMBINATION_PRODUCT = os.environ.get("PRESTASHOP_COMBINATION_PRODUCT", "demo_1")
COMBINATION_SKU = os.environ.get("PRESTASHOP_COMBINATION_SKU", "AMZ-LIVE-COMBI")
CURRENCY = os.environ.get("PRESTASHOP_CURRENCY", "GBP")
CURRENCY_RATE = os.environ.get("PRESTASHOP_CURRENCY_RATE", "0.86")
UK = "A1F83G8C2ARO7P"


def ensure_combination(target, client: PrestaShopClient) -> tuple[int, int]:
    """(id_product, id_product_attribute) of the combination whose reference is COMBINATION_SKU."""
    if target.fake is not None:  # the fake's catalogue has no demo_1: a product with one combination
        target.fake.add_product(
            COMBINATION_PRODUCT, "Tee", Decimal("23.90"), combinations=(f"{COMBINATION_PRODUCT}-S",)
        )
    rows = client.list(
        "combinations",
        fields=["id", "id_product", "reference"],
        filters={"reference": filter_value(COMBINATION_SKU)},
    )
    rows = [r for r in rows if r["reference"] == COMBINATION_SKU]
    if rows:
        return int(rows[0]["id_product"]), int(rows[0]["id"])
    products = client.list(
        "products", fields=["id", "reference"], filters={"reference": filter_value(COMBINATION_PRODUCT)}
    )
    if not products:
        pytest.skip(f"no product {COMBINATION_PRODUCT} in this shop: set PRESTASHOP_COMBINATION_PRODUCT")
    id_product = int(products[0]["id"])
    siblings = client.list(
        "combinations", fields="full", filters={"id_product": filter_value(id_product)}, limit=1
    )
    values = siblings[0].get("associations", {}).get("product_option_values", []) if siblings else []
    echo = client.create(
        "combinations",
        "combination",
        {
            "id_product": id_product,
            "reference": COMBINATION_SKU,
            "price": "2.000000",  # an impact Amazon's price must override
            "minimal_quantity": 1,
            "associations": {
                "product_option_values": [("product_option_value", {"id": v["id"]}) for v in values]
            },
        },
    )
    return id_product, int(echo["id"])


@pytest.mark.parametrize("match", ["combination_reference", "any"])
def test_a_sku_equal_to_a_combination_reference_orders_that_combination(target, match):
    with PrestaShopShop.connect(target.url, target.key, demo_mapping(product_match=match)) as shop:
        id_product, id_combination = ensure_combination(target, shop.client)
        order = draft(line(COMBINATION_SKU, 2, "25.00", "10.00"), order_id=unique_id())  # 2 x 30.00 incl.
        created = shop.create_order(order)
        stored = shop.client.get("orders", created.reference)
        assert Decimal(stored["total_paid"]) == order.total.amount == Decimal("60.00")
        assert int(stored["current_state"]) == shop.catalog.config_of(stored).ws_payment_state
        (row,) = stored["associations"]["order_rows"]
        assert (int(row["product_id"]), int(row["product_attribute_id"])) == (id_product, id_combination)
        assert row["product_reference"] == COMBINATION_SKU
        # The cart price names the combination, so PrestaShop does not add the +2.00 impact on top.
        assert Decimal(row["unit_price_tax_incl"]) == Decimal("30.00")


def test_a_combination_reference_is_unknown_when_only_product_references_match(target):
    with PrestaShopShop.connect(
        target.url, target.key, demo_mapping(product_match="product_reference")
    ) as shop:
        ensure_combination(target, shop.client)
        with pytest.raises(UnknownSku, match=COMBINATION_SKU):
            shop.create_order(draft(line(COMBINATION_SKU, 1, "25.00", "5.00"), order_id=unique_id()))


def ensure_currency(target) -> tuple[int, Decimal]:
    """(id_currency, conversion_rate) of CURRENCY, created when the shop has none."""
    client = PrestaShopClient(target.url, target.key)
    with client:
        rows = client.list(
            "currencies",
            fields=["id", "iso_code", "conversion_rate", "active", "deleted"],
            filters={"iso_code": filter_value(CURRENCY)},
        )
        rows = [r for r in rows if str(r.get("deleted", "0")) != "1"]
        if rows:
            if str(rows[0]["active"]) != "1":
                pytest.skip(f"the currency {CURRENCY} of this shop is not active")
            return int(rows[0]["id"]), Decimal(rows[0]["conversion_rate"])
        languages = [int(r["id"]) for r in client.list("languages", fields=["id"])]
    # Raw XML: PrestaShop 8.2.1 dies (PHP TypeError, empty 500) on a currency posted without a symbol, and a
    # symbol is a per-language field, which the adapter's client does not write.
    per_language = "".join(f'<language id="{i}">{CURRENCY}</language>' for i in languages)
    body = (
        f"<prestashop><currency><name>{CURRENCY}</name><iso_code>{CURRENCY}</iso_code>"
        f"<conversion_rate>{CURRENCY_RATE}</conversion_rate><precision>2</precision><active>1</active>"
        f"<symbol>{per_language}</symbol><names>{per_language}</names></currency></prestashop>"
    )
    response = httpx.post(
        f"{target.url.rstrip('/')}/api/currencies",
        content=body.encode(),
        auth=(target.key, ""),
        headers={"Content-Type": "text/xml"},
        params={"output_format": "JSON"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["currency"]["id"]), Decimal(CURRENCY_RATE)


def test_an_order_in_another_currency_is_priced_in_it(target):
    id_currency, rate = ensure_currency(target)
    marketplaces = {**demo_mapping().marketplaces, UK: MarketplaceMapping(language=1, currency=CURRENCY)}
    with PrestaShopShop.connect(target.url, target.key, demo_mapping(marketplaces=marketplaces)) as shop:
        gb = shop.catalog.countries.get("GB")
        country = "GB" if gb is not None and gb.active else "FR"
        address = PostalAddress(
            name="Oliver Jones",
            line1="1 High Street",
            city="London",
            postal_code="SW1A 1AA",
            country_code=country,
        )
        shipping = ("2.49", "0.50") if SHIPPING_SKU else ("0.00", "0.00")
        order = draft(
            line(SKU, 1, "9.99", "2.00", CURRENCY),
            order_id=unique_id(),
            marketplace=UK,
            address=address,
            shipping=shipping[0],
            shipping_tax=shipping[1],
        )
        created = shop.create_order(order)
        stored = shop.client.get("orders", created.reference)
        # Before the fix the cart prices had id_currency 0: PrestaShop converted them at the rate (0.86) and
        # the order landed in "Payment error" at 12.88 where Amazon's total was 14.98.
        assert Decimal(stored["total_paid"]) == order.total.amount
        assert int(stored["current_state"]) == shop.catalog.config_of(stored).ws_payment_state
        assert int(stored["id_currency"]) == id_currency
        assert Decimal(stored["conversion_rate"]) == rate
        rows = {r["product_reference"]: r for r in stored["associations"]["order_rows"]}
        assert Decimal(rows[SKU]["unit_price_tax_incl"]) == Decimal("11.99")
        assert created.total == Money(order.total.amount, CURRENCY)
        assert shop.find_by_amazon_id(order.amazon_order_id) == created
