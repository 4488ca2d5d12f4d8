"""The discrete-event cron on the virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from amzorders.clock import SimClock
from amzorders.simulate.schedule import Every, Job, daily_at, run_schedule

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_ticks_are_aligned_like_a_crontab() -> None:
    every = Every(timedelta(minutes=30))
    assert every.at_or_after(T0 + timedelta(minutes=7)) == T0 + timedelta(minutes=30)
    assert every.at_or_after(T0 + timedelta(minutes=30)) == T0 + timedelta(minutes=30)
    assert every.after(T0 + timedelta(minutes=30)) == T0 + timedelta(hours=1)
    six = daily_at(time(6, 0))
    assert six.at_or_after(T0 + timedelta(hours=7)) == T0 + timedelta(days=1, hours=6)
    assert six.at_or_after(T0) == T0 + timedelta(hours=6)


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Every(timedelta(0))


def test_jobs_run_at_their_ticks_in_rank_order_until_the_horizon() -> None:
    clock = SimClock(T0)
    seen: list[tuple[str, datetime]] = []
    jobs = [
        Job("hourly", Every(timedelta(hours=1)), lambda: seen.append(("hourly", clock.now())), rank=1),
        Job("quarter", Every(timedelta(minutes=15)), lambda: seen.append(("quarter", clock.now())), rank=0),
    ]
    runs = run_schedule(clock, jobs, T0 + timedelta(hours=1))
    assert runs == 7
    assert seen[:2] == [("quarter", T0), ("hourly", T0)]
    assert seen[-2:] == [("quarter", T0 + timedelta(hours=1)), ("hourly", T0 + timedelta(hours=1))]
    assert clock.now() == T0 + timedelta(hours=1)


def test_ticks_that_pass_while_a_job_runs_are_skipped() -> None:
    clock = SimClock(T0)
    starts: list[datetime] = []

    def slow() -> str:
        starts.append(clock.now())
        clock.sleep(12 * 60)  # the governor made it wait 12 minutes
        return "ok"

    observed: list[object] = []
    run_schedule(
        clock,
        [Job("slow", Every(timedelta(minutes=5)), slow)],
        T0 + timedelta(minutes=30),
        lambda job, tick, result: observed.append(result),
    )
    assert starts == [T0, T0 + timedelta(minutes=15), T0 + timedelta(minutes=30)]
    assert observed == ["ok"] * 3
