"""The built-in schedule, so that `amzorders serve` alone is a complete deployment.

Per account: incremental import every 5 minutes (the quota governor paces it), pending watch hourly,
recheck and doublecheck every 3 hours over a slice of their window (or daily, or not at all: see
`ScheduleConfig.catch_ups`), reconciliation of yesterday daily at 06:00 shop time, resumed hourly at
:35 while quota stopped it short of the whole day; and once a day for
the deployment, buyer data older than the retention is purged from the ledger. The safety nets (catch-up
slices, reconciliation) run on quota the incremental import does not need. APScheduler runs the jobs in
one process; each job calls the same `Operator` method as the CLI and the cron URLs, so an overlapping
cron trigger of the same pass finds it busy instead of doing the work twice. `coalesce` and
`max_instances=1` keep a slow run from piling up behind itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from amzorders.app.config import ScheduleConfig
from amzorders.sync.engine import RESUME_RECONCILIATION_MINUTE
from amzorders.sync.settings import SyncSettings

log = logging.getLogger(__name__)

IMPORT, PENDING, RECHECK, DOUBLECHECK, RECONCILE = "import", "pending", "recheck", "doublecheck", "reconcile"
RESUME_RECONCILE = "resume_reconcile"  # hourly: a reconciliation that stopped short of quota goes on
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
            return OncePerLocalDay(hour=at.hour, minute=at.minute, second=at.second, timezone=zone)

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
            *_catch_ups(schedule, account, daily),
            PlannedJob(f"{RECONCILE}:{account}", RECONCILE, account, daily("reconcile_at")),
            PlannedJob(
                f"{RESUME_RECONCILE}:{account}",
                RESUME_RECONCILE,
                account,
                CronTrigger(minute=RESUME_RECONCILIATION_MINUTE, timezone=zone),
            ),
        ]
    at = schedule.time_of("purge_pii_at")
    jobs.append(
        PlannedJob(
            f"{PURGE_PII}:*",
            PURGE_PII,
            "*",
            OncePerLocalDay(hour=at.hour, minute=at.minute, second=at.second, timezone=zone),
        )
    )
    return jobs


class OncePerLocalDay(CronTrigger):
    """A daily time of the shop's day, run once that day. A plain cron trigger fires twice when the time
    falls in the hour a fall-back day repeats (03:15 and 03:45 in Helsinki or Athens on the last Sunday of
    October, any time set between 02:00 and 03:00 in Paris): a second recheck spent the night's spare
    quota again, a second reconciliation started the day over."""

    def get_next_fire_time(self, previous_fire_time, now):
        fire = super().get_next_fire_time(previous_fire_time, now)
        while (
            fire is not None
            and previous_fire_time is not None
            and fire.astimezone(self.timezone).date() == previous_fire_time.astimezone(self.timezone).date()
        ):
            fire = super().get_next_fire_time(fire, fire)
        return fire


def _catch_ups(schedule: ScheduleConfig, account: str, daily: Callable[[str], CronTrigger]):
    """recheck and doublecheck as `schedule.catch_ups` says (spread: one slice every 3 h, UTC hours, as
    the slices are cut from midnight UTC: see `amzorders.sync.safety_nets.catch_up`)."""
    if schedule.catch_ups == "off":
        return []
    if schedule.catch_ups == "daily":
        triggers = {RECHECK: daily("recheck_at"), DOUBLECHECK: daily("doublecheck_at")}
    else:
        every = 24 // SyncSettings().catch_up_slices
        triggers = {
            RECHECK: CronTrigger(hour=f"*/{every}", minute=20, timezone=UTC),
            DOUBLECHECK: CronTrigger(hour=f"*/{every}", minute=50, timezone=UTC),
        }
    return [PlannedJob(f"{kind}:{account}", kind, account, trigger) for kind, trigger in triggers.items()]


JobRunner = Callable[[str, str], object]  # (kind, account) -> anything


def start_scheduler(
    schedule: ScheduleConfig,
    accounts: Sequence[str],
    run_job: JobRunner,
    *,
    first_import_now: bool = True,
) -> BackgroundScheduler:
    """Start a background scheduler that calls `run_job(kind, account)` on the plan.

    A thread per planned job at most (started when needed): a job never waits for another's thread.
    APScheduler's default pool of 10 let ten accounts' runs waiting for their quota or a slow shop hold
    back the imports of every other account of an agency's deployment."""
    jobs = plan(schedule, accounts)
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo(schedule.timezone),
        executors={"default": ThreadPoolExecutor(max_workers=len(jobs))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    for job in jobs:
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
