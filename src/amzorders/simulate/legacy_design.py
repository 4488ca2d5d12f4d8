"""The seed's documented import design, as settings and as a pure prediction of what it imports.

The module amzorders replaces (Common-Services "Amazon Market Place", see shared/notes/prior-art.md 2.9)
runs a cron every 30 minutes that lists orders by *creation* time over a fixed observation window: from
max(last run, now - 24 h) minus 15 minutes for MERCHANT orders, minus two days for AMAZON (FBA) orders,
with the statuses Pending, Unshipped, PartiallyShipped and Shipped. It creates MERCHANT orders once they
are Unshipped (or later) and FBA orders once Shipped, and never looks at an order again. Two daily
catch-ups widen the net: `recheck` (FBA orders Shipped, created 15 to 2 days ago) and `doublecheck`
(MERCHANT orders Unshipped, created 7 to 1 days ago).

`predict_legacy` computes, from the scenario alone, which orders that design imports, when, and in
which status: the exact losses a `legacy-window` simulation must show (when its runs are not throttled).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from amzorders.amazon.constants import FulfilledBy, FulfillmentStatus
from amzorders.sim.scenario import OrderSpec, Scenario

from .schedule import Every, daily_at
from .truth import Presence, expected_order, shop_status_for


@dataclass(frozen=True, slots=True)
class LegacySettings:
    interval: timedelta = timedelta(minutes=30)
    lookback_cap: timedelta = timedelta(hours=24)
    merchant_overlap: timedelta = timedelta(minutes=15)
    amazon_overlap: timedelta = timedelta(days=2)
    search_end_lag: timedelta = timedelta(minutes=2)  # Amazon refuses a createdBefore closer to now
    query_statuses: tuple[str, ...] = (
        FulfillmentStatus.PENDING,
        FulfillmentStatus.UNSHIPPED,
        FulfillmentStatus.PARTIALLY_SHIPPED,
        FulfillmentStatus.SHIPPED,
    )
    merchant_import: frozenset[str] = frozenset(
        {FulfillmentStatus.UNSHIPPED, FulfillmentStatus.PARTIALLY_SHIPPED, FulfillmentStatus.SHIPPED}
    )
    amazon_import: frozenset[str] = frozenset({FulfillmentStatus.SHIPPED})
    recheck_at: time = time(4, 0)
    recheck_window: tuple[timedelta, timedelta] = (timedelta(days=15), timedelta(days=2))
    doublecheck_at: time = time(4, 30)
    doublecheck_window: tuple[timedelta, timedelta] = (timedelta(days=7), timedelta(days=1))
    max_results_per_page: int = 100

    @property
    def window_cron(self) -> Every:
        return Every(self.interval)

    @property
    def recheck_cron(self) -> Every:
        return daily_at(self.recheck_at)

    @property
    def doublecheck_cron(self) -> Every:
        return daily_at(self.doublecheck_at)

    def overlap(self, fulfilled_by: str) -> timedelta:
        return self.amazon_overlap if fulfilled_by == FulfilledBy.AMAZON else self.merchant_overlap

    def imports(self, fulfilled_by: str, status: str) -> bool:
        allowed = self.amazon_import if fulfilled_by == FulfilledBy.AMAZON else self.merchant_import
        return status in allowed


@dataclass(frozen=True, slots=True)
class LegacyImport:
    order_id: str
    at: datetime  # the cron tick that imports it
    amazon_status: str  # the status it is created in (and keeps: the design never updates)
    via: str  # "window", "recheck" or "doublecheck"


@dataclass(frozen=True, slots=True)
class LegacyPrediction:
    imported: dict[str, LegacyImport]
    missing: frozenset[str]  # required by the truth, never imported
    wrong_status: frozenset[str]  # imported, then Amazon moved on (the shop keeps the first status)
    cancel_not_propagated: frozenset[str]  # imported, then cancelled on Amazon


def predict_legacy(
    scenario: Scenario,
    horizon: datetime,
    settings: LegacySettings = LegacySettings(),
    failed_ticks: Collection[datetime] = (),
) -> LegacyPrediction:
    """What the seed's design imports from `scenario` when its crons run from the start to `horizon`.

    `failed_ticks` are cron instants whose run fails (a fault hour): nothing is imported then, and the
    next window starts from the last run that succeeded.
    """
    failed = frozenset(failed_ticks)
    first_tick = settings.window_cron.at_or_after(scenario.start)
    imported: dict[str, LegacyImport] = {}
    missing: set[str] = set()
    wrong: set[str] = set()
    not_cancelled: set[str] = set()
    for order in scenario.orders:
        truth = expected_order(order, horizon)
        hit = _first_import(order, scenario.indexing_delay_s, horizon, settings, failed, first_tick)
        if hit is None:
            if truth.presence is Presence.REQUIRED:
                missing.add(order.order_id)
            continue
        imported[order.order_id] = hit
        if truth.presence is Presence.OPTIONAL:
            not_cancelled.add(order.order_id)
        elif shop_status_for(hit.amazon_status) != truth.status:
            wrong.add(order.order_id)
    return LegacyPrediction(imported, frozenset(missing), frozenset(wrong), frozenset(not_cancelled))


def failed_ticks_for(
    scenario: Scenario, horizon: datetime, settings: LegacySettings, retry_span: timedelta
) -> set[datetime]:
    """Cron instants at which a certain searchOrders fault lasts through the client's retries."""
    fatal = {"http_500", "http_503", "throttle", "timeout", "reset", "malformed_json", "token_rejected"}
    ticks: set[datetime] = set()
    for fault in scenario.faults:
        if fault.kind not in fatal or fault.probability < 1 or "searchOrders" not in fault.operations:
            continue
        for cron in (settings.window_cron, settings.recheck_cron, settings.doublecheck_cron):
            tick = cron.at_or_after(max(fault.from_, scenario.start))
            while tick + retry_span < fault.to and tick <= horizon:
                ticks.add(tick)
                tick = cron.after(tick)
    return ticks


def _versions(order: OrderSpec, delay: float, horizon: datetime) -> Iterator[tuple[str, datetime, datetime]]:
    """(status, visible from, visible until) of each version as searchOrders sees it."""
    lag = timedelta(seconds=delay)
    timeline = order.timeline
    for position, event in enumerate(timeline):
        start = event.at + lag
        if start > horizon:
            return
        end = timeline[position + 1].at + lag if position + 1 < len(timeline) else horizon + timedelta(1)
        yield event.status, start, end


def _first_import(
    order: OrderSpec,
    default_delay: float,
    horizon: datetime,
    settings: LegacySettings,
    failed: frozenset[datetime],
    first_tick: datetime,
) -> LegacyImport | None:
    delay = default_delay if order.indexing_delay_s is None else order.indexing_delay_s
    created = order.created_at
    for status, visible_from, visible_until in _versions(order, delay, horizon):
        hits: list[LegacyImport] = []
        if settings.imports(order.fulfilled_by, status):
            tick = _window_tick(
                order, created, visible_from, visible_until, horizon, settings, failed, first_tick
            )
            if tick is not None:
                hits.append(LegacyImport(order.order_id, tick, status, "window"))
        catch_ups = (
            (
                "recheck",
                FulfilledBy.AMAZON,
                FulfillmentStatus.SHIPPED,
                settings.recheck_cron,
                settings.recheck_window,
            ),
            (
                "doublecheck",
                FulfilledBy.MERCHANT,
                FulfillmentStatus.UNSHIPPED,
                settings.doublecheck_cron,
                settings.doublecheck_window,
            ),
        )
        for name, channel, wanted, cron, (oldest, newest) in catch_ups:
            if order.fulfilled_by != channel or status != wanted:
                continue
            tick = cron.at_or_after(max(visible_from, created + newest, first_tick))
            while tick < visible_until and tick <= horizon and tick <= created + oldest:
                if tick not in failed:
                    hits.append(LegacyImport(order.order_id, tick, status, name))
                    break
                tick = cron.after(tick)
        if hits:
            return min(hits, key=lambda hit: hit.at)
    return None


def _window_tick(
    order: OrderSpec,
    created: datetime,
    visible_from: datetime,
    visible_until: datetime,
    horizon: datetime,
    settings: LegacySettings,
    failed: frozenset[datetime],
    first_tick: datetime,
) -> datetime | None:
    cron = settings.window_cron
    overlap = settings.overlap(order.fulfilled_by)
    tick = cron.at_or_after(max(visible_from, created + settings.search_end_lag, first_tick))
    while tick < visible_until and tick <= horizon:
        last_success = _last_success(tick, first_tick, settings.interval, failed)
        since = tick - settings.lookback_cap if last_success is None else last_success
        lower = max(since, tick - settings.lookback_cap) - overlap
        if lower > created:
            return None  # windows only move forward: the order has slipped out for good
        if tick not in failed:
            return tick
        tick = cron.after(tick)
    return None


def _last_success(
    tick: datetime, first_tick: datetime, interval: timedelta, failed: frozenset[datetime]
) -> datetime | None:
    previous = tick - interval
    while previous >= first_tick:
        if previous not in failed:
            return previous
        previous -= interval
    return None
