"""The incremental cursor, as pure functions (property-tested: it never moves back, never skips).

The cursor is a position on Amazon's lastUpdatedTime clock. A run searches
`[cursor - overlap, now - visibility_delay]` and, once every page of that window is recorded, moves the
cursor to the upper bound the *server* applied. The overlap re-reads the last minutes because Amazon's
search index lags behind its order updates; re-reading is free (the ledger ignores equal snapshots).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


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
