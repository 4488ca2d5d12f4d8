"""Prices excluding tax at 6 decimals that make PrestaShop's arithmetic land on Amazon's totals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from amzorders.shops.prestashop.plan import RowDraft, fold_promotions
from amzorders.shops.prestashop.pricing import (
    ROUND_ITEM,
    ROUND_LINE,
    ROUND_TOTAL,
    line_total,
    price_line,
    round_to,
    unit_price_excl_tax,
)
from amzorders.shops.prestashop.taxes import implied_rate

CENT = Decimal("0.01")


@pytest.mark.parametrize(
    ("quantity", "unit_incl", "expected_excl"),
    [  # the cases recorded on the real 8.2.1 shop (FR 20 %, PS_ROUND_TYPE=2)
        (2, "12.00", "10.000000"),
        (3, "19.99", "16.658333"),
        (7, "9.95", "8.291667"),
        (3, "33.33", "27.775000"),
        (11, "0.99", "0.825000"),
    ],
)
def test_recorded_cases(quantity, unit_incl, expected_excl):
    total = Decimal(unit_incl) * quantity
    price = unit_price_excl_tax(total, quantity, Decimal(20))
    assert price == Decimal(expected_excl)
    assert line_total(price, quantity, Decimal(20), ROUND_LINE, 2) == total


@given(
    total=st.decimals(min_value="0.01", max_value="99999.99", places=2),
    quantity=st.integers(1, 500),
    rate=st.sampled_from(
        [
            Decimal(0),
            Decimal("2.1"),
            Decimal("5.5"),
            Decimal(10),
            Decimal(19),
            Decimal(20),
            Decimal(21),
            Decimal(22),
            Decimal("7.7"),
        ]
    ),
)
def test_line_rounding_reaches_any_amazon_line_total(total, quantity, rate):
    line = price_line("SKU", total, quantity, rate, ROUND_LINE, 2)
    assert line.exact, line
    assert line.price_excl == line.price_excl.quantize(Decimal("0.000001"))


def test_item_rounding_cannot_reach_a_total_that_is_not_whole_cents_per_unit():
    line = price_line("SKU", Decimal("10.00"), 3, Decimal(20), ROUND_ITEM, 2)
    assert not line.exact
    assert price_line("SKU", Decimal("9.99"), 3, Decimal(20), ROUND_ITEM, 2).exact


def test_total_rounding_is_unrounded_per_line():
    line = price_line("SKU", Decimal("10.00"), 3, Decimal(20), ROUND_TOTAL, 2)
    assert line.shop_total.quantize(CENT, rounding=ROUND_HALF_UP) == Decimal("10.00")


def test_zero_decimal_currency():
    line = price_line("SKU", Decimal(1980), 3, Decimal(10), ROUND_LINE, 0)
    assert line.exact


@pytest.mark.parametrize(
    ("samples", "rate"),
    [
        ([("16.66", "3.33")], "20"),
        ([("49.98", "10.00")], "20"),
        ([("100.00", "5.50")], "5.5"),
        ([("0.99", "0.20")], "20"),
        ([("10.00", "0.00")], "0"),
        ([("100.00", "2.10")], "2.1"),
        ([("119.00", "22.61"), ("5.00", "0.95")], "19"),
    ],
)
def test_implied_rate_is_the_simplest_rate_reproducing_amazon(samples, rate):
    parsed = [(Decimal(b), Decimal(t)) for b, t in samples]
    assert implied_rate(parsed) == Decimal(rate)


@given(
    base=st.decimals(min_value="1.00", max_value="5000", places=2),
    rate=st.sampled_from([Decimal(20), Decimal(10), Decimal("5.5"), Decimal(19), Decimal(21)]),
)
def test_implied_rate_reproduces_amazon_tax(base, rate):
    tax = (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    guess = implied_rate([(base, tax)])
    assert guess is not None
    assert (base * guess / 100).quantize(CENT, rounding=ROUND_HALF_UP) == tax


@given(
    amounts=st.lists(st.decimals(min_value="0.01", max_value="999.99", places=2), min_size=1, max_size=5),
    shipping=st.sampled_from([Decimal(0), Decimal("4.99"), Decimal("0.01")]),
    fraction=st.decimals(min_value="0", max_value="1", places=3),
)
# every row a few cents: the rounding remainder put whole on one row made it negative
@example(amounts=[Decimal("0.03")] * 5, shipping=Decimal(0), fraction=Decimal("0.767"))
def test_promotions_fold_into_rows_that_add_up_to_amazons_total(amounts, shipping, fraction):
    rows = [RowDraft(f"SKU{i}", i + 1, 0, 1, amount, Decimal(20)) for i, amount in enumerate(amounts)]
    if shipping:
        rows.append(RowDraft("SHIP", 99, 0, 1, shipping, Decimal(20), is_shipping=True))
    gross = sum((r.target for r in rows), Decimal(0))
    total = (gross * (1 - fraction)).quantize(CENT)
    fold_promotions(rows, total, 2)
    assert sum((r.target for r in rows), Decimal(0)) == total
    assert all(r.target >= 0 and r.target == r.target.quantize(CENT) for r in rows)


def test_a_discount_equal_to_shipping_is_free_shipping():
    rows = [
        RowDraft("MUG", 1, 0, 1, Decimal("14.28"), Decimal(20)),
        RowDraft("SHIP", 2, 0, 1, Decimal("5.99"), Decimal(20), is_shipping=True),
    ]
    fold_promotions(rows, Decimal("14.28"), 2)
    assert [r.target for r in rows] == [Decimal("14.28"), Decimal(0)]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [  # PrestaShop's PS_PRICE_ROUND_MODE on 1.005, 1.015, 1.0151, 1.0149 to 2 places
        (0, ["1.01", "1.02", "1.02", "1.02"]),  # up
        (1, ["1.00", "1.01", "1.01", "1.01"]),  # down
        (2, ["1.01", "1.02", "1.02", "1.01"]),  # half up
        (3, ["1.00", "1.01", "1.02", "1.01"]),  # half down
        (4, ["1.00", "1.02", "1.02", "1.01"]),  # half even
        (5, ["1.01", "1.01", "1.02", "1.01"]),  # half odd
    ],
)
def test_every_price_round_mode_of_prestashop(mode, expected):
    values = [Decimal("1.005"), Decimal("1.015"), Decimal("1.0151"), Decimal("1.0149")]
    assert [str(round_to(v, 2, mode)) for v in values] == expected
