"""A discrete-event cron on the virtual clock.

Jobs fire on cron-like ticks (every N minutes, anchored to midnight UTC like a crontab line, or daily at
a time of day of the shop's zone, as `serve`'s scheduler runs the reconciliation). The loop jumps the
shared `SimClock` straight to the next due tick, so a quiet month costs nothing but the jobs themselves.
A job may move the clock while it runs (the quota governor waits, the client backs off): ticks that
passed meanwhile are skipped, as a real cron's overlapping run would have found the account locked and
done nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from amzorders.clock import SimClock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Every:
    """Ticks at midnight UTC + offset + k * interval (so `Every(30 min)` fires at :00 and :30)."""

    interval: timedelta
    offset: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise ValueError(f"a schedule interval must be positive, got {self.interval}")

    def at_or_after(self, instant: datetime) -> datetime:
        """The first tick at or after `instant`."""
        elapsed = instant - _EPOCH - self.offset
        ticks = -(-elapsed // self.interval)  # ceiling division of timedeltas
        return _EPOCH + self.offset + ticks * self.interval

    def after(self, instant: datetime) -> datetime:
        """The first tick strictly after `instant`."""
        tick = self.at_or_after(instant)
        return tick + self.interval if tick == instant else tick


def daily_at(moment: time, zone: str = "UTC") -> Every | LocalDaily:
    """Once a day at `moment`, a time of day in `zone` (the shop's: as `serve`'s scheduler runs it)."""
    if zone == "UTC":
        return Every(_DAY, timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second))
    return LocalDaily(moment, ZoneInfo(zone))


@dataclass(frozen=True, slots=True)
class LocalDaily:
    """Ticks at `moment` of each local day of `zone`: a fixed UTC interval would drift by an hour across
    a change of daylight-saving time (a nonexistent local time fires at the instant zoneinfo maps it to)."""

    moment: time
    zone: ZoneInfo

    def at_or_after(self, instant: datetime) -> datetime:
        day = instant.astimezone(self.zone).date()
        for offset in (-1, 0, 1, 2):
            local = datetime.combine(day + timedelta(days=offset), self.moment, tzinfo=self.zone)
            tick = local.astimezone(UTC)
            if tick >= instant:
                return tick
        raise AssertionError("unreachable: a local day always has the time within two days")

    def after(self, instant: datetime) -> datetime:
        tick = self.at_or_after(instant)
        return self.at_or_after(tick + timedelta(seconds=1)) if tick == instant else tick


@dataclass(frozen=True, slots=True)
class Job:
    """`action` runs at each tick of `trigger`; jobs due at the same instant run in `rank` order."""

    name: str
    trigger: Every | LocalDaily
    action: Callable[[], object]
    rank: int = 0


JobObserver = Callable[[Job, datetime, object], None]


def run_schedule(
    clock: SimClock, jobs: Iterable[Job], until: datetime, observe: JobObserver | None = None
) -> int:
    """Run every job at its ticks from the clock's present up to `until` (inclusive); return the run count.

    `observe(job, tick, result)` sees every run's result (a RunSummary, for instance).
    """
    queue: list[tuple[datetime, int, int, Job]] = []
    for position, job in enumerate(jobs):
        queue.append((job.trigger.at_or_after(clock.now()), job.rank, position, job))
    heapq.heapify(queue)
    runs = 0
    while queue and queue[0][0] <= until:
        tick, rank, position, job = queue[0]
        clock.advance_to(tick)
        result = job.action()
        runs += 1
        if observe is not None:
            observe(job, tick, result)
        following = max(job.trigger.after(tick), job.trigger.at_or_after(clock.now()))
        heapq.heapreplace(queue, (following, rank, position, job))
    return runs
