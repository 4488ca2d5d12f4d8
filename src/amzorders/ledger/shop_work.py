"""The shop side of the orders table: what is due, what the shop answered, repairs, manual parks, and
the pending watch's bookkeeping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.engine import Connection

from amzorders.ledger.batch import execute_many, group_by_keys, not_newer_than, update_by_id
from amzorders.ledger.order_reads import LedgerOrder
from amzorders.ledger.schema import order_events, orders
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.shops.port import ShopOrderStatus

_DUE_STATES = (ShopState.TO_CREATE, ShopState.TO_UPDATE)
_RETRY_STATES = (ShopState.FAILED, ShopState.PARKED, ShopState.PREVIOUS)  # due once next_attempt_at is


@dataclass(frozen=True, slots=True)
class ShopOutcome:
    """The result of one shop call for one order, written back by `record_shop_outcomes`."""

    order_id: int
    shop_state: ShopState
    event: str
    detail: str | None = None
    shop_status: str | None = None
    shop_reference: str | None = None
    shop_created_at: datetime | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    park_reason: str | None = None
    # What the shop call acted on: the outcome is written only while the row still holds it (None:
    # unconditionally).
    acted_on: ActedOn | None = None
    target_status: str | None = None  # set by a re-plan (`push._replanned`); None: the row's stays


@dataclass(frozen=True, slots=True)
class ActedOn:
    """What a shop call acted on, as the push read the row: Amazon's version of the order and the shop
    plan. Another pass can change either during the call: the import records a newer version (planned
    without what the call did in the shop), the reconciliation repairs the plan, a human parks the order."""

    last_updated_time: datetime | None
    status: str
    shop_state: str
    target_status: str | None
    shop_reference: str | None
    shop_status: str | None
    park_reason: str | None

    @classmethod
    def of(cls, row: Any) -> ActedOn:
        """From a ledger row (a `LedgerOrder` or a result row with these columns)."""
        return cls(
            row.last_updated_time,
            row.status,
            row.shop_state,
            row.target_status,
            row.shop_reference,
            row.shop_status,
            row.park_reason,
        )


@dataclass(frozen=True, slots=True)
class MovedOn:
    """An outcome not written: the row changed while the shop call ran (`ActedOn`), so its plan was made
    without what this call did in the shop. The caller plans the outcome again from the row as it is."""

    outcome: ShopOutcome
    now: ActedOn  # the row as it stands (what a re-planned outcome acts on)
    fulfilled_by: str | None
    last_error: str | None  # the row's (a park's reason, in words)
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Repair:
    """Reconciliation's instruction: move an order back onto the shop's to-do list."""

    order_id: int
    shop_state: ShopState
    target_status: ShopOrderStatus | None
    reason: str
    shop_reference: str | None  # what the shop really holds (None: the shop lost it, create it again)
    shop_status: ShopOrderStatus | None
    # The Amazon version the repair was planned from: a row holding a newer one (recorded by the import
    # during the reconciliation) is left to its own plan.
    compared_version: datetime | None = None


class ShopWork:
    engine: Engine

    # --- Pushing to the shop ----------------------------------------------------------------------------

    def due_for_shop(
        self,
        account: str,
        now: datetime,
        *,
        after_id: int = 0,
        limit: int = 200,
        only_ids: Sequence[int] | None = None,
    ) -> list[LedgerOrder]:
        """Orders whose shop side must move now (to create, to update, failed or auto-retried parks), by id.

        Two index range scans (to-do states; retries that are due) rather than one OR, which SQLite would
        answer by reading every order of the account."""
        params = {"account": account, "now": now, "after_id": after_id, "limit": limit}
        with self.engine.connect() as conn:
            if only_ids is not None:
                query = _DUE_AMONG.params(ids=list(only_ids))
                return [LedgerOrder(**row._mapping) for row in conn.execute(query, params)]
            todo = conn.execute(_DUE_TODO, params).all()
            retry = conn.execute(_DUE_RETRY, params).all()
        rows = sorted([*todo, *retry], key=lambda row: row.id)[:limit]
        return [LedgerOrder(**row._mapping) for row in rows]

    def has_due(self, account: str, now: datetime) -> bool:
        """Cheap check before a push run: is any order of the account due for the shop?"""
        with self.engine.connect() as conn:
            return bool(conn.execute(_HAS_DUE, {"account": account, "now": now}).scalar())

    def record_shop_outcomes(
        self,
        outcomes: Sequence[ShopOutcome],
        *,
        at: datetime,
        also: Callable[[Connection], None] | None = None,
    ) -> list[MovedOn]:
        """Write what the shop answered, in one transaction; returns the outcomes left unwritten because
        the row changed during the shop call (`ActedOn`: a newer Amazon version, a repair, a park by
        hand): the caller plans them again with what the shop now holds (`push`). `also` runs first in
        the same transaction (the run's lock heartbeat: a run whose lock was taken over writes nothing)."""
        if not outcomes:
            return []
        outcomes = sorted(outcomes, key=lambda o: o.order_id)  # the ledger's lock order: see `OrderBook`
        moved: list[MovedOn] = []
        with self.engine.begin() as conn:
            if also is not None:
                also(conn)
            current = {
                row.id: row for row in conn.execute(_VERSIONS, {"ids": [o.order_id for o in outcomes]})
            }
            kept = []
            for o in outcomes:
                row = current.get(o.order_id)
                now = ActedOn.of(row) if row is not None else None
                if o.acted_on is None or now is None or now == o.acted_on:
                    kept.append(o)
                else:
                    moved.append(MovedOn(o, now, row.fulfilled_by, row.last_error, row.next_attempt_at))
            if kept:
                for keys, rows in group_by_keys([_outcome_row(o) for o in kept]).items():
                    execute_many(conn, update_by_id(keys, guard_last_updated=False), rows)
                execute_many(conn, _EVENT_INSERT, [_outcome_event(o, at) for o in kept])
        return moved

    def record_unwritten(self, outcomes: Sequence[ShopOutcome], *, at: datetime) -> None:
        """Log in the orders' histories the shop calls whose outcome is not written (the row changed
        meanwhile and its new plan stands): what the call did, so that its history says it."""
        if outcomes:
            with self.engine.begin() as conn:
                execute_many(conn, _EVENT_INSERT, [_outcome_event(o, at) for o in outcomes])

    def apply_repairs(
        self, repairs: Sequence[Repair], *, at: datetime, also: Callable[[Connection], None] | None = None
    ) -> set[int]:
        """Put orders back on the shop's to-do list (reconciliation), in one transaction; the ids of the
        rows repaired. A row that holds a newer Amazon version than the repair's `compared_version` is
        left as it is: its plan (a cancellation recorded meanwhile) must not be replaced by an older one."""
        if not repairs:
            return set()
        c = orders.c
        applied: set[int] = set()
        with self.engine.begin() as conn:
            if also is not None:
                also(conn)  # the reconciliation's lock heartbeat, as for outcomes
            for repair in sorted(repairs, key=lambda r: r.order_id):  # lock order: see `OrderBook`
                values: dict[str, Any] = {
                    "shop_state": repair.shop_state,
                    "target_status": repair.target_status,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "last_error": None,
                    "park_reason": None,
                }
                values.update(shop_reference=repair.shop_reference, shop_status=repair.shop_status)
                if repair.shop_reference is None:
                    values.update(shop_created_at=None)
                statement = update(orders).where(c.id == repair.order_id)
                if repair.compared_version is not None:
                    statement = statement.where(not_newer_than(repair.compared_version))
                if conn.execute(statement.values(values)).rowcount:
                    applied.add(repair.order_id)
            events = [
                {"order_id": r.order_id, "at": at, "kind": "repair", "status": None, "detail": r.reason}
                for r in repairs
                if r.order_id in applied
            ]
            if events:
                conn.execute(insert(order_events), events)
        return applied

    def park(self, account: str, amazon_order_id: str, reason: str, *, at: datetime) -> bool:
        """A human parks an order (it stays visible, nothing is tried until `retry`)."""
        return self._set_manual(
            account,
            amazon_order_id,
            at,
            "parked by hand",
            dict(
                shop_state=ShopState.PARKED,
                park_reason=ParkReason.REJECTED,
                last_error=reason,
                next_attempt_at=None,
            ),
        )

    def retry(self, account: str, amazon_order_id: str, *, at: datetime) -> bool:
        """Make a failed or parked order due now."""
        return self._set_manual(
            account, amazon_order_id, at, "retry asked", dict(next_attempt_at=at, attempts=0)
        )

    def _set_manual(self, account, amazon_order_id, at, detail, values) -> bool:
        c = orders.c
        with self.engine.begin() as conn:
            row_id = conn.execute(
                select(c.id).where(c.account == account, c.amazon_order_id == amazon_order_id)
            ).scalar()
            if row_id is None:
                return False
            conn.execute(update(orders).where(c.id == row_id).values(values))
            conn.execute(insert(order_events).values(order_id=row_id, at=at, kind="manual", detail=detail))
            return True

    # --- Pending watch ----------------------------------------------------------------------------------

    def pending_to_watch(
        self, account: str, *, statuses: Sequence[str], unchanged_since: datetime, now: datetime, limit: int
    ) -> list[tuple[int, str, datetime]]:
        """Orders in `statuses` unchanged since `unchanged_since` and due for a re-read at `now`, never read
        first, then the longest waiting: (id, Amazon order id, in this status since)."""
        c = orders.c
        query = (
            select(c.id, c.amazon_order_id, c.status_since)
            .where(c.account == account, c.status.in_(list(statuses)), c.status_since <= unchanged_since)
            .where(or_(c.next_check_at.is_(None), c.next_check_at <= now))
            .order_by(c.next_check_at.is_not(None), c.next_check_at, c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(row.id, row.amazon_order_id, row.status_since) for row in conn.execute(query)]

    def mark_checked(self, checks: Sequence[tuple[int, datetime]], at: datetime) -> None:
        """Record the pending watch's reads: (order id, when it may be read again)."""
        if checks:
            with self.engine.begin() as conn:
                self.mark_checked_in(conn, checks, at)

    @staticmethod
    def mark_checked_in(conn: Connection, checks: Sequence[tuple[int, datetime]], at: datetime) -> None:
        """`mark_checked` in the caller's transaction (beside the snapshots those reads brought)."""
        if checks:
            rows = [
                {"_id": order_id, "last_checked_at": at, "next_check_at": again} for order_id, again in checks
            ]
            execute_many(
                conn, update_by_id(("last_checked_at", "next_check_at"), guard_last_updated=False), rows
            )


_o = orders.c
_EVENT_INSERT = insert(order_events)
_TODO = and_(_o.account == bindparam("account"), _o.shop_state.in_(_DUE_STATES))
_RETRY = and_(
    _o.account == bindparam("account"),
    _o.shop_state.in_(_RETRY_STATES),
    _o.next_attempt_at <= bindparam("now"),
)
_HAS_DUE = select(or_(exists().where(_TODO), exists().where(_RETRY)))
_DUE_TODO = (
    select(orders).where(_TODO, _o.id > bindparam("after_id")).order_by(_o.id).limit(bindparam("limit"))
)
_DUE_RETRY = (
    select(orders).where(_RETRY, _o.id > bindparam("after_id")).order_by(_o.id).limit(bindparam("limit"))
)
_DUE_AMONG = (
    select(orders)
    .where(_o.id.in_(bindparam("ids", expanding=True)), _o.id > bindparam("after_id"), or_(_TODO, _RETRY))
    .order_by(_o.id)
    .limit(bindparam("limit"))
)


def _outcome_row(o: ShopOutcome) -> dict[str, Any]:
    row = {
        "_id": o.order_id,
        "shop_state": o.shop_state,
        "shop_status": o.shop_status,
        "shop_reference": o.shop_reference,
        "shop_created_at": o.shop_created_at,
        "attempts": o.attempts,
        "next_attempt_at": o.next_attempt_at,
        "last_error": o.last_error,
        "park_reason": o.park_reason,
    }
    if o.target_status is not None:
        row["target_status"] = o.target_status
    return row


def _outcome_event(o: ShopOutcome, at: datetime) -> dict[str, Any]:
    return {"order_id": o.order_id, "at": at, "kind": o.event, "status": o.shop_status, "detail": o.detail}


# What the rows hold, locked until the outcomes are written (PostgreSQL; SQLite's writers take turns).
_VERSIONS = (
    select(
        _o.id,
        _o.last_updated_time,
        _o.status,
        _o.fulfilled_by,
        _o.shop_state,
        _o.target_status,
        _o.shop_reference,
        _o.shop_status,
        _o.park_reason,
        _o.last_error,
        _o.next_attempt_at,
    )
    .where(_o.id.in_(bindparam("ids", expanding=True)))
    .order_by(_o.id)
    .with_for_update()
)
