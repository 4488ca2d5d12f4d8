"""Money: a Decimal amount with its currency, never a float.

Amazon sends amounts as decimal strings (`{"amount": "11.90", "currencyCode": "EUR"}`); we keep them
exact end to end and only round where a currency's minor unit demands it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies Amazon marketplaces use; 2 for anything else.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "HUF": 2, "KWD": 3, "BHD": 3, "TND": 3}


class MoneyError(ValueError):
    """An amount or currency that cannot be used as money."""


class CurrencyMismatch(MoneyError):
    """Arithmetic between two currencies."""


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


_CHECKED_CURRENCIES: set[str] = set()  # codes that passed the ISO 4217 shape check
_FROM_AMAZON: dict[tuple, Money] = {}
_FROM_AMAZON_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError(f"amount must be a Decimal, got {type(self.amount).__name__} {self.amount!r}")
        if not self.amount.is_finite():
            raise MoneyError(f"amount {self.amount} is not a finite number")
        if self.currency not in _CHECKED_CURRENCIES:
            if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
                raise MoneyError(f"currency {self.currency!r} is not an ISO 4217 code such as 'EUR'")
            _CHECKED_CURRENCIES.add(self.currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a decimal string, int or Decimal (floats are refused: they are not exact)."""
        if isinstance(amount, float):
            raise MoneyError(f"float {amount!r} refused: pass a decimal string")
        try:
            return cls(Decimal(amount), currency)
        except (InvalidOperation, ValueError, TypeError) as exc:  # ValueError: Decimal([1]), a list
            if isinstance(exc, MoneyError):
                raise
            raise MoneyError(f"amount {amount!r} is not a decimal number") from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_amazon(cls, value: dict) -> Money:
        """Parse Amazon's `Money` object (`amount` and `currencyCode` are both required).

        Amounts repeat a lot (prices, tax, shipping across a day's orders) and Money is immutable, so
        parsed values are shared from a bounded memo: order parsing is on the import's hot path."""
        try:
            key = (value["amount"], value["currencyCode"])
        except KeyError as exc:
            raise MoneyError(f"Amazon Money object without {exc.args[0]!r}: {value!r}") from exc
        except TypeError as exc:
            raise MoneyError(f"Amazon Money object must be an object, got {value!r}") from exc
        try:
            known = _FROM_AMAZON.get(key)
        except TypeError:  # an unhashable amount: let `of` name the problem
            return cls.of(*key)
        if known is None:
            known = cls.of(*key)
            if len(_FROM_AMAZON) >= _FROM_AMAZON_SIZE:
                _FROM_AMAZON.clear()
            _FROM_AMAZON[key] = known
        return known

    def to_amazon(self) -> dict[str, str]:
        return {"amount": format(self.amount, "f"), "currencyCode": self.currency}

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float) or not isinstance(factor, int | Decimal):
            raise TypeError("Money multiplies by int or Decimal only")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def rounded(self) -> Money:
        """Rounded half-up to the currency's minor unit (what a shop stores and what we compare)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_UP), self.currency)

    def same_to_the_cent(self, other: Money) -> bool:
        self._check(other)
        return self.rounded().amount == other.rounded().amount

    def __str__(self) -> str:
        return f"{format(self.rounded().amount, 'f')} {self.currency}"


def total(values: Iterable[Money], currency: str) -> Money:
    """Sum in one currency (an empty sum is zero, a foreign currency raises)."""
    result = Money.zero(currency)
    for value in values:
        result = result + value
    return result
