"""The quota governor's buckets in the ledger database: one budget for every process.

Cron runs are separate processes and may overlap; each grant is one short transaction that locks the
bucket's row before reading it (PostgreSQL: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE, which takes
the database's write lock up front), so two processes can never both spend the same token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from amzorders.amazon.bucket import BucketState
from amzorders.ledger.schema import quota_buckets

T = TypeVar("T")

_KEY = (quota_buckets.c.seller_id, quota_buckets.c.operation)


class SqlBucketStore:
    """`BucketStore` on the `quota_buckets` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def get(self, seller_id: str, operation: str) -> BucketState | None:
        with self._engine.connect() as conn:
            return _to_state(conn.execute(_select(seller_id, operation)).first())

    def update(
        self,
        seller_id: str,
        operation: str,
        change: Callable[[BucketState | None], tuple[BucketState, T]],
    ) -> T:
        # On PostgreSQL two processes may both find no row and both insert: the loser retries, and then
        # finds the row and waits on its lock like everybody else.
        for attempt in range(3):
            try:
                with self._engine.connect() as conn, conn.begin():
                    # `open_ledger` engines begin SQLite transactions IMMEDIATE already; a plain engine
                    # (pysqlite's deferred default) gets it here.
                    if self._sqlite and not conn.connection.driver_connection.in_transaction:
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                    return self._update_in(conn, seller_id, operation, change)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _update_in(
        self,
        conn: Connection,
        seller_id: str,
        operation: str,
        change: Callable[[BucketState | None], tuple[BucketState, T]],
    ) -> T:
        row = conn.execute(_select(seller_id, operation).with_for_update()).first()
        state, result = change(_to_state(row))
        values = {
            "tokens": state.tokens,
            "rate": state.rate,
            "burst": state.burst,
            "updated_at": state.updated_at,
            "blocked_until": state.blocked_until,
        }
        if row is None:
            conn.execute(insert(quota_buckets).values(seller_id=seller_id, operation=operation, **values))
        else:
            conn.execute(
                update(quota_buckets).where(_KEY[0] == seller_id, _KEY[1] == operation).values(**values)
            )
        return result


def _select(seller_id: str, operation: str):
    return select(
        quota_buckets.c.tokens,
        quota_buckets.c.rate,
        quota_buckets.c.burst,
        quota_buckets.c.updated_at,
        quota_buckets.c.blocked_until,
    ).where(_KEY[0] == seller_id, _KEY[1] == operation)


def _to_state(row) -> BucketState | None:
    if row is None:
        return None
    return BucketState(
        tokens=float(row.tokens),
        rate=float(row.rate),
        burst=int(row.burst),
        updated_at=_utc(row.updated_at),
        blocked_until=_utc(row.blocked_until) if row.blocked_until is not None else None,
    )


def _utc(value: datetime) -> datetime:
    # SQLite keeps no offset: the ledger writes UTC, so a naive value read back is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
