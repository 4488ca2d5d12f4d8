"""Reading the orders table and its event log (the CLI, the dashboard, reconciliation, tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from amzorders import jsoncodec
from amzorders.ledger.schema import order_events, orders


@dataclass(frozen=True, slots=True)
class LedgerOrder:
    id: int
    account: str
    amazon_order_id: str
    marketplace_id: str | None
    status: str
    fulfilled_by: str | None
    created_time: datetime | None
    last_updated_time: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    status_since: datetime
    last_checked_at: datetime | None
    next_check_at: datetime | None
    importable_at: datetime | None
    shop_state: str
    target_status: str | None
    shop_status: str | None
    shop_reference: str | None
    shop_created_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    park_reason: str | None
    snapshot: str
    pii_purged: bool

    def raw(self) -> dict[str, Any]:
        return jsoncodec.loads(self.snapshot)


@dataclass(frozen=True, slots=True)
class ShopStanding:
    id: int
    shop_state: str
    shop_status: str | None
    shop_reference: str | None
    park_reason: str | None
    last_error: str | None


class OrderReads:
    engine: Engine

    def get(self, account: str, amazon_order_id: str) -> LedgerOrder | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(orders).where(orders.c.account == account, orders.c.amazon_order_id == amazon_order_id)
            ).first()
        return LedgerOrder(**row._mapping) if row else None

    def shop_standing(self, account: str, amazon_order_ids: Sequence[str]) -> dict[str, ShopStanding]:
        """Where these orders stand with the shop, by Amazon id (what a reconciliation compares): only
        the columns it needs, as it reads every order of a day."""
        o = orders.c
        standing = (o.id, o.shop_state, o.shop_status, o.shop_reference, o.park_reason, o.last_error)
        found: dict[str, ShopStanding] = {}
        ids = list(amazon_order_ids)
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = select(o.amazon_order_id, *standing).where(
                    o.account == account, o.amazon_order_id.in_(ids[start : start + 500])
                )
                found.update({row[0]: ShopStanding(*row[1:]) for row in conn.execute(query)})
        return found

    def creation_boundary(
        self, account: str, after: datetime, before: datetime, rows: int
    ) -> datetime | None:
        """Where a stretch of creation time from `after` holds `rows` of the ledger's orders: the creation
        time of the next one (None: fewer than that before `before`). The ledger knows nearly every
        order, so a reconciliation cuts the day into pieces of about a page each with it."""
        o = orders.c
        query = (
            select(o.created_time)
            .where(o.account == account, o.created_time >= after, o.created_time < before)
            .order_by(o.created_time)
            .offset(rows)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def iter_orders(
        self, account: str | None = None, *, shop_state: str | None = None, batch_size: int = 1000
    ) -> Iterator[LedgerOrder]:
        last_id = 0
        while True:
            query = select(orders).where(orders.c.id > last_id)
            if account is not None:
                query = query.where(orders.c.account == account)
            if shop_state is not None:
                query = query.where(orders.c.shop_state == shop_state)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(orders.c.id).limit(batch_size)).all()
            if not rows:
                return
            yield from (LedgerOrder(**row._mapping) for row in rows)
            last_id = rows[-1].id

    def count_by_state(self, account: str | None = None) -> dict[str, int]:
        query = select(orders.c.shop_state, func.count()).group_by(orders.c.shop_state)
        if account is not None:
            query = query.where(orders.c.account == account)
        with self.engine.connect() as conn:
            return {state: int(n) for state, n in conn.execute(query)}

    def events(self, account: str, amazon_order_id: str) -> list[dict[str, Any]]:
        query = (
            select(order_events.c.at, order_events.c.kind, order_events.c.status, order_events.c.detail)
            .join(orders, orders.c.id == order_events.c.order_id)
            .where(orders.c.account == account, orders.c.amazon_order_id == amazon_order_id)
            .order_by(order_events.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
