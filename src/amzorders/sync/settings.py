"""What a deployment may tune about synchronisation, with the defaults the product ships."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from amzorders.amazon.auth import Credentials


@dataclass(frozen=True, slots=True)
class SyncSettings:
    # Incremental import: lastUpdatedAfter = cursor - overlap; lastUpdatedBefore = now - visibility_delay.
    overlap: timedelta = timedelta(minutes=15)
    visibility_delay: timedelta = timedelta(minutes=2)  # Amazon refuses a *Before bound closer to now
    first_run_lookback: timedelta = timedelta(days=1)
    max_results_per_page: int = 100
    # Late-index sweep: about every `late_sweep_every`, re-read the updates of the hour that ended
    # `late_sweep_lag` ago (catches search-index delays up to the lag); None disables it.
    late_sweep_lag: timedelta | None = timedelta(hours=1)
    late_sweep_every: timedelta = timedelta(hours=1)
    # Pending watch: PENDING orders not seen to move for this long are re-read with getOrder.
    pending_watch_after: timedelta = timedelta(hours=1)
    pending_watch_max_per_run: int = 20
    pending_watch_max_interval: timedelta = timedelta(hours=2)  # re-reads space out as an order stays PENDING
    pending_watch_max_wait_s: float = 60.0  # never wait longer than this for a getOrder token
    # Catch-up passes (the seed's recheck and doublecheck), as ages of createdTime.
    recheck_window: tuple[timedelta, timedelta] = (timedelta(days=15), timedelta(days=2))
    doublecheck_window: tuple[timedelta, timedelta] = (timedelta(days=7), timedelta(days=1))
    catch_up_max_wait_s: float = 600.0  # a catch-up pass stops rather than wait longer for quota
    # Rules.
    fba_import_at_unshipped: bool = False
    # Pushing to the shop.
    push_batch_size: int = 200
    retry_base: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=6)
    unknown_sku_retry: timedelta = timedelta(hours=1)
    # Ledger hygiene.
    pii_retention_days: int = 90
    lock_ttl: timedelta = timedelta(minutes=30)

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff after `attempts` failures: base, 2 x base, 4 x base ... capped."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.retry_base * (2**exponent), self.retry_max)


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
