"""Helpers for the PrestaShop adapter tests: order drafts, the test mapping, the shop-side catalogue."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from amzorders.money import Money
from amzorders.shops.port import OrderDraft, OrderLine, PostalAddress, ShopOrderStatus
from amzorders.shops.prestashop import MarketplaceMapping, PrestaShopMapping

SHARED = Path(__file__).resolve().parents[3].parent / "shared"


def ps_shared(*parts: str) -> Path:
    """A file of `../shared/prestashop-ws` (beside the project's root)."""
    path = SHARED.joinpath("prestashop-ws", *parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared/ folder must sit beside the project's root")
    return path


FR = "A13V1IB3VIYZZH"
ES = "A1RKKUPIHCS9HS"
_ids = itertools.count(1)


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.of(amount, currency)


def line(sku: str, quantity: int, unit: str, tax: str, currency: str = "EUR") -> OrderLine:
    return OrderLine(sku=sku, quantity=quantity, unit_price=money(unit, currency), tax=money(tax, currency))


def draft(
    *lines: OrderLine,
    order_id: str | None = None,
    shipping: str = "0.00",
    shipping_tax: str = "0.00",
    marketplace: str = FR,
    country: str = "FR",
    fulfilled_by: str = "MERCHANT",
    status: ShopOrderStatus = ShopOrderStatus.TO_SHIP,
    buyer_email: str | None = None,
    buyer_name: str | None = "Jean Dupont",
    address: PostalAddress | None = None,
    programs: tuple[str, ...] = (),
    service_level: str | None = "STANDARD",
    account: str = "eu",
    promotion: str = "0.00",
) -> OrderDraft:
    """An order draft whose total is the sum of its lines and shipping less promotions, like Amazon's."""
    lines = lines or (line("MUG-01", 1, "11.90", "2.38"),)
    oid = order_id or f"405-{next(_ids):07d}-{os.getpid() % 10_000_000:07d}"
    currency = lines[0].unit_price.currency
    total = (
        sum((x.total_with_tax.amount for x in lines), Decimal(0))
        + Decimal(shipping)
        + Decimal(shipping_tax)
        - Decimal(promotion)
    )
    return OrderDraft(
        amazon_order_id=oid,
        account=account,
        marketplace_id=marketplace,
        currency=currency,
        purchased_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
        fulfilled_by=fulfilled_by,
        service_level=service_level,
        status=status,
        lines=tuple(lines),
        shipping=money(shipping, currency),
        shipping_tax=money(shipping_tax, currency),
        total=Money(total, currency),
        buyer_name=buyer_name,
        buyer_email=buyer_email if buyer_email is not None else f"{oid}@marketplace.amazon.fr",
        delivery_address=address
        or PostalAddress(
            name=buyer_name or "Jean Dupont",
            line1="12 rue de la Paix",
            city="Paris",
            postal_code="75002",
            country_code=country,
            phone="+33 1 23 45 67 89",
        ),
        programs=programs,
    )


def test_mapping(**overrides) -> PrestaShopMapping:
    base = {
        "shop_name": "fake-ps",
        "marketplaces": {
            FR: MarketplaceMapping(language="fr", currency="EUR"),
            ES: MarketplaceMapping(language="fr", currency="EUR"),
        },
    }
    return PrestaShopMapping(**{**base, **overrides})


test_mapping.__test__ = False  # a helper, not a test


def seed_catalogue(shop) -> dict[str, int]:
    """The shop side the tests expect: an Amazon carrier, a shipping product, our SKUs."""
    return {
        "carrier": shop.add_carrier("Amazon"),
        "shipping": shop.add_product("AMAZON-SHIPPING", "Shipping", Decimal(0), quantity=10_000_000),
        "MUG-01": shop.add_product("MUG-01", "Mug 01", Decimal("11.90"), quantity=100_000),
        "TEE": shop.add_product(
            "TEE", "T-shirt", Decimal("19.90"), quantity=0, combinations=("TEE-S", "TEE-M")
        ),
        "POSTER": shop.add_product("POSTER-A3", "Poster", Decimal("29.00"), quantity=100_000),
        "BOOK": shop.add_product("BOOK-1", "Book", Decimal("9.00"), quantity=100_000),
    }
