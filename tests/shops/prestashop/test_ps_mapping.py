"""The mapping: loaded from TOML-shaped data, validated against the shop at start-up with the key named."""

from __future__ import annotations

import tomllib

import pytest
from ps_helpers import FR, test_mapping

from amzorders.shops.prestashop import MappingError, PrestaShopAuthError, PrestaShopMapping, PrestaShopShop

TOML = """
shop_name = "my-shop"
payment_module = "ps_checkpayment"
payment_label = "Amazon"
customer_strategy = "per_buyer_email"
product_match = "any"
fba_decrement_stock = false
default_carrier = "Amazon"

[carriers]
NEXT_DAY = "Click and collect"

[states]
merchant = "Payment accepted"
prime = "Processing in progress"
fba = "PS_OS_SHIPPING"
cancelled = 6

[marketplaces.A13V1IB3VIYZZH]
language = "fr"
currency = "EUR"

[accounts.eu]
payment_label = "Amazon EU"

[accounts.eu.marketplaces.A1RKKUPIHCS9HS]
language = 2
"""


def test_toml_mapping_is_resolved_against_the_shop(fake_server, fake_shop):
    mapping = PrestaShopMapping.model_validate(tomllib.loads(TOML))
    with PrestaShopShop.connect(fake_server.url, fake_shop.api_key, mapping) as shop:
        fr = shop.catalog.resolve("eu", FR)
        assert (fr.id_lang, fr.id_currency) == (2, 1)
        assert fr.states == {"merchant": 2, "prime": 3, "business": 2, "fba": 4, "shipped": 4, "cancelled": 6}
        assert fr.carrier_for("NEXT_DAY") == 1 and fr.carrier_for("STANDARD") == fr.default_carrier
        assert fr.channel.payment_label == "Amazon EU" and fr.channel.payment_module == "ps_checkpayment"
        es = shop.catalog.resolve("eu", "A1RKKUPIHCS9HS")
        assert es.id_lang == 2 and es.id_currency is None
        with pytest.raises(MappingError, match=r"marketplaces\.A1PA6795UKMFR9"):
            shop.catalog.resolve("eu", "A1PA6795UKMFR9")


def test_unknown_keys_are_refused():
    with pytest.raises(ValueError, match="colour"):
        PrestaShopMapping.model_validate({"colour": "red"})
    with pytest.raises(ValueError, match="module name"):
        PrestaShopMapping.model_validate({"payment_module": "amazon module"})


@pytest.mark.parametrize(
    ("overrides", "key", "problem"),
    [
        (
            {"states": {"merchant": "Paid by Amazon"}},
            "states.merchant",
            "no order state named 'Paid by Amazon'",
        ),
        ({"states": {"cancelled": 99}}, "states.cancelled", "no order state with id 99"),
        ({"states": {"fba": "PS_OS_AMAZON"}}, "states.fba", "no configuration PS_OS_AMAZON"),
        ({"default_carrier": "DHL"}, "default_carrier", "no carrier named 'DHL'"),
        ({"carriers": {"NEXT_DAY": "My carrier"}}, "carriers.NEXT_DAY", "is not free"),
        ({"carriers": {"NEXT_DAY": "My cheap carrier"}}, "carriers.NEXT_DAY", "is not active"),
        ({"marketplaces": {FR: {"language": "de"}}}, f"marketplaces.{FR}.language", "no language named 'de'"),
        (
            {"marketplaces": {FR: {"currency": "CHF"}}},
            f"marketplaces.{FR}.currency",
            "no currency named 'CHF'",
        ),
        (
            {"payment_module": "amazon"},
            "payment_module",
            "'amazon' is not installed or is not a payment module",
        ),
        ({"payment_module": "ps_featuredproducts"}, "payment_module", "is not a payment module"),
        ({"shipping_product": "SHIP"}, "shipping_product", "no product with reference 'SHIP'"),
        (
            {"accounts": {"eu": {"payment_module": "nope"}}},
            "accounts.eu.payment_module",
            "'nope' is not installed",
        ),
    ],
)
def test_start_up_errors_name_the_mapping_key(fake_server, fake_shop, overrides, key, problem):
    with pytest.raises(MappingError) as caught:
        PrestaShopShop.connect(fake_server.url, fake_shop.api_key, test_mapping(**overrides))
    assert caught.value.key == key
    assert problem in caught.value.problem, caught.value.problem
    assert str(caught.value).startswith(f"prestashop mapping {key}: ")


def test_inactive_payment_module_is_a_start_up_error(fake_server, fake_shop):
    fake_shop.add_payment_module("amazonpay", active=False)
    with pytest.raises(MappingError, match=r"'amazonpay' cannot take orders .*Payment module is not active"):
        PrestaShopShop.connect(fake_server.url, fake_shop.api_key, test_mapping(payment_module="amazonpay"))
    fake_shop.add_payment_module("amazonpay", active=True)
    PrestaShopShop.connect(
        fake_server.url, fake_shop.api_key, test_mapping(payment_module="amazonpay")
    ).close()
    assert fake_shop.orders() == []  # the probe never creates anything


def test_wrong_key_says_what_to_fix(fake_server):
    with pytest.raises(PrestaShopAuthError, match="PRESTASHOP_KEY"):
        PrestaShopShop.connect(fake_server.url, "WRONGKEY0123456789ABCDEFGHIJKLMN", test_mapping())
