"""The scenario file `amzorders-scenario/1`: what the simulated marketplace replays.

Other tools read and write this format, so it is validated strictly: an unknown key, a bad status or a
price written as a float is refused with a `ScenarioError` whose one-line message names the field and the
order, never half-loaded. Prices are tax-exclusive decimal strings (see docs/architecture.md, "Money
semantics"). Reading is in `scenario_io`, writing in `scenario_write`; here are the types and entry points.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS, FulfilledBy, FulfillmentStatus
from amzorders.clock import format_instant

FORMAT = "amzorders-scenario/1"
FAULT_KINDS = frozenset(
    {"http_500", "http_503", "throttle", "timeout", "reset", "malformed_json", "token_rejected", "slow"}
)
FAULT_OPERATIONS = frozenset({SEARCH_ORDERS, GET_ORDER})
STATUSES = frozenset(str(s) for s in FulfillmentStatus)
FULFILLED_BY = frozenset(str(s) for s in FulfilledBy)


class ScenarioError(ValueError):
    """A scenario that cannot be replayed; str() is one line naming the field (and the order)."""

    def __init__(self, field: str, problem: str, order_id: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.order_id = order_id
        where = f"order {order_id}: " if order_id else ""
        super().__init__(f"scenario: {where}field {field!r} {problem}")


@dataclass(frozen=True, slots=True)
class UsagePlanSpec:
    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class SellerSpec:
    seller_id: str
    marketplace_ids: tuple[str, ...]
    usage_plans: Mapping[str, UsagePlanSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuyerSpec:
    name: str | None = None
    email: str | None = None
    company_name: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientSpec:
    name: str
    address_line1: str
    city: str
    postal_code: str
    country_code: str
    phone: str | None = None
    address_line2: str | None = None
    company_name: str | None = None
    state_or_region: str | None = None


# A recipient's fields in the order scenario files (and the simulator's compact records) hold them.
RECIPIENT_FIELDS = tuple(spec.name for spec in fields(RecipientSpec))


@dataclass(frozen=True, slots=True)
class ItemSpec:
    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: Decimal  # tax exclusive, per unit
    tax: Decimal  # tax of the whole line


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class OrderSpec:
    order_id: str
    seller_id: str
    marketplace_id: str
    fulfilled_by: str
    service_level: str
    currency: str
    items: tuple[ItemSpec, ...]
    timeline: tuple[TimelineEvent, ...]
    programs: tuple[str, ...] = ()
    buyer: BuyerSpec | None = None
    recipient: RecipientSpec | None = None
    shipping_price: Decimal = Decimal(0)
    shipping_tax: Decimal = Decimal(0)
    indexing_delay_s: float | None = None  # None: the scenario's default

    @property
    def created_at(self) -> datetime:
        return self.timeline[0].at

    @property
    def grand_total(self) -> Decimal:
        """Amazon's grand total: tax-exclusive lines + line taxes + shipping + shipping tax."""
        lines = sum((item.unit_price * item.quantity + item.tax for item in self.items), Decimal(0))
        return lines + self.shipping_price + self.shipping_tax


@dataclass(frozen=True, slots=True)
class FaultSpec:
    from_: datetime  # JSON key "from" (a Python keyword)
    to: datetime
    operations: tuple[str, ...]
    kind: str
    probability: float = 1.0
    delay_s: float | None = None  # "slow": added latency; "timeout": how long the connection hangs


@dataclass(frozen=True, slots=True)
class Scenario:
    start: datetime
    end: datetime
    sellers: tuple[SellerSpec, ...]
    # A loaded scenario holds `compact.CompactOrders` (decoded on access); a generated one, a tuple.
    orders: Sequence[OrderSpec]
    indexing_delay_s: float = 120.0
    faults: tuple[FaultSpec, ...] = ()
    format: str = FORMAT

    def seller(self, seller_id: str) -> SellerSpec:
        for seller in self.sellers:
            if seller.seller_id == seller_id:
                return seller
        raise KeyError(seller_id)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario from a path (str or Path) or an already decoded JSON object.

    Raises `ScenarioError` (one line naming the field and the order) for anything it cannot replay.
    """
    from .scenario_io import read_scenario

    return read_scenario(source)


def dump_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario as compact JSON, one order per line (diff-friendly, byte-stable for a seed)."""
    from .scenario_write import write_scenario

    write_scenario(scenario, path)


def scenario_to_json(scenario: Scenario) -> dict[str, Any]:
    """The JSON object of a scenario (optional keys written only when set)."""
    from .scenario_write import scenario_json

    return scenario_json(scenario)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build large acyclic structures without the cyclic GC rescanning them (3x faster at 150k orders)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def iso_z(value: datetime) -> str:
    """An instant as ISO 8601 with 'Z' (fast path of `format_instant`, keeping microseconds exactly)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else format_instant(value)
