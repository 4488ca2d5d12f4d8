"""A simulated day of Amazon orders as `OrderDraft`s (seeded): mixed lines, shipping, FBA, Prime, bad data."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from ps_helpers import ES, FR, draft

from amzorders.money import Money
from amzorders.shops.port import OrderDraft, OrderLine, PostalAddress, ShopOrderStatus

SKUS = ("MUG-01", "POSTER-A3", "BOOK-1", "TEE-S", "TEE-M")
CENT = Decimal("0.01")
NAMES = (
    "Jean Dupont",
    "Zoë Müller-Łukasz",
    "O'Neil",
    "Dupont2 Marc",
    "Business (FR)",
    "J.Dupont",
    "李 小龙",
    "",
)


def _tax(amount: Decimal) -> Decimal:
    return (amount * Decimal("0.20")).quantize(CENT, rounding=ROUND_HALF_UP)


def simulated_day(count: int, seed: int = 7, *, unknown_every: int = 0) -> list[OrderDraft]:
    rng = random.Random(seed)
    drafts = []
    for n in range(count):
        lines = []
        for sku in rng.sample(SKUS, rng.choice((1, 1, 1, 2, 2, 3))):
            quantity = rng.choice((1, 1, 1, 2, 3, 4, 12))
            unit = Decimal(rng.randint(99, 9999)) / 100
            lines.append(OrderLine(sku, quantity, Money(unit, "EUR"), Money(_tax(unit * quantity), "EUR")))
        if unknown_every and n % unknown_every == unknown_every - 1:
            unit = Decimal("14.90")
            lines.append(OrderLine(f"NEW-{n}", 1, Money(unit, "EUR"), Money(_tax(unit), "EUR")))
        fba = rng.random() < 0.3
        shipping = Decimal(0) if fba or rng.random() < 0.4 else Decimal(rng.randint(199, 999)) / 100
        spain = rng.random() < 0.2
        name = rng.choice(NAMES)
        address = PostalAddress(
            name=name or "Amazon Customer",
            line1=rng.choice(("12 rue de la Paix", "Calle Mayor 5, 3º izq.", "Résidence les Pins " * 9)),
            city=rng.choice(("Paris", "Madrid", "Saint-Rémy-de-Provence")),
            postal_code=rng.choice(("75002", "28001", "", "13210")),
            country_code="ES" if spain else "FR",
            phone=None if fba else rng.choice(("+33 1 23 45 67 89", "06 12 34 56 78 ext. 12", None)),
        )
        drafts.append(
            draft(
                *lines,
                order_id=f"171-{seed:03d}{n:04d}-{rng.randint(0, 9_999_999):07d}",
                shipping=str(shipping),
                shipping_tax=str(_tax(shipping)),
                marketplace=ES if spain else FR,
                fulfilled_by="AMAZON" if fba else "MERCHANT",
                status=ShopOrderStatus.SHIPPED if fba else ShopOrderStatus.TO_SHIP,
                buyer_name=name or None,
                buyer_email=f"b{rng.randint(0, count // 2)}@marketplace.amazon.fr",
                address=address,
                programs=("PRIME",) if rng.random() < 0.2 else (),
            )
        )
    return drafts
