"""What every pass works with: one account, the ledger, the shop, the clock, and the run's summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from amzorders.amazon.client import OrdersClient
from amzorders.amazon.governor import QuotaGovernor
from amzorders.amazon.models import Order
from amzorders.clock import Clock
from amzorders.ledger.bookkeeping import Bookkeeping
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

    @property
    def client(self) -> OrdersClient:
        return self.client_factory()

    def plan(self, order: Order, known: Known | None) -> SnapshotPlan:
        return plan_snapshot(order, known, fba_import_at_unshipped=self.settings.fba_import_at_unshipped)

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
