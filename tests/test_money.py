from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amzorders.money import CurrencyMismatch, Money, MoneyError, total


def test_amazon_money_round_trips_exactly():
    value = Money.from_amazon({"amount": "11.90", "currencyCode": "EUR"})
    assert value == Money(Decimal("11.90"), "EUR")
    assert value.to_amazon() == {"amount": "11.90", "currencyCode": "EUR"}


def test_floats_are_refused():
    with pytest.raises(MoneyError, match="float"):
        Money.of(11.9, "EUR")  # type: ignore[arg-type]


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch, match="EUR with GBP"):
        Money.of("1", "EUR") + Money.of("1", "GBP")


def test_missing_currency_code_names_the_key():
    with pytest.raises(MoneyError, match="currencyCode"):
        Money.from_amazon({"amount": "1.00"})


def test_rounding_follows_the_currency_minor_unit():
    assert Money.of("19940.4", "JPY").rounded().amount == Decimal("19940")
    assert Money.of("0.825", "EUR").rounded().amount == Decimal("0.83")


def test_total_of_nothing_is_zero_in_the_currency():
    assert total([], "EUR") == Money.zero("EUR")


@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**6, places=2), max_size=30))
def test_sums_are_exact(amounts):
    assert total((Money(a, "EUR") for a in amounts), "EUR").amount == sum(amounts, Decimal(0))


def test_parsed_amounts_are_shared_but_still_checked():
    first = Money.from_amazon({"amount": "11.90", "currencyCode": "EUR"})
    assert Money.from_amazon({"amount": "11.90", "currencyCode": "EUR"}) is first
    assert Money.from_amazon({"amount": "11.90", "currencyCode": "GBP"}).currency == "GBP"
    for bad in ({"amount": "eleven", "currencyCode": "EUR"}, {"amount": "1", "currencyCode": "euro"}, "1"):
        with pytest.raises(MoneyError):
            Money.from_amazon(bad)
    with pytest.raises(MoneyError, match="float"):
        Money.from_amazon({"amount": 1.5, "currencyCode": "EUR"})
