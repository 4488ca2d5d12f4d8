"""The incremental cursor by property: whatever the run timings, failures and server bounds, it never
moves back, never goes past what was recorded, and leaves no gap between recorded windows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from amzorders.clock import to_milliseconds
from amzorders.sync.cursor import (
    SettledStretch,
    Window,
    WindowDensity,
    chunks,
    free_overlap,
    next_cursor,
    plan_window,
)

OVERLAP = timedelta(minutes=15)
DELAY = timedelta(minutes=2)
LOOKBACK = timedelta(days=1)
T0 = datetime(2026, 11, 1, tzinfo=UTC)

runs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6 * 3600),  # seconds until the next run
        st.booleans(),  # the run completes (else: it crashed or Amazon failed mid-window)
        st.integers(min_value=0, max_value=60),  # the server's bound is this many seconds earlier
    ),
    max_size=40,
)


@given(runs)
def test_recorded_windows_cover_everything_up_to_the_cursor(schedule):
    now, cursor = T0, None
    covered: list[Window] = []
    for gap, completes, server_earlier in schedule:
        now += timedelta(seconds=gap)
        window = plan_window(
            cursor, now, overlap=OVERLAP, visibility_delay=DELAY, first_run_lookback=LOOKBACK
        )
        if window is None:
            assert cursor is not None and cursor - OVERLAP >= now - DELAY
            continue
        assert window.before == now - DELAY  # never closer to now than Amazon allows
        if cursor is not None:
            assert window.after <= cursor - OVERLAP  # starts before the cursor: no gap
        if not completes:
            continue  # nothing committed: the cursor stays
        server_before = max(window.after, window.before - timedelta(seconds=server_earlier))
        new = next_cursor(cursor, window, server_before)
        assert cursor is None or new >= cursor  # never backwards
        assert new <= window.before  # never past what the window covered
        covered.append(Window(window.after, server_before))
        cursor = new
    if cursor is not None:
        # every instant from the first window's start to the cursor is inside a recorded window
        edge = covered[0].after
        for window in sorted(covered, key=lambda w: w.after):
            assert window.after <= edge
            edge = max(edge, window.before)
        assert edge >= cursor


def test_first_run_looks_back_and_later_runs_overlap():
    first = plan_window(None, T0, overlap=OVERLAP, visibility_delay=DELAY, first_run_lookback=LOOKBACK)
    assert first == Window(T0 - LOOKBACK, T0 - DELAY)
    cursor = next_cursor(None, first, None)
    assert cursor == T0 - DELAY  # no server bound: the bound we asked for
    later = plan_window(
        cursor,
        T0 + timedelta(minutes=5),
        overlap=OVERLAP,
        visibility_delay=DELAY,
        first_run_lookback=LOOKBACK,
    )
    assert later == Window(cursor - OVERLAP, T0 + timedelta(minutes=3))


# --- Window sizing: chunks and the free overlap ---------------------------------------------------------

densities = st.floats(min_value=1e-9, max_value=2.0, allow_nan=False, allow_infinity=False)
spans = st.integers(min_value=1, max_value=2 * 86400)


@given(
    densities,
    spans,
    st.integers(min_value=0, max_value=1800),
    st.sampled_from([0.8, 1.0, 2.5, 5.0]),
)
def test_chunks_tile_the_window_without_gap_or_overlap(rows_per_s, span_s, overlap_s, pages):
    window = Window(after=T0, before=T0 + timedelta(seconds=span_s))
    cursor = min(T0 + timedelta(seconds=overlap_s), window.before)
    pieces = list(chunks(window, WindowDensity(rows_per_s), page_size=100, cursor=cursor, pages=pages))
    assert pieces[0].after == window.after and pieces[-1].before == window.before
    for left, right in itertools.pairwise(pieces):
        assert left.before == right.after
    assert all(piece.after < piece.before for piece in pieces)
    # every piece moves the cursor: the overlap (already read) never makes a piece of its own
    assert pieces[0].before > cursor or pieces[0].before == window.before
    expected_rows = [rows_per_s * (p.before - max(p.after, cursor)).total_seconds() for p in pieces]
    # each piece brings about `pages` pages of new rows, never more; all but the last one that much
    slack = rows_per_s * 1e-5  # pieces are cut to the microsecond
    assert all(rows <= pages * 100 + slack for rows in expected_rows)
    assert all(rows >= pages * 100 - slack for rows in expected_rows[1:-1])


def test_unknown_density_reads_the_window_whole():
    window = Window(after=T0, before=T0 + timedelta(days=2))
    assert list(chunks(window, WindowDensity(), page_size=100)) == [window]


@given(densities, st.integers(min_value=0, max_value=3600))
def test_free_overlap_stays_between_base_and_widest_and_fits_a_page(rows_per_s, new_span_s):
    base, widest = timedelta(minutes=2), timedelta(minutes=30)
    new_span = timedelta(seconds=new_span_s)
    overlap = free_overlap(WindowDensity(rows_per_s), new_span, 100, base, widest)
    assert base <= overlap <= widest
    if overlap > base:  # widened only while the whole window still fits in one page
        assert rows_per_s * (new_span + overlap).total_seconds() <= 100


def test_density_learns_from_windows():
    density = WindowDensity()
    assert free_overlap(density, timedelta(minutes=5), 100, timedelta(minutes=2), timedelta(minutes=30)) == (
        timedelta(minutes=2)
    )
    density.learn(10, timedelta(minutes=7))  # 500 orders/day: a few rows a window
    assert free_overlap(density, timedelta(minutes=5), 100, timedelta(minutes=2), timedelta(minutes=30)) == (
        timedelta(minutes=30)
    )
    for _ in range(10):
        density.learn(300, timedelta(minutes=7))  # a busy evening: the overlap would cost pages
    assert free_overlap(density, timedelta(minutes=5), 100, timedelta(minutes=2), timedelta(minutes=30)) == (
        timedelta(minutes=2)
    )


# --- What the late-index sweep may jump over ------------------------------------------------------------

stretches = st.lists(st.tuples(st.integers(0, 600), st.integers(0, 120)), max_size=12)


@given(stretches, st.integers(0, 720))
def test_the_sweep_only_jumps_over_time_the_incremental_settled(added, position_min):
    """Soundness: every minute a jump skips was inside a stretch the incremental settled."""
    settled, covered = SettledStretch(), set()
    for start_min, length_min in added:
        settled.add(T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=start_min + length_min))
        covered |= set(range(start_min, start_min + length_min))
    position = T0 + timedelta(minutes=position_min)
    target = settled.skip_to(position)
    if target is not None:
        assert target > position
        skipped = range(position_min, int((target - T0).total_seconds() // 60))
        assert set(skipped) <= covered


def test_contiguous_windows_read_late_make_one_stretch():
    settled = SettledStretch()
    for k in range(6):  # 5-minute windows with a 2-minute overlap, each read late enough
        settled.add(T0 + timedelta(minutes=5 * k - 2), T0 + timedelta(minutes=5 * k + 5))
    assert settled.skip_to(T0) == T0 + timedelta(minutes=30)
    assert settled.skip_to(T0 + timedelta(minutes=30)) is None  # the end itself is not settled beyond
    settled.add(T0 + timedelta(hours=2), T0 + timedelta(hours=3))  # a later, separate stretch replaces it
    assert settled.skip_to(T0 + timedelta(minutes=10)) is None
    assert settled.skip_to(T0 + timedelta(hours=2)) == T0 + timedelta(hours=3)


@given(
    start_us=st.integers(min_value=0, max_value=10**10),
    length_us=st.integers(min_value=1_000, max_value=10**10),
)
def test_a_sweep_at_the_echo_of_a_stretch_start_jumps_over_it(start_us, length_us):
    """Window bounds carry microseconds, queries and the server's echoed bounds milliseconds: a sweep
    that read up to a stretch's start stands where the server said, and must still jump (it stood a
    fraction of a millisecond short, for days)."""
    start = T0 + timedelta(microseconds=start_us)
    end = start + timedelta(microseconds=length_us)
    settled = SettledStretch()
    settled.add(start, end)
    echoed = to_milliseconds(start)
    if to_milliseconds(end) > echoed:
        assert settled.skip_to(echoed) == to_milliseconds(end)
        assert settled.skip_to(echoed - timedelta(milliseconds=1)) is None  # unread time is never skipped
