"""The Amazon-facing passes: incremental import, pending watch, and the seed's catch-up passes.

All of them only *record* what Amazon says (one transaction per page); creating and updating shop
orders is `push`'s job, so a shop outage never holds the cursor back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from amzorders.amazon.client import SearchQuery
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS, FulfilledBy, FulfillmentStatus
from amzorders.amazon.errors import NotFound
from amzorders.amazon.governor import Priority
from amzorders.ledger.bookkeeping import INCREMENTAL, LATE_SWEEP
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import Window, next_cursor, plan_window
from amzorders.sync.rules import PENDING_STATUSES


def incremental(ctx: PassContext) -> None:
    """Search by lastUpdatedTime from the cursor; advance it only once the whole window is recorded.
    Then, about hourly, the late-index sweep (below)."""
    account, settings, summary = ctx.account, ctx.settings, ctx.summary
    group = account.marketplace_group
    cursors = ctx.books.cursors(account.name, group)
    window = plan_window(
        cursors[INCREMENTAL],
        ctx.clock.now(),
        overlap=settings.overlap,
        visibility_delay=settings.visibility_delay,
        first_run_lookback=settings.first_run_lookback,
    )
    if window is not None:
        summary.window = (window.after, window.before)
        reached = _search_window(ctx, INCREMENTAL, cursors[INCREMENTAL], window, Priority.INCREMENTAL)
        summary.window = (window.after, reached)
    if settings.late_sweep_lag is not None:
        late_index_sweep(ctx, cursors[LATE_SWEEP])


def late_index_sweep(ctx: PassContext, late: datetime | None) -> None:
    """Re-read, once, the updates of an hour that ended `late_sweep_lag` ago.

    Amazon's search index sometimes shows an update 10-30 minutes late, past the cursor's overlap; that
    version would otherwise only come back through a catch-up pass, and a MERCHANT order's SHIPPED never
    does. The sweep has its own cursor (`sweep_cursors`), reads each update one more time at CATCH_UP
    priority, and is skipped (not lost: its cursor waits) when the quota is needed elsewhere.
    """
    account, settings = ctx.account, ctx.settings
    end = ctx.clock.now() - settings.late_sweep_lag
    if late is None:
        with ctx.orders.engine.begin() as conn:  # the first run starts the sweep from here
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
    wait = ctx.governor.wait_time(account.seller_id, SEARCH_ORDERS, priority=Priority.CATCH_UP)
    if wait > settings.catch_up_max_wait_s:
        ctx.summary.problems.append(
            f"late-index sweep postponed: quota kept for the incremental ({wait:.0f} s)"
        )
        return
    window = Window(after=late - settings.overlap, before=end)
    _search_window(ctx, LATE_SWEEP, late, window, Priority.CATCH_UP)


def _search_window(ctx: PassContext, kind: str, cursor: datetime | None, window: Window, priority: Priority):
    """Record every page of a lastUpdatedTime window; the cursor of `kind` moves with the last page."""
    account = ctx.account
    query = SearchQuery(
        marketplace_ids=account.marketplace_ids,
        last_updated_after=window.after,
        last_updated_before=window.before,
        max_results_per_page=ctx.settings.max_results_per_page,
    )
    server_before = None
    reached = cursor
    for page in ctx.client.search_orders(query, priority=priority):
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


def catch_up(ctx: PassContext, *, kind: str) -> None:
    """The seed's safety nets, by creation time, at CATCH_UP priority (they never starve the incremental):
    recheck = AMAZON orders SHIPPED created 15 d..2 d ago; doublecheck = MERCHANT UNSHIPPED 7 d..1 d ago."""
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
    created_after = now - oldest
    created_before = min(now - youngest, now - settings.visibility_delay)
    ctx.summary.window = (created_after, created_before)
    search_created(
        ctx,
        created_after,
        created_before,
        fulfilled_by=fulfilled_by,
        statuses=statuses,
        max_wait_s=settings.catch_up_max_wait_s,
    )


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
    pages = ctx.client.search_orders(query, priority=Priority.CATCH_UP)
    try:
        while True:
            if max_wait_s is not None:
                wait = ctx.governor.wait_time(
                    ctx.account.seller_id, SEARCH_ORDERS, priority=Priority.CATCH_UP
                )
                if wait > max_wait_s:
                    ctx.summary.problems.append(
                        f"stopped after {ctx.summary.pages} page(s): the next would wait {wait:.0f} s "
                        "for quota kept for the incremental import"
                    )
                    return False
            page = next(pages, None)
            if page is None:
                return True
            ctx.summary.pages += 1
            ctx.record(page.orders)
            if on_page is not None:
                on_page(page.orders)
    finally:
        pages.close()


def pending_watch_due(orders, account, settings, now) -> bool:
    """Cheap check before a pending-watch run: is any PENDING order due for a re-read?"""
    return bool(
        orders.pending_to_watch(
            account.name,
            statuses=sorted(PENDING_STATUSES),
            unchanged_since=now - settings.pending_watch_after,
            now=now,
            limit=1,
        )
    )


def recheck_interval(pending_for: timedelta, settings) -> timedelta:
    """How long before a still-PENDING order is read again: a quarter of its time in PENDING, between
    `pending_watch_after` and `pending_watch_max_interval` (an order held 20 days costs 4 reads a day)."""
    return min(max(pending_for / 4, settings.pending_watch_after), settings.pending_watch_max_interval)


def watch_pending(ctx: PassContext) -> None:
    """Re-read PENDING orders that have not moved for a while with getOrder, within the quota budget.

    Catches an order Amazon held (documents asked, payment check) as soon as it clears, even when the
    search index missed its update. Stops when the governor would make it wait: the incremental pass
    keeps priority, and the next watch resumes with the orders read least recently.
    """
    settings, account = ctx.settings, ctx.account
    now = ctx.clock.now()
    candidates = ctx.orders.pending_to_watch(
        account.name,
        statuses=sorted(PENDING_STATUSES),
        unchanged_since=now - settings.pending_watch_after,
        now=now,
        limit=settings.pending_watch_max_per_run,
    )
    checked: list[tuple[int, datetime]] = []
    try:
        for order_id, amazon_order_id, pending_since in candidates:
            wait = ctx.governor.wait_time(account.seller_id, GET_ORDER, priority=Priority.PENDING_WATCH)
            if wait > settings.pending_watch_max_wait_s:
                break
            again = ctx.clock.now() + recheck_interval(ctx.clock.now() - pending_since, settings)
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
