from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amzorders.clock import SimClock, ensure_utc, format_instant, parse_instant

START = datetime(2026, 11, 1, tzinfo=UTC)


def test_sim_clock_sleep_advances_virtual_time_only():
    clock = SimClock(START)
    clock.sleep(179.5)
    assert clock.now() == START + timedelta(seconds=179.5)


def test_sim_clock_never_goes_back():
    clock = SimClock(START)
    with pytest.raises(ValueError, match="never goes back"):
        clock.advance(-1)
    assert clock.advance_to(START - timedelta(days=1)) == START


def test_naive_datetimes_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="naive datetime"):
        SimClock(datetime(2026, 11, 1))


def test_other_time_zones_are_normalised_to_utc():
    paris = timezone(timedelta(hours=1))
    assert ensure_utc(datetime(2026, 11, 1, 1, tzinfo=paris)) == START


@pytest.mark.parametrize(
    "text",
    ["2026-11-01T10:00:00Z", "2026-11-01T10:00:00.000Z", "2026-11-01T11:00:00+01:00"],
)
def test_parse_instant_reads_amazon_forms(text):
    assert parse_instant(text) == datetime(2026, 11, 1, 10, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_format_then_parse_round_trips_to_the_millisecond(value):
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert parse_instant(format_instant(value)) == value
