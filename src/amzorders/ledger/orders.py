"""`OrderBook`: the orders table and its event log. Every write to them goes through here.

Writes are per page: one SELECT for the page's ids, then bulk INSERT/UPDATE (executemany), all in one
transaction. A snapshot older than the stored one never overwrites it (pages arrive out of order, and
catch-up passes re-read old versions); an equal one is a no-op, so overlapping windows cost no writes.

Lock order: a transaction inserts orders by Amazon order id, then updates them by ledger id, in
ascending order within each statement (as do the shop's outcomes and the reconciliation's repairs). On
PostgreSQL the passes of one account run at once (`serve`: import, catch-ups, reconciliation); two of
them writing the same new orders in their pages' orders deadlocked on the unique index, and one run
failed. A deadlock left (between statements of different column sets) is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from amzorders import jsoncodec
from amzorders.amazon.models import Order, OrderParseError, parse_order
from amzorders.clock import parse_instant
from amzorders.ledger.batch import execute_many, group_by_keys, insert_returning_ids, update_by_id
from amzorders.ledger.db import is_retryable_conflict
from amzorders.ledger.known_versions import KnownVersions, Verdict, keep_recent
from amzorders.ledger.order_reads import LedgerOrder, OrderReads
from amzorders.ledger.retention import PiiRetention
from amzorders.ledger.schema import order_events, orders
from amzorders.ledger.shop_work import Repair, ShopOutcome, ShopWork
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.shops.port import ShopOrderStatus


@dataclass(frozen=True, slots=True)
class Known:
    """What the ledger holds about an order when a new snapshot arrives (input of the rules)."""

    status: str
    shop_state: str
    shop_status: str | None
    park_reason: str | None


@dataclass(frozen=True, slots=True)
class SnapshotPlan:
    """The rules' answer for a new snapshot: the ledger's shop state and the shop status to reach."""

    shop_state: ShopState
    target_status: ShopOrderStatus | None
    importable: bool
    note: str | None = None  # why the rules chose this state, for a human (the row's last error)
    attention: str | None = None  # what a human must do in the shop: the row's last error, said by the run


Planner = Callable[[Order, Known | None], SnapshotPlan]


@dataclass(slots=True)
class RecordResult:
    """What one page (or one getOrder) changed in the ledger."""

    seen: int = 0
    new: int = 0
    changed: int = 0
    stale: int = 0  # older than what the ledger holds: ignored
    unreadable: list[str] = field(default_factory=list)  # OrderParseError messages


def _identity(raw: Any) -> tuple[str | None, datetime | None]:
    """The order id and lastUpdatedTime, read without a full parse (None where unreadable)."""
    if not isinstance(raw, Mapping):
        return None, None
    order_id = raw.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        return None, None
    try:
        return order_id, parse_instant(raw["lastUpdatedTime"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return order_id, None


def _status(raw: Mapping[str, Any]) -> str | None:
    fulfillment = raw.get("fulfillment")
    return fulfillment.get("fulfillmentStatus") if isinstance(fulfillment, Mapping) else None


def _parse(raw: Mapping[str, Any]) -> tuple[Order | None, OrderParseError | None]:
    try:
        return parse_order(raw), None
    except OrderParseError as exc:
        return None, exc


class OrderBook(ShopWork, OrderReads, PiiRetention):
    """Every write to the orders table and its events (reads, shop work and PII retention come from the
    mixins)."""

    # How many recently recorded versions `parsed` can hand out without parsing their snapshot again.
    RECENT_PARSED = 2_000
    # How many orders' committed versions `_record` remembers to skip re-reads without a query: the
    # overlaps and the late-index sweep re-read recent orders. (30,000 also caught some catch-up re-reads
    # but cost 8 MB of month-5000's 200 MB budget for no measurable time.)
    RECENT_VERSIONS = 10_000

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._recent: dict[tuple[str, str], Order] = {}
        self._known = KnownVersions(self.RECENT_VERSIONS)

    def parsed(self, order: LedgerOrder) -> Order:
        """The ledger order's snapshot as an `Order` (raises `OrderParseError`).

        The push creates orders minutes after the import recorded them: the version this process
        recorded is handed out again instead of parsed a second time, when it is exactly the version the
        row holds (same lastUpdatedTime and status, PII not purged; another process may have written a
        newer one)."""
        known = self._recent.get((order.account, order.amazon_order_id))
        if (
            known is not None
            and not order.pii_purged
            and known.last_updated_time == order.last_updated_time
            and known.fulfillment_status == order.status
        ):
            return known
        return parse_order(jsoncodec.loads(order.snapshot))

    def _remember(self, account: str, order: Order) -> None:
        keep_recent(self._recent, (account, order.order_id), order, self.RECENT_PARSED)

    # --- Recording what Amazon says ------------------------------------------------------------------

    def record_snapshots(
        self,
        account: str,
        raw_orders: Sequence[Mapping[str, Any]],
        *,
        seen_at: datetime,
        planner: Planner,
        also: Callable[[Connection], None] | None = None,
    ) -> RecordResult:
        """Record a page of Amazon orders in one transaction; `also` runs in the same transaction (the
        caller's run progress). Retried when a concurrent writer inserted one of the same orders, or
        PostgreSQL rolled it back for a deadlock with one (see the lock order above)."""
        for attempt in range(3):
            held: list[tuple[str, datetime, str]] = []
            try:
                with self.engine.begin() as conn:
                    result = self._record(conn, account, raw_orders, seen_at, planner, held)
                    if also is not None:
                        also(conn)
            except (IntegrityError, OperationalError) as exc:
                if attempt == 2 or not (isinstance(exc, IntegrityError) or is_retryable_conflict(exc)):
                    raise
                continue
            self._known.hold(account, held)  # committed: the ledger now holds these versions (or newer)
            return result
        raise AssertionError("unreachable")

    def _unknown(self, account: str, newest, result: RecordResult) -> list[str]:
        """The page's orders whose ledger row must be looked at: the others are versions this process
        saw committed (`KnownVersions`), skipped as the row would skip them (equal, or stale)."""
        todo = []
        for order_id, (raw, updated) in newest.items():
            if updated is not None:
                verdict = self._known.judge(account, order_id, updated, _status(raw))
                if verdict is Verdict.STALE:
                    result.stale += 1
                    continue
                if verdict is Verdict.SAME:
                    continue
            todo.append(order_id)
        return todo

    def _record(self, conn, account, raw_orders, seen_at, planner: Planner, held) -> RecordResult:
        result = RecordResult()
        # Cheap first look (id, lastUpdatedTime, status) so that versions the ledger already holds are
        # skipped without a full parse: overlapping windows and catch-up passes are mostly re-reads.
        newest: dict[str, tuple[Mapping[str, Any], datetime | None]] = {}
        for raw in raw_orders:
            result.seen += 1
            order_id, updated = _identity(raw)
            if order_id is None:
                _, error = _parse(raw)
                result.unreadable.append(str(error))
                continue  # nothing to key it by; reported in the run
            kept = newest.get(order_id)
            if kept is None or (updated is not None and (kept[1] is None or kept[1] <= updated)):
                newest[order_id] = (raw, updated)
        todo = sorted(self._unknown(account, newest, result))  # inserted in this order: lock order
        if not todo:
            return result
        existing = {
            row.amazon_order_id: row for row in conn.execute(_KNOWN, {"account": account, "ids": todo})
        }
        latest: dict[str, tuple[Mapping[str, Any], Order | None, OrderParseError | None]] = {}
        for order_id in todo:
            raw, updated = newest[order_id]
            row = existing.get(order_id)
            if row is not None and row.last_updated_time is not None:
                held.append((order_id, row.last_updated_time, row.status))  # unless overwritten below
            if row is not None and updated is not None and row.last_updated_time is not None:
                if updated < row.last_updated_time:
                    result.stale += 1
                    continue
                if updated == row.last_updated_time and row.status == _status(raw):
                    continue
            order, error = _parse(raw)
            if error is not None:
                result.unreadable.append(str(error))
            latest[order_id] = (raw, order, error)
        inserts, updates, events = [], [], []
        for order_id, (raw, order, error) in latest.items():
            row = existing.get(order_id)
            if order is None:
                if row is None:
                    inserts.append(_unreadable_row(account, order_id, raw, error, seen_at))
                else:
                    events.append(
                        {"order_id": row.id, "at": seen_at, "kind": "unreadable", "detail": str(error)}
                    )
                continue
            if row is not None and row.last_updated_time is not None:
                if order.last_updated_time < row.last_updated_time:
                    result.stale += 1
                    continue
                if (
                    order.last_updated_time == row.last_updated_time
                    and row.status == order.fulfillment_status
                ):
                    continue
            values = _snapshot_values(order, raw, row, seen_at, planner)
            self._remember(account, order)
            held.append((order_id, order.last_updated_time, order.fulfillment_status))
            if row is None:
                inserts.append(
                    {"account": account, "amazon_order_id": order_id, "first_seen_at": seen_at, **values}
                )
            else:
                updates.append({"_id": row.id, "_lut": order.last_updated_time, **values})
                kind = "status" if row.status != order.fulfillment_status else "updated"
                events.append(
                    {
                        "order_id": row.id,
                        "at": seen_at,
                        "kind": kind,
                        "detail": None,
                        "status": order.fulfillment_status,
                    }
                )
        if inserts:
            # rows of one executemany must share their keys: group them (a parked unreadable row differs)
            inserts = [row for group in group_by_keys(inserts).values() for row in group]
            new_ids = [
                new_id
                for group in group_by_keys(inserts).values()
                for new_id in insert_returning_ids(conn, orders, group, "amazon_order_id")
            ]
            for new_id, values in zip(new_ids, inserts, strict=True):
                detail = values["last_error"] if values["shop_state"] == ShopState.PARKED else None
                events.append(
                    {
                        "order_id": new_id,
                        "at": seen_at,
                        "kind": "seen",
                        "detail": detail,
                        "status": values["status"],
                    }
                )
            result.new = len(inserts)
        updates.sort(key=lambda row: row["_id"])  # lock order
        for keys, rows in group_by_keys(updates).items():
            execute_many(conn, update_by_id(keys, guard_last_updated=True), rows)
        result.changed = len(updates)
        if events:
            for event in events:
                event.setdefault("status", None)
            execute_many(conn, _EVENT_INSERT, events)
        return result


_dumps = jsoncodec.dumps


def _snapshot_values(order: Order, raw, row, seen_at: datetime, planner: Planner) -> dict[str, Any]:
    """Columns for a new or newer snapshot: Amazon's facts and the shop state the rules give."""
    status = order.fulfillment_status
    known = Known(row.status, row.shop_state, row.shop_status, row.park_reason) if row is not None else None
    plan = planner(order, known)
    values: dict[str, Any] = {
        "marketplace_id": order.marketplace_id,
        "fulfilled_by": order.fulfilled_by,
        "status": status,
        "created_time": order.created_time,
        "last_updated_time": order.last_updated_time,
        "last_seen_at": seen_at,
        "status_since": seen_at if row is None or row.status != status else row.status_since,
        "next_check_at": None if row is None or row.status != status else row.next_check_at,
        "importable_at": (
            row.importable_at if row and row.importable_at else (seen_at if plan.importable else None)
        ),
        "snapshot": _dumps(raw),
        "pii_purged": False,
        "shop_state": plan.shop_state,
        "target_status": plan.target_status,
    }
    if row is None or (row.shop_state == ShopState.PARKED and plan.shop_state != ShopState.PARKED):
        values.update(park_reason=None, last_error=None, attempts=0, next_attempt_at=None)
    if plan.note is not None or plan.attention is not None:
        values.update(last_error=plan.attention or plan.note)
    if row is None:
        values.update(shop_status=None)
    return values


def _unreadable_row(
    account: str, order_id: str, raw, error: OrderParseError, seen_at: datetime
) -> dict[str, Any]:
    fulfillment = raw.get("fulfillment") if isinstance(raw.get("fulfillment"), Mapping) else {}
    return {
        "account": account,
        "amazon_order_id": order_id,
        "first_seen_at": seen_at,
        "marketplace_id": None,
        "fulfilled_by": fulfillment.get("fulfilledBy"),
        "status": str(fulfillment.get("fulfillmentStatus") or "UNREADABLE")[:32],
        "created_time": None,
        "last_updated_time": None,
        "last_seen_at": seen_at,
        "status_since": seen_at,
        "next_check_at": None,
        "importable_at": None,
        "snapshot": _dumps(raw),
        "pii_purged": False,
        "shop_state": ShopState.PARKED,
        "target_status": None,
        "park_reason": ParkReason.DATA,
        "last_error": str(error),
        "attempts": 0,
        "next_attempt_at": None,
        "shop_status": None,
    }


__all__ = [
    "Known",
    "LedgerOrder",
    "OrderBook",
    "Planner",
    "RecordResult",
    "Repair",
    "ShopOutcome",
    "SnapshotPlan",
]


# Hot-path statements, built once (building costs more than executing on SQLite).
_o = orders.c
_KNOWN = select(
    _o.id, _o.amazon_order_id, _o.status, _o.last_updated_time, _o.shop_state, _o.shop_status, _o.park_reason,
    _o.importable_at, _o.status_since, _o.next_check_at,
).where(
    _o.account == bindparam("account"), _o.amazon_order_id.in_(bindparam("ids", expanding=True))
).order_by(_o.id).with_for_update()  # fmt: skip
# Locked as read (PostgreSQL; SQLite's writers take turns), in the lock order: a shop outcome being written
# meanwhile is waited for, so the plan knows what the shop now holds (see `push._record_outcomes`).
_EVENT_INSERT = insert(order_events)
