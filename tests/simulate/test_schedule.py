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


def test_a_daily_time_of_the_shops_zone_stays_local_across_daylight_saving() -> None:
    """The simulated reconciliation ran at 06:00 UTC whatever the shop's zone (10 p.m. the evening before
    in Los Angeles, checking the day before yesterday); it runs at 06:00 shop time, as `serve` does."""
    six = daily_at(time(6, 0), "America/Los_Angeles")
    tick, ticks = datetime(2026, 10, 30, tzinfo=UTC), []
    for _ in range(4):
        tick = six.after(tick)
        ticks.append(tick)
    # 06:00 PDT is 13:00 UTC until the clocks go back on 1 November, 06:00 PST is 14:00 UTC after
    assert [t.strftime("%m-%d %H:%M") for t in ticks] == [
        "10-30 13:00",
        "10-31 13:00",
        "11-01 14:00",
        "11-02 14:00",
    ]
    assert six.at_or_after(ticks[1]) == ticks[1] and six.after(ticks[1]) == ticks[2]
    assert daily_at(time(6, 0)) == Every(timedelta(days=1), timedelta(hours=6))  # UTC: the crontab form


def test_a_simulated_shop_in_another_zone_reconciles_its_own_days() -> None:
    from amzorders.sim.generate import generate
    from amzorders.simulate.runner import SimulationOptions, run_simulation
    from amzorders.sync.settings import SyncSettings

    scenario = generate(orders_per_day=40, days=3, seed=1)
    options = SimulationOptions(
        sync=SyncSettings(day_timezone="America/Los_Angeles"), grace=timedelta(days=1)
    )
    coverage = run_simulation(scenario, options).reconciliation
    assert coverage["orders_compared"] == coverage["orders_created"] == 120  # 116: UTC days counted
