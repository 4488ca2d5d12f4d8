"""Scheduled catch-ups read a slice of their window every 3 hours: over a UTC day the slices must cover
exactly what the seed's one daily run at midnight covered, without gap or overlap."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from amzorders.sync.safety_nets import catch_up_slice
from amzorders.sync.settings import SyncSettings

DAY = timedelta(days=1)


@given(
    st.integers(min_value=0, max_value=3650),
    st.sampled_from([1, 2, 3, 4, 6, 8, 12, 24]),
    st.integers(min_value=1, max_value=30 * 24),
    st.integers(min_value=0, max_value=30 * 24),
    st.integers(min_value=0, max_value=10_799),
)
def test_a_days_slices_tile_the_midnight_window(day, slices, oldest_h, youngest_h, jitter_s):
    oldest, youngest = timedelta(hours=oldest_h + youngest_h + 1), timedelta(hours=youngest_h)
    midnight = datetime(2026, 1, 1, tzinfo=UTC) + day * DAY
    every = DAY / slices
    runs = [midnight + k * every + min(timedelta(seconds=jitter_s), every / 2) for k in range(slices)]
    parts = [catch_up_slice(at, oldest, youngest, slices) for at in runs]
    assert parts[0][0] == midnight - oldest
    assert abs(parts[-1][1] - (midnight - youngest)) < timedelta(microseconds=slices)
    for (_, end), (start, _) in itertools.pairwise(parts):
        assert end == start


def test_the_default_catch_up_cadence_is_every_three_hours():
    settings = SyncSettings()
    assert settings.catch_up_every == timedelta(hours=3)
    at = datetime(2026, 11, 3, 14, 20, tzinfo=UTC)  # the 5th slice of the day (12:00-15:00)
    start, end = catch_up_slice(at, *settings.recheck_window, settings.catch_up_slices)
    midnight = datetime(2026, 11, 3, tzinfo=UTC)
    span = settings.recheck_window[0] - settings.recheck_window[1]
    assert start == midnight - settings.recheck_window[0] + span * 4 / 8
    assert end - start == span / 8
