"""Time as a dependency.

Every component that reads the time or waits takes a `Clock`, so a simulation can run a month of
marketplace activity in seconds (`SimClock`) while production uses the wall clock (`WallClock`).
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait; a virtual clock advances instead of blocking."""
        ...


class WallClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class SimClock:
    """A virtual clock: time moves only when someone sleeps or advances it.

    Thread-safe, so a simulator served on loopback and an importer can share one.
    """

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)

    def advance(self, delta: float | timedelta) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock never goes back")
        with self._lock:
            self._now += step
            return self._now

    def advance_to(self, instant: datetime) -> datetime:
        """Move forward to `instant` (no-op when it is already past)."""
        instant = ensure_utc(instant)
        with self._lock:
            if instant > self._now:
                self._now = instant
            return self._now


class AcceleratedClock:
    """Wall time running `speed` times faster from `start` (for `simulator serve --speed`)."""

    def __init__(self, start: datetime, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = ensure_utc(start)
        self._speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self._speed)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self._speed)


def ensure_utc(value: datetime) -> datetime:
    """Reject naive datetimes (they are always a bug here) and normalise to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: amzorders works in timezone-aware UTC")
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant as Amazon writes it ('2026-11-01T10:00:00Z', with or without fraction)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    return ensure_utc(value)


def to_milliseconds(value: datetime) -> datetime:
    """`value` as Amazon receives it: `format_instant` keeps milliseconds, so a window bound with
    microseconds reaches the server (and comes back as its echoed bound) up to 1 ms earlier."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_span(span: timedelta) -> str:
    """A span for people, to the minute: "7 min", "2 h 05 min"."""
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def format_instant(value: datetime) -> str:
    """ISO 8601 in UTC with a 'Z', the way Amazon writes instants (milliseconds kept when present)."""
    value = ensure_utc(value)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
