"""Run a scenario end to end on one virtual clock: simulator + importer strategy + shop, then audit.

Everything is in-process: the client talks to the marketplace through `SimTransport`, the importer writes
a real ledger (a temporary SQLite file unless a URL is given) and a real shop. The product runs on its
default schedule (incremental import then push every 5 minutes, pending watch hourly, recheck and
doublecheck every 3 hours over a slice of their window, reconciliation daily at 06:00, resumed hourly
while it is short of quota); the loop jumps the clock from one due job to the next, and the quota
governor's waits move the same clock. After the scenario's end plus a grace period, the shop is compared
with the ground truth (`truth`) and a `SimulationReport` comes out.
"""

from __future__ import annotations

import gc
import tempfile
import time as wallclock
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from amzorders.amazon.auth import Credentials
from amzorders.amazon.client import OrdersClient
from amzorders.amazon.errors import AmazonError
from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.clock import SimClock, format_instant
from amzorders.ledger.bookkeeping import Bookkeeping
from amzorders.ledger.db import open_ledger
from amzorders.sim.scenario import Scenario, load_scenario
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace
from amzorders.sync.reconcile import local_day
from amzorders.sync.settings import AccountSettings, SyncSettings

from .audit import audit_shop
from .legacy_design import LegacySettings
from .legacy_window import LegacyWindowImporter, NoPacing
from .report import SimulationReport, peak_rss_mb
from .schedule import Every, Job, daily_at, run_schedule
from .shops import RecordingShop, ShopContext, SimulationSetupError, make_shop
from .truth import expected_orders

STRATEGIES = ("amzorders", "legacy-window")
SIM_CLIENT_ID = "amzorders-sim"
SIM_CLIENT_SECRET = "sim-secret"


@dataclass(frozen=True, slots=True)
class ProductSchedule:
    """The product's default schedule (what `amzorders serve` runs)."""

    incremental: timedelta = timedelta(minutes=5)
    pending_watch: timedelta = timedelta(hours=1)
    reconcile_at: time = time(6, 0)
    reconcile_resume: timedelta = timedelta(hours=1)  # a reconciliation stopped short goes on


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    strategy: str = "amzorders"
    shop: str = "builtin"
    shop_options: Mapping[str, str] = field(default_factory=dict)
    ledger_url: str | None = None  # None: a temporary SQLite file, removed afterwards
    grace: timedelta = timedelta(days=2)
    schedule: ProductSchedule = ProductSchedule()
    sync: SyncSettings = field(default_factory=SyncSettings)
    legacy: LegacySettings = field(default_factory=LegacySettings)
    seed: int = 0


def run_simulation(
    scenario: Scenario | str | Path | Mapping[str, Any],
    options: SimulationOptions = SimulationOptions(),
    *,
    name: str | None = None,
) -> SimulationReport:
    """Simulate `scenario` with `options.strategy` and audit the shop; raises `ScenarioError` (bad file)
    or `SimulationSetupError` (bad options) before anything runs."""
    started, cpu_started = wallclock.perf_counter(), wallclock.process_time()
    if options.strategy not in STRATEGIES:
        raise SimulationSetupError(
            f"unknown strategy {options.strategy!r}: choose one of {', '.join(STRATEGIES)}"
        )
    if options.grace < timedelta(0):
        raise SimulationSetupError(f"the grace period must not be negative, got {options.grace}")
    label = name or (Path(scenario).name if isinstance(scenario, str | Path) else "scenario")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    with tempfile.TemporaryDirectory(prefix="amzorders-simulate-") as workdir:
        url = options.ledger_url or f"sqlite:///{Path(workdir) / 'ledger.sqlite3'}"
        report = _simulate(scenario, options, label, url)
    report.wall_s = wallclock.perf_counter() - started
    report.cpu_s = wallclock.process_time() - cpu_started
    report.peak_rss_mb = peak_rss_mb()
    return report


def _simulate(scenario: Scenario, options: SimulationOptions, label: str, url: str) -> SimulationReport:
    clock = SimClock(scenario.start)
    marketplace = Marketplace(
        scenario, clock, client_id=SIM_CLIENT_ID, client_secret=SIM_CLIENT_SECRET, seed=options.seed
    )
    transport = SimTransport(marketplace)
    ledger = open_ledger(url)
    try:
        shop, inventory = make_shop(options.shop, ShopContext(ledger, clock, options.shop_options))
        count_orders = getattr(shop, "count_orders", None)
        if count_orders is not None and (already := count_orders()):
            raise SimulationSetupError(
                f"--ledger {make_url(url).render_as_string(hide_password=True)} already holds {already} "
                "shop orders: a simulation needs a fresh database"
            )
        recorder = RecordingShop(shop, clock)
        if options.strategy == "amzorders":
            jobs, close = _amzorders_jobs(scenario, options, ledger, recorder, clock, transport)
        else:
            jobs, close = _legacy_jobs(scenario, options, recorder, clock, transport)
        horizon = scenario.end + options.grace
        tally: dict[str, Counter[str]] = defaultdict(Counter)
        try:
            with _setup_frozen():
                run_schedule(clock, jobs, horizon, lambda job, _tick, result: _count(tally, job, result))
        finally:
            close()
        truth = expected_orders(
            scenario, horizon, fba_import_at_unshipped=options.sync.fba_import_at_unshipped
        )
        audit = audit_shop(truth, inventory, recorder.created_at)
        # An order the shop was asked to create twice counts even if the shop kept only one.
        audit.duplicates = max(audit.duplicates, recorder.second_orders)
        coverage = (
            _reconciled(scenario, ledger, options.sync.day_timezone)
            if options.strategy == "amzorders"
            else None
        )
    finally:
        ledger.dispose()
    stats = marketplace.stats
    calls: Counter[str] = Counter()
    for (_seller, operation), count in stats.calls.items():
        calls[operation] += count
    return SimulationReport(
        strategy=options.strategy,
        scenario=label,
        **audit.findings(),
        api_calls={
            "searchOrders": calls["searchOrders"],
            "getOrder": calls["getOrder"],
            "token": stats.token_calls,
        },
        throttled=stats.throttled,
        runs={job: dict(outcomes) for job, outcomes in tally.items()},
        shop=options.shop,
        start=format_instant(scenario.start),
        end=format_instant(scenario.end),
        grace_s=options.grace.total_seconds(),
        virtual_s=(clock.now() - scenario.start).total_seconds(),
        reconciliation=coverage,
    )


def _reconciled(scenario: Scenario, ledger, day_timezone: str | None = None) -> dict[str, int]:
    """What the reconciliation reports say they compared, per seller and day with orders: the latest
    report of each day (a resumed one is rewritten in place), against the orders created that day (a day
    of the shop's time zone, as the reports count it)."""
    zone = day_timezone or "UTC"
    created: Counter[tuple[str, date]] = Counter(
        (order.seller_id, local_day(order.created_at, zone)) for order in scenario.orders
    )
    books = Bookkeeping(ledger)
    latest = {
        (seller.seller_id, stored.day): stored.report
        for seller in scenario.sellers
        for stored in books.latest_reports(seller.seller_id, since=local_day(scenario.start, zone))
    }
    coverage = Counter(days=len(created), orders_created=sum(created.values()))
    for key in created:
        report = latest.get(key)
        if report is None:
            continue
        coverage["orders_compared"] += report.get("amazon_orders", 0)
        done = report.get("partial") is None and report.get("error") is None
        coverage["days_complete"] += done
    return {k: coverage[k] for k in ("days", "days_complete", "orders_created", "orders_compared")}


# Young-generation threshold while the schedule runs (CPython's default: 700 allocations).
_RUN_GC_THRESHOLD0 = 10_000


@contextmanager
def _setup_frozen() -> Iterator[None]:
    """Keep the cyclic GC off what the setup built (the loaded scenario, the marketplace's index, the
    engine) while the schedule runs: these live until the end, and every full collection rescanned
    them (~70 ms each at 15,000 orders, more in a month). Unfrozen afterwards, so nothing leaks.

    Young collections are also spaced out: decoding a page of orders allocates thousands of short-lived
    dicts, and at every 700th allocation those still in use were scanned and promoted, which in turn
    triggered the older generations' collections (GC time of a 5,000/day run: 2.6 s -> 0.7 s)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_RUN_GC_THRESHOLD0, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _count(tally: dict[str, Counter[str]], job: Job, result: object) -> None:
    if result is None:  # nothing to resume: no run
        return
    kind = job.name.split(":", 1)[0]
    outcome = getattr(result, "outcome", None)
    if outcome is None:  # a reconciliation report: did it leave something unrepaired?
        outcome = "ok" if getattr(result, "ok", True) else "unrepaired"
    tally[kind][str(outcome)] += 1


def _credentials(seller_id: str) -> Credentials:
    return Credentials(SIM_CLIENT_ID, SIM_CLIENT_SECRET, f"Atzr|sim-{seller_id}")


def _guarded(action, error_outcome: str = "error"):
    """Run a job; Amazon failing it (after the client's retries) is an outcome, not a crash."""

    def run() -> object:
        try:
            return action()
        except AmazonError as exc:
            return _Failed(error_outcome, str(exc))

    return run


@dataclass(frozen=True, slots=True)
class _Failed:
    outcome: str
    error: str


def _amzorders_jobs(scenario, options, ledger, shop, clock, transport):
    from amzorders.sync.engine import RESUME_RECONCILIATION_MINUTE, SyncEngine

    governor = QuotaGovernor(MemoryBucketStore(), clock)
    accounts = [
        AccountSettings(
            name=seller.seller_id,
            seller_id=seller.seller_id,
            marketplace_ids=seller.marketplace_ids,
            endpoint=BASE_URL,
            token_url=TOKEN_URL,
            credentials=_credentials(seller.seller_id),
        )
        for seller in scenario.sellers
    ]
    engine = SyncEngine(
        ledger=ledger,
        shop=shop,
        accounts=accounts,
        governor=governor,
        clock=clock,
        settings=options.sync,
        transport=transport,
    )
    plan = options.schedule

    def reconcile_yesterday(account: AccountSettings) -> object:
        return engine.reconcile(account, spare_quota=True)  # the engine's default day: yesterday

    # In this order when due at the same instant: the push follows the import it publishes.
    passes = [
        ("incremental", Every(plan.incremental), engine.import_incremental),
        ("push", Every(plan.incremental), engine.push_to_shop),
        ("pending-watch", Every(plan.pending_watch), engine.watch_pending),
        ("recheck", Every(options.sync.catch_up_every), partial(engine.recheck, sliced=True)),
        ("doublecheck", Every(options.sync.catch_up_every), partial(engine.doublecheck, sliced=True)),
        ("reconcile", daily_at(plan.reconcile_at, options.sync.day_timezone), reconcile_yesterday),
        (
            "reconcile-resume",
            Every(plan.reconcile_resume, timedelta(minutes=RESUME_RECONCILIATION_MINUTE)),
            engine.resume_reconciliation,
        ),
    ]
    jobs = [
        Job(f"{kind}:{account.name}", trigger, _guarded(partial(method, account)), rank=rank)
        for account in accounts
        for rank, (kind, trigger, method) in enumerate(passes)
    ]
    return jobs, engine.close


def _legacy_jobs(scenario, options, shop, clock, transport):
    clients: list[OrdersClient] = []
    jobs: list[Job] = []
    for seller in scenario.sellers:
        client = OrdersClient(
            seller_id=seller.seller_id,
            credentials=_credentials(seller.seller_id),
            endpoint=BASE_URL,
            governor=NoPacing(),  # type: ignore[arg-type]
            clock=clock,
            token_url=TOKEN_URL,
            transport=transport,
        )
        clients.append(client)
        importer = LegacyWindowImporter(
            account=seller.seller_id,
            marketplace_ids=seller.marketplace_ids,
            client=client,
            shop=shop,
            clock=clock,
            settings=options.legacy,
        )
        jobs += [Job(job.name, job.trigger, _guarded(job.action), job.rank) for job in importer.jobs()]

    def close() -> None:
        for client in clients:
            client.close()

    return jobs, close
