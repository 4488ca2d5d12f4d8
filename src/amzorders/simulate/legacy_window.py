"""The `legacy-window` strategy: the seed's documented design, run on the same client and shop as ours.

See `legacy_design` for the design and its settings. What it deliberately lacks, because the seed lacks
it: a ledger (it dedupes by looking the order up in the shop), a cursor on Amazon's update clock, quota
pacing (its governor grants at once; Amazon's 429s and the client's retries are all it has), status
updates and cancellations after import (an imported order is never looked at again).

Reading its report: `missing` is what it loses. `cancel_not_propagated` is real too (the seed never
cancels). `wrong_status` counts orders whose shop status stayed where the import left it while Amazon
moved on; with the seed, a merchant ships MERCHANT orders from the shop itself, so for those this column
says "not mirrored from Amazon" rather than "wrong in the merchant's eyes".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amzorders.amazon.client import OrdersClient, SearchQuery
from amzorders.amazon.constants import FulfilledBy, FulfillmentStatus
from amzorders.amazon.errors import AmazonError
from amzorders.amazon.governor import Priority
from amzorders.amazon.models import OrderParseError, parse_order
from amzorders.clock import Clock
from amzorders.shops.port import Shop, ShopError
from amzorders.sync.rules import DraftError, build_draft

from .legacy_design import LegacySettings
from .schedule import Job


class NoPacing:
    """A quota governor that never waits: the seed sends its requests when its cron says so."""

    def acquire(
        self, seller_id: str, operation: str, priority: Priority = Priority.INCREMENTAL, **_: object
    ) -> float:
        return 0.0

    def try_acquire(
        self, seller_id: str, operation: str, priority: Priority = Priority.INCREMENTAL, **_: object
    ) -> float:
        return 0.0

    def wait_time(
        self, seller_id: str, operation: str, tokens: int = 1, priority: Priority = Priority.INCREMENTAL
    ) -> float:
        return 0.0

    def tokens_left(self, seller_id: str, operation: str) -> float:
        return math.inf

    def observe_rate_limit(self, seller_id: str, operation: str, rate: float) -> None:
        pass

    def observe_throttle(self, seller_id: str, operation: str) -> None:
        pass


@dataclass(slots=True)
class LegacyRun:
    """What one legacy cron run did (the counterpart of the engine's RunSummary)."""

    kind: str
    account: str
    started_at: datetime
    finished_at: datetime | None = None
    window: tuple[datetime, datetime | None] | None = None
    pages: int = 0
    orders_seen: int = 0
    created: int = 0
    failed: int = 0
    outcome: str = "ok"
    error: str | None = None
    failures: list[str] = field(default_factory=list)


class LegacyWindowImporter:
    """The seed's importer for one seller account: a window cron plus `recheck` and `doublecheck`."""

    def __init__(
        self,
        *,
        account: str,
        marketplace_ids: tuple[str, ...],
        client: OrdersClient,
        shop: Shop,
        clock: Clock,
        settings: LegacySettings = LegacySettings(),
    ) -> None:
        self.account = account
        self.marketplace_ids = marketplace_ids
        self.client = client
        self.shop = shop
        self.clock = clock
        self.settings = settings
        self.last_run: datetime | None = None  # start of the last run that completed
        self._in_shop: set[str] = set()

    def run_window(self) -> LegacyRun:
        """The 30-minute cron: orders *created* since the last run (at most 24 h back) minus an overlap."""
        now = self.clock.now()
        run = LegacyRun("window", self.account, now)
        cap = now - self.settings.lookback_cap
        since = cap if self.last_run is None else max(self.last_run, cap)
        for channel in (FulfilledBy.MERCHANT, FulfilledBy.AMAZON):
            after = since - self.settings.overlap(channel)
            query = self._query(after, None, self.settings.query_statuses, channel)
            if not self._import(query, run, lambda status, ch=channel: self.settings.imports(ch, status)):
                break
        else:
            self.last_run = (
                now  # a failed run leaves the window where it was: the next run looks further back
            )
        return self._finish(run)

    def recheck(self) -> LegacyRun:
        """Daily: FBA orders Shipped, created 15 to 2 days ago (the seed's `&recheck=1`)."""
        return self._catch_up(
            "recheck", self.settings.recheck_window, FulfilledBy.AMAZON, FulfillmentStatus.SHIPPED
        )

    def doublecheck(self) -> LegacyRun:
        """Daily: MERCHANT orders Unshipped, created 7 to 1 days ago (the seed's `&doublecheck=1`)."""
        return self._catch_up(
            "doublecheck", self.settings.doublecheck_window, FulfilledBy.MERCHANT, FulfillmentStatus.UNSHIPPED
        )

    def jobs(self) -> list[Job]:
        s = self.settings
        return [
            Job(f"legacy-window:{self.account}", s.window_cron, self.run_window, rank=0),
            Job(f"legacy-recheck:{self.account}", s.recheck_cron, self.recheck, rank=1),
            Job(f"legacy-doublecheck:{self.account}", s.doublecheck_cron, self.doublecheck, rank=2),
        ]

    # -- internals ------------------------------------------------------------------------------------

    def _catch_up(
        self, kind: str, window: tuple[timedelta, timedelta], channel: str, status: str
    ) -> LegacyRun:
        now = self.clock.now()
        run = LegacyRun(kind, self.account, now)
        oldest, newest = window
        query = self._query(now - oldest, now - newest, (status,), channel)
        self._import(query, run, lambda seen: seen == status)
        return self._finish(run)

    def _query(
        self, after: datetime, before: datetime | None, statuses: tuple[str, ...], channel: str
    ) -> SearchQuery:
        return SearchQuery(
            marketplace_ids=self.marketplace_ids,
            created_after=after,
            created_before=before,
            fulfillment_statuses=tuple(statuses),
            fulfilled_by=(channel,),
            max_results_per_page=self.settings.max_results_per_page,
        )

    def _import(self, query: SearchQuery, run: LegacyRun, wanted: Callable[[str], bool]) -> bool:
        """Create every wanted order of the query's pages not yet in the shop; False if Amazon failed us."""
        if run.window is None:
            run.window = (query.created_after, query.created_before)  # type: ignore[assignment]
        try:
            for page in self.client.search_orders(query, priority=Priority.INCREMENTAL):
                run.pages += 1
                for raw in page.orders:
                    run.orders_seen += 1
                    self._import_one(raw, run, wanted)
        except AmazonError as exc:
            run.outcome, run.error = "error", str(exc)
            return False
        return True

    def _import_one(self, raw: dict, run: LegacyRun, wanted: Callable[[str], bool]) -> None:
        # The 2-day FBA window re-reads the same orders every 30 minutes: skip the ones already in the
        # shop (`_in_shop` remembers the shop's answers; a shop never forgets an order) before parsing.
        order_id = raw.get("orderId")
        if order_id in self._in_shop:
            return
        status = (raw.get("fulfillment") or {}).get("fulfillmentStatus")
        if status is not None and not wanted(status):
            return
        try:
            order = parse_order(raw)
            if not wanted(order.fulfillment_status):
                return
            if self.shop.find_by_amazon_id(order.order_id) is None:
                self.shop.create_order(build_draft(order, self.account))
                run.created += 1
            self._in_shop.add(order.order_id)
        except (OrderParseError, DraftError, ShopError) as exc:
            run.failed += 1
            run.failures.append(str(exc))

    def _finish(self, run: LegacyRun) -> LegacyRun:
        run.finished_at = self.clock.now()
        return run
