"""What a deployment may tune about synchronisation, with the defaults the product ships."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amzorders.amazon.auth import Credentials


@dataclass(frozen=True, slots=True)
class SyncSettings:
    # Incremental import: lastUpdatedAfter = cursor - overlap; lastUpdatedBefore = now - visibility_delay.
    # The base overlap absorbs clock jitter around Amazon's 2-minute visibility delay: updates indexed
    # later are the late-index sweep's job. Every minute of overlap is read again on every run, and
    # searchOrders calls are the scarcest thing the product has (0.0056 calls/s).
    overlap: timedelta = timedelta(minutes=2)
    # ... and as long as this while the whole window still fits in one page (it then costs no call).
    widest_overlap: timedelta = timedelta(minutes=15)
    # A run reads a backlog in page-sized chunks and stops between two rather than wait longer than this
    # for quota (the push runs, the next run goes on from the cursor).
    incremental_max_wait_s: float = 60.0
    # With fewer searchOrders tokens than this, a run only calls once about a page is new or the new part
    # of the window reached `incremental_max_interval` (a busy shop: fuller pages, quota left for nets).
    incremental_comfortable_tokens: float = 8.0
    # ... and while a day's reconciliation waits for spare quota to go on, with fewer than this beyond the
    # tokens a CATCH_UP call must leave (the reconciliation spends every token above them): the quota a
    # half-empty page would waste goes to it (`passes._worth_a_call`). The trade, measured on a month at
    # 5,000 orders a day: 5 reconciles every day in full for latency p50 6.2 / p99 15.9 min; None (the
    # 8-token rule alone) 8 days of 30 and 76 % of the orders, for p50 4.8 / p99 11.8 min.
    reconciliation_room_tokens: float | None = 5.0
    # A backlog is read in chunks of about this many pages, the cursor moving after each. A chunk's last
    # page is partly empty whatever its size, so bigger chunks fill the calls better (one-page chunks
    # spill into a second, nearly empty page about half the time): at saturation, 5-page chunks read
    # ~90 % full pages, and a run holds the quota for at most ~15 minutes between two cursor moves.
    incremental_chunk_pages: float = 5.0
    incremental_max_interval: timedelta = timedelta(minutes=15)
    visibility_delay: timedelta = timedelta(minutes=2)  # Amazon refuses a *Before bound closer to now
    first_run_lookback: timedelta = timedelta(days=1)
    max_results_per_page: int = 100
    # Under quota pressure (fewer searchOrders tokens than this once the run's token is there) the
    # incremental leaves PENDING orders out of its query: they are never importable, their next update
    # brings them back, and the safety nets still list them. None: always read them.
    skip_pending_below_tokens: float | None = 4.0
    # Late-index sweep: every `late_sweep_every`, re-read (on spare quota) the updates up to
    # `late_sweep_lag` ago: catches search-index delays up to the lag. None disables it. Each query costs
    # a call even when empty: at 0.0056 calls/s (484 a day) a 10-minute cadence would eat 30 % of them.
    late_sweep_lag: timedelta | None = timedelta(minutes=35)
    late_sweep_every: timedelta = timedelta(minutes=30)
    late_sweep_chunk_pages: float = 0.8  # its pieces' size (see `incremental_chunk_pages`)
    # Once a piece's first page is read, the sweep waits up to this for each next one: a piece given up
    # half-read is read again from its start (after a burst, three sweep pages in four were wasted so).
    late_sweep_continue_wait_s: float = 200.0
    # When the sweep stands further behind than this (the quota cannot pay for reading updates twice),
    # the incremental reads only up to `late_sweep_lag` ago, so the sweep can skip what it read (see
    # `passes._edge_delay`); it goes back to the edge once the sweep has caught up and the quota can pay
    # for reading the edge twice at the current pace. None: always read up to the visibility delay.
    late_sweep_behind_limit: timedelta | None = timedelta(hours=1)
    # Pending watch: PENDING orders not seen to move for this long are re-read with getOrder.
    pending_watch_after: timedelta = timedelta(hours=1)
    pending_watch_max_per_run: int = 20
    # Re-reads space out as an order stays PENDING (see `pending.recheck_interval`): up to the relaxed
    # interval while the incremental cursor is within `search_keeping_up` of now, else up to the max.
    pending_watch_max_interval: timedelta = timedelta(hours=2)
    pending_watch_relaxed_interval: timedelta = timedelta(hours=8)
    search_keeping_up: timedelta = timedelta(minutes=30)
    pending_watch_max_wait_s: float = 60.0  # never wait longer than this for a getOrder token
    # Catch-up passes (the seed's recheck and doublecheck), as ages of createdTime.
    recheck_window: tuple[timedelta, timedelta] = (timedelta(days=15), timedelta(days=2))
    doublecheck_window: tuple[timedelta, timedelta] = (timedelta(days=7), timedelta(days=1))
    catch_up_max_wait_s: float = 600.0  # an explicit catch-up run stops rather than wait longer for quota
    # The safety nets the scheduler runs by itself (catch-up slices, late sweep, reconciliation) live on
    # spare quota: they stop rather than wait longer than this, and never hold the incremental back.
    spare_quota_max_wait_s: float = 30.0
    catch_up_slices: int = 8  # scheduled catch-ups: every 3 h, each over an 8th of the day's window

    # Rules.
    fba_import_at_unshipped: bool = False
    # When the shop's previous importer was stopped (`rules.plan_snapshot`); None: no previous importer.
    switch_over_at: datetime | None = None
    # The (fulfilled_by, status) pairs it created orders in; None: those amzorders imports at.
    previous_importer_took: frozenset[tuple[str, str]] | None = None
    # Pushing to the shop.
    push_batch_size: int = 200
    # When the import is about to wait at least this long for a searchOrders token (a busy shop, most
    # pages), the push runs first, so what it recorded reaches the shop during the wait instead of after
    # the run (at 20,000 orders a day a run waits ~3 minutes a page, 10-15 minutes in all). None: after.
    push_while_waiting_s: float | None = 30.0
    retry_base: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=6)
    unknown_sku_retry: timedelta = timedelta(hours=1)
    # The shop's time zone (IANA name): a reconciliation covers one of its days, midnight to midnight,
    # as the merchant and Seller Central count them. A UTC day would cut a Tokyo shop's day at 09:00.
    day_timezone: str = "UTC"
    # Ledger hygiene.
    pii_retention_days: int = 90
    lock_ttl: timedelta = timedelta(minutes=30)

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff after `attempts` failures: base, 2 x base, 4 x base ... capped."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.retry_base * (2**exponent), self.retry_max)

    @property
    def catch_up_every(self) -> timedelta:
        """How often the scheduler runs each catch-up pass (one slice a run)."""
        return timedelta(days=1) / self.catch_up_slices


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One seller account on one marketplace group (the orders one searchOrders call covers)."""

    name: str
    seller_id: str
    marketplace_ids: tuple[str, ...]
    endpoint: str
    token_url: str
    credentials: Credentials = field(repr=False)

    @property
    def marketplace_group(self) -> str:
        return ",".join(sorted(self.marketplace_ids))
