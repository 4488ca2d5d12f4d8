"""What the operator looks at, read from the ledger: account health, orders, reports, daily counts.

Read-only queries shared by `amzorders status`, `orders list|show`, the dashboard and `/metrics`, so all
three always tell the same story. Writes go through the sync engine and the ledger's own modules.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, select

from amzorders.ledger import schema as t
from amzorders.ledger.bookkeeping import StoredReport

PENDING_STATUSES = ("PENDING", "PENDING_AVAILABILITY")
STUCK_STATES = ("failed", "parked")


@dataclass(frozen=True, slots=True)
class LastRun:
    kind: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    created: int
    failed: int
    error: str | None


@dataclass(slots=True)
class AccountStatus:
    name: str
    seller_id: str
    cursor: datetime | None = None
    cursor_lag_s: float | None = None
    last_run: LastRun | None = None
    orders_seen: int = 0
    imported: int = 0
    pending: int = 0
    oldest_pending_age_s: float | None = None
    failed: int = 0
    parked: int = 0
    waiting_for_shop: int = 0
    left_to_previous_importer: int = 0  # switch-over: may be in the shop already, not created here
    quota_left: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__slots__}
        data["cursor"] = _iso(self.cursor)
        data["last_run"] = None
        if self.last_run:
            run = self.last_run
            data["last_run"] = {
                "kind": run.kind,
                "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at),
                "outcome": run.outcome,
                "created": run.created,
                "failed": run.failed,
                "error": run.error,
            }
        return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def account_status(engine: Engine, accounts: Sequence[tuple[str, str]], now: datetime) -> list[AccountStatus]:
    """Per (account name, seller id): cursor and lag, last run, pending/failed/parked, quota left."""
    result = []
    with engine.connect() as conn:
        for name, seller_id in accounts:
            status = AccountStatus(name=name, seller_id=seller_id)
            cursor = incremental_cursor(conn, name)
            if cursor is not None:
                status.cursor = cursor
                status.cursor_lag_s = max(0.0, (now - cursor).total_seconds())
            run = conn.execute(
                select(t.runs)
                .where(t.runs.c.account == name)
                .order_by(t.runs.c.started_at.desc(), t.runs.c.id.desc())
                .limit(1)
            ).first()
            if run is not None:
                status.last_run = LastRun(
                    run.kind, run.started_at, run.finished_at, run.outcome, run.created, run.failed, run.error
                )
            o = t.orders.c
            for state, count in conn.execute(
                select(o.shop_state, func.count()).where(o.account == name).group_by(o.shop_state)
            ):
                status.orders_seen += count
                if state == "failed":
                    status.failed = count
                elif state == "parked":
                    status.parked = count
                elif state == "to_create":
                    status.waiting_for_shop = count
                elif state == "previous":
                    status.left_to_previous_importer = count
            status.imported = conn.execute(
                select(func.count()).where(o.account == name, o.shop_reference.is_not(None))
            ).scalar_one()
            pending, oldest = conn.execute(
                select(func.count(), func.min(o.created_time)).where(
                    o.account == name, o.status.in_(PENDING_STATUSES)
                )
            ).one()
            status.pending = pending
            if oldest is not None:
                status.oldest_pending_age_s = max(0.0, (now - oldest).total_seconds())
            status.quota_left = quota_left(conn, seller_id, now)
            result.append(status)
    return result


def incremental_cursor(conn, account: str) -> datetime | None:
    """How far the incremental import has read Amazon's changes: its cursor furthest behind among the
    account's marketplace groups (None before the first run)."""
    c = t.sync_cursors.c
    return conn.execute(select(func.min(c.position)).where(c.account == account)).scalar()


def quota_left(conn, seller_id: str, now: datetime) -> dict[str, float]:
    """Tokens in each bucket now (refilled since the last write), as the governor would see them."""
    left = {}
    q = t.quota_buckets.c
    for row in conn.execute(select(t.quota_buckets).where(q.seller_id == seller_id)):
        updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=now.tzinfo)
        elapsed = max(0.0, (now - updated).total_seconds())
        left[row.operation] = round(min(float(row.burst), row.tokens + row.rate * elapsed), 2)
    return left


@dataclass(frozen=True, slots=True)
class OrderRow:
    account: str
    amazon_order_id: str
    status: str
    fulfilled_by: str | None
    created_time: datetime | None
    last_updated_time: datetime | None
    shop_state: str
    shop_reference: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    park_reason: str | None

    def age_s(self, now: datetime) -> float | None:
        return None if self.created_time is None else max(0.0, (now - self.created_time).total_seconds())

    def as_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__slots__}
        for key in ("created_time", "last_updated_time", "next_attempt_at"):
            data[key] = _iso(data[key])
        return data


_ORDER_COLUMNS = [
    t.orders.c[name]
    for name in (
        "account",
        "amazon_order_id",
        "status",
        "fulfilled_by",
        "created_time",
        "last_updated_time",
        "shop_state",
        "shop_reference",
        "attempts",
        "next_attempt_at",
        "last_error",
        "park_reason",
    )
]


def list_orders(
    engine: Engine,
    *,
    account: str | None = None,
    shop_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
    limit: int = 100,
) -> list[OrderRow]:
    """Newest first, filtered by account, shop state (created, failed, parked...) and Amazon status."""
    o = t.orders.c
    query = select(*_ORDER_COLUMNS).order_by(o.created_time.desc(), o.id.desc()).limit(limit)
    if account:
        query = query.where(o.account == account)
    if shop_states:
        query = query.where(o.shop_state.in_(list(shop_states)))
    if statuses:
        query = query.where(o.status.in_(list(statuses)))
    with engine.connect() as conn:
        return [OrderRow(*row) for row in conn.execute(query)]


def find_order(engine: Engine, amazon_order_id: str, account: str | None = None) -> OrderRow | None:
    o = t.orders.c
    query = select(*_ORDER_COLUMNS).where(o.amazon_order_id == amazon_order_id)
    if account:
        query = query.where(o.account == account)
    with engine.connect() as conn:
        row = conn.execute(query.limit(1)).first()
    return OrderRow(*row) if row else None


def order_events(engine: Engine, amazon_order_id: str, account: str) -> list[dict[str, Any]]:
    """The order's history, oldest first (`at` is an aware datetime)."""
    o, e = t.orders.c, t.order_events.c
    query = (
        select(e.at, e.kind, e.status, e.detail)
        .select_from(t.order_events.join(t.orders, e.order_id == o.id))
        .where(and_(o.amazon_order_id == amazon_order_id, o.account == account))
        .order_by(e.at, e.id)
    )
    with engine.connect() as conn:
        return [
            {"at": r.at, "kind": r.kind, "status": r.status, "detail": r.detail} for r in conn.execute(query)
        ]


def recent_reports(engine: Engine, limit: int = 10) -> list[StoredReport]:
    """The latest reconciliation reports; a report whose JSON cannot be read shows as empty (the dashboard
    must still load)."""
    r = t.reconciliation_reports.c
    query = select(t.reconciliation_reports).order_by(r.created_at.desc(), r.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for row in rows:
        try:
            report = json.loads(row.report)
        except ValueError:
            report = {}
        out.append(
            StoredReport(row.id, row.account, row.day, row.created_at, row.problems, row.unrepaired, report)
        )
    return out


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    on_amazon: int  # orders created that day that should be in the shop (importable or imported)
    in_shop: int  # of those, the ones the shop has


def daily_counts(engine: Engine, now: datetime, *, days: int = 14, tz: str = "UTC") -> list[DayCount]:
    """Per shop-time day: orders Amazon has for the shop (ever importable) vs orders the shop has."""
    zone = ZoneInfo(tz)
    start = now - timedelta(days=days + 1)
    o = t.orders.c
    query = select(o.created_time, o.importable_at, o.shop_reference, o.shop_state).where(
        o.created_time >= start
    )
    amazon: dict[date, int] = defaultdict(int)
    shop: dict[date, int] = defaultdict(int)
    with engine.connect() as conn:
        for created, importable_at, reference, state in conn.execute(query):
            day = created.astimezone(zone).date()
            if (
                importable_at is not None
                or reference is not None
                or state in ("failed", "parked", "to_create")
            ):
                amazon[day] += 1
            if reference is not None:
                shop[day] += 1
    today = now.astimezone(zone).date()
    counts = [
        DayCount(d, amazon.get(d, 0), shop.get(d, 0))
        for d in (today - timedelta(days=i) for i in range(days - 1, -1, -1))
    ]
    while len(counts) > 7 and counts[0].on_amazon == 0 and counts[0].in_shop == 0:
        counts.pop(0)  # a young deployment: no row of empty days before its first order
    return counts
