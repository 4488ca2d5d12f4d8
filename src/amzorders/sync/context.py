"""What every pass works with: one account, the ledger, the shop, the clock, and the run's summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from amzorders.amazon.client import OrdersClient
from amzorders.amazon.constants import SEARCH_ORDERS
from amzorders.amazon.governor import Priority, QuotaGovernor
from amzorders.amazon.models import Order
from amzorders.clock import Clock
from amzorders.ledger.bookkeeping import Bookkeeping, SyncState
from amzorders.ledger.orders import Known, OrderBook, RecordResult, SnapshotPlan
from amzorders.shops.port import Shop
from amzorders.sync.cursor import SettledStretch, WindowDensity
from amzorders.sync.rules import plan_snapshot
from amzorders.sync.settings import AccountSettings, SyncSettings
from amzorders.sync.summary import RunSummary


class LockLost(RuntimeError):
    """Another run took this account's lock (ours expired): stop before doing anything twice."""


@dataclass
class PassContext:
    account: AccountSettings
    orders: OrderBook
    books: Bookkeeping
    shop: Shop
    clock: Clock
    settings: SyncSettings
    governor: QuotaGovernor
    client_factory: Callable[[], OrdersClient]
    lock_key: str
    lock_holder: str
    summary: RunSummary
    lock_refreshed_at: datetime | None = None  # when the lock was taken or last extended
    # What the account's recent incremental windows held (sizes the next ones); kept by the engine.
    density: WindowDensity = field(default_factory=WindowDensity)
    sweep_density: WindowDensity = field(default_factory=WindowDensity)  # the late-index sweep's own
    settled: SettledStretch = field(default_factory=SettledStretch)  # what the sweep may jump over
    stored: SyncState = field(default_factory=SyncState)  # what the ledger last heard of all that
    # The push, for the incremental import to run while it waits long for quota (`before_waiting`).
    while_waiting: Callable[[], RunSummary] | None = None
    published: int = 0  # shop orders created, updated or cancelled by those pushes
    accounts_on_bucket: int = 1  # configured accounts sharing this seller's quota buckets (this one too)
    reconciliation_waits: bool = False  # a day's reconciliation stopped short, to go on on spare quota

    def restore(self, state: SyncState) -> None:
        """Start from what the ledger remembers where this process has not learnt better itself (a cron
        job started per run knows nothing): the settled stretch and the densities."""
        self.stored = state
        if state.settled is not None:
            self.settled = SettledStretch(*state.settled)
        if self.density.rows_per_s is None:
            self.density.rows_per_s = state.density
        if self.sweep_density.rows_per_s is None:
            self.sweep_density.rows_per_s = state.sweep_density

    def remember(self, conn: Connection, settled: SettledStretch | None = None, **changed: Any) -> None:
        """Store, inside the caller's transaction (a cursor move, or a switch of the reading mode), what
        changed since the ledger last heard: a new settled stretch, the `changed` columns, and a density
        that moved by more than a fifth (an estimate: its noise is not worth a write per run)."""
        columns: dict[str, Any] = dict(changed)
        if settled is not None:
            columns.update(settled_start=settled.start, settled_end=settled.end)
        learnt = {"density": self.density.rows_per_s, "sweep_density": self.sweep_density.rows_per_s}
        for name, rows_per_s in learnt.items():
            if _moved(getattr(self.stored, name), rows_per_s):
                columns[name] = rows_per_s
        if not columns:
            return
        account = self.account
        self.books.remember(conn, account.name, account.marketplace_group, at=self.clock.now(), **columns)
        self.stored = replace(
            self.stored,
            settled=(settled.start, settled.end) if settled is not None else self.stored.settled,
            **{name: value for name, value in columns.items() if not name.startswith("settled_")},
        )

    def before_waiting(self, priority: Priority) -> None:
        """Run `while_waiting` when the next searchOrders token is `push_while_waiting_s` away or more:
        the pages recorded so far reach the shop during the wait (the push is its own locked run)."""
        threshold = self.settings.push_while_waiting_s
        if self.while_waiting is None or threshold is None:
            return
        if self.governor.wait_time(self.account.seller_id, SEARCH_ORDERS, priority=priority) < threshold:
            return
        pushed = self.while_waiting()
        self.published += pushed.created + pushed.updated + pushed.cancelled

    @property
    def client(self) -> OrdersClient:
        return self.client_factory()

    def plan(self, order: Order, known: Known | None) -> SnapshotPlan:
        """The rules' plan; what they say a human must do goes into the run's problems (its log line
        is then a warning), once even if the page's transaction runs again."""
        plan = plan_snapshot(
            order,
            known,
            fba_import_at_unshipped=self.settings.fba_import_at_unshipped,
            switch_over_at=self.settings.switch_over_at,
            previous_took=self.settings.previous_importer_took,
        )
        if plan.attention is not None and plan.attention not in self.summary.problems:
            self.summary.problems.append(plan.attention)
        return plan

    def heartbeat(self, conn: Connection) -> None:
        """Extend the account lock inside the caller's transaction; abort it if the lock was lost.

        Skipped while the lock is young: it cannot have expired (nor been taken over) before half its
        time to live, so quick runs pay nothing for it.
        """
        now = self.clock.now()
        if self.lock_refreshed_at is not None and now - self.lock_refreshed_at < self.settings.lock_ttl / 2:
            return
        if not self.books.refresh_lock(
            conn, self.lock_key, self.lock_holder, now=now, ttl=self.settings.lock_ttl
        ):
            raise LockLost(f"lock {self.lock_key}: it expired and was taken by another run")
        self.lock_refreshed_at = now

    def record(
        self, raw_orders: Sequence[Mapping[str, Any]], *, also: Callable[[Connection], None] | None = None
    ) -> RecordResult:
        """Record orders from Amazon in one transaction (with the lock heartbeat) and count them."""

        def in_transaction(conn: Connection) -> None:
            self.heartbeat(conn)
            if also is not None:
                also(conn)

        result = self.orders.record_snapshots(
            self.account.name, raw_orders, seen_at=self.clock.now(), planner=self.plan, also=in_transaction
        )
        self.summary.orders_seen += result.seen
        self.summary.new_orders += result.new
        self.summary.changed_orders += result.changed
        if result.unreadable:
            self.summary.parked += len(result.unreadable)
            self.summary.problems.extend(result.unreadable)
        return result


def _moved(stored: float | None, learnt: float | None) -> bool:
    if learnt is None:
        return False
    if stored is None or stored <= 0:
        return learnt != stored
    return abs(learnt - stored) > stored / 5
