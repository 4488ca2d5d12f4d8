"""Cart arithmetic of PrestaShop 8.2.1 as observed: line prices, taxes, rounding, carrier cost.

Lines are priced at the best specific price (a cart-level one first) or the product price (plus the
combination's impact), converted from the default currency at the cart currency's rate unless the
specific price is in the cart's currency, excl. tax at 6 dp, times (1 + the tax rate of the product's tax
rules group in the delivery country), rounded per `PS_ROUND_TYPE` (1 each item, 2 each line, 3 the
total) and `PS_PRICE_ROUND_MODE` at the cart currency's precision. Shipping is
the carrier's range price plus `PS_SHIPPING_HANDLING` when the carrier charges handling, taxed by the
carrier's tax rules group; the carrier is the one `delivery_option` pins, else the cheapest active one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import TYPE_CHECKING

from .errors import PhpFatal
from .multistore import context_id

if TYPE_CHECKING:
    from .shop import FakePrestaShop

CART_REFUSED = "Cart cannot be loaded or an order has already been placed using this cart"
_ROUND_MODES = {0: ROUND_UP, 1: ROUND_DOWN, 2: ROUND_HALF_UP, 3: ROUND_HALF_DOWN, 4: ROUND_HALF_EVEN}
ROUND_ITEM, ROUND_LINE, ROUND_TOTAL = 1, 2, 3
_MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class Line:
    product: dict
    id_attribute: int
    quantity: int
    unit_excl: Decimal
    unit_incl: Decimal
    total_excl: Decimal
    total_incl: Decimal
    tax_rate: Decimal
    reference: str


@dataclass(frozen=True)
class CartTotal:
    lines: tuple[Line, ...]
    id_carrier: int
    shipping_excl: Decimal
    shipping_incl: Decimal
    carrier_tax_rate: Decimal

    @property
    def products_excl(self) -> Decimal:
        return sum((line.total_excl for line in self.lines), Decimal(0))

    @property
    def products_incl(self) -> Decimal:
        return sum((line.total_incl for line in self.lines), Decimal(0))

    @property
    def paid_excl(self) -> Decimal:
        return self.products_excl + self.shipping_excl

    @property
    def paid_incl(self) -> Decimal:
        return self.products_incl + self.shipping_incl


def money6(value: Decimal) -> str:
    return f"{value:.6f}"


class Pricer:
    """Cart arithmetic with the shop's rounding settings."""

    def __init__(self, shop: FakePrestaShop) -> None:
        self.shop = shop
        self.mode = _ROUND_MODES.get(shop.config_int("PS_PRICE_ROUND_MODE", 2), ROUND_HALF_UP)
        self.round_type = shop.config_int("PS_ROUND_TYPE", ROUND_LINE)
        self.quantum = Decimal("0.01")  # the cart currency's precision, set by `total`
        self.id_country = 0  # the cart's delivery country (taxes follow it), set by `total`
        self.conversion = Decimal(1)  # the cart currency's rate from the default currency, set by `total`

    def cents(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.mode)

    def micro(self, value: Decimal) -> Decimal:
        return value.quantize(_MICRO, rounding=self.mode)

    def unit_excl(
        self, cart: dict, product: dict, id_attribute: int, quantity: int, rate: Decimal
    ) -> Decimal:
        """`Product::priceCalculation`: a price is in the default currency (converted at the cart
        currency's rate) unless it is a specific price in the cart's currency; the combination's impact
        is added unless a specific price for that very combination sets the price."""
        best = _specific_price(self.shop, cart, product["id"], id_attribute, quantity)
        fixed = best is not None and Decimal(best["price"]) >= 0
        unit = Decimal(best["price"]) if best is not None and fixed else Decimal(product["price"])
        if not (fixed and best is not None and best["id_currency"] not in ("0", "")):
            unit *= self.conversion
        if id_attribute and not (fixed and best is not None and best["id_product_attribute"] != "0"):
            unit += Decimal(self.shop.tables["combinations"][id_attribute]["price"] or 0) * self.conversion
        if best is None:
            return self.micro(unit)
        reduction = Decimal(best["reduction"] or 0)
        if best["reduction_type"] == "percentage":
            unit = unit * (1 - reduction)
        else:
            if best["id_currency"] in ("0", ""):
                reduction *= self.conversion
            unit = unit - (reduction / (1 + rate / 100) if best["reduction_tax"] == "1" else reduction)
        return self.micro(max(unit, Decimal(0)))

    def total(self, cart: dict) -> CartTotal:
        currency = self.shop.get("currencies", int(cart["id_currency"] or 0))
        self.quantum = Decimal(1).scaleb(-int(currency["precision"] if currency else 2))
        default = self.shop.config_int("PS_CURRENCY_DEFAULT", 1)
        in_default = not currency or int(currency["id"]) == default
        self.conversion = Decimal(1) if in_default else Decimal(currency["conversion_rate"] or 1)
        address = self.shop.get("addresses", int(cart["id_address_delivery"] or 0))
        self.id_country = int(address["id_country"] or 0) if address else 0
        lines = []
        for row in cart["associations"].get("cart_rows", []):
            product = self.shop.tables["products"][int(row["id_product"])]
            attr, qty = int(row["id_product_attribute"]), int(row["quantity"])
            rate = self.shop.tax_rate(int(product["id_tax_rules_group"] or 0), self.id_country)
            unit_excl = self.unit_excl(cart, product, attr, qty, rate)
            unit_incl = self.micro(unit_excl * (1 + rate / 100))
            if self.round_type == ROUND_ITEM:
                excl, incl = self.cents(unit_excl) * qty, self.cents(unit_incl) * qty
            elif self.round_type == ROUND_TOTAL:
                excl, incl = unit_excl * qty, unit_incl * qty
            else:
                excl, incl = self.cents(unit_excl * qty), self.cents(unit_incl * qty)
            reference = self.shop.tables["combinations"][attr]["reference"] if attr else product["reference"]
            lines.append(Line(product, attr, qty, unit_excl, unit_incl, excl, incl, rate, reference))
        if self.round_type == ROUND_TOTAL and lines:
            last = lines[-1]
            drift_excl = self.cents(sum(x.total_excl for x in lines)) - sum(x.total_excl for x in lines)
            drift_incl = self.cents(sum(x.total_incl for x in lines)) - sum(x.total_incl for x in lines)
            lines[-1] = Line(
                last.product,
                last.id_attribute,
                last.quantity,
                last.unit_excl,
                last.unit_incl,
                last.total_excl + drift_excl,
                last.total_incl + drift_incl,
                last.tax_rate,
                last.reference,
            )
        carrier, ship_excl, ship_incl, ship_rate = self.carrier_for(cart)
        return CartTotal(tuple(lines), carrier, ship_excl, ship_incl, ship_rate)

    def shipping(self, id_carrier: int) -> tuple[Decimal, Decimal, Decimal]:
        carrier = self.shop.tables["carriers"][id_carrier]
        rate = self.shop.tax_rate(int(carrier["id_tax_rules_group"] or 0), self.id_country)
        if carrier["is_free"] == "1":
            return Decimal(0), Decimal(0), rate
        excl = self.shop.carrier_prices.get(id_carrier, Decimal(0))
        if carrier["shipping_handling"] == "1":
            excl += Decimal(self.shop.configuration("PS_SHIPPING_HANDLING") or 0)
        return excl, self.cents(excl * (1 + rate / 100)), rate

    def carrier_for(self, cart: dict) -> tuple[int, Decimal, Decimal, Decimal]:
        """The carrier pinned by `delivery_option`, else the cheapest active one (the cart's id_carrier
        is ignored, as observed)."""
        active = [
            c for c in self.shop.tables["carriers"].values() if c["active"] == "1" and c["deleted"] != "1"
        ]
        pinned = _pinned_carrier(cart)
        if pinned is not None and any(c["id"] == pinned for c in active):
            return (pinned, *self.shipping(pinned))
        if not active:
            raise PhpFatal(CART_REFUSED)
        best = min(active, key=lambda c: (self.shipping(c["id"])[1], c["id"]))
        return (best["id"], *self.shipping(best["id"]))


def _pinned_carrier(cart: dict) -> int | None:
    try:
        option = json.loads(cart.get("delivery_option") or "{}")
    except ValueError:
        return None
    if not isinstance(option, dict) or not option:
        return None
    value = option.get(str(cart.get("id_address_delivery")), next(iter(option.values())))
    first = str(value).split(",")[0].strip()
    return int(first) if first.isdigit() else None


def _specific_price(
    shop: FakePrestaShop, cart: dict, id_product: int, id_attribute: int, qty: int
) -> dict | None:
    """The best-matching specific price: a cart-level one first, then the most specific global one.

    Not modelled: the group, country and from/to window of a specific price (the importer sends 0 and
    0000-00-00, as recorded)."""
    candidates = []
    for sp in shop.tables["specific_prices"].values():
        if (
            int(sp["id_product"]) != id_product
            or sp["id_product_attribute"] not in ("0", str(id_attribute))
            or sp["id_cart"] not in ("0", str(cart["id"]))
            or int(sp["from_quantity"] or 1) > qty
            or sp["id_currency"] not in ("0", cart["id_currency"])
            or sp["id_shop"] not in ("0", context_id(shop))  # the context's shop (live 8.2.1)
            or sp["id_customer"] not in ("0", cart["id_customer"])
        ):
            continue
        score = (
            sp["id_cart"] != "0",
            sp["id_product_attribute"] != "0",
            sp["id_currency"] != "0",
            sp["id_customer"] != "0",
            sp["id"],
        )
        candidates.append((score, sp))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None
