"""The theoretical ceiling: how many orders a day per seller Amazon's usage plans physically allow.

searchOrders returns at most 100 orders a page at 0.0056 requests/s: 483.84 pages, 48,384 order rows a
day. What an order costs in rows depends on the update mix and on how the importer reads: every status
change makes the order reappear in a lastUpdatedTime window (unless it changed again before a window saw
it); overlapping windows return the same version again; the seed's catch-up passes (recheck, doublecheck)
and the daily reconciliation read orders again by creation date. getOrder (0.5/s) pays for the pending
watch. The functions here count those rows from a scenario's timelines, exactly and without I/O, and turn
them into orders/day; `bench.ceiling` prints them next to the measured ceiling.

Times are POSIX seconds (floats). Query instants of a schedule are the multiples of its interval (plus an
offset), like the simulator's cron, which anchors ticks to midnight UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DAY = 86_400.0
HOUR = 3_600.0
MINUTE = 60.0
PAGE_SIZE = 100
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Plan:
    rate: float  # requests per second
    burst: int


DEFAULT_PLANS = {"searchOrders": Plan(0.0056, 20), "getOrder": Plan(0.5, 30)}


@dataclass(frozen=True, slots=True)
class Reading:
    """How the importer reads: the product's defaults unless stated (catch-ups counted as if they always
    got their quota: in the product they only use what the incremental leaves)."""

    interval_s: float = 5 * MINUTE  # incremental import
    overlap_s: float = 2 * MINUTE  # lastUpdatedAfter = cursor - overlap (the base; wider only when free)
    lag_s: float = 2 * MINUTE  # lastUpdatedBefore = now - lag
    skip_statuses: frozenset[str] = frozenset()  # statuses filtered out of the incremental query
    merchant_unshipped_only: bool = False  # ... and UNSHIPPED asked of merchant orders only (under pressure)
    recheck: tuple[float, float] | None = (15 * DAY, 2 * DAY)  # AMAZON SHIPPED, created-age window
    doublecheck: tuple[float, float] | None = (7 * DAY, 1 * DAY)  # MERCHANT UNSHIPPED
    catch_up_at_s: float = 3 * HOUR  # time of day of recheck/doublecheck
    reconcile: bool = True  # daily: every order created the day before, once
    pending_watch_after_s: float | None = HOUR  # getOrder a PENDING order not seen to move for this long
    pending_watch_every_s: float = HOUR  # how often the watch runs
    # The product spaces re-reads out: a quarter of the time spent PENDING, between `after` and this
    # (8 h while search keeps up). None: every run re-reads every stale order.
    pending_watch_cap_s: float | None = 8 * HOUR


@dataclass(frozen=True, slots=True)
class OrderTimeline:
    """What the model needs of an order: its events (instant, status), indexing delay and fulfilment."""

    events: tuple[tuple[float, str], ...]
    delay_s: float
    fulfilled_by: str  # "AMAZON" or "MERCHANT"


# ------------------------------------------------------------------------------------------- counting


def ticks_in(lo: float, hi: float, every: float, offset: float = 0.0) -> int:
    """How many instants offset + k * every lie in [lo, hi)."""
    if hi <= lo:
        return 0
    return max(0, math.ceil((hi - offset) / every - _EPS) - math.ceil((lo - offset) / every - _EPS))


def window_rows(order: OrderTimeline, reading: Reading, horizon: float = math.inf) -> int:
    """Rows the incremental windows return for this order over its life.

    Window k runs at t_k and covers lastUpdatedTime in [t_k - interval - lag - overlap, t_k - lag); the
    version it sees is the one visible to search at t_k (event instant + indexing delay). So a version
    updated at `at` and visible over [at + delay, next + delay) is returned by every t_k in
    (at + lag, at + lag + interval + overlap] that also lies in its visibility span.
    """
    rows = 0
    events = order.events
    for position, (at, status) in enumerate(events):
        if not is_asked(order, status, reading.skip_statuses, reading.merchant_unshipped_only):
            continue
        visible_from = at + order.delay_s
        visible_until = events[position + 1][0] + order.delay_s if position + 1 < len(events) else horizon
        lo = max(at + reading.lag_s + _EPS, visible_from)
        hi = min(at + reading.lag_s + reading.interval_s + reading.overlap_s + _EPS, visible_until)
        rows += ticks_in(lo, hi, reading.interval_s)
    return rows


def visible_status_spans(order: OrderTimeline, horizon: float) -> Iterable[tuple[str, float, float]]:
    """(status, visible from, visible until) of each version, as search sees them."""
    events = order.events
    for position, (at, status) in enumerate(events):
        until = events[position + 1][0] + order.delay_s if position + 1 < len(events) else horizon
        yield status, at + order.delay_s, until


def catch_up_rows(order: OrderTimeline, reading: Reading, start: float, horizon: float) -> int:
    """Rows of the daily recheck (AMAZON, SHIPPED) and doublecheck (MERCHANT, UNSHIPPED): days on which
    the order is in the created-age window with that status."""
    created = order.events[0][0]
    passes = []
    if reading.recheck and order.fulfilled_by == "AMAZON":
        passes.append((reading.recheck, "SHIPPED"))
    if reading.doublecheck and order.fulfilled_by == "MERCHANT":
        passes.append((reading.doublecheck, "UNSHIPPED"))
    rows = 0
    for (oldest, youngest), wanted in passes:
        for status, since, until in visible_status_spans(order, horizon):
            if status != wanted:
                continue
            lo = max(since, created + youngest, start)
            hi = min(until, created + oldest + _EPS, horizon)
            rows += ticks_in(lo, hi, DAY, reading.catch_up_at_s)
    return rows


def pending_watch_gets(order: OrderTimeline, reading: Reading, horizon: float = math.inf) -> int:
    """getOrder calls of the pending watch: re-reads of a PENDING order once it has not moved for
    `pending_watch_after_s`, until it leaves PENDING (an upper bound: a re-read may reset the clock), at
    every watch run or, with `pending_watch_cap_s`, spaced as the product spaces them."""
    after = reading.pending_watch_after_s
    if after is None:
        return 0
    every, cap = reading.pending_watch_every_s, reading.pending_watch_cap_s
    gets = 0
    events = order.events
    for position, (at, status) in enumerate(events):
        if status != "PENDING":
            continue
        until = events[position + 1][0] if position + 1 < len(events) else horizon
        if cap is None:
            gets += ticks_in(at + after, until, every)
            continue
        due = at + after
        while math.isfinite(due):
            run = math.ceil(due / every - _EPS) * every  # the first watch run at or after `due`
            if run >= until:
                break
            gets += 1
            due = run + min(max((run - at) / 4, after), cap)
    return gets


# -------------------------------------------------------------------------------------------- the mix


@dataclass(frozen=True, slots=True)
class UpdateMix:
    """Per-order costs of a scenario under a reading (means over its orders)."""

    orders: int
    versions: float  # timeline events per order (what a perfect reader must see at least once)
    importable_versions: float  # events that are not PENDING
    window_rows: float  # rows returned by the incremental windows
    catch_up_rows: float  # rows of recheck + doublecheck
    reconcile_rows: float  # rows of the daily reconciliation
    pending_gets: float  # getOrder calls of the pending watch
    queries_per_day: float  # searchOrders queries a day whatever the volume (each costs >= 1 call)

    @property
    def search_rows(self) -> float:
        return self.window_rows + self.catch_up_rows + self.reconcile_rows


def update_mix(orders: Sequence[OrderTimeline], reading: Reading, start: float, horizon: float) -> UpdateMix:
    n = len(orders) or 1
    versions = sum(len(o.events) for o in orders)
    importable = sum(1 for o in orders for _, status in o.events if status != "PENDING")
    window = sum(window_rows(o, reading, horizon) for o in orders)
    catch_up = sum(catch_up_rows(o, reading, start, horizon) for o in orders)
    gets = sum(pending_watch_gets(o, reading, horizon) for o in orders)
    windows = DAY / reading.interval_s * (2 if reading.merchant_unshipped_only else 1)  # queries a window
    queries = windows + (reading.recheck is not None) + (reading.doublecheck is not None)
    queries += reading.reconcile
    return UpdateMix(
        orders=len(orders),
        versions=versions / n,
        importable_versions=importable / n,
        window_rows=window / n,
        catch_up_rows=catch_up / n,
        reconcile_rows=1.0 if reading.reconcile else 0.0,
        pending_gets=gets / n,
        queries_per_day=queries,
    )


# ----------------------------------------------------------------------------------------- the ceiling


@dataclass(frozen=True, slots=True)
class Ceiling:
    orders_per_day: float
    search_bound: float  # orders/day searchOrders allows
    get_bound: float  # orders/day getOrder allows (inf when the mix needs none)
    binding: str  # which operation binds


def ceiling(
    rows_per_order: float,
    *,
    gets_per_order: float = 0.0,
    fixed_search_calls_per_day: float = 0.0,
    plans: Mapping[str, Plan] = DEFAULT_PLANS,
    page_size: int = PAGE_SIZE,
) -> Ceiling:
    """Orders/day the usage plans sustain when each order costs `rows_per_order` searchOrders rows (read
    `page_size` a call) and `gets_per_order` getOrder calls, after `fixed_search_calls_per_day` (the
    partial last page of each query). Bursts do not raise a sustained rate, so only rates count."""
    if rows_per_order <= 0:
        raise ValueError("rows_per_order must be positive")
    search_calls = plans["searchOrders"].rate * DAY - fixed_search_calls_per_day
    search_bound = max(0.0, search_calls) * page_size / rows_per_order
    get_bound = plans["getOrder"].rate * DAY / gets_per_order if gets_per_order > 0 else math.inf
    binding = "searchOrders" if search_bound <= get_bound else "getOrder"
    return Ceiling(min(search_bound, get_bound), search_bound, get_bound, binding)


def mix_ceiling(mix: UpdateMix, plans: Mapping[str, Plan] = DEFAULT_PLANS) -> Ceiling:
    """The ceiling of a reading: its rows per order, and half a call of rounding per query."""
    return ceiling(
        mix.search_rows,
        gets_per_order=mix.pending_gets,
        fixed_search_calls_per_day=0.5 * mix.queries_per_day,
        plans=plans,
    )


# ------------------------------------------------------------------------------------- the busiest hour


def peak_hour_share(
    orders: Sequence[OrderTimeline],
    skip_statuses: frozenset[str] = frozenset(),
    *,
    merchant_unshipped_only: bool = False,
) -> float:
    """The share of the versions a reader must see that fall in the day's busiest hour (UTC hour of day,
    over the whole sample). Shoppers are not uniform over the day: the evening peak is about twice the
    average, and latency is decided there, not by the daily total."""
    per_hour = [0] * 24
    for order in orders:
        for at, _status in asked_versions(order, skip_statuses, merchant_unshipped_only):
            per_hour[int(at // HOUR) % 24] += 1
    total = sum(per_hour)
    return max(per_hour) / total if total else 1 / 24


def asked_versions(
    order: OrderTimeline, skip_statuses: frozenset[str], merchant_unshipped_only: bool
) -> list[tuple[float, str]]:
    """The order's versions a reader asks for (`is_asked`)."""
    return [
        (at, status)
        for at, status in order.events
        if is_asked(order, status, skip_statuses, merchant_unshipped_only)
    ]


def is_asked(
    order: OrderTimeline, status: str, skip_statuses: frozenset[str], merchant_unshipped_only: bool
) -> bool:
    """Does the reader ask for this version? Not when its status is in `skip_statuses`, nor, with
    `merchant_unshipped_only` (the product under quota pressure), when it is UNSHIPPED and the merchant
    does not fulfil the order: an FBA order is imported once Amazon ships it."""
    if status in skip_statuses:
        return False
    return not (merchant_unshipped_only and status == "UNSHIPPED" and order.fulfilled_by != "MERCHANT")


def peak_hour_ceiling(
    rows_per_order: float,
    peak_share: float,
    *,
    fill: float = 1.0,
    plans: Mapping[str, Plan] = DEFAULT_PLANS,
    page_size: int = PAGE_SIZE,
) -> float:
    """Orders/day whose busiest hour searchOrders can read within that hour (pages `fill` full): beyond
    it the evening backlog outlives the hour and p99 latency passes 1 h, whatever the daily total."""
    rows_per_hour = plans["searchOrders"].rate * HOUR * page_size * fill
    return rows_per_hour / (rows_per_order * peak_share)
