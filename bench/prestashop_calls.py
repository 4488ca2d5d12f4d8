"""Benchmark: PrestaShop webservice calls per imported order, and orders per second.

Runs the `PrestaShopShop` adapter against the fake PrestaShop served over real HTTP on loopback (and, with
`--url` or `PRESTASHOP_URL`, plus `PRESTASHOP_KEY` in the environment, against that real shop), per order
shape, after a warm-up that fills the adapter's caches (products, tax rates, carriers at start-up,
customers of repeat buyers). Target: at most 8 calls per imported order on average once those caches are
warm. The real shop needs the demo catalogue (demo_11..13), a free carrier "Amazon" and the shipping
product AMAZON-SHIPPING (docs/prestashop.md); it gets real orders.

    .venv/bin/python -m bench.prestashop_calls [--orders 200] [--seed 1] [--url URL] [--real-orders 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from amzorders.money import Money
from amzorders.shops.port import OrderDraft, OrderLine, PostalAddress, ShopOrderStatus
from amzorders.shops.prestashop import MappingError, MarketplaceMapping, PrestaShopMapping, PrestaShopShop

FR = "A13V1IB3VIYZZH"
CENT = Decimal("0.01")
FAKE_SKUS = ("MUG-01", "POSTER-A3", "BOOK-1", "TEE-S")
REAL_SKUS = ("demo_13", "demo_12", "demo_11")  # the demo catalogue of a fresh PrestaShop 8.2.1


def _tax(amount: Decimal) -> Decimal:
    return (amount * Decimal("0.20")).quantize(CENT, rounding=ROUND_HALF_UP)


class Orders:
    """Seeded order drafts of a given shape (all taxed at 20 %, delivered in France)."""

    serial = 0

    def __init__(self, seed: int, skus: tuple[str, ...], buyers: int) -> None:
        self.rng = random.Random(seed)
        self.skus = skus
        self.buyers = buyers

    def make(self, *, lines: int, shipping: bool, fba: bool) -> OrderDraft:
        Orders.serial += 1
        rng = self.rng
        items = []
        for sku in rng.sample(self.skus, lines):
            quantity = rng.choice((1, 1, 2, 3))
            unit = Decimal(rng.randint(99, 9999)) / 100
            items.append(OrderLine(sku, quantity, Money(unit, "EUR"), Money(_tax(unit * quantity), "EUR")))
        ship = Decimal(rng.randint(199, 999)) / 100 if shipping else Decimal(0)
        total = sum((i.total_with_tax.amount for i in items), Decimal(0)) + ship + _tax(ship)
        order_id = f"402-{int(time.time()) % 10**7:07d}-{Orders.serial:07d}"
        return OrderDraft(
            amazon_order_id=order_id,
            account="bench",
            marketplace_id=FR,
            currency="EUR",
            purchased_at=datetime(2026, 11, 1, tzinfo=UTC),
            fulfilled_by="AMAZON" if fba else "MERCHANT",
            service_level="STANDARD",
            status=ShopOrderStatus.SHIPPED if fba else ShopOrderStatus.TO_SHIP,
            lines=tuple(items),
            shipping=Money(ship, "EUR"),
            shipping_tax=Money(_tax(ship), "EUR"),
            total=Money(total, "EUR"),
            buyer_name="Jean Dupont",
            buyer_email=f"buyer{rng.randrange(self.buyers)}@marketplace.amazon.fr",
            delivery_address=PostalAddress(
                name="Jean Dupont",
                line1="12 rue de la Paix",
                city="Paris",
                postal_code="75002",
                country_code="FR",
            ),
        )

    def mixed(self) -> OrderDraft:
        """A day's mix: 70 % merchant, 30 % FBA; 80 % one line, 15 % two, 5 % three (about 1.25 lines per
        order, as marketplace orders go); shipping charged on half the merchant orders (Prime ships free)."""
        fba = self.rng.random() < 0.3
        lines = self.rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        return self.make(lines=lines, shipping=not fba and self.rng.random() < 0.5, fba=fba)


SHAPES: list[tuple[str, Callable[[Orders], OrderDraft]]] = [
    ("merchant, 1 line, free shipping", lambda o: o.make(lines=1, shipping=False, fba=False)),
    ("merchant, 1 line + shipping", lambda o: o.make(lines=1, shipping=True, fba=False)),
    ("merchant, 3 lines + shipping", lambda o: o.make(lines=3, shipping=True, fba=False)),
    ("FBA, 1 line (stock given back)", lambda o: o.make(lines=1, shipping=False, fba=True)),
    ("mixed day", Orders.mixed),
]


def measure(shop: PrestaShopShop, orders: list[OrderDraft]) -> tuple[float, float, float]:
    """(calls per order, orders per second, median ms per order)."""
    before = shop.client.total_calls
    durations = []
    start = time.perf_counter()
    for order in orders:
        t0 = time.perf_counter()
        shop.create_order(order)
        durations.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    calls = shop.client.total_calls - before
    return calls / len(orders), len(orders) / elapsed, statistics.median(durations) * 1000


def run(shop: PrestaShopShop, target: str, count: int, seed: int, skus: tuple[str, ...]) -> list[str]:
    rows = []
    buyers = 50
    for name, shape in SHAPES:
        gen = Orders(seed, skus, buyers)
        for n in range(buyers):  # warm-up: every buyer and product once (not measured)
            warm = gen.make(lines=len(skus) if n == 0 else 1, shipping=True, fba=False)
            shop.create_order(
                OrderDraft(**{**_fields(warm), "buyer_email": f"buyer{n}@marketplace.amazon.fr"})
            )
        per_order, rate, median = measure(shop, [shape(gen) for _ in range(count)])
        rows.append(f"| {target} | {name} | {count} | {per_order:.2f} | {rate:.1f} | {median:.1f} |")
    cold = Orders(seed + 1, skus, 10**9)  # new buyers every time: the customer lookup and creation count
    per_order, rate, median = measure(shop, [cold.mixed() for _ in range(count)])
    rows.append(
        f"| {target} | mixed day, new buyers (cold customers) | {count} | {per_order:.2f} | {rate:.1f} "
        f"| {median:.1f} |"
    )
    return rows


def _fields(draft: OrderDraft) -> dict:
    return {name: getattr(draft, name) for name in OrderDraft.__dataclass_fields__}


def mapping() -> PrestaShopMapping:
    return PrestaShopMapping(
        shop_name="bench", marketplaces={FR: MarketplaceMapping(language=1, currency="EUR")}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="measured orders per shape")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--url",
        default=os.environ.get("PRESTASHOP_URL"),
        help="a real PrestaShop to measure too (default: $PRESTASHOP_URL); key from $PRESTASHOP_KEY",
    )
    parser.add_argument("--real-orders", type=int, default=20, help="measured orders per shape, real shop")
    parser.add_argument("--skip-fake", action="store_true", help="measure only the real shop")
    args = parser.parse_args(argv)

    from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop

    fake = FakePrestaShop()
    fake.add_carrier("Amazon")
    fake.add_product("AMAZON-SHIPPING", "Shipping", Decimal(0), quantity=10**9)
    fake.add_product("MUG-01", "Mug", Decimal("11.90"), quantity=10**9)
    fake.add_product("POSTER-A3", "Poster", Decimal("29.00"), quantity=10**9)
    fake.add_product("BOOK-1", "Book", Decimal("9.00"), quantity=10**9)
    fake.add_product("TEE", "T-shirt", Decimal("19.90"), quantity=10**9, combinations=("TEE-S", "TEE-M"))
    rows = []
    startup = 0
    if not args.skip_fake:
        server = serve_fake_prestashop(fake)
        try:
            with PrestaShopShop.connect(server.url, fake.api_key, mapping()) as shop:
                startup = shop.client.total_calls
                rows += run(shop, "fake (HTTP, loopback)", args.orders, args.seed, FAKE_SKUS)
        finally:
            server.stop()
    key = os.environ.get("PRESTASHOP_KEY")
    real = ""
    if args.url and key:
        try:
            with PrestaShopShop.connect(args.url, key, mapping()) as shop:
                startup = startup or shop.client.total_calls
                rows += run(shop, "real shop", args.real_orders, args.seed, REAL_SKUS)
            real = f" --url {args.url} --real-orders {args.real_orders}"
        except MappingError as exc:
            rows.append(f"| real shop | not run: {exc} | | | | |")
    elif args.url:
        rows.append("| real shop | not run: PRESTASHOP_KEY is not set | | | | |")

    skip = " --skip-fake" if args.skip_fake else ""
    print(
        f"Command: .venv/bin/python -m bench.prestashop_calls --orders {args.orders} --seed {args.seed}"
        f"{real}{skip}"
    )
    print(f"Start-up (mapping validation, once per process): {startup} webservice calls\n")
    print("| shop | order shape | orders | calls/order | orders/s | median ms/order |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
