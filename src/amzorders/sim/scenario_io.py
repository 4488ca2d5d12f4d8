"""Reading scenario files, fast enough for a month of 150,000 orders.

Checks are written out by hand rather than through a schema library (they are on the hot path), files in
our own dump format are read line by line (no full JSON tree in memory), and each order goes into
`CompactOrders` as soon as it is validated (a month is never held as Python objects). The public entry
point is `load_scenario` in `scenario`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .compact import CompactOrders
from .scenario import (
    FAULT_KINDS,
    FAULT_OPERATIONS,
    FORMAT,
    FULFILLED_BY,
    STATUSES,
    BuyerSpec,
    FaultSpec,
    ItemSpec,
    OrderSpec,
    RecipientSpec,
    Scenario,
    ScenarioError,
    SellerSpec,
    TimelineEvent,
    UsagePlanSpec,
    paused_gc,
)


def read_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """See `amzorders.sim.scenario.load_scenario`."""
    if isinstance(source, Mapping):
        with paused_gc():
            return _Loader().scenario(source)
    path = Path(source)
    try:
        with path.open("rb") as handle, paused_gc():
            first = handle.readline()
            if first.endswith(_STREAM_MARK) and first.startswith(b"{"):
                # Our own dump format: one order per line, validated as it is read (no full JSON tree).
                head = json.loads(first[: -len(_STREAM_MARK)] + b"}")
                return _Loader().scenario({**head, "orders": []}, _streamed_orders(handle))
            handle.seek(0)
            data = json.load(handle)
    except FileNotFoundError:
        raise ScenarioError("file", f"not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("file", f"cannot be read: {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            "file", f"is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    with paused_gc():
        return _Loader().scenario(data)


_STREAM_MARK = b',"orders":[\n'


def _streamed_orders(handle: Any) -> Iterator[Any]:
    for number, line in enumerate(handle, start=2):
        line = line.rstrip()
        if line == b"]}":
            return
        try:
            yield json.loads(line[:-1] if line.endswith(b",") else line)
        except json.JSONDecodeError as exc:
            raise ScenarioError(
                "file", f"is not JSON: {exc.msg} at line {number} column {exc.colno}"
            ) from None
    raise ScenarioError("file", "is truncated: the list of orders is not closed")


_TOP_KEYS = {"format", "start", "end", "indexing_delay_s", "sellers", "orders", "faults"}
_SELLER_KEYS = {"seller_id", "marketplace_ids", "usage_plans"}
_ORDER_REQUIRED = ("order_id", "seller_id", "marketplace_id", "fulfilled_by", "service_level", "currency")
_ORDER_KEYS = {
    *_ORDER_REQUIRED,
    "items",
    "timeline",
    "programs",
    "buyer",
    "recipient",
    "shipping_price",
    "shipping_tax",
    "indexing_delay_s",
}
_BUYER_KEYS = {"name", "email", "company_name"}
_RECIPIENT_REQUIRED = ("name", "address_line1", "city", "postal_code", "country_code")
_RECIPIENT_KEYS = {*_RECIPIENT_REQUIRED, "phone", "address_line2", "company_name", "state_or_region"}
_ITEM_KEYS = {"order_item_id", "sku", "asin", "title", "quantity", "unit_price", "tax"}
_ITEM_REQUIRED = tuple(sorted(_ITEM_KEYS))
_EVENT_KEYS = {"at", "status"}
_FAULT_KEYS = {"from", "to", "operations", "kind", "probability", "delay_s"}
_ZERO = Decimal(0)


class _Loader:
    """Builds the dataclasses, remembering which order is being read for the error message."""

    def __init__(self) -> None:
        self.order_id: str | None = None
        self.sellers: dict[str, SellerSpec] = {}
        self.amounts: dict[str, Decimal] = {}  # a month repeats its prices: each is parsed once

    def fail(self, field: str, problem: str) -> ScenarioError:
        return ScenarioError(field, problem, self.order_id)

    def keys(self, data: Any, field: str, allowed: set[str], required: tuple[str, ...] = ()) -> Mapping:
        if type(data) is not dict and not isinstance(data, Mapping):
            raise self.fail(field, f"must be an object, got {_kind(data)}")
        if not allowed.issuperset(data):
            name = sorted(data.keys() - allowed)[0]
            raise self.fail(
                f"{field}.{name}" if field else name, f"is not a known key (allowed: {_list(allowed)})"
            )
        for key in required:
            if key not in data:
                raise self.fail(f"{field}.{key}" if field else key, "is missing")
        return data

    def text(self, data: Mapping, key: str, prefix: str = "", optional: bool = False) -> str | None:
        """data[key] as a non-empty string; the field name (prefix + key) is only built for an error."""
        value = data.get(key)
        if type(value) is str and value:
            return value
        if value is None and optional:
            return None
        raise self.fail(prefix + key, f"must be a non-empty string, got {value!r}")

    def instant(self, value: Any, field: str) -> datetime:
        if not isinstance(value, str):
            raise self.fail(
                field, f"must be an ISO 8601 instant such as '2026-11-01T10:00:00Z', got {value!r}"
            )
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(field, f"is not an ISO 8601 instant: {value!r}") from None
        if parsed.tzinfo is None:
            raise self.fail(field, f"needs a time zone (write 'Z' for UTC): {value!r}")
        return parsed.astimezone(UTC)

    def money(self, data: Mapping, key: str, prefix: str = "") -> Decimal:
        value = data[key]
        known = self.amounts.get(value) if type(value) is str else None
        if known is not None:
            return known
        amount = self._money(value, prefix + key)
        self.amounts[value] = amount
        return amount

    def _money(self, value: Any, field: str) -> Decimal:
        if type(value) is not str:
            raise self.fail(field, f"must be a decimal string such as '11.90' (never a float), got {value!r}")
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise self.fail(field, f"is not a decimal number: {value!r}") from None
        if not amount.is_finite() or amount < _ZERO:
            raise self.fail(field, f"must be a non-negative amount, got {value!r}")
        return amount

    def number(self, value: Any, field: str, minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(field, f"must be a number >= {minimum:g}, got {value!r}")
        return float(value)

    def strings(self, value: Any, field: str, allowed: frozenset[str] | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(field, f"must be a list of non-empty strings, got {value!r}")
        if allowed is not None:
            for position, entry in enumerate(value):
                if entry not in allowed:
                    raise self.fail(f"{field}[{position}]", f"must be one of {_list(allowed)}, got {entry!r}")
        return tuple(value)

    # -- sections

    def scenario(self, data: Any, streamed: Iterable[Any] | None = None) -> Scenario:
        data = self.keys(data, "", _TOP_KEYS, ("format", "start", "end", "sellers", "orders"))
        if data["format"] != FORMAT:
            raise self.fail("format", f"must be {FORMAT!r}, got {data['format']!r}")
        start = self.instant(data["start"], "start")
        end = self.instant(data["end"], "end")
        if end <= start:
            raise self.fail("end", f"must be after start ({data['start']}), got {data['end']!r}")
        delay = self.number(data.get("indexing_delay_s", 120), "indexing_delay_s")
        if not isinstance(data["sellers"], list) or not data["sellers"]:
            raise self.fail("sellers", "must be a non-empty list")
        sellers = tuple(self.seller(raw, f"sellers[{i}]") for i, raw in enumerate(data["sellers"]))
        if not isinstance(data["orders"], list):
            raise self.fail("orders", f"must be a list, got {_kind(data['orders'])}")
        orders = CompactOrders(self.orders(data["orders"] if streamed is None else streamed, start, end))
        self.order_id = None
        raw_faults = data.get("faults", [])
        if not isinstance(raw_faults, list):
            raise self.fail("faults", f"must be a list, got {_kind(raw_faults)}")
        faults = tuple(self.fault(raw, f"faults[{i}]") for i, raw in enumerate(raw_faults))
        return Scenario(start, end, sellers, orders, delay, faults)

    def seller(self, raw: Any, field: str) -> SellerSpec:
        raw = self.keys(raw, field, _SELLER_KEYS, ("seller_id", "marketplace_ids"))
        seller_id = self.text(raw, "seller_id", f"{field}.")
        if seller_id in self.sellers:
            raise self.fail(f"{field}.seller_id", f"{seller_id!r} is a duplicate")
        marketplaces = self.strings(raw["marketplace_ids"], f"{field}.marketplace_ids")
        if not marketplaces:
            raise self.fail(f"{field}.marketplace_ids", "must name at least one marketplace")
        plans: dict[str, UsagePlanSpec] = {}
        raw_plans = raw.get("usage_plans") or {}
        if not isinstance(raw_plans, Mapping):
            raise self.fail(f"{field}.usage_plans", f"must be an object, got {_kind(raw_plans)}")
        for operation, plan in raw_plans.items():
            where = f"{field}.usage_plans.{operation}"
            if operation not in FAULT_OPERATIONS:
                raise self.fail(where, f"is not an operation (allowed: {_list(FAULT_OPERATIONS)})")
            plan = self.keys(plan, where, {"rate", "burst"}, ("rate", "burst"))
            rate = self.number(plan["rate"], f"{where}.rate", 0.0)
            burst = plan["burst"]
            if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1 or rate <= 0:
                raise self.fail(where, f"needs rate > 0 and an integer burst >= 1, got {dict(plan)!r}")
            plans[operation] = UsagePlanSpec(rate, burst)
        seller = SellerSpec(seller_id, marketplaces, plans)
        self.sellers[seller_id] = seller
        return seller

    def orders(self, raws: Iterable[Any], start: datetime, end: datetime) -> Iterator[OrderSpec]:
        seen: set[str] = set()
        for position, raw in enumerate(raws):
            order = self.order(raw, f"orders[{position}]", start, end)
            if order.order_id in seen:
                raise self.fail(f"orders[{position}].order_id", "is a duplicate: order ids must be unique")
            seen.add(order.order_id)
            yield order

    def order(self, raw: Any, field: str, start: datetime, end: datetime) -> OrderSpec:
        self.order_id = raw.get("order_id") if isinstance(raw, Mapping) else None
        if not isinstance(self.order_id, str):
            self.order_id = None
        raw = self.keys(raw, field, _ORDER_KEYS, (*_ORDER_REQUIRED, "items", "timeline"))
        text = self.text
        order_id = text(raw, "order_id")
        seller_id, marketplace_id, fulfilled_by, service_level, currency = (
            text(raw, key) for key in _ORDER_REQUIRED[1:]
        )
        seller = self.sellers.get(seller_id)
        if seller is None:
            raise self.fail("seller_id", f"{seller_id!r} is not one of the scenario's sellers")
        if marketplace_id not in seller.marketplace_ids:
            raise self.fail(
                "marketplace_id", f"{marketplace_id!r} is not a marketplace of seller {seller_id}"
            )
        if fulfilled_by not in FULFILLED_BY:
            raise self.fail("fulfilled_by", f"must be one of {_list(FULFILLED_BY)}, got {fulfilled_by!r}")
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise self.fail("currency", f"must be an ISO 4217 code such as 'EUR', got {currency!r}")
        items = raw["items"]
        if not isinstance(items, list) or not items:
            raise self.fail("items", "must be a non-empty list")
        parsed_items = tuple(self.item(item, f"items[{i}]") for i, item in enumerate(items))
        if len({item.order_item_id for item in parsed_items}) != len(parsed_items):
            raise self.fail("items", "order_item_id values must be unique within the order")
        delay = raw.get("indexing_delay_s")
        return OrderSpec(
            order_id=order_id,
            seller_id=seller_id,
            marketplace_id=marketplace_id,
            fulfilled_by=fulfilled_by,
            service_level=service_level,
            currency=currency,
            items=parsed_items,
            timeline=self.timeline(raw["timeline"], start, end),
            programs=self.strings(raw.get("programs", []), "programs"),
            buyer=self.buyer(raw.get("buyer")),
            recipient=self.recipient(raw.get("recipient")),
            shipping_price=self.money(raw, "shipping_price") if "shipping_price" in raw else _ZERO,
            shipping_tax=self.money(raw, "shipping_tax") if "shipping_tax" in raw else _ZERO,
            indexing_delay_s=None if delay is None else self.number(delay, "indexing_delay_s"),
        )

    def item(self, raw: Any, field: str) -> ItemSpec:
        raw = self.keys(raw, field, _ITEM_KEYS, _ITEM_REQUIRED)
        quantity = raw["quantity"]
        prefix = field + "."
        if type(quantity) is not int or quantity < 1:
            raise self.fail(prefix + "quantity", f"must be an integer >= 1, got {quantity!r}")
        return ItemSpec(
            order_item_id=self.text(raw, "order_item_id", prefix),
            sku=self.text(raw, "sku", prefix),
            asin=self.text(raw, "asin", prefix),
            title=self.text(raw, "title", prefix),
            quantity=quantity,
            unit_price=self.money(raw, "unit_price", prefix),
            tax=self.money(raw, "tax", prefix),
        )

    def timeline(self, raw: Any, start: datetime, end: datetime) -> tuple[TimelineEvent, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("timeline", "must be a non-empty list of {at, status}")
        events: list[TimelineEvent] = []
        previous = None
        for position, entry in enumerate(raw):
            if type(entry) is not dict or len(entry) != 2 or "at" not in entry or "status" not in entry:
                entry = self.keys(entry, f"timeline[{position}]", _EVENT_KEYS, ("at", "status"))
            text = entry["at"]
            try:
                at = datetime.fromisoformat(text) if type(text) is str else None
            except ValueError:
                at = None
            if at is None or at.tzinfo is None:
                self.instant(text, f"timeline[{position}].at")  # raises the precise error
                raise AssertionError("unreachable")
            at = at.astimezone(UTC)
            status = entry["status"]
            if status not in STATUSES:
                raise self.fail(
                    f"timeline[{position}].status", f"must be one of {_list(STATUSES)}, got {status!r}"
                )
            if not start <= at <= end:
                raise self.fail(f"timeline[{position}].at", f"{text} is outside the scenario's start..end")
            if previous is not None and at <= previous:
                raise self.fail(f"timeline[{position}].at", f"{text} must be later than the previous event")
            previous = at
            events.append(TimelineEvent(at, status))
        return tuple(events)

    def buyer(self, raw: Any) -> BuyerSpec | None:
        if raw is None:
            return None
        raw = self.keys(raw, "buyer", _BUYER_KEYS)
        text = self.text
        return BuyerSpec(
            text(raw, "name", "buyer.", True),
            text(raw, "email", "buyer.", True),
            text(raw, "company_name", "buyer.", True),
        )

    def recipient(self, raw: Any) -> RecipientSpec | None:
        if raw is None:
            return None
        raw = self.keys(raw, "recipient", _RECIPIENT_KEYS, _RECIPIENT_REQUIRED)
        text = self.text
        name, line1, city, postal_code, country_code = (
            text(raw, key, "recipient.") for key in _RECIPIENT_REQUIRED
        )
        optional = [text(raw, key, "recipient.", True) for key in _RECIPIENT_OPTIONAL]
        return RecipientSpec(name, line1, city, postal_code, country_code, *optional)

    def fault(self, raw: Any, field: str) -> FaultSpec:
        raw = self.keys(raw, field, _FAULT_KEYS, ("from", "to", "operations", "kind"))
        start = self.instant(raw["from"], f"{field}.from")
        end = self.instant(raw["to"], f"{field}.to")
        if end <= start:
            raise self.fail(f"{field}.to", f"must be after 'from', got {raw['to']!r}")
        operations = self.strings(raw["operations"], f"{field}.operations", FAULT_OPERATIONS)
        kind = raw["kind"]
        if kind not in FAULT_KINDS:
            raise self.fail(f"{field}.kind", f"must be one of {_list(FAULT_KINDS)}, got {kind!r}")
        probability = self.number(raw.get("probability", 1.0), f"{field}.probability")
        if probability > 1:
            raise self.fail(f"{field}.probability", f"must be between 0 and 1, got {probability!r}")
        delay = raw.get("delay_s")
        if kind == "slow" and delay is None:
            raise self.fail(f"{field}.delay_s", "is required for a 'slow' fault")
        delay_s = None if delay is None else self.number(delay, f"{field}.delay_s")
        return FaultSpec(start, end, operations, kind, probability, delay_s)


_RECIPIENT_OPTIONAL = ("phone", "address_line2", "company_name", "state_or_region")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _list(values: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(values))
