"""Prices excluding tax that make PrestaShop's own arithmetic land on Amazon's totals to the cent.

PrestaShop does not take a line total: it takes a unit price excluding tax (our cart-level specific
price, stored with 6 decimals), adds the tax of the product's tax rule for the delivery country, rounds
the unit price including tax to 6 decimals, then rounds according to `PS_ROUND_TYPE`:

- 1 (item): each unit to the currency's precision, then times the quantity;
- 2 (line, the default): the line (unit x quantity) to the currency's precision;
- 3 (total): nothing until the order total.

So we derive the unit price excluding tax from Amazon's line total *including* tax (what the buyer paid)
and the shop's tax rate, at 6 decimals, and then recompute the line exactly as PrestaShop will. When the
recomputation does not give Amazon's amount (rounding per item of a line whose unit price is not a whole
number of cents, or a quantity so large that 6 decimals are not enough), we know before creating the order
that PrestaShop would record it in "Payment error", and say so instead of creating it.

The split between tax and price excluding tax follows the shop's tax rule, not Amazon's: the buyer's total
is Amazon's, the tax breakdown on the PrestaShop invoice is the shop's (see docs/prestashop.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

ROUND_ITEM = 1
ROUND_LINE = 2
ROUND_TOTAL = 3

# `PS_PRICE_ROUND_MODE`, how PrestaShop rounds every price step (`Tools::ps_round`): up, down, half up
# (the default), half down, half even, half odd. Amounts here are never negative: up and down are away
# from and towards zero.
MODE_HALF_UP = 2
MODE_HALF_ODD = 5
_DECIMAL_MODES = {0: ROUND_UP, 1: ROUND_DOWN, 2: ROUND_HALF_UP, 3: ROUND_HALF_DOWN, 4: ROUND_HALF_EVEN}
ROUND_MODES = frozenset({*_DECIMAL_MODES, MODE_HALF_ODD})

SIX_PLACES = Decimal("0.000001")
HUNDRED = Decimal(100)


def round_to(value: Decimal, places: int, mode: int = MODE_HALF_UP) -> Decimal:
    """`value` rounded to `places` decimals the way PrestaShop's `PS_PRICE_ROUND_MODE` `mode` does."""
    quantum = Decimal(1).scaleb(-places)
    if mode != MODE_HALF_ODD:
        return value.quantize(quantum, rounding=_DECIMAL_MODES[mode])
    down = value.quantize(quantum, rounding=ROUND_DOWN)
    rest = abs(value - down) * 2
    if rest != quantum:  # not a tie: the nearest
        return value.quantize(quantum, rounding=ROUND_HALF_UP)
    up = down + quantum.copy_sign(value)
    return down if int(down.scaleb(places)) % 2 else up


def unit_price_excl_tax(line_total_incl: Decimal, quantity: int, rate_percent: Decimal) -> Decimal:
    """The 6-decimal unit price excluding tax whose taxed line total is `line_total_incl`."""
    if quantity <= 0:
        raise ValueError(f"quantity must be positive, got {quantity}")
    return round_to(line_total_incl / quantity / (1 + rate_percent / HUNDRED), 6)


def unit_price_incl_tax(price_excl: Decimal, rate_percent: Decimal, mode: int = MODE_HALF_UP) -> Decimal:
    """PrestaShop's unit price including tax, kept at 6 decimals."""
    return round_to(price_excl * (1 + rate_percent / HUNDRED), 6, mode)


def line_total(
    price_excl: Decimal,
    quantity: int,
    rate_percent: Decimal,
    round_type: int,
    precision: int,
    mode: int = MODE_HALF_UP,
) -> Decimal:
    """The line total including tax as PrestaShop computes it (unrounded for ROUND_TOTAL)."""
    unit = unit_price_incl_tax(price_excl, rate_percent, mode)
    if round_type == ROUND_ITEM:
        return round_to(unit, precision, mode) * quantity
    if round_type == ROUND_TOTAL:
        return unit * quantity
    return round_to(unit * quantity, precision, mode)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One cart row with the price we impose and what PrestaShop will make of it."""

    key: str  # the SKU, or the shipping product's reference
    quantity: int
    rate_percent: Decimal
    target_incl: Decimal  # Amazon's amount including tax for the whole line
    price_excl: Decimal  # the specific price we post (6 decimals)
    shop_total: Decimal  # PrestaShop's line total including tax

    @property
    def exact(self) -> bool:
        return self.shop_total == self.target_incl


def price_line(
    key: str,
    target_incl: Decimal,
    quantity: int,
    rate_percent: Decimal,
    round_type: int,
    precision: int,
    mode: int = MODE_HALF_UP,
) -> PricedLine:
    price = unit_price_excl_tax(target_incl, quantity, rate_percent)
    if price < 0:
        raise ValueError(f"{key}: negative amount {target_incl} cannot be a PrestaShop price")
    total = line_total(price, quantity, rate_percent, round_type, precision, mode)
    if total != target_incl and round_type != ROUND_TOTAL:
        # The nearest 6-decimal price may miss by a rounding step (large quantities, a shop rounding up
        # or down): try its neighbours.
        for step in (1, -1, 2, -2, 3, -3):
            candidate = price + SIX_PLACES * step
            candidate_total = line_total(candidate, quantity, rate_percent, round_type, precision, mode)
            if candidate >= 0 and candidate_total == target_incl:
                price, total = candidate, candidate_total
                break
    return PricedLine(key, quantity, rate_percent, target_incl, price, total)


def order_total(
    lines: list[PricedLine], round_type: int, precision: int, mode: int = MODE_HALF_UP
) -> Decimal:
    """PrestaShop's order total including tax for these lines and a free carrier."""
    total = sum((line.shop_total for line in lines), Decimal(0))
    return round_to(total, precision, mode)
