"""`Bookkeeping`: accounts, sync cursors, runs, reconciliation reports and account locks.

The cursor only moves forward (`advance_cursor` keeps the later of the two positions), in the same
transaction as the window's last page, so a crash can never leave it ahead of what was recorded.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from amzorders.ledger.schema import (
    account_locks,
    account_marketplaces,
    accounts,
    reconciliation_reports,
    runs,
    sweep_cursors,
    sync_cursors,
    sync_memory,
)

INCREMENTAL, LATE_SWEEP = "incremental", "late_sweep"  # the two cursors of a marketplace group
RUN_COUNTERS = ("pages", "api_calls", "orders_seen", "created", "updated", "cancelled", "failed", "parked")


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where a marketplace group stands on Amazon's lastUpdatedTime clock (None: not yet) and what the
    import learned about it (`sync_memory`)."""

    incremental: datetime | None = None
    late_sweep: datetime | None = None
    settled: tuple[datetime, datetime] | None = None  # the incremental's settled stretch (start, end)
    density: float | None = None  # rows per second of lastUpdatedTime, near the edge
    sweep_density: float | None = None  # the same, where the late-index sweep reads
    lagged_since: datetime | None = None  # the import reads only up to the sweep's lag since then


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    account: str
    day: date
    created_at: datetime
    problems: int
    unrepaired: int
    report: dict[str, Any]


def _report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True, default=str)


def _stored_report(r: Any) -> StoredReport:
    return StoredReport(r.id, r.account, r.day, r.created_at, r.problems, r.unrepaired, json.loads(r.report))


class Bookkeeping:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- Accounts ---------------------------------------------------------------------------------------

    def ensure_account(
        self, name: str, seller_id: str, marketplace_ids: Sequence[str], *, at: datetime
    ) -> None:
        with self.engine.begin() as conn:
            known = conn.execute(select(accounts.c.seller_id).where(accounts.c.name == name)).first()
            if known is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(accounts).values(name=name, seller_id=seller_id, created_at=at))
                except IntegrityError:
                    pass  # created concurrently
            elif known.seller_id != seller_id:
                conn.execute(update(accounts).where(accounts.c.name == name).values(seller_id=seller_id))
            have = set(
                conn.execute(
                    select(account_marketplaces.c.marketplace_id).where(
                        account_marketplaces.c.account == name
                    )
                ).scalars()
            )
            for marketplace_id in sorted(set(marketplace_ids) - have):
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(account_marketplaces).values(account=name, marketplace_id=marketplace_id)
                        )
                except IntegrityError:
                    pass

    # --- Cursors ----------------------------------------------------------------------------------------

    def cursor(self, account: str, group: str, *, kind: str = INCREMENTAL) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(
                _cursor_statements(kind).read, {"b_account": account, "b_group": group}
            ).scalar()

    def state(self, account: str, group: str) -> SyncState:
        """The cursors and the memory of a marketplace group, in one query (read at the start of every
        import run)."""
        with self.engine.connect() as conn:
            row = conn.execute(_STATE, {"b_account": account, "b_group": group}).one()
        start, end = row.settled_start, row.settled_end
        return SyncState(
            incremental=row.incremental,
            late_sweep=row.late_sweep,
            settled=(start, end) if start is not None and end is not None else None,
            density=row.density,
            sweep_density=row.sweep_density,
            lagged_since=row.lagged_since,
        )

    @staticmethod
    def remember(conn: Connection, account: str, group: str, *, at: datetime, **columns: Any) -> None:
        """Write some columns of the group's `sync_memory` row, inside the caller's transaction (usually
        the one moving a cursor). One writer at a time: the import, under the account's lock."""
        statements = _memory_statements(tuple(sorted(columns)))
        params = {"b_account": account, "b_group": group, "updated_at": at, **columns}
        if conn.execute(statements.update, params).rowcount:
            return
        try:
            with conn.begin_nested():
                conn.execute(statements.insert, params)
        except IntegrityError:  # written meanwhile by a run that took over an expired lock
            conn.execute(statements.update, params)

    @staticmethod
    def advance_cursor(
        conn: Connection,
        account: str,
        group: str,
        position: datetime,
        *,
        at: datetime,
        known: datetime | bool | None = True,
        kind: str = INCREMENTAL,
    ) -> None:
        """Move the cursor to `position` unless it is already later (a conditional UPDATE: never back).

        `known` is the position the caller read earlier (None: there was no cursor yet, so one is
        created); leave it True when unknown and one extra query finds out."""
        statements = _cursor_statements(kind)
        params = {"b_account": account, "b_group": group, "b_position": position, "b_at": at}
        if known is True:
            known = conn.execute(statements.read, {"b_account": account, "b_group": group}).scalar()
        if known is None:
            try:
                with conn.begin_nested():
                    conn.execute(statements.insert, params)
                return
            except IntegrityError:
                pass  # another run created it meanwhile: fall through to the conditional update
        conn.execute(statements.update, params)

    # --- Runs -------------------------------------------------------------------------------------------

    def record_run(self, **values: Any) -> int:
        """Record a finished run (see `RunSummary.ledger_values`)."""
        with self.engine.begin() as conn:
            return conn.execute(_RUN_INSERT, values).scalar_one()

    def recent_runs(
        self, *, account: str | None = None, kind: str | None = None, limit: int = 20
    ) -> list[dict]:
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if account is not None:
            query = query.where(runs.c.account == account)
        if kind is not None:
            query = query.where(runs.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # --- Reconciliation reports -------------------------------------------------------------------------

    def save_report(
        self, account: str, day: date, report: dict[str, Any], *, problems: int, unrepaired: int, at: datetime
    ) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                insert(reconciliation_reports)
                .values(
                    account=account,
                    day=day,
                    created_at=at,
                    problems=problems,
                    unrepaired=unrepaired,
                    report=_report_json(report),
                )
                .returning(reconciliation_reports.c.id)
            ).scalar_one()

    def update_report(
        self, report_id: int, report: dict[str, Any], *, problems: int, unrepaired: int, at: datetime
    ) -> None:
        """Rewrite a report that a later run completed (a reconciliation resumed where quota stopped it)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(reconciliation_reports)
                .where(reconciliation_reports.c.id == report_id)
                .values(
                    created_at=at,
                    problems=problems,
                    unrepaired=unrepaired,
                    report=_report_json(report),
                )
            )

    def latest_reports(self, account: str, *, since: date) -> list[StoredReport]:
        """The latest report of each day from `since` on, newest day first."""
        latest: dict[date, StoredReport] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(_LATEST_REPORTS, {"b_account": account, "b_since": since}):
                if r.day not in latest:
                    latest[r.day] = _stored_report(r)
        return list(latest.values())

    def reports(
        self, *, account: str | None = None, day: date | None = None, limit: int = 20
    ) -> list[StoredReport]:
        c = reconciliation_reports.c
        query = select(reconciliation_reports).order_by(c.id.desc()).limit(limit)
        if account is not None:
            query = query.where(c.account == account)
        if day is not None:
            query = query.where(c.day == day)
        with self.engine.connect() as conn:
            return [_stored_report(r) for r in conn.execute(query)]

    # --- Account locks ----------------------------------------------------------------------------------

    def try_lock(self, account: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take the account's lock, or a lock whose holder let it expire (crashed); False if held.

        One atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`) on both engines.
        """
        params = {"b_account": account, "b_holder": holder, "b_now": now, "b_expires": now + ttl}
        with self.engine.begin() as conn:
            return conn.execute(_lock_statement(self.engine.dialect.name), params).first() is not None

    @staticmethod
    def refresh_lock(conn: Connection, account: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Extend the lock (heartbeat, in the caller's transaction); False if it was lost to another."""
        return bool(
            conn.execute(
                _LOCK_REFRESH, {"b_account": account, "b_holder": holder, "b_expires": now + ttl}
            ).rowcount
        )

    def release_lock(self, account: str, holder: str, *, run: dict[str, Any] | None = None) -> int | None:
        """Release the lock and, in the same transaction, record the finished run (returns its id)."""
        with self.engine.begin() as conn:
            conn.execute(_LOCK_RELEASE, {"b_account": account, "b_holder": holder})
            if run is not None:
                return conn.execute(_RUN_INSERT, run).scalar_one()
        return None


# Hot-path statements, built once: constructing a statement costs more than executing it on SQLite, and
# a simulated month runs these tens of thousands of times.
_l = account_locks.c
CURSOR_TABLES = {INCREMENTAL: sync_cursors, LATE_SWEEP: sweep_cursors}


@dataclass(frozen=True, slots=True)
class _CursorStatements:
    read: Any
    insert: Any
    update: Any


@functools.cache
def _cursor_statements(kind: str) -> _CursorStatements:
    table = CURSOR_TABLES[kind]
    c = table.c
    where = _at_group(table)
    return _CursorStatements(
        read=select(c.position).where(*where),
        insert=insert(table).values(
            account=bindparam("b_account"),
            marketplace_group=bindparam("b_group"),
            position=bindparam("b_position"),
            updated_at=bindparam("b_at"),
        ),
        update=update(table)
        .where(*where, c.position < bindparam("b_position"))
        .values(position=bindparam("b_position"), updated_at=bindparam("b_at")),
    )


def _at_group(table):
    return (table.c.account == bindparam("b_account"), table.c.marketplace_group == bindparam("b_group"))


def _current(column):
    return select(column).where(*_at_group(column.table)).scalar_subquery()


_m = sync_memory.c
_STATE = select(
    _current(sync_cursors.c.position).label("incremental"),
    _current(sweep_cursors.c.position).label("late_sweep"),
    *(
        _current(c).label(c.name)
        for c in (_m.settled_start, _m.settled_end, _m.density, _m.sweep_density, _m.lagged_since)
    ),
)


@dataclass(frozen=True, slots=True)
class _MemoryStatements:
    insert: Any
    update: Any


@functools.cache
def _memory_statements(columns: tuple[str, ...]) -> _MemoryStatements:
    values = {name: bindparam(name) for name in (*columns, "updated_at")}
    return _MemoryStatements(
        insert=insert(sync_memory).values(
            account=bindparam("b_account"), marketplace_group=bindparam("b_group"), **values
        ),
        update=update(sync_memory).where(*_at_group(sync_memory)).values(**values),
    )


_RUN_INSERT = insert(runs).returning(runs.c.id)
_r = reconciliation_reports.c
# Read every few minutes by the import (does a reconciliation wait for spare quota?).
_LATEST_REPORTS = (
    select(reconciliation_reports)
    .where(_r.account == bindparam("b_account"), _r.day >= bindparam("b_since"))
    .order_by(_r.day.desc(), _r.id.desc())
)
_LOCK_REFRESH = (
    update(account_locks)
    .where(_l.account == bindparam("b_account"), _l.holder == bindparam("b_holder"))
    .values(expires_at=bindparam("b_expires"))
)
_LOCK_RELEASE = delete(account_locks).where(
    _l.account == bindparam("b_account"), _l.holder == bindparam("b_holder")
)


@functools.cache
def _lock_statement(dialect: str):
    upsert = pg_insert(account_locks) if dialect == "postgresql" else sqlite_insert(account_locks)
    upsert = upsert.values(
        account=bindparam("b_account"), holder=bindparam("b_holder"), acquired_at=bindparam("b_now"),
        expires_at=bindparam("b_expires"),
    )  # fmt: skip
    return upsert.on_conflict_do_update(
        index_elements=[_l.account],
        set_={
            "holder": upsert.excluded.holder,
            "acquired_at": upsert.excluded.acquired_at,
            "expires_at": upsert.excluded.expires_at,
        },
        where=_l.expires_at <= upsert.excluded.acquired_at,
    ).returning(_l.holder)  # a row back only when we inserted or took over an expired lock
