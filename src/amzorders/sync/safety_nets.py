"""The safety nets under the incremental import, all on spare quota: the late-index sweep and the seed's
catch-up passes (recheck, doublecheck). The daily reconciliation is in `reconcile`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from amzorders.amazon.constants import FulfilledBy, FulfillmentStatus
from amzorders.amazon.governor import Priority
from amzorders.clock import format_span
from amzorders.ledger.bookkeeping import LATE_SWEEP
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import Window, chunks
from amzorders.sync.paging import NOT_PENDING, advance_cursor, search_created, search_window


def late_index_sweep(ctx: PassContext, late: datetime | None) -> None:
    """Re-read, once, the updates up to `late_sweep_lag` ago, in chunks, on spare quota.

    Amazon's search index sometimes shows an update 10-30 minutes late, past the cursor's overlap; that
    version would otherwise only come back through a safety net, and a MERCHANT order's SHIPPED never
    does. The sweep has its own cursor (`sweep_cursors`) and reads each update one more time at
    LATE_SWEEP priority (after the import, before the seed's catch-ups), at most `LATE_SWEEP_CHUNK` of
    updates a run, and only while no page would wait long for quota. Under quota pressure it falls
    behind instead of skipping anything (skipping would lose the late versions); it catches up when the
    shop is quiet.

    PENDING versions are left out (`paging.NOT_PENDING`): none can be imported, and the order's next
    update (or its cancellation) is a version the sweep does read. Few are still current 35 minutes on
    (orders Amazon holds: 3 % of the sweep's rows at 5,000 orders a day), but each page saved is spare
    quota the daily reconciliation lists the day with.
    """
    settings = ctx.settings
    end = ctx.clock.now() - settings.late_sweep_lag
    if late is None:  # the first run starts the sweep from here
        with ctx.orders.engine.begin() as conn:
            advance_cursor(ctx, conn, LATE_SWEEP, end, known=None)
        return
    late = _skip_settled(ctx, late)
    if end - late < settings.late_sweep_every:
        return
    before = min(end, late + LATE_SWEEP_CHUNK)
    if ctx.settled.start is not None and late < ctx.settled.start < before:
        before = ctx.settled.start  # read up to what the incremental settled, then jump over it
    window = Window(after=late - SWEEP_OVERLAP, before=before)
    reached, density = late, ctx.sweep_density
    pieces = chunks(
        window, density, settings.max_results_per_page, cursor=late, pages=settings.late_sweep_chunk_pages
    )
    for piece in pieces:
        # page-sized pieces, each moving the sweep's cursor: a sweep that gets two pages a run still
        # advances two pages a run, instead of re-reading the same two forever. The sweep learns its own
        # density (it reads an older, busier or quieter, stretch than the incremental), and shrinks its
        # pieces at once when one did not fit in the pages it could have (`WindowDensity.at_least`).
        seen_before = ctx.summary.orders_seen
        moved = search_window(
            ctx,
            LATE_SWEEP,
            reached,
            piece,
            Priority.LATE_SWEEP,
            filters=NOT_PENDING,
            max_wait_s=settings.spare_quota_max_wait_s,
            continue_wait_s=settings.late_sweep_continue_wait_s,
        )
        seen = ctx.summary.orders_seen - seen_before
        if moved == reached:
            if seen:
                density.at_least(2 * seen + 2 * settings.max_results_per_page, piece.before - piece.after)
            break
        density.learn(seen, piece.before - piece.after)
        reached = moved
    if reached == late:
        behind = format_span(ctx.clock.now() - late)
        ctx.summary.notes.append(f"late-index sweep postponed ({behind} behind): quota kept for the import")
    else:
        _skip_settled(ctx, reached)


def _skip_settled(ctx: PassContext, late: datetime) -> datetime:
    """Jump the sweep's cursor over the stretch the incremental read late enough (`paging`), if it is
    there; returns where the sweep stands."""
    settled = ctx.settled.skip_to(late)
    if settled is None:
        return late
    with ctx.orders.engine.begin() as conn:
        advance_cursor(ctx, conn, LATE_SWEEP, settled, known=late)
    return settled


LATE_SWEEP_CHUNK = timedelta(hours=2)  # a run's share of a sweep that fell behind
# The sweep reads 35 minutes behind, far from the edge where the incremental's overlap absorbs Amazon's
# index jitter; it only re-reads the bound instant itself. (With the incremental's 2 minutes, a first
# piece sized for under a page also held the 2 minutes before the cursor: a burst put 300+ rows there, and
# the piece was given up half-read run after run.)
SWEEP_OVERLAP = timedelta(seconds=1)


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
