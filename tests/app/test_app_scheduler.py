"""The built-in schedule: what runs when (shop time zone), and a live scheduler calling the jobs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from app_support import write_config
from sqlalchemy import text

from amzorders.app.config import ScheduleConfig, load_config
from amzorders.app.scheduler import plan, start_scheduler
from amzorders.app.wiring import build_runtime
from amzorders.sync.reconcile import local_yesterday


def next_fire(job, now):
    return job.trigger.get_next_fire_time(None, now)


def test_default_plan_per_account():
    jobs = {j.id: j for j in plan(ScheduleConfig(timezone="Europe/Paris"), ["eu", "us"])}
    assert sorted(jobs) == sorted(
        [
            f"{k}:{a}"
            for a in ("eu", "us")
            for k in ("import", "pending", "recheck", "doublecheck", "reconcile", "resume_reconcile")
        ]
        + ["purge_pii:*"]
    )
    now = datetime(2026, 11, 3, 10, 2, tzinfo=UTC)
    # reconciliation at 06:00 Paris time = 05:00 UTC in November
    assert next_fire(jobs["reconcile:eu"], now).astimezone(UTC) == datetime(2026, 11, 4, 5, 0, tzinfo=UTC)
    # catch-ups spread: one slice every 3 hours, on UTC hours (the slices are cut from midnight UTC)
    assert next_fire(jobs["recheck:eu"], now).astimezone(UTC) == datetime(2026, 11, 3, 12, 20, tzinfo=UTC)
    assert next_fire(jobs["doublecheck:us"], now).astimezone(UTC) == datetime(2026, 11, 3, 12, 50, tzinfo=UTC)
    assert next_fire(jobs["purge_pii:*"], now).astimezone(UTC) == datetime(2026, 11, 4, 3, 30, tzinfo=UTC)
    # a reconciliation short of quota goes on hourly, clear of the catch-ups and the daily run
    assert next_fire(jobs["resume_reconcile:us"], now).astimezone(UTC) == datetime(
        2026, 11, 3, 10, 35, tzinfo=UTC
    )
    assert jobs["import:eu"].trigger.interval == timedelta(minutes=5)
    assert jobs["pending:eu"].trigger.interval == timedelta(hours=1)


def test_catch_ups_daily_as_the_seed_or_off():
    daily = {j.id: j for j in plan(ScheduleConfig(timezone="Europe/Paris", catch_ups="daily"), ["eu"])}
    now = datetime(2026, 11, 3, 10, 2, tzinfo=UTC)
    assert next_fire(daily["recheck:eu"], now).astimezone(UTC) == datetime(2026, 11, 4, 2, 15, tzinfo=UTC)
    assert next_fire(daily["doublecheck:eu"], now).astimezone(UTC) == datetime(2026, 11, 4, 2, 45, tzinfo=UTC)
    off = {j.kind for j in plan(ScheduleConfig(catch_ups="off"), ["eu"])}
    assert off == {"import", "pending", "reconcile", "resume_reconcile", "purge_pii"}


@pytest.mark.parametrize(
    ("zone", "at", "fall_back"),
    [
        ("Europe/Helsinki", "03:15", datetime(2026, 10, 25, tzinfo=UTC)),  # 04:00 -> 03:00: the default times
        ("Europe/Paris", "02:30", datetime(2026, 10, 25, tzinfo=UTC)),  # 03:00 -> 02:00
        ("America/Los_Angeles", "01:30", datetime(2026, 11, 1, 6, tzinfo=UTC)),  # 02:00 -> 01:00
    ],
)
def test_daily_jobs_run_once_on_the_night_clocks_go_back(zone, at, fall_back):
    """The repeated hour of a fall-back day made a daily job at a time inside it run twice (APScheduler's
    cron trigger fires at both instants that read 03:15)."""
    from zoneinfo import ZoneInfo

    schedule = ScheduleConfig(
        timezone=zone, catch_ups="daily", recheck_at=at, reconcile_at=at, purge_pii_at=at
    )
    jobs = {j.id: j for j in plan(schedule, ["eu"])}
    for job_id in ("recheck:eu", "reconcile:eu", "purge_pii:*"):
        trigger, fired = jobs[job_id].trigger, []
        fire = trigger.get_next_fire_time(None, fall_back - timedelta(days=2))
        while fire.astimezone(UTC) < fall_back + timedelta(days=3):
            fired.append(fire.astimezone(ZoneInfo(zone)))
            fire = trigger.get_next_fire_time(fire, fire)
        days = [f.date() for f in fired]
        assert len(days) == len(set(days)) == 5, (job_id, fired)  # once a day, the fall-back day included
        assert {f.strftime("%H:%M") for f in fired} == {at}


def test_reconcile_checks_yesterday_in_shop_time():
    just_after_midnight_paris = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in Paris
    assert local_yesterday(just_after_midnight_paris, "Europe/Paris").isoformat() == "2026-11-03"
    assert local_yesterday(just_after_midnight_paris, "UTC").isoformat() == "2026-11-02"


def test_live_scheduler_runs_jobs_and_survives_a_failing_one():
    calls: list[tuple[str, str]] = []
    two_imports = threading.Event()

    def run_job(kind: str, account: str) -> None:
        calls.append((kind, account))
        if sum(1 for k, _ in calls if k == "import") >= 2:
            two_imports.set()
        raise RuntimeError("a job failing must not stop the schedule")

    schedule = ScheduleConfig(import_every_minutes=0.2 / 60)  # every 0.2 s
    scheduler = start_scheduler(schedule, ["eu"], run_job)
    try:
        assert two_imports.wait(5)
    finally:
        scheduler.shutdown(wait=True)
    assert calls[0] == ("import", "eu")  # the first import runs at start, not 5 minutes later
    assert {k for k, _ in calls} == {"import"}


def test_every_account_imports_at_once_while_the_others_wait():
    """An agency's deployment: twelve accounts whose runs all wait (for quota, a slow shop). Each
    account's import still starts on time; none waits for another account's run to free a thread."""
    accounts = [f"seller-{n}" for n in range(12)]
    started: set[str] = set()
    guard, all_started, release = threading.Lock(), threading.Event(), threading.Event()

    def run_job(kind: str, account: str) -> None:
        if kind != "import":
            return
        with guard:
            started.add(account)
            if len(started) == len(accounts):
                all_started.set()
        release.wait(10)  # a run waiting for its quota

    scheduler = start_scheduler(ScheduleConfig(), accounts, run_job)
    try:
        assert all_started.wait(5), f"started: {sorted(started)}"
    finally:
        release.set()
        scheduler.shutdown(wait=True)


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_every_job_of_the_schedule_can_hold_a_ledger_connection_at_once(tmp_path, pg_url, short_pool_timeout):
    """Three accounts: 19 jobs, each on a thread of its own, on a PostgreSQL ledger whose pool was 5 + 10
    whatever the schedule (the 16th waited 30 s for a connection, then its run failed)."""
    accounts = "".join(
        f'[[accounts]]\nname = "{name}"\nseller_id = "A1{name.upper()}"\nmarketplaces = ["FR"]\n'
        for name in ("eu", "uk", "us")
    )
    path = write_config(tmp_path, "http://127.0.0.1:9", accounts=accounts)
    path.write_text(path.read_text().replace("sqlite:///ledger.sqlite3", pg_url))
    config = load_config(path, environ={})
    jobs = len(plan(config.schedule, [a.name for a in config.accounts]))
    assert jobs > 15
    runtime = build_runtime(config)
    held = []
    try:
        for _ in range(jobs):
            held.append(runtime.ledger.connect())
            assert held[-1].execute(text("SELECT 1")).scalar() == 1
    finally:
        for connection in held:
            connection.close()
        runtime.close()
