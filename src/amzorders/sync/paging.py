"""Reading searchOrders windows page by page into the ledger, for every pass.

A lastUpdatedTime window moves its pass's cursor only with its last page (never ahead of what is
recorded); a createdTime window (catch-ups, reconciliation) has no cursor. Both can be asked to stop
rather than wait long for quota (`Patient`): the safety nets live on spare quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from amzorders.amazon.client import SearchQuery
from amzorders.amazon.constants import SEARCH_ORDERS, FulfillmentStatus
from amzorders.amazon.governor import Priority
from amzorders.ledger.bookkeeping import INCREMENTAL
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import SettledStretch, Window, next_cursor
from amzorders.sync.rules import PENDING_STATUSES


def advance_cursor(ctx: PassContext, conn, kind: str, position: datetime, *, known: datetime | None) -> None:
    """Move the account's `kind` cursor (never back), inside the caller's transaction."""
    account = ctx.account
    ctx.books.advance_cursor(
        conn, account.name, account.marketplace_group, position, at=ctx.clock.now(), known=known, kind=kind
    )


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """What one searchOrders query of a window asks for (empty: everything)."""

    statuses: tuple[str, ...] = ()
    fulfilled_by: tuple[str, ...] = ()


EVERYTHING = (SearchFilter(),)
# Every status but PENDING (and PENDING_AVAILABILITY): versions that can be imported or change a shop
# order. A PENDING version left out costs nothing: the order's next update brings it back.
NOT_PENDING_STATUSES = tuple(status.value for status in FulfillmentStatus if status not in PENDING_STATUSES)
NOT_PENDING = (SearchFilter(statuses=NOT_PENDING_STATUSES),)


def search_window(
    ctx: PassContext,
    kind: str,
    cursor: datetime | None,
    window: Window,
    priority: Priority,
    *,
    filters: Sequence[SearchFilter] = EVERYTHING,
    max_wait_s: float | None = None,
    continue_wait_s: float | None = None,
):
    """Record every page of a lastUpdatedTime window, one query per filter (their union is what the
    window asks for); the cursor of `kind` moves with the last page of the last query, to the lowest
    bound the server applied. With `max_wait_s`, give up (the cursor stays) before a page that would
    wait longer for quota (`continue_wait_s` once the window's first page is read)."""
    read_from = ctx.clock.now()  # no page of the window is read before this
    continue_wait = max_wait_s if continue_wait_s is None else continue_wait_s
    server_before: datetime | None = None
    last = len(filters) - 1
    for number, search in enumerate(filters):
        query = SearchQuery(
            marketplace_ids=ctx.account.marketplace_ids,
            last_updated_after=window.after,
            last_updated_before=window.before,
            fulfillment_statuses=search.statuses,
            fulfilled_by=search.fulfilled_by,
            max_results_per_page=ctx.settings.max_results_per_page,
        )
        pages = Patient(
            ctx,
            ctx.client.search_orders(query, priority=priority),
            priority,
            max_wait_s if number == 0 else continue_wait,  # a later query continues the window
            continue_wait_s=continue_wait,
        )
        bound = None
        for page in pages:
            bound = page.last_updated_before or bound
            ctx.summary.pages += 1
            if page.next_token is None and number == last:
                # The window's last page and the cursor move commit together: never ahead of the ledger.
                reached = next_cursor(cursor, window, _lowest(bound, server_before))
                settled = _settled_by(ctx, kind, window.after, reached, read_from)

                def move_cursor(conn, position=reached, settled=settled):
                    advance_cursor(ctx, conn, kind, position, known=cursor)
                    ctx.remember(conn, settled)

                ctx.record(page.orders, also=move_cursor)
                if settled is not None:
                    ctx.settled = settled
                return reached
            ctx.record(page.orders)
        if pages.stopped:
            return cursor
        server_before = _lowest(bound, server_before)
    return cursor


def _lowest(*bounds: datetime | None) -> datetime | None:
    """The earliest of the bounds the server applied to a window's queries (None: none said)."""
    known = [bound for bound in bounds if bound is not None]
    return min(known) if known else None


def _settled_by(
    ctx: PassContext, kind: str, start: datetime, end: datetime | None, read_from: datetime
) -> SettledStretch | None:
    """The settled stretch once an incremental window [start, end) is recorded (None: unchanged).

    The part of the window that ends `late_sweep_lag` before it was read already showed every update
    Amazon indexes within the lag: the late-index sweep need not read it again (it jumps over it, see
    `safety_nets.late_index_sweep`). A backlog, after an outage or on a busy evening, is then read once
    rather than twice, and the sweep's quota goes to what was read near the edge."""
    lag = ctx.settings.late_sweep_lag
    if kind != INCREMENTAL or lag is None or end is None:
        return None
    settled = replace(ctx.settled)
    settled.add(start, min(end, read_from - lag))
    return None if settled == ctx.settled else settled


def quota_wait_over(ctx: PassContext, priority: Priority, max_wait_s: float) -> float | None:
    """The wait for the next searchOrders token at `priority` when it exceeds `max_wait_s`, else None."""
    wait = ctx.governor.wait_time(ctx.account.seller_id, SEARCH_ORDERS, priority=priority)
    return wait if wait > max_wait_s else None


CONTINUED_PAGES = 2  # a piece sized for under a page spills into one or two more when busier than thought


class Patient:
    """Iterate the pages until the next one would wait more than `max_wait_s` for a searchOrders token
    (then `stopped` is True; never after a page that says it is the last); None: wait as long as the
    governor says. `continue_wait_s` (default: the same) applies to the next `CONTINUED_PAGES` pages
    once one is read: a window given up half-read is read again from its start, but a window far bigger
    than expected must not hold the run for long."""

    def __init__(
        self,
        ctx: PassContext,
        pages,
        priority: Priority,
        max_wait_s: float | None,
        *,
        continue_wait_s: float | None = None,
    ) -> None:
        self.ctx, self.pages, self.priority = ctx, pages, priority
        self.max_wait_s = max_wait_s
        self.continue_wait_s = max_wait_s if continue_wait_s is None else continue_wait_s
        self.stopped = False

    def __iter__(self):
        ctx = self.ctx
        limit, read = self.max_wait_s, 0
        try:
            while True:
                if limit is not None:
                    wait = quota_wait_over(ctx, self.priority, limit)
                    if wait is not None:
                        ctx.summary.notes.append(
                            f"stopped after {ctx.summary.pages} page(s): the next would wait {wait:.0f} s "
                            "for quota kept for the incremental import"
                        )
                        self.stopped = True
                        return
                ctx.before_waiting(self.priority)
                page = next(self.pages, None)
                if page is None:
                    return
                yield page
                if page.next_token is None:
                    return  # the query is read in full: no next page to wait for
                read += 1
                limit = self.continue_wait_s if read <= CONTINUED_PAGES else self.max_wait_s
        finally:
            self.pages.close()


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
    pages = Patient(
        ctx, ctx.client.search_orders(query, priority=Priority.CATCH_UP), Priority.CATCH_UP, max_wait_s
    )
    for page in pages:
        ctx.summary.pages += 1
        ctx.record(page.orders)
        if on_page is not None:
            on_page(page.orders)
    return not pages.stopped
