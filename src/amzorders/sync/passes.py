"""The Amazon-facing passes: the incremental import here; the pending watch (`pending`), the safety
nets (`safety_nets`: late-index sweep, recheck, doublecheck) and the reconciliation (`reconcile`).

All of them only *record* what Amazon says (one transaction per page); creating and updating shop
orders is `push`'s job, so a shop outage never holds the cursor back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from amzorders.amazon.constants import SEARCH_ORDERS, FulfilledBy, FulfillmentStatus
from amzorders.amazon.governor import Priority
from amzorders.clock import format_span
from amzorders.ledger.bookkeeping import INCREMENTAL
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import PAGE_FILL, chunks, free_overlap, plan_window
from amzorders.sync.paging import (
    EVERYTHING,
    NOT_PENDING,
    NOT_PENDING_STATUSES,
    SearchFilter,
    quota_wait_over,
    search_window,
)
from amzorders.sync.safety_nets import late_index_sweep


def incremental(ctx: PassContext) -> None:
    """Search by lastUpdatedTime from the cursor; the cursor moves as each piece of the window is recorded.

    The window's overlap is as long as it can be for free (see `cursor.free_overlap`); a window that
    holds more than a page is read in page-sized chunks, and the run stops between two chunks rather
    than wait long for quota, so that `push` publishes what came in and the next run goes on from the
    cursor. Then the late-index sweep (below), when it is due.
    """
    account, settings, summary = ctx.account, ctx.settings, ctx.summary
    state = ctx.books.state(account.name, account.marketplace_group)
    ctx.restore(state)
    edge_delay = _edge_delay(ctx, state.late_sweep)
    if not _worth_a_call(ctx, state.incremental, edge_delay, state.late_sweep):
        summary.notes.append("waiting for a fuller page: quota is short and little is new")
        if settings.late_sweep_lag is not None:
            late_index_sweep(ctx, state.late_sweep)
        return
    filters = _incremental_filters(ctx)
    cursor, now = state.incremental, ctx.clock.now()
    density = ctx.density
    # Reading lagged, what lies before the cursor was read `late_sweep_lag` after it was updated, long
    # past Amazon's jitter: the base overlap would only read it again. At the ceiling a window is a few
    # minutes of updates, and re-reading 2 minutes of each cost enough calls that 20,000 orders a day
    # were sustained only without them (p99 68 min -> 54). An overlap that costs no call is still taken.
    overlap = settings.overlap if edge_delay <= settings.visibility_delay else timedelta(0)
    if cursor is not None and filters == EVERYTHING:  # no overlap for free while the quota is tight
        new_span = now - edge_delay - cursor
        overlap = free_overlap(
            density, new_span, settings.max_results_per_page, overlap, settings.widest_overlap
        )
    window = plan_window(
        cursor,
        now,
        overlap=overlap,
        visibility_delay=edge_delay,
        first_run_lookback=settings.first_run_lookback,
    )
    if window is not None:
        summary.window = (window.after, window.before)
        reached = cursor
        pieces = chunks(
            window,
            density,
            settings.max_results_per_page,
            cursor=cursor,
            pages=settings.incremental_chunk_pages,
        )
        for number, piece in enumerate(pieces):
            if number and _should_pause(ctx, settings.incremental_max_wait_s, reached):
                break
            seen_before = summary.orders_seen
            reached = search_window(ctx, INCREMENTAL, reached, piece, Priority.INCREMENTAL, filters=filters)
            density.learn(summary.orders_seen - seen_before, piece.before - piece.after)
        summary.window = (window.after, reached)
    if settings.late_sweep_lag is not None:
        late_index_sweep(ctx, state.late_sweep)


def _edge_delay(ctx: PassContext, late: datetime | None) -> timedelta:
    """How far behind now the incremental's windows end: Amazon's visibility delay, or `late_sweep_lag`
    while the late-index sweep stands more than `late_sweep_behind_limit` behind.

    Near the edge, every update is read twice (the import, then the sweep, in case Amazon indexed it
    late). When the quota cannot pay for the second read (a shop near the ceiling), the sweep falls
    behind by days and late-indexed versions wait for it or are lost. Reading only up to the sweep's lag
    instead sees every update indexed within the lag, settles what it reads (`paging`), and lets the
    sweep jump over it: each update read once, at the cost of ~30 min of latency while it lasts.

    Once reading lagged, it goes on until the sweep is within a quarter of the limit (it has jumped over
    what was settled) and the quota can pay for reading the edge twice at the current pace
    (`_edge_affordable`); the mode is kept in `sync_memory`. Switching back as soon as the sweep crept
    under the limit flapped every run: each edge read settled nothing, the sweep hovered at the limit
    re-reading everything, and late-indexed versions read at the edge waited for it until night.
    Switching back whenever the sweep had caught up did the same at the ceiling once a day: at 20,000
    orders a day the quiet night let the sweep jump to the edge, the morning's edge reads then fell an
    hour behind the sweep, and their late-indexed versions waited for the next night (up to 22 h).
    """
    settings = ctx.settings
    lag, limit = settings.late_sweep_lag, settings.late_sweep_behind_limit
    behind = _sweep_behind(ctx, late)
    if lag is None or limit is None or behind is None:
        return settings.visibility_delay
    now = ctx.clock.now()
    was_lagged = ctx.stored.lagged_since is not None
    lagged = (behind > limit / 4 or not _edge_affordable(ctx)) if was_lagged else behind > limit
    if lagged != was_lagged:
        with ctx.orders.engine.begin() as conn:
            ctx.remember(conn, lagged_since=now if lagged else None)
    if not lagged:
        return settings.visibility_delay
    ctx.summary.notes.append(
        f"late-index sweep {format_span(behind)} behind: the import reads up to {format_span(lag)} ago, "
        "so that what it reads needs no second read"
    )
    return max(settings.visibility_delay, lag)


def _edge_affordable(ctx: PassContext) -> bool:
    """Can the searchOrders rate pay for every update read twice (the import at the edge, then the
    sweep) at the pace of recent windows, with a share left for the other passes?"""
    page = ctx.density.span_for(PAGE_FILL * ctx.settings.max_results_per_page)  # one call's worth
    rate = ctx.governor.rate(ctx.account.seller_id, SEARCH_ORDERS)
    return reading_twice_affordable(page, rate, sharing=ctx.accounts_on_bucket)


def reading_twice_affordable(call_span: timedelta | None, rate: float, *, sharing: int = 1) -> bool:
    """Two calls per `call_span` of updates (None: nothing learnt yet, so yes) within `EDGE_RATE_SHARE`
    of the bucket's `rate`, split evenly between the `sharing` accounts on that seller's bucket (each
    knows only its own pace: several marketplaces of one seller configured as separate accounts would
    otherwise each count on the whole rate)."""
    if call_span is None:
        return True
    return 2 / call_span.total_seconds() <= EDGE_RATE_SHARE * rate / max(1, sharing)


EDGE_RATE_SHARE = 0.8  # the rest is for the other searchOrders passes (catch-ups, reconciliation)


def _worth_a_call(
    ctx: PassContext, cursor: datetime | None, edge_delay: timedelta, late: datetime | None
) -> bool:
    """Spend a searchOrders call now? Always while the bucket is comfortable (a quiet or normal shop:
    every run reads, latency stays minutes); when it is short, only once the new part of the window is
    expected to fill most of a page or has grown to `incremental_max_interval`. Each call costs a token
    whatever it returns, and a busy shop's nets need the ones a half-empty page would waste."""
    settings = ctx.settings
    if cursor is None:
        return True
    seller = ctx.account.seller_id
    room = settings.reconciliation_room_tokens
    if room is not None and _makes_room_for_reconciliation(ctx, edge_delay, late):
        spare = ctx.governor.tokens_above_reserve(seller, SEARCH_ORDERS, Priority.CATCH_UP)
        comfortable = spare >= room
    else:
        comfortable = (
            ctx.governor.tokens_left(seller, SEARCH_ORDERS) >= settings.incremental_comfortable_tokens
        )
    if comfortable:
        return True
    new_span = ctx.clock.now() - edge_delay - cursor
    if new_span >= settings.incremental_max_interval:
        return True
    fills = ctx.density.span_for(PAGE_FILL * settings.max_results_per_page)
    return fills is None or new_span >= fills


def _makes_room_for_reconciliation(ctx: PassContext, edge_delay: timedelta, late: datetime | None) -> bool:
    """Is the bucket short as soon as it nears the reserve the reconciliation leaves, rather than below
    `incremental_comfortable_tokens`? While a day's reconciliation waits for spare quota, the import
    reads at the edge and the late-index sweep keeps its cadence.

    A reconciliation spends every token above its reserve (10 of the default 20), so 8 tokens was never
    short for it: at 5,000 orders a day the import read ~50 rows a call every 5 minutes and the
    reconciliation listed 74 % of the days' orders on what was left (all of them now, for ~1.5 minutes
    of median latency). Near the ceiling (reading lagged, or the sweep falling behind) tokens left to
    it would cost the import its latency, and sent it back and forth between the edge and the lagged
    reading."""
    settings = ctx.settings
    if not ctx.reconciliation_waits or edge_delay > settings.visibility_delay:
        return False
    behind = _sweep_behind(ctx, late)
    return behind is None or behind <= 1.5 * settings.late_sweep_every


def _sweep_behind(ctx: PassContext, late: datetime | None) -> timedelta | None:
    """How far the late-index sweep's cursor `late` stands behind where it is due to read up to (None:
    no sweep, or not started)."""
    lag = ctx.settings.late_sweep_lag
    return None if lag is None or late is None else ctx.clock.now() - lag - late


def _should_pause(ctx: PassContext, max_wait_s: float, reached: datetime | None) -> bool:
    wait = quota_wait_over(ctx, Priority.INCREMENTAL, max_wait_s)
    if wait is None:
        return False
    behind = format_span(ctx.clock.now() - reached) if reached is not None else "?"
    ctx.summary.notes.append(f"paused {behind} behind: the next page would wait {wait:.0f} s for quota")
    return True


def _incremental_filters(ctx: PassContext) -> tuple[SearchFilter, ...]:
    """Wait for the first page's token *before* planning the window, then choose what to ask for.

    Waiting first makes a starved run cover everything up to the moment it may call, so that under
    quota pressure the pages fill up instead of the calls multiplying. When the bucket is nearly empty
    (see `SyncSettings.skip_pending_below_tokens`) the query leaves out the versions that can never be
    imported: PENDING (their next update brings them back) and, unless FBA orders are imported at
    UNSHIPPED, UNSHIPPED orders not fulfilled by the merchant (FBA orders are imported once Amazon ships
    them; their SHIPPED or CANCELLED version still comes). That takes two queries a window (filters are
    AND-ed), and saves about a fifth of the rows where the evening peak decides the ceiling.
    """
    settings = ctx.settings
    seller, threshold = ctx.account.seller_id, settings.skip_pending_below_tokens
    wait = ctx.governor.wait_time(seller, SEARCH_ORDERS, priority=Priority.INCREMENTAL)
    if wait > 0:
        ctx.clock.sleep(wait)
    if threshold is None or ctx.governor.tokens_left(seller, SEARCH_ORDERS) >= threshold:
        return EVERYTHING
    if settings.fba_import_at_unshipped:
        ctx.summary.notes.append("quota pressure: PENDING orders left to their next update and the nets")
        return NOT_PENDING
    ctx.summary.notes.append(
        "quota pressure: PENDING orders, and FBA orders Amazon has not shipped, left to their next update"
        " and the safety nets"
    )
    return PRESSURE_FILTERS


# What the incremental asks for under quota pressure: every status but PENDING (`paging.NOT_PENDING`),
# as two queries: UNSHIPPED only for the merchant's own orders, every other status for all orders.
# The merchant's new orders first: at saturation a window's pages are read ~3 minutes apart, and they
# are most of what the shop waits for (the other query is half status updates of orders it has).
PRESSURE_FILTERS = (
    SearchFilter(statuses=(FulfillmentStatus.UNSHIPPED.value,), fulfilled_by=(FulfilledBy.MERCHANT.value,)),
    SearchFilter(statuses=tuple(s for s in NOT_PENDING_STATUSES if s != FulfillmentStatus.UNSHIPPED)),
)
