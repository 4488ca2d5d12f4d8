"""The pending watch: getOrder on PENDING orders that have not moved for a while (its own quota)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """What a pending-watch run reads: orders due by `due_by`; `relaxed` while search keeps up."""

    due_by: datetime
    relaxed: bool


def plan_watch(orders, books, account, settings, now: datetime) -> WatchPlan | None:
    """The next watch run's plan, or None when no PENDING order is due (the run is then skipped).

    When search falls behind (an outage, a backlog) orders scheduled at the relaxed spacing are brought
    forward to the tight one."""
    relaxed = search_keeps_up(books, account, settings, now)
    due_by = (
        now
        if relaxed
        else now + (settings.pending_watch_relaxed_interval - settings.pending_watch_max_interval)
    )
    plan = WatchPlan(due_by, relaxed)
    return plan if _due(orders, account, settings, now, plan, limit=1) else None


def _due(orders, account, settings, now: datetime, plan: WatchPlan, *, limit: int):
    """PENDING orders unchanged for `pending_watch_after` and due by the plan, least recently read first."""
    return orders.pending_to_watch(
        account.name,
        statuses=sorted(PENDING_STATUSES),
        unchanged_since=now - settings.pending_watch_after,
        now=plan.due_by,
        limit=limit,
    )


def recheck_interval(pending_for: timedelta, settings, *, relaxed: bool = False) -> timedelta:
    """How long before a still-PENDING order is read again: a quarter of its time in PENDING, at least
    `pending_watch_after`, at most `pending_watch_max_interval` while search is failing or behind, and
    `pending_watch_relaxed_interval` while it keeps up (an order held 20 days then costs 3 reads a day:
    the incremental sees it clear anyway). Under getOrder pressure the watch reads fewer still: it never
    waits long for a token."""
    cap = settings.pending_watch_relaxed_interval if relaxed else settings.pending_watch_max_interval
    return min(max(pending_for / 4, settings.pending_watch_after), cap)


def watch_pending(ctx: PassContext, plan: WatchPlan) -> None:
    """Re-read PENDING orders that have not moved for a while with getOrder, within the quota budget.

    Catches an order Amazon held (documents asked, payment check) as soon as it clears, even when the
    search index missed its update or searchOrders is down. Stops when the governor would make it wait:
    the incremental pass keeps priority, and the next watch resumes with the orders read least recently.
    """
    settings, account = ctx.settings, ctx.account
    candidates = _due(
        ctx.orders, account, settings, ctx.clock.now(), plan, limit=settings.pending_watch_max_per_run
    )
    reads = _Reads(ctx)
    try:
        for order_id, amazon_order_id, pending_since in candidates:
            wait = ctx.governor.wait_time(account.seller_id, GET_ORDER, priority=Priority.PENDING_WATCH)
            if wait > settings.pending_watch_max_wait_s:
                break
            again = ctx.clock.now() + recheck_interval(
                ctx.clock.now() - pending_since, settings, relaxed=plan.relaxed
            )
            try:
                raw = ctx.client.get_order(amazon_order_id, priority=Priority.PENDING_WATCH)
            except NotFound:
                ctx.summary.problems.append(f"order {amazon_order_id}: getOrder answered 404")
                reads.add(order_id, again, None)
                continue
            reads.add(order_id, again, raw)
    finally:
        reads.flush()


class _Reads:
    """getOrder answers recorded a few at a time, with their next-read times, in one transaction.

    A crash before a flush loses nothing: those orders are still PENDING and due in the ledger, so the
    next watch reads them again. Flushed every `FLUSH_EVERY` reads or `FLUSH_AFTER` of waiting for
    tokens, so an order that cleared reaches the push soon.
    """

    FLUSH_EVERY = 20
    FLUSH_AFTER = timedelta(minutes=1)

    def __init__(self, ctx: PassContext) -> None:
        self.ctx = ctx
        self.checked: list[tuple[int, datetime]] = []
        self.raws: list = []
        self.since: datetime | None = None

    def add(self, order_id: int, again: datetime, raw) -> None:
        now = self.ctx.clock.now()
        self.since = self.since or now
        self.checked.append((order_id, again))
        if raw is not None:
            self.raws.append(raw)
        if len(self.checked) >= self.FLUSH_EVERY or now - self.since >= self.FLUSH_AFTER:
            self.flush()

    def flush(self) -> None:
        checked, raws, now = self.checked, self.raws, self.ctx.clock.now()
        self.checked, self.raws, self.since = [], [], None
        if raws:
            self.ctx.record(raws, also=lambda conn: self.ctx.orders.mark_checked_in(conn, checked, now))
        else:
            self.ctx.orders.mark_checked(checked, now)
