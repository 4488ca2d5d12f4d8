"""The built-in schedule, so that `amzorders serve` alone is a complete deployment.

Per account: incremental import every 5 minutes (the quota governor paces it), pending watch hourly,
recheck and doublecheck daily, reconciliation of yesterday daily at 06:00 shop time; and once a day for
the deployment, buyer data older than the retention is purged from the ledger. APScheduler runs
the jobs in one process; each job calls the same `Operator` method as the CLI and the cron URLs, so an
overlapping cron trigger finds the account busy instead of doing the work twice. `coalesce` and
`max_instances=1` keep a slow run from piling up behind itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from amzorders.app.config import ScheduleConfig

log = logging.getLogger(__name__)

IMPORT, PENDING, RECHECK, DOUBLECHECK, RECONCILE = "import", "pending", "recheck", "doublecheck", "reconcile"
PURGE_PII = "purge_pii"  # one job for the deployment (account "*"): buyer data past the retention


@dataclass(frozen=True, slots=True)
class PlannedJob:
    id: str  # "import:eu-main"
    kind: str
    account: str
    trigger: BaseTrigger


def plan(schedule: ScheduleConfig, accounts: Sequence[str]) -> list[PlannedJob]:
    """The jobs of the schedule (pure: tests read the triggers' next fire times)."""
    zone = ZoneInfo(schedule.timezone)
    jobs = []
    for account in accounts:

        def daily(key: str) -> CronTrigger:
            at = schedule.time_of(key)
            return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=zone)

        jobs += [
            PlannedJob(
                f"{IMPORT}:{account}",
                IMPORT,
                account,
                IntervalTrigger(seconds=schedule.import_every_minutes * 60, timezone=zone),
            ),
            PlannedJob(
                f"{PENDING}:{account}",
                PENDING,
                account,
                IntervalTrigger(seconds=schedule.pending_watch_every_minutes * 60, timezone=zone),
            ),
            PlannedJob(f"{RECHECK}:{account}", RECHECK, account, daily("recheck_at")),
            PlannedJob(f"{DOUBLECHECK}:{account}", DOUBLECHECK, account, daily("doublecheck_at")),
            PlannedJob(f"{RECONCILE}:{account}", RECONCILE, account, daily("reconcile_at")),
        ]
    at = schedule.time_of("purge_pii_at")
    jobs.append(
        PlannedJob(
            f"{PURGE_PII}:*",
            PURGE_PII,
            "*",
            CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=zone),
        )
    )
    return jobs


def yesterday(now: datetime, tz: str):
    """The shop-time day before `now`: what the 06:00 reconciliation checks."""
    return (now.astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()


JobRunner = Callable[[str, str], object]  # (kind, account) -> anything


def start_scheduler(
    schedule: ScheduleConfig,
    accounts: Sequence[str],
    run_job: JobRunner,
    *,
    first_import_now: bool = True,
) -> BackgroundScheduler:
    """Start a background scheduler that calls `run_job(kind, account)` on the plan."""
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo(schedule.timezone),
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    for job in plan(schedule, accounts):
        kwargs = {}
        if first_import_now and job.kind == IMPORT:
            kwargs["next_run_time"] = datetime.now(ZoneInfo(schedule.timezone))
        scheduler.add_job(
            _guarded(run_job, job.kind, job.account),
            job.trigger,
            id=job.id,
            name=job.id,
            replace_existing=True,
            **kwargs,
        )
    scheduler.start()
    return scheduler


def _guarded(run_job: JobRunner, kind: str, account: str) -> Callable[[], None]:
    def run() -> None:
        try:
            run_job(kind, account)
        except Exception:  # a failing job must not kill the schedule; the run is recorded by the operator
            log.exception("scheduled %s for %s failed", kind, account)

    return run
