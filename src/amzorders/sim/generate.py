"""Realistic scenarios from a seed: the traffic the importer must survive, reproducible to the byte.

The `Mix` says what a month looks like: the share of FBA orders, service levels, marketplaces, how long
orders stay PENDING (mostly minutes; days when Amazon asks the buyer for documents; up to 21 days), how
long Amazon holds standard FBA orders (1-3 days), cancellations before and after an order becomes
importable, multi-line, business and Prime orders, late indexing, and the hours people shop. Benchmarks
tune it; the defaults are a plausible European seller also selling in the US.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from amzorders.amazon.constants import MARKETPLACE_CURRENCY, MARKETPLACES

from .scenario import (
    BuyerSpec,
    ItemSpec,
    OrderSpec,
    RecipientSpec,
    Scenario,
    SellerSpec,
    TimelineEvent,
    paused_gc,
)

MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Mix:
    """The tunable shape of generated traffic (shares are probabilities in 0..1)."""

    amazon_share: float = 0.45
    service_levels: tuple[tuple[str, float], ...] = (
        ("STANDARD", 0.78),
        ("EXPEDITED", 0.12),
        ("NEXT_DAY", 0.06),
        ("SAME_DAY", 0.02),
        ("SECOND_DAY", 0.02),
    )
    marketplaces: tuple[tuple[str, float], ...] = (
        ("FR", 0.34),
        ("DE", 0.24),
        ("IT", 0.1),
        ("ES", 0.1),
        ("UK", 0.12),
        ("US", 0.1),
    )
    pending_minutes_mean: float = 8.0  # usual payment authorisation, exponential, capped at 2 h
    documents_share: float = 0.04  # Amazon asks the buyer for documents: PENDING for 1-7 days
    long_pending_share: float = 0.01  # PENDING 7-21 days
    fba_direct_ship_share: float = 0.15  # FBA PENDING -> SHIPPED in one update
    fba_hold_days: tuple[float, float] = (1.0, 3.0)  # standard FBA orders held before shipping
    merchant_ship_hours: tuple[float, float] = (2.0, 48.0)
    cancel_before_importable_share: float = 0.02
    cancel_after_importable_share: float = 0.01
    partial_ship_share: float = 0.3  # of multi-line MERCHANT orders
    multi_line_share: float = 0.15
    max_lines: int = 4
    business_share: float = 0.05
    prime_share: float = 0.35
    late_index_share: float = 0.005  # per-order indexing delay of 10-30 minutes instead of the default
    indexing_delay_s: float = 120.0
    tail_days: int = 3  # the scenario runs this long after the last creation day
    # The daily rhythm: relative weight of each UTC hour (quiet at night, busy in the evening).
    hourly_weights: tuple[float, ...] = field(
        default=(
            1,
            0.6,
            0.4,
            0.3,
            0.3,
            0.4,
            0.8,
            1.5,
            2.2,
            2.8,
            3.0,
            3.2,
            3.5,
            3.3,
            3.1,
            3.0,
            3.2,
            3.6,
            4.2,
            4.8,
            5.0,
            4.4,
            3.2,
            1.8,
        )
    )


_TAX = {"FR": "0.20", "DE": "0.19", "IT": "0.22", "ES": "0.21", "UK": "0.20", "US": "0.0825"}
_COUNTRY = {"FR": "FR", "DE": "DE", "IT": "IT", "ES": "ES", "UK": "GB", "US": "US"}
_DOMAIN = {"FR": "fr", "DE": "de", "IT": "it", "ES": "es", "UK": "co.uk", "US": "com"}
_PREFIX = {"FR": "405", "DE": "302", "IT": "403", "ES": "406", "UK": "204", "US": "113"}
_RATE = {"EUR": Decimal("1"), "GBP": Decimal("0.86"), "USD": Decimal("1.08")}
_CITIES = {
    "FR": (("Lyon", "69003"), ("Paris", "75011"), ("Nantes", "44000"), ("Lille", "59000")),
    "DE": (("Berlin", "10115"), ("Hamburg", "20095"), ("Köln", "50667"), ("München", "80331")),
    "IT": (("Milano", "20121"), ("Roma", "00184"), ("Torino", "10121"), ("Napoli", "80133")),
    "ES": (("Madrid", "28013"), ("Barcelona", "08001"), ("Valencia", "46001"), ("Sevilla", "41001")),
    "UK": (("London", "SW1A 1AA"), ("Leeds", "LS1 4AP"), ("Bristol", "BS1 4DJ"), ("Glasgow", "G1 1XQ")),
    "US": (("Seattle", "98101"), ("Austin", "78701"), ("Denver", "80202"), ("Boston", "02108")),
}
_FIRST = (
    "Jeanne",
    "Lukas",
    "Giulia",
    "Lucía",
    "Oliver",
    "Emma",
    "Noah",
    "Léa",
    "Marco",
    "Sofia",
    "Hugo",
    "Mia",
)
_LAST = ("Martin", "Müller", "Rossi", "García", "Smith", "Bernard", "Schmidt", "Bianchi", "López", "Jones")
_STREETS = ("rue des Lilas", "Hauptstraße", "Via Roma", "Calle Mayor", "High Street", "Main Street")
_PRODUCTS = (
    ("MUG", "Mug", "11.90"),
    ("TEE", "T-shirt", "19.90"),
    ("CAP", "Cap", "14.50"),
    ("LAMP", "Desk lamp", "39.00"),
    ("BOOK", "Notebook", "7.45"),
    ("BAG", "Tote bag", "24.00"),
    ("PEN", "Pen set", "9.99"),
    ("KETTLE", "Kettle", "49.90"),
    ("SOCKS", "Socks (3 pairs)", "12.00"),
    ("CABLE", "USB-C cable", "8.49"),
)
_CENT = Decimal("0.01")


class _Picker:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them every call)."""

    def __init__(self, rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> None:
        self._rng = rng
        self._values = [value for value, _ in pairs]
        self._cumulative = list(accumulate(weight for _, weight in pairs))

    def __call__(self) -> str:
        return self._values[bisect(self._cumulative, self._rng.random() * self._cumulative[-1])]


def generate(
    *,
    orders_per_day: int,
    days: int,
    seed: int,
    start: datetime = datetime(2026, 11, 1, tzinfo=UTC),
    mix: Mix | None = None,
    seller_id: str = "A1SIMSELLER",
) -> Scenario:
    """A scenario of `days` days with about `orders_per_day` orders a day (exactly days x orders_per_day)."""
    if orders_per_day < 0 or days < 1:
        raise ValueError("orders_per_day must be >= 0 and days >= 1")
    mix = mix or Mix()
    rng = random.Random(seed)
    end = start + timedelta(days=days + mix.tail_days)
    end_ts = end.timestamp()
    countries = [country for country, _ in mix.marketplaces]
    seller = SellerSpec(seller_id, tuple(MARKETPLACES[country] for country in countries))
    pick_country = _Picker(rng, mix.marketplaces)
    pick_level = _Picker(rng, mix.service_levels)
    hour_weights = list(accumulate(mix.hourly_weights))
    orders: list[tuple[float, str, OrderSpec]] = []
    number = 0
    with paused_gc():
        for day in range(days):
            day_ts = start.timestamp() + day * DAY
            for _ in range(orders_per_day):
                number += 1
                hour = bisect(hour_weights, rng.random() * hour_weights[-1])
                created = day_ts + hour * HOUR + int(rng.random() * HOUR)
                order = _order(rng, mix, number, seller_id, pick_country(), pick_level(), created, end_ts)
                orders.append((created, order.order_id, order))
        orders.sort(key=lambda entry: (entry[0], entry[1]))
    return Scenario(
        start=start,
        end=end,
        sellers=(seller,),
        orders=tuple(order for _, _, order in orders),
        indexing_delay_s=mix.indexing_delay_s,
    )


def _order(
    rng: random.Random,
    mix: Mix,
    number: int,
    seller_id: str,
    country: str,
    level: str,
    created: float,
    end: float,
) -> OrderSpec:
    marketplace_id = MARKETPLACES[country]
    currency = MARKETPLACE_CURRENCY[marketplace_id]
    fba = rng.random() < mix.amazon_share
    programs = []
    business = rng.random() < mix.business_share
    if business:
        programs.append("AMAZON_BUSINESS")
    if rng.random() < mix.prime_share:
        programs.append("PRIME")
    lines = _int(rng, 2, mix.max_lines) if rng.random() < mix.multi_line_share else 1
    items = tuple(_item(rng, number, line, country, currency) for line in range(lines))
    if fba or "PRIME" in programs:
        shipping = Decimal(0)
    else:
        shipping = (Decimal(_pick(rng, ("2.99", "3.99", "4.99", "5.99"))) * _RATE[currency]).quantize(_CENT)
    tax_rate = Decimal(_TAX[country])
    shipping_tax = (shipping * tax_rate).quantize(_CENT, ROUND_HALF_UP)
    name = f"{_pick(rng, _FIRST)} {_pick(rng, _LAST)}"
    company = (
        f"{_pick(rng, _LAST)} {_pick(rng, ('SARL', 'GmbH', 'Srl', 'SL', 'Ltd', 'Inc'))}" if business else None
    )
    city, postal = _pick(rng, _CITIES[country])
    middle = (number * 7919 + 1234567) % 10_000_000
    order_id = f"{_PREFIX[country]}-{middle:07d}-{int(rng.random() * 10_000_000):07d}"
    return OrderSpec(
        order_id=order_id,
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        fulfilled_by="AMAZON" if fba else "MERCHANT",
        service_level=level,
        currency=currency,
        items=items,
        timeline=_timeline(rng, mix, fba, level, lines, created, end),
        programs=tuple(programs),
        buyer=BuyerSpec(name, f"{rng.getrandbits(48):012x}@marketplace.amazon.{_DOMAIN[country]}", company),
        recipient=RecipientSpec(
            name=name,
            address_line1=f"{_int(rng, 1, 120)} {_pick(rng, _STREETS)}",
            city=city,
            postal_code=postal,
            country_code=_COUNTRY[country],
            phone=f"+{_int(rng, 10, 99)} {int(rng.random() * 10**9):09d}",
            company_name=company,
        ),
        shipping_price=shipping,
        shipping_tax=shipping_tax,
        indexing_delay_s=float(_int(rng, 600, 1800)) if rng.random() < mix.late_index_share else None,
    )


def _item(rng: random.Random, number: int, line: int, country: str, currency: str) -> ItemSpec:
    code, title, base = _pick(rng, _PRODUCTS)
    variant = _int(rng, 1, 20)
    quantity = 1 if rng.random() < 0.85 else _int(rng, 2, 3)
    unit = (Decimal(base) * _RATE[currency]).quantize(_CENT)
    tax = (unit * quantity * Decimal(_TAX[country])).quantize(_CENT, ROUND_HALF_UP)
    return ItemSpec(
        order_item_id=f"{number:09d}{line:02d}{int(rng.random() * 1000):03d}",
        sku=f"{code}-{variant:02d}",
        asin=f"B0{(hash_code(code) + variant):08X}",
        title=f"{title} #{variant}",
        quantity=quantity,
        unit_price=unit,
        tax=tax,
    )


def _pick(rng: random.Random, values: tuple):
    """rng.choice without its per-call overhead (same distribution, one float draw)."""
    return values[int(rng.random() * len(values))]


def _int(rng: random.Random, low: int, high: int) -> int:
    """An integer in low..high inclusive from one float draw."""
    return low + int(rng.random() * (high - low + 1))


def hash_code(text: str) -> int:
    """A stable small number from a text (Python's hash() is salted per process)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 0xFFFFFF
    return value


def _timeline(
    rng: random.Random, mix: Mix, fba: bool, level: str, lines: int, created: float, end: float
) -> tuple[TimelineEvent, ...]:
    events: list[tuple[float, str]] = [(created, "PENDING")]
    draw = rng.random()
    if draw < mix.documents_share:
        pending = rng.uniform(1, 7) * DAY
    elif draw < mix.documents_share + mix.long_pending_share:
        pending = rng.uniform(7, 21) * DAY
    else:
        pending = min(2 * HOUR, MINUTE + rng.expovariate(1 / (mix.pending_minutes_mean * MINUTE)))
    at = created + pending
    if rng.random() < mix.cancel_before_importable_share:
        events.append((at, "CANCELLED"))
    elif fba and rng.random() < mix.fba_direct_ship_share:
        events.append((at, "SHIPPED"))
    else:
        events.append((at, "UNSHIPPED"))
        if rng.random() < mix.cancel_after_importable_share:
            events.append((at + rng.uniform(1, 24) * HOUR, "CANCELLED"))
        else:
            if fba:
                low, high = mix.fba_hold_days if level == "STANDARD" else (0.1, 0.8)
                at += rng.uniform(low, high) * DAY
            else:
                at += rng.uniform(*mix.merchant_ship_hours) * HOUR
                if lines > 1 and rng.random() < mix.partial_ship_share:
                    events.append((at, "PARTIALLY_SHIPPED"))
                    at += rng.uniform(4, 48) * HOUR
            events.append((at, "SHIPPED"))
    timeline: list[TimelineEvent] = []
    previous = -1.0
    for when, status in events:
        second = max(float(int(when)), previous + 1)
        if second > end:
            break
        timeline.append(TimelineEvent(datetime.fromtimestamp(second, UTC), status))
        previous = second
    return tuple(timeline)
