"""The tax rate PrestaShop will apply to a product delivered to a country.

PrestaShop taxes a cart row with the product's tax rules group for the delivery country, whatever Amazon
charged. To make the line total land on Amazon's amount we need that rate *before* creating the order.
Sources, in order:

1. the mapping's `tax_rates` (explicit: the merchant knows best);
2. the shop's `tax_rules` and `taxes` resources (the normal case on a real shop);
3. when the shop cannot tell (a key without those permissions, a webservice without the resource): the
   simplest rate consistent with Amazon's own tax for the lines of that product (an integer rate if one
   reproduces Amazon's rounded tax, else one decimal, ...). This is a guess; if it is wrong the order
   lands in "Payment error", which the adapter detects on read-back and reports.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from amzorders.shops.prestashop.client import PrestaShopClient, filter_value
from amzorders.shops.prestashop.errors import PrestaShopAuthError, PrestaShopError, PrestaShopUnavailable

log = logging.getLogger(__name__)
HUNDRED = Decimal(100)


def implied_rate(samples: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The rate with the fewest decimals whose rounded tax equals Amazon's for every (base, tax) sample."""
    samples = [(base, tax) for base, tax in samples if base > 0]
    if not samples:
        return None
    if all(tax == 0 for _, tax in samples):
        return Decimal(0)
    low, high = Decimal(0), Decimal(1000)
    half_cent = Decimal("0.005")
    for base, tax in samples:
        low = max(low, (tax - half_cent) / base * HUNDRED)
        high = min(high, (tax + half_cent) / base * HUNDRED)
    if low > high:
        return None
    centre = (low + high) / 2
    for places in range(4):
        step = Decimal(1).scaleb(-places)
        candidate = (centre / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
        for guess in (candidate, candidate - step, candidate + step):
            if low <= guess <= high and guess >= 0 and _reproduces(guess, samples):
                return guess.normalize() if guess else Decimal(0)
    return centre.quantize(Decimal("0.001"))


def _reproduces(rate: Decimal, samples: list[tuple[Decimal, Decimal]]) -> bool:
    return all(
        (base * rate / HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == tax
        for base, tax in samples
    )


class TaxRates:
    """Rates per (id_tax_rules_group, country id), cached for the life of the adapter."""

    def __init__(
        self, client: PrestaShopClient, configured: dict[int, dict[str, Decimal]] | None = None
    ) -> None:
        self._client = client
        self._configured = configured or {}
        self._cache: dict[tuple[int, int], Decimal] = {}
        self._shop_has_rules: bool | None = None
        self._rules: dict[int, list[dict]] = {}

    def rate(
        self,
        id_tax_rules_group: int,
        id_country: int,
        iso_country: str,
        amazon: list[tuple[Decimal, Decimal]],
    ) -> Decimal | None:
        """The rate in percent, or None when nothing can tell (the caller then parks the order)."""
        if id_tax_rules_group == 0:
            return Decimal(0)
        by_country = self._configured.get(id_tax_rules_group)
        if by_country is not None:
            configured = by_country.get(iso_country.upper(), by_country.get("*"))
            if configured is not None:
                return Decimal(configured)
        key = (id_tax_rules_group, id_country)
        if key in self._cache:
            return self._cache[key]
        shop_rate = self._from_shop(id_tax_rules_group, id_country)
        if shop_rate is not None:
            self._cache[key] = shop_rate
            return shop_rate
        return implied_rate(amazon)

    def _from_shop(self, group: int, country: int) -> Decimal | None:
        """The rate from the shop's rules; None when the shop does not say (no readable rules at all)."""
        rules = self._group_rules(group)
        if self._shop_has_rules is False:
            return None  # the key cannot read the rules: the shop cannot tell, not "0 %"
        if not rules:
            return Decimal(0)  # a group without any rule: PrestaShop charges no tax, in any country
        rules = [r for r in rules if str(r.get("id_country")) == str(country)]
        rules = [r for r in rules if str(r.get("id_state", "0")) in ("0", "")] or rules
        tax_ids = sorted({int(r["id_tax"]) for r in rules if str(r.get("id_tax", "0")) not in ("0", "")})
        if not tax_ids:
            return Decimal(0)  # rules exist, none for this country: PrestaShop charges no tax
        taxes = self._client.list("taxes", fields=["id", "rate"], filters={"id": filter_value(*tax_ids)})
        rates = {int(t["id"]): Decimal(str(t["rate"])) for t in taxes}
        if any(str(r.get("behavior", "0")) == "2" for r in rules):  # one after another
            factor = Decimal(1)
            for tax_id in tax_ids:
                factor *= 1 + rates.get(tax_id, Decimal(0)) / HUNDRED
            return (factor - 1) * HUNDRED
        if any(str(r.get("behavior", "0")) == "1" for r in rules):  # combined
            return sum((rates.get(t, Decimal(0)) for t in tax_ids), Decimal(0))
        return rates.get(tax_ids[0], Decimal(0))

    def _group_rules(self, group: int) -> list[dict]:
        if self._shop_has_rules is False:
            return []
        if group not in self._rules:
            try:
                self._rules[group] = self._client.list(
                    "tax_rules",
                    fields=["id", "id_country", "id_state", "id_tax", "behavior"],
                    filters={"id_tax_rules_group": filter_value(group)},
                )
            except PrestaShopAuthError as exc:  # a key without permission on tax_rules: not an outage
                log.warning(
                    "PrestaShop tax_rules not allowed (%s); rates come from the mapping or Amazon", exc
                )
                self._shop_has_rules = False
                return []
            except PrestaShopUnavailable:
                raise
            except PrestaShopError as exc:
                log.warning(
                    "PrestaShop tax_rules unreadable (%s); rates come from the mapping or Amazon", exc
                )
                self._shop_has_rules = False
                return []
        return self._rules[group]
