"""The pending watch: getOrder on PENDING orders that have not moved for a while (its own quota)."""

from __future__ import annotations

from datetime import datetime, timedelta

from amzorders.amazon.constants import GET_ORDER
from amzorders.amazon.errors import NotFound
from amzorders.amazon.governor import Priority
from amzorders.sync.context import PassContext
from amzorders.sync.rules import PENDING_STATUSES


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
