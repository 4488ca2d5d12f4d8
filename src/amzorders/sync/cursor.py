"""The incremental cursor, as pure functions (property-tested: it never moves back, never skips).

The cursor is a position on Amazon's lastUpdatedTime clock. A run searches
`[cursor - overlap, now - visibility_delay]` and, once every page of that window is recorded, moves the
cursor to the upper bound the *server* applied. The overlap re-reads the last minutes because Amazon's
search index lags behind its order updates; re-reading is free (the ledger ignores equal snapshots).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from amzorders.clock import to_milliseconds


@dataclass(frozen=True, slots=True)
class Window:
    after: datetime  # lastUpdatedAfter
    before: datetime  # lastUpdatedBefore (what we ask; the server may answer with its own)


def plan_window(
    cursor: datetime | None,
    now: datetime,
    *,
    overlap: timedelta,
    visibility_delay: timedelta,
    first_run_lookback: timedelta,
) -> Window | None:
    """The next search window, or None when it would be empty (the cursor is already at the edge)."""
    before = now - visibility_delay
    after = (now - first_run_lookback) if cursor is None else cursor - overlap
    if after >= before:
        return None
    return Window(after=after, before=before)


def next_cursor(current: datetime | None, window: Window, server_before: datetime | None) -> datetime:
    """Where the cursor goes once `window` is fully recorded: the server's bound, never backwards."""
    reached = server_before if server_before is not None else window.before
    return reached if current is None else max(current, reached)


# --- Sizing windows by what they hold ------------------------------------------------------------------
#
# searchOrders costs a call per page whatever the page holds, at 0.0056 calls/s. What a window costs is
# therefore pages, not minutes: a longer overlap is free while the whole window still fits in one page
# (low volume), and a long backlog is best read in chunks of about a page each (high volume), so that
# every call is nearly full and the cursor moves after each one.

PAGE_FILL = 0.8  # aim under a full page: the estimate is an average, and a spill costs a call
_LONGEST = timedelta(days=365)  # what a nearly empty history says a page holds, at most


@dataclass(slots=True)
class WindowDensity:
    """Rows per second of lastUpdatedTime in recent incremental windows (an exponential average)."""

    rows_per_s: float | None = None

    def learn(self, rows: int, span: timedelta) -> None:
        seconds = span.total_seconds()
        if seconds <= 0:
            return
        observed = rows / seconds
        self.rows_per_s = observed if self.rows_per_s is None else (self.rows_per_s + observed) / 2

    def at_least(self, rows: int, span: timedelta) -> None:
        """A window of `span` held more than `rows` rows (it was given up half-read): no average, the
        next piece must fit, or it is given up again and its pages are wasted."""
        seconds = span.total_seconds()
        if seconds > 0:
            self.rows_per_s = max(self.rows_per_s or 0.0, rows / seconds)

    def span_for(self, rows: float) -> timedelta | None:
        """How much lastUpdatedTime holds about `rows` rows (None until something was learnt)."""
        if self.rows_per_s is None:
            return None
        if self.rows_per_s <= 0:
            return _LONGEST
        return timedelta(seconds=min(rows / self.rows_per_s, _LONGEST.total_seconds()))


def free_overlap(
    density: WindowDensity, new_span: timedelta, page_size: int, base: timedelta, widest: timedelta
) -> timedelta:
    """The longest overlap (between `base` and `widest`) that keeps the window within one page: the
    re-read is then paid by a call the run makes anyway, and late-indexed updates are caught early."""
    fits = density.span_for(PAGE_FILL * page_size)
    if fits is None:
        return base
    return max(base, min(widest, fits - new_span))


def chunks(
    window: Window,
    density: WindowDensity,
    page_size: int,
    cursor: datetime | None = None,
    *,
    pages: float = PAGE_FILL,
) -> Iterator[Window]:
    """`window` cut into consecutive pieces of about `pages` pages each (whole when it fits in one);
    lazily, as a run usually stops long before the end of a big backlog.

    The part before `cursor` (the overlap, already read once) goes whole into the first piece: a piece
    that ends before the cursor cannot move it, and a run that paused after it would start there again.
    """
    piece = density.span_for(pages * page_size)
    if piece is None or window.before - window.after <= piece:
        yield window
        return
    piece = max(piece, timedelta(seconds=1))
    start = window.after
    end = min(max(start, cursor or start) + piece, window.before)  # the overlap and a page of new
    while True:
        yield Window(after=start, before=end)
        if end >= window.before:
            return
        start, end = end, min(end + piece, window.before)


@dataclass(slots=True)
class SettledStretch:
    """lastUpdatedTime the incremental read at least `late_sweep_lag` after Amazon could have indexed it
    (the latest contiguous stretch; stored with the incremental's cursor move, in `sync_memory`)."""

    start: datetime | None = None
    end: datetime | None = None

    def add(self, start: datetime, end: datetime) -> None:
        """Add the window [start, end) read late enough, in the milliseconds the query sent: the sweep's
        cursor comes from the server's echoed bounds, and compared with microseconds it stood forever
        a fraction of a millisecond before the stretch it should jump over (month-5000: stuck for 10
        days, the import reading 35 min late all that time)."""
        start, end = to_milliseconds(start), to_milliseconds(end)
        if end <= start:
            return
        if self.start is not None and self.end is not None and start <= self.end and end >= self.start:
            self.start, self.end = min(self.start, start), max(self.end, end)
        else:
            self.start, self.end = start, end

    def skip_to(self, position: datetime) -> datetime | None:
        """Where a sweep at `position` may jump to (None: `position` is not inside the stretch)."""
        if self.start is None or self.end is None or not self.start <= position < self.end:
            return None
        return self.end
