"""The Amazon-facing passes: incremental import, pending watch, and the seed's catch-up passes.

All of them only *record* what Amazon says (one transaction per page); creating and updating shop
orders is `push`'s job, so a shop outage never holds the cursor back.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from amzorders.amazon.client import SearchQuery
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS, FulfilledBy, FulfillmentStatus
from amzorders.amazon.errors import NotFound
from amzorders.amazon.governor import Priority
from amzorders.ledger.bookkeeping import INCREMENTAL, LATE_SWEEP
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import PAGE_FILL, Window, chunks, free_overlap, next_cursor, plan_window
from amzorders.sync.rules import PENDING_STATUSES


def incremental(ctx: PassContext) -> None:
    """Search by lastUpdatedTime from the cursor; the cursor moves as each piece of the window is recorded.

    The window's overlap is as long as it can be for free (see `cursor.free_overlap`); a window that
    holds more than a page is read in page-sized chunks, and the run stops between two chunks rather
    than wait long for quota, so that `push` publishes what came in and the next run goes on from the
    cursor. Then the late-index sweep (below), when it is due.
    """
    account, settings, summary = ctx.account, ctx.settings, ctx.summary
    cursors = ctx.books.cursors(account.name, account.marketplace_group)
    if not _worth_a_call(ctx, cursors[INCREMENTAL]):
        summary.notes.append("waiting for a fuller page: quota is short and little is new")
        if settings.late_sweep_lag is not None:
            late_index_sweep(ctx, cursors[LATE_SWEEP])
        return
    statuses = _incremental_statuses(ctx)
    cursor, now = cursors[INCREMENTAL], ctx.clock.now()
    density = ctx.density
    overlap = settings.overlap
    if cursor is not None and not statuses:  # no overlap for free while the quota is tight
        new_span = now - settings.visibility_delay - cursor
        overlap = free_overlap(
            density, new_span, settings.max_results_per_page, settings.overlap, settings.widest_overlap
        )
    window = plan_window(
        cursor,
        now,
        overlap=overlap,
        visibility_delay=settings.visibility_delay,
        first_run_lookback=settings.first_run_lookback,
    )
    if window is not None:
        summary.window = (window.after, window.before)
        reached = cursor
        pieces = chunks(window, density, settings.max_results_per_page, cursor=cursor)
        for number, piece in enumerate(pieces):
            if number and _should_pause(ctx, settings.incremental_max_wait_s, reached):
                break
            seen_before = summary.orders_seen
            reached = _search_window(
                ctx, INCREMENTAL, reached, piece, Priority.INCREMENTAL, statuses=statuses
            )
            density.learn(summary.orders_seen - seen_before, piece.before - piece.after)
        summary.window = (window.after, reached)
    if settings.late_sweep_lag is not None:
        late_index_sweep(ctx, cursors[LATE_SWEEP])


def _worth_a_call(ctx: PassContext, cursor: datetime | None) -> bool:
    """Spend a searchOrders call now? Always while the bucket is comfortable (a quiet or normal shop:
    every run reads, latency stays minutes); when it is short, only once the new part of the window is
    expected to fill most of a page or has grown to `incremental_max_interval`. Each call costs a token
    whatever it returns, and a busy shop's nets need the ones a half-empty page would waste."""
    settings = ctx.settings
    if cursor is None:
        return True
    if (
        ctx.governor.tokens_left(ctx.account.seller_id, SEARCH_ORDERS)
        >= settings.incremental_comfortable_tokens
    ):
        return True
    new_span = ctx.clock.now() - settings.visibility_delay - cursor
    if new_span >= settings.incremental_max_interval:
        return True
    fills = ctx.density.span_for(PAGE_FILL * settings.max_results_per_page)
    return fills is None or new_span >= fills


def _should_pause(ctx: PassContext, max_wait_s: float, reached: datetime | None) -> bool:
    wait = ctx.governor.wait_time(ctx.account.seller_id, SEARCH_ORDERS, priority=Priority.INCREMENTAL)
    if wait <= max_wait_s:
        return False
    behind = format_span(ctx.clock.now() - reached) if reached is not None else "?"
    ctx.summary.notes.append(f"paused {behind} behind: the next page would wait {wait:.0f} s for quota")
    return True


def _incremental_statuses(ctx: PassContext) -> tuple[str, ...]:
    """Wait for the first page's token *before* planning the window, then choose the statuses to ask.

    Waiting first makes a starved run cover everything up to the moment it may call, so that under
    quota pressure the pages fill up instead of the calls multiplying. When the bucket is nearly empty
    the query also leaves PENDING out (see `SyncSettings.skip_pending_below_tokens`).
    """
    seller, threshold = ctx.account.seller_id, ctx.settings.skip_pending_below_tokens
    wait = ctx.governor.wait_time(seller, SEARCH_ORDERS, priority=Priority.INCREMENTAL)
    if wait > 0:
        ctx.clock.sleep(wait)
    if threshold is None or ctx.governor.tokens_left(seller, SEARCH_ORDERS) >= threshold:
        return ()
    ctx.summary.notes.append("quota pressure: PENDING orders left to the next update and the safety nets")
    return IMPORTANT_STATUSES


# Every status but PENDING: what the incremental asks for under quota pressure.
IMPORTANT_STATUSES = tuple(status.value for status in FulfillmentStatus if status not in PENDING_STATUSES)


def late_index_sweep(ctx: PassContext, late: datetime | None) -> None:
    """Re-read, once, the updates up to `late_sweep_lag` ago, in chunks, on spare quota.

    Amazon's search index sometimes shows an update 10-30 minutes late, past the cursor's overlap; that
    version would otherwise only come back through a safety net, and a MERCHANT order's SHIPPED never
    does. The sweep has its own cursor (`sweep_cursors`) and reads each update one more time at
    LATE_SWEEP priority (after the import, before the seed's catch-ups), at most `LATE_SWEEP_CHUNK` of
    updates a run, and only while no page would wait long for quota. Under quota pressure it falls
    behind instead of skipping anything (skipping would lose the late versions); it catches up when the
    shop is quiet.
    """
    account, settings = ctx.account, ctx.settings
    end = ctx.clock.now() - settings.late_sweep_lag
    if late is None:  # the first run starts the sweep from here
        with ctx.orders.engine.begin() as conn:
            ctx.books.advance_cursor(
                conn,
                account.name,
                account.marketplace_group,
                end,
                at=ctx.clock.now(),
                known=None,
                kind=LATE_SWEEP,
            )
        return
    if end - late < settings.late_sweep_every:
        return
    window = Window(after=late - settings.overlap, before=min(end, late + LATE_SWEEP_CHUNK))
    reached, density = late, ctx.sweep_density
    for piece in chunks(window, density, settings.max_results_per_page, cursor=late):
        # page-sized pieces, each moving the sweep's cursor: a sweep that gets two pages a run still
        # advances two pages a run, instead of re-reading the same two forever. The sweep learns its own
        # density (it reads an older, busier or quieter, stretch than the incremental), and halves its
        # pieces when one did not fit in the pages it could have.
        seen_before = ctx.summary.orders_seen
        moved = _search_window(
            ctx, LATE_SWEEP, reached, piece, Priority.LATE_SWEEP, max_wait_s=settings.spare_quota_max_wait_s
        )
        seen = ctx.summary.orders_seen - seen_before
        if moved == reached:
            if seen:
                density.learn(2 * seen + 2 * settings.max_results_per_page, piece.before - piece.after)
            break
        density.learn(seen, piece.before - piece.after)
        reached = moved
    if reached == late:
        behind = format_span(ctx.clock.now() - late)
        ctx.summary.notes.append(f"late-index sweep postponed ({behind} behind): quota kept for the import")


LATE_SWEEP_CHUNK = timedelta(hours=2)  # a run's share of a sweep that fell behind


def format_span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _search_window(
    ctx: PassContext,
    kind: str,
    cursor: datetime | None,
    window: Window,
    priority: Priority,
    *,
    statuses: tuple[str, ...] = (),
    max_wait_s: float | None = None,
):
    """Record every page of a lastUpdatedTime window; the cursor of `kind` moves with the last page.
    With `max_wait_s`, give up (the cursor stays) before a page that would wait longer for quota."""
    account = ctx.account
    query = SearchQuery(
        marketplace_ids=account.marketplace_ids,
        last_updated_after=window.after,
        last_updated_before=window.before,
        fulfillment_statuses=statuses,
        max_results_per_page=ctx.settings.max_results_per_page,
    )
    server_before = None
    reached = cursor
    for page in _Patient(ctx, ctx.client.search_orders(query, priority=priority), priority, max_wait_s):
        server_before = page.last_updated_before or server_before
        ctx.summary.pages += 1
        if page.next_token is None:
            # The window's last page and the cursor move commit together: never ahead of the ledger.
            reached = next_cursor(cursor, window, server_before)

            def move_cursor(conn, position=reached):
                ctx.books.advance_cursor(
                    conn,
                    account.name,
                    account.marketplace_group,
                    position,
                    at=ctx.clock.now(),
                    known=cursor,
                    kind=kind,
                )

            ctx.record(page.orders, also=move_cursor)
        else:
            ctx.record(page.orders)
    return reached


class _Patient:
    """Iterate the pages until the next one would wait more than `max_wait_s` for a searchOrders token
    (then `stopped` is True); None: wait as long as the governor says."""

    def __init__(self, ctx: PassContext, pages, priority: Priority, max_wait_s: float | None) -> None:
        self.ctx, self.pages, self.priority, self.max_wait_s = ctx, pages, priority, max_wait_s
        self.stopped = False

    def __iter__(self):
        ctx = self.ctx
        try:
            while True:
                if self.max_wait_s is not None:
                    wait = ctx.governor.wait_time(
                        ctx.account.seller_id, SEARCH_ORDERS, priority=self.priority
                    )
                    if wait > self.max_wait_s:
                        ctx.summary.notes.append(
                            f"stopped after {ctx.summary.pages} page(s): the next would wait {wait:.0f} s "
                            "for quota kept for the incremental import"
                        )
                        self.stopped = True
                        return
                page = next(self.pages, None)
                if page is None:
                    return
                yield page
        finally:
            self.pages.close()


def catch_up(ctx: PassContext, *, kind: str, sliced: bool = False) -> None:
    """The seed's safety nets, by creation time, at CATCH_UP priority (they never starve the incremental):
    recheck = AMAZON orders SHIPPED created 15 d..2 d ago; doublecheck = MERCHANT UNSHIPPED 7 d..1 d ago.

    `sliced` (what the scheduler runs, every `catch_up_every`): only the current slice of the window as
    it stood at midnight UTC, on spare quota. The day's slices cover what one run at midnight would, spread
    so that no run waits for quota or holds a page token long; an explicit run (cron URL, CLI) reads
    the whole window at once, as the seed's cron did.
    """
    settings = ctx.settings
    if kind == "recheck":
        oldest, youngest = settings.recheck_window
        fulfilled_by, statuses = (FulfilledBy.AMAZON,), (FulfillmentStatus.SHIPPED,)
    elif kind == "doublecheck":
        oldest, youngest = settings.doublecheck_window
        fulfilled_by, statuses = (FulfilledBy.MERCHANT,), (FulfillmentStatus.UNSHIPPED,)
    else:
        raise ValueError(f"unknown catch-up pass {kind!r}: use recheck or doublecheck")
    now = ctx.clock.now()
    if sliced:
        created_after, created_before = catch_up_slice(now, oldest, youngest, settings.catch_up_slices)
        max_wait_s = settings.spare_quota_max_wait_s
    else:
        created_after, created_before = now - oldest, now - youngest
        max_wait_s = settings.catch_up_max_wait_s
    created_before = min(created_before, now - settings.visibility_delay)
    ctx.summary.window = (created_after, created_before)
    search_created(
        ctx,
        created_after,
        created_before,
        fulfilled_by=fulfilled_by,
        statuses=statuses,
        max_wait_s=max_wait_s,
    )


def catch_up_slice(
    now: datetime, oldest: timedelta, youngest: timedelta, slices: int
) -> tuple[datetime, datetime]:
    """The creation-time slice a scheduled catch-up reads at `now`: slice k (k = the part of the UTC day
    elapsed, in `slices` parts) of the window [midnight - oldest, midnight - youngest]."""
    midnight = datetime.combine(now.date(), time(0), tzinfo=UTC)
    part = min(int((now - midnight) / (timedelta(days=1) / slices)), slices - 1)
    start, span = midnight - oldest, oldest - youngest
    return start + span * part / slices, start + span * (part + 1) / slices


def search_created(
    ctx: PassContext,
    created_after,
    created_before,
    *,
    fulfilled_by: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    on_page=None,
    max_wait_s: float | None = None,
) -> bool:
    """Record every order created in the window (catch-ups, reconciliation), page by page, at CATCH_UP
    priority. With `max_wait_s`, stop early (returns False) rather than wait longer than that for quota:
    a safety net must not hog the budget or the clock; the next run covers the window again."""
    if created_before <= created_after:
        return True
    query = SearchQuery(
        marketplace_ids=ctx.account.marketplace_ids,
        created_after=created_after,
        created_before=created_before,
        fulfillment_statuses=statuses,
        fulfilled_by=fulfilled_by,
        max_results_per_page=ctx.settings.max_results_per_page,
    )
    pages = _Patient(
        ctx, ctx.client.search_orders(query, priority=Priority.CATCH_UP), Priority.CATCH_UP, max_wait_s
    )
    for page in pages:
        ctx.summary.pages += 1
        ctx.record(page.orders)
        if on_page is not None:
            on_page(page.orders)
    return not pages.stopped


def search_keeps_up(books, account, settings, now: datetime) -> bool:
    """Is the incremental cursor close behind now? Then the search index shows orders clearing, and the
    pending watch is only the net under an update the index missed: it may read rarely."""
    cursor = books.cursor(account.name, account.marketplace_group)
    return cursor is not None and now - cursor <= settings.search_keeping_up


def _watch_due_by(books, account, settings, now: datetime) -> tuple[datetime, bool]:
    """Read orders due by this instant, and whether the watch is relaxed. When search falls behind (an
    outage, a backlog) orders scheduled at the relaxed spacing are brought forward to the tight one."""
    relaxed = search_keeps_up(books, account, settings, now)
    if relaxed:
        return now, True
    return now + (settings.pending_watch_relaxed_interval - settings.pending_watch_max_interval), False


def pending_watch_due(orders, books, account, settings, now) -> bool:
    """Cheap check before a pending-watch run: is any PENDING order due for a re-read?"""
    due_by, _ = _watch_due_by(books, account, settings, now)
    return bool(
        orders.pending_to_watch(
            account.name,
            statuses=sorted(PENDING_STATUSES),
            unchanged_since=now - settings.pending_watch_after,
            now=due_by,
            limit=1,
        )
    )


def recheck_interval(pending_for: timedelta, settings, *, relaxed: bool = False) -> timedelta:
    """How long before a still-PENDING order is read again: a quarter of its time in PENDING, at least
    `pending_watch_after`, at most `pending_watch_max_interval` while search is failing or behind, and
    `pending_watch_relaxed_interval` while it keeps up (an order held 20 days then costs 3 reads a day:
    the incremental sees it clear anyway). Under getOrder pressure the watch reads fewer still: it never
    waits long for a token."""
    cap = settings.pending_watch_relaxed_interval if relaxed else settings.pending_watch_max_interval
    return min(max(pending_for / 4, settings.pending_watch_after), cap)


def watch_pending(ctx: PassContext) -> None:
    """Re-read PENDING orders that have not moved for a while with getOrder, within the quota budget.

    Catches an order Amazon held (documents asked, payment check) as soon as it clears, even when the
    search index missed its update or searchOrders is down. Stops when the governor would make it wait:
    the incremental pass keeps priority, and the next watch resumes with the orders read least recently.
    """
    settings, account = ctx.settings, ctx.account
    now = ctx.clock.now()
    due_by, relaxed = _watch_due_by(ctx.books, account, settings, now)
    candidates = ctx.orders.pending_to_watch(
        account.name,
        statuses=sorted(PENDING_STATUSES),
        unchanged_since=now - settings.pending_watch_after,
        now=due_by,
        limit=settings.pending_watch_max_per_run,
    )
    checked: list[tuple[int, datetime]] = []
    try:
        for order_id, amazon_order_id, pending_since in candidates:
            wait = ctx.governor.wait_time(account.seller_id, GET_ORDER, priority=Priority.PENDING_WATCH)
            if wait > settings.pending_watch_max_wait_s:
                break
            again = ctx.clock.now() + recheck_interval(
                ctx.clock.now() - pending_since, settings, relaxed=relaxed
            )
            try:
                raw = ctx.client.get_order(amazon_order_id, priority=Priority.PENDING_WATCH)
            except NotFound:
                ctx.summary.problems.append(f"order {amazon_order_id}: getOrder answered 404")
                checked.append((order_id, again))
                continue
            checked.append((order_id, again))
            ctx.record([raw])
    finally:
        ctx.orders.mark_checked(checked, ctx.clock.now())
