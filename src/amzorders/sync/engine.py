"""`SyncEngine`: runs the passes for each account, one at a time per account across processes.

Each public method is one run: it takes the account's lock in the database (a concurrent run of any
pass on the same account returns outcome "busy" and does nothing), records a `runs` row, and never
raises for Amazon or shop trouble: the outcome says "error" with the reason, and nothing is lost (the
cursor did not move past what was recorded; failed orders wait for their retry).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial

import httpx
from sqlalchemy import Engine

from amzorders.amazon.client import OrdersClient
from amzorders.amazon.errors import AmazonError
from amzorders.amazon.governor import QuotaGovernor
from amzorders.amazon.stats import calls_of_this_run
from amzorders.clock import Clock
from amzorders.ledger.bookkeeping import Bookkeeping
from amzorders.ledger.orders import OrderBook
from amzorders.shops.port import Shop
from amzorders.sync import passes, pending, safety_nets
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import WindowDensity
from amzorders.sync.push import push
from amzorders.sync.reconcile import ReconciliationReport, local_day, local_yesterday, reconcile
from amzorders.sync.settings import AccountSettings, SyncSettings
from amzorders.sync.summary import RunSummary

log = logging.getLogger(__name__)

# Which runs exclude each other. Two runs of the same pass on one account never overlap (the second is
# "busy"); different passes may, because every ledger and shop write is idempotent: a day-long recheck
# must not hold the incremental import back.
LOCK_SCOPES = {
    "incremental": "import",
    "pending_watch": "watch",
    "recheck": "catch-up",
    "doublecheck": "catch-up",
    "push": "push",
    "reconcile": "reconcile",
}

# How long the import trusts what it read of the stored reconciliations (one query per account and period).
RECONCILIATION_WAIT_RECHECK = timedelta(minutes=15)
# How far back a reconciliation stopped short is still completed (yesterday's is started at 06:00; at a
# volume where a day's listing takes more than a day of spare quota, the older day goes first: see
# `SyncEngine.resume_reconciliation`).
RESUME_RECONCILIATION_DAYS = timedelta(days=3)
# When the hourly resumption runs (`amzorders serve` and the simulations): past the hour, away from the
# catch-ups (:20, :50) and the daily reconciliation (on the hour), which would have just taken the spare
# quota.
RESUME_RECONCILIATION_MINUTE = 35


def lock_key(account: str, scope: str) -> str:
    return f"{account}/{scope}"


AccountRef = AccountSettings | str


class SyncEngine:
    def __init__(
        self,
        *,
        ledger: Engine,
        shop: Shop,
        accounts: Sequence[AccountSettings],
        governor: QuotaGovernor,
        clock: Clock,
        settings: SyncSettings = SyncSettings(),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.ledger = ledger
        self.shop = shop
        self.accounts = {account.name: account for account in accounts}
        self.governor = governor
        self.clock = clock
        self.settings = settings
        self.transport = transport
        self.orders = OrderBook(ledger)
        self.books = Bookkeeping(ledger)
        self._clients: dict[str, OrdersClient] = {}
        self._clients_lock = threading.Lock()
        self._density: dict[str, WindowDensity] = {}  # per account, and per account's late-index sweep
        self._reconciliation_waiting: dict[str, tuple[datetime, bool]] = {}  # (read at, waits)
        self._registered: set[str] = set()

    # --- The passes -----------------------------------------------------------------------------------

    def import_incremental(self, account: AccountRef) -> RunSummary:
        """searchOrders by lastUpdatedTime from the cursor (records; `push_to_shop` publishes, also while
        the run waits long for quota: `PassContext.before_waiting`)."""
        settings = self._account(account)
        return self._run(
            "incremental", settings, passes.incremental, while_waiting=partial(self.push_to_shop, settings)
        )

    def watch_pending(self, account: AccountRef) -> RunSummary:
        settings = self._account(account)
        plan = pending.plan_watch(self.orders, self.books, settings, self.settings, self.clock.now())
        return self._run(
            "pending_watch",
            settings,
            partial(pending.watch_pending, plan=plan),
            worth_running=plan is not None,
        )

    def recheck(self, account: AccountRef, *, sliced: bool = False) -> RunSummary:
        """The seed's `&recheck=1`; `sliced`: the scheduler's 3-hourly slice (see `safety_nets.catch_up`)."""
        return self._run(
            "recheck", account, lambda ctx: safety_nets.catch_up(ctx, kind="recheck", sliced=sliced)
        )

    def doublecheck(self, account: AccountRef, *, sliced: bool = False) -> RunSummary:
        """The seed's `&doublecheck=1`; `sliced` as for `recheck`."""
        return self._run(
            "doublecheck", account, partial(safety_nets.catch_up, kind="doublecheck", sliced=sliced)
        )

    def push_to_shop(self, account: AccountRef) -> RunSummary:
        """Create, update and cancel the account's due shop orders (failures retried with backoff)."""
        settings = self._account(account)
        return self._run(
            "push", settings, push, worth_running=self.orders.has_due(settings.name, self.clock.now())
        )

    def reconcile(
        self, account: AccountRef, day: date | None = None, *, spare_quota: bool = False
    ) -> ReconciliationReport:
        """Compare Amazon's orders created on `day` (a day of the shop's time zone, default yesterday)
        with ledger and shop; repair. `spare_quota` (the scheduler's daily run): stop early rather than
        wait for quota the incremental import needs; the report then says it is partial, and
        `resume_reconciliation` completes it."""
        now, zone = self.clock.now(), self.settings.day_timezone
        day = day or local_yesterday(now, zone)
        settings = self._account(account)
        report = ReconciliationReport(account=settings.name, day=day, checked_at=now, timezone=zone)
        return self._reconcile_into(settings, report, spare_quota=spare_quota)

    def resume_reconciliation(self, account: AccountRef) -> ReconciliationReport | None:
        """Go on with the oldest of the last `RESUME_RECONCILIATION_DAYS` days whose reconciliation
        stopped short (quota, Amazon failing, or the day not over), from where it stopped, on spare
        quota, in the same report. None when there is none: no run, no lock (the scheduler asks every
        hour).

        Oldest first: a day is listed from midnight on, so going on with the newest day whenever a new
        one started left every day's evening unchecked where the spare quota lists less than a day a
        day (month-5000: no day complete, none checked after ~15:00); finishing days in turn checks
        whole days, and the days it cannot reach are whole days too."""
        settings = self._account(account)
        report = self._unfinished_reconciliation(settings)
        if report is None:
            return None
        report.error = None
        return self._reconcile_into(settings, report, spare_quota=True)

    def _unfinished_reconciliation(self, settings: AccountSettings) -> ReconciliationReport | None:
        """The oldest report of the last `RESUME_RECONCILIATION_DAYS` days that stopped short."""
        now = self.clock.now()
        since = local_day(now - RESUME_RECONCILIATION_DAYS, self.settings.day_timezone)  # a shop-time day
        for stored in reversed(self.books.latest_reports(settings.name, since=since)):
            report = ReconciliationReport.resumed(stored.report, report_id=stored.id, at=now)
            if report.resumable():
                return report
        return None

    def _reconciliation_waits(self, settings: AccountSettings) -> bool:
        """Does a reconciliation wait for spare quota to go on (`passes._makes_room_for_reconciliation`)?
        Read from the stored reports, again after this process's next reconciliation run or
        `RECONCILIATION_WAIT_RECHECK` (another process may have completed the day)."""
        now = self.clock.now()
        known = self._reconciliation_waiting.get(settings.name)
        if known is None or now - known[0] >= RECONCILIATION_WAIT_RECHECK:
            known = (now, self._unfinished_reconciliation(settings) is not None)
            self._reconciliation_waiting[settings.name] = known
        return known[1]

    def _reconcile_into(
        self, settings: AccountSettings, report: ReconciliationReport, *, spare_quota: bool
    ) -> ReconciliationReport:
        """Run the reconciliation of `report`'s day from where it stands, then store it (a new report, or
        the resumed one rewritten)."""
        summary = self._run(
            "reconcile", settings, lambda ctx: reconcile(ctx, report, spare_quota=spare_quota)
        )
        if summary.outcome == "busy":  # another run reconciles the account: its report is the day's
            report.error = summary.error
            return report
        if not summary.ok:
            report.error = summary.error or summary.outcome
        counts = {"problems": len(report.discrepancies), "unrepaired": len(report.unrepaired)}
        if report.report_id is None:
            report.report_id = self.books.save_report(
                settings.name, report.day, report.as_dict(), **counts, at=self.clock.now()
            )
        else:
            self.books.update_report(report.report_id, report.as_dict(), **counts, at=self.clock.now())
        self._reconciliation_waiting.pop(settings.name, None)  # read again by the next import
        return report

    def sync(self, account: AccountRef, *, mode: str = "incremental") -> list[RunSummary]:
        """What `amzorders import [--recheck|--doublecheck]` does: the Amazon pass, then the shop push."""
        amazon_pass = {
            "incremental": self.import_incremental,
            "recheck": self.recheck,
            "doublecheck": self.doublecheck,
        }
        if mode not in amazon_pass:
            raise ValueError(f"unknown import mode {mode!r}: use incremental, recheck or doublecheck")
        return [amazon_pass[mode](account), self.push_to_shop(account)]

    def purge_pii(self) -> int:
        """Drop buyer and recipient data from ledger snapshots older than the retention (all accounts)."""
        cutoff = self.clock.now() - timedelta(days=self.settings.pii_retention_days)
        return self.orders.purge_pii(cutoff)

    def close(self) -> None:
        with self._clients_lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Plumbing ---------------------------------------------------------------------------------------

    def _account(self, account: AccountRef) -> AccountSettings:
        name = account if isinstance(account, str) else account.name
        try:
            return self.accounts[name] if isinstance(account, str) else account
        except KeyError:
            raise KeyError(
                f"unknown account {name!r}; configured: {', '.join(self.accounts) or 'none'}"
            ) from None

    def client(self, account: AccountSettings) -> OrdersClient:
        """The account's one client (its token cache, its counts), made by the first run that needs it:
        runs on several threads may ask at once, and only one of them makes it."""
        client = self._clients.get(account.name)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(account.name)
                if client is None:
                    client = OrdersClient(
                        seller_id=account.seller_id,
                        credentials=account.credentials,
                        endpoint=account.endpoint,
                        governor=self.governor,
                        clock=self.clock,
                        token_url=account.token_url,
                        transport=self.transport,
                    )
                    self._clients[account.name] = client
        return client

    def _learnt_density(self, key: str) -> WindowDensity:
        """The one `WindowDensity` of `key`: runs starting at once on several threads share what they
        learn (`dict.setdefault` is atomic; a defaultdict's factory is Python, where threads switch)."""
        return self._density.setdefault(key, WindowDensity())

    def _run(
        self,
        kind: str,
        account: AccountRef,
        body: Callable[[PassContext], None],
        *,
        worth_running: bool = True,
        while_waiting: Callable[[], RunSummary] | None = None,
    ) -> RunSummary:
        """One locked, recorded run of `body`. A run with nothing to do (`worth_running` False) takes no
        lock and leaves no `runs` row: push and pending watch are polled often and are mostly idle."""
        settings = self._account(account)
        now = self.clock.now()
        if not worth_running:
            return RunSummary(kind=kind, account=settings.name, started_at=now, finished_at=now)
        if settings.name not in self._registered:
            self.books.ensure_account(settings.name, settings.seller_id, settings.marketplace_ids, at=now)
            self._registered.add(settings.name)
        summary = RunSummary(kind=kind, account=settings.name, started_at=now)
        holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"  # fits the column
        key = lock_key(settings.name, LOCK_SCOPES[kind])
        if not self.books.try_lock(key, holder, now=now, ttl=self.settings.lock_ttl):
            summary.outcome = "busy"
            summary.error = f"account {settings.name} is busy: another {kind} run holds the lock {key}"
            summary.finished_at = self.clock.now()
            self.books.record_run(**summary.ledger_values())
            return summary
        ctx = PassContext(
            account=settings,
            orders=self.orders,
            books=self.books,
            shop=self.shop,
            clock=self.clock,
            settings=self.settings,
            governor=self.governor,
            client_factory=lambda: self.client(settings),
            lock_key=key,
            lock_holder=holder,
            lock_refreshed_at=now,
            summary=summary,
            density=self._learnt_density(settings.name),
            sweep_density=self._learnt_density(f"{settings.name}/late-sweep"),
            accounts_on_bucket=sum(a.seller_id == settings.seller_id for a in self.accounts.values()),
            while_waiting=while_waiting,
            reconciliation_waits=kind == "incremental" and self._reconciliation_waits(settings),
        )
        with calls_of_this_run() as calls:  # this run's own: another run may share the client
            try:
                body(ctx)
            except AmazonError as exc:
                summary.outcome, summary.error = "error", str(exc)
                log.warning("%s run for %s stopped: %s", kind, settings.name, exc)
            except Exception as exc:
                summary.outcome, summary.error = "error", f"{type(exc).__name__}: {exc}"
                log.exception("%s run for %s failed", kind, settings.name)
            finally:
                if ctx.published:
                    summary.notes.append(f"{ctx.published} shop order(s) published while waiting for quota")
                if summary.notes:
                    log.info("%s run for %s: %s", kind, settings.name, "; ".join(summary.notes[:5]))
                summary.api_calls = sum(calls.values())
                summary.finished_at = self.clock.now()
                self.books.release_lock(key, holder, run=summary.ledger_values())
        return summary
