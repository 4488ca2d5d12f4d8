"""Tax rates from the shop's rules (the path a real shop takes; the fake serves no tax_rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amzorders.shops.prestashop.errors import PrestaShopAuthError, PrestaShopUnavailable, WebserviceFault
from amzorders.shops.prestashop.taxes import TaxRates

FR, DE, US = 8, 1, 21
AMAZON_20 = [(Decimal("10.00"), Decimal("2.00"))]


class RecordedShop:
    """Answers `list()` like a shop whose group 1 is FR 20 % / DE 19 % (OSS), group 2 combines two taxes."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.calls: list[str] = []
        self.rules = [
            {
                "id": 1,
                "id_tax_rules_group": "1",
                "id_country": str(FR),
                "id_state": "0",
                "id_tax": "1",
                "behavior": "0",
            },
            {
                "id": 2,
                "id_tax_rules_group": "1",
                "id_country": str(DE),
                "id_state": "0",
                "id_tax": "2",
                "behavior": "0",
            },
            {
                "id": 3,
                "id_tax_rules_group": "2",
                "id_country": str(FR),
                "id_state": "0",
                "id_tax": "1",
                "behavior": "1",
            },
            {
                "id": 4,
                "id_tax_rules_group": "2",
                "id_country": str(FR),
                "id_state": "0",
                "id_tax": "3",
                "behavior": "1",
            },
        ]
        self.taxes = {1: "20.000", 2: "19.000", 3: "1.500"}

    def list(self, resource, *, fields, filters, **_):
        self.calls.append(resource)
        if self.fail:
            raise self.fail
        if resource == "tax_rules":
            group = filters["id_tax_rules_group"].strip("[]")
            return [r for r in self.rules if r["id_tax_rules_group"] == group]
        wanted = {int(x) for x in filters["id"].strip("[]").split("|")}
        return [{"id": i, "rate": rate} for i, rate in self.taxes.items() if i in wanted]


def test_rate_per_country_from_the_rules_and_cached():
    shop = RecordedShop()
    rates = TaxRates(shop)
    assert rates.rate(1, FR, "FR", AMAZON_20) == Decimal(20)
    assert rates.rate(1, DE, "DE", AMAZON_20) == Decimal(19)  # the shop's rule, not Amazon's 20 %
    assert rates.rate(1, US, "US", AMAZON_20) == Decimal(0)  # no rule for the country: no tax
    assert rates.rate(1, FR, "FR", AMAZON_20) == Decimal(20)
    assert shop.calls.count("tax_rules") == 1


def test_combined_taxes_add_up_and_group_zero_is_untaxed():
    rates = TaxRates(RecordedShop())
    assert rates.rate(2, FR, "FR", AMAZON_20) == Decimal("21.5")
    assert rates.rate(0, FR, "FR", AMAZON_20) == Decimal(0)


def test_a_group_without_rules_taxes_nothing():
    """PrestaShop charges no tax for a group without any rule (as for a country its group has no rule for);
    only a key that cannot read the rules falls back to Amazon's rate (below)."""
    assert TaxRates(RecordedShop()).rate(7, FR, "FR", [(Decimal("16.66"), Decimal("3.33"))]) == Decimal(0)


def test_configured_rates_win_and_a_forbidden_resource_falls_back():
    configured = TaxRates(RecordedShop(), {1: {"DE": Decimal(20), "*": Decimal(10)}})
    assert configured.rate(1, DE, "DE", AMAZON_20) == Decimal(20)
    assert configured.rate(1, FR, "FR", AMAZON_20) == Decimal(10)
    forbidden = RecordedShop(PrestaShopAuthError("401", WebserviceFault("GET", "tax_rules", 401, (21,))))
    rates = TaxRates(forbidden)
    assert rates.rate(1, FR, "FR", AMAZON_20) == Decimal(20)
    assert rates.rate(1, DE, "DE", [(Decimal("10.00"), Decimal("1.90"))]) == Decimal(19)
    assert forbidden.calls == ["tax_rules"]  # asked once, then never again


def test_an_outage_is_not_taken_for_missing_rules():
    with pytest.raises(PrestaShopUnavailable):
        TaxRates(RecordedShop(PrestaShopUnavailable("down"))).rate(1, FR, "FR", AMAZON_20)
