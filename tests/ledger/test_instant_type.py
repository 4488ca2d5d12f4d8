"""`Instant` on SQLite: naive UTC text with microseconds, whatever the aware time zone it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from amzorders.ledger.schema import Instant

BIND = Instant().bind_processor(sqlite.dialect())


@given(st.datetimes(timezones=st.just(UTC)))
def test_utc_instants_are_written_as_naive_text_with_microseconds(value):
    assert BIND(value) == value.replace(tzinfo=None).isoformat(" ", "microseconds")


def test_other_time_zones_are_converted_to_utc_and_naive_ones_refused():
    paris = datetime(2026, 11, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert BIND(paris) == "2026-11-01 09:00:00.000000"
    assert BIND(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        BIND(datetime(2026, 11, 1, 10, 0))
    with pytest.raises(TypeError, match="must be a datetime"):
        BIND("2026-11-01 10:00:00")
