"""The operator's actions, shared by the CLI, the cron URLs, the dashboard and the scheduler.

`Operator.run(kind, account)` fetches from Amazon (incremental, pending watch, recheck or doublecheck) and
then pushes due orders to the shop; `reconcile` checks a day. A run of the same pass (the catch-ups
count as one) already going on for an account in this process is answered `busy` at once (other
processes are stopped by the engine's lock in the database). After each run the operator raises the
alerts: orders failed past their retries, reconciliation leaving something unrepaired, Amazon refusing
the credentials, and the import's cursor standing more than `alerts.behind_after_minutes` behind (an
outage, or more orders than the usage plan sustains: the orders come late, and someone should know).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

import httpx

from amzorders.amazon.auth import AccessTokens
from amzorders.amazon.errors import AmazonError, AuthError
from amzorders.amazon.stats import ClientStats
from amzorders.app import exit_codes, views
from amzorders.app.alerts import Alerter
from amzorders.app.logs import log_reconciliation, log_run
from amzorders.app.metrics import Metrics
from amzorders.app.wiring import Runtime
from amzorders.ledger.orders import OrderBook
from amzorders.sync.summary import RunSummary

log = logging.getLogger(__name__)

FETCH_KINDS = ("import", "pending", "recheck", "doublecheck")
# Passes that exclude each other in this process (the rest may overlap: every write is idempotent).
_LOCK_FAMILY = {"recheck": "catch-up", "doublecheck": "catch-up"}


def exit_code_for(results: Sequence[RunSummary], *, unrepaired: int = 0) -> int:
    """The most serious outcome decides: refused (3) > unavailable (4) > error/incomplete (1) > busy (5)."""
    outcomes = {r.outcome for r in results}
    if "refused" in outcomes:
        return exit_codes.AMAZON_REFUSED
    if "unavailable" in outcomes:
        return exit_codes.UNAVAILABLE
    if "error" in outcomes or unrepaired:
        return exit_codes.INCOMPLETE
    if outcomes and outcomes <= {"busy"}:
        return exit_codes.BUSY
    return exit_codes.OK


class Operator:
    def __init__(
        self,
        runtime: Runtime,
        *,
        alerter: Alerter | None = None,
        metrics: Metrics | None = None,
        failed_alert_attempts: int | None = None,
        behind_alert_after: timedelta | None = None,
        log_runs: bool = False,
    ) -> None:
        """The alert thresholds come from the configuration's `[alerts]` unless given. `log_runs`: a log
        line per run and reconciliation (the service; the CLI prints its own table)."""
        self.runtime = runtime
        self.alerter = alerter
        self.metrics = metrics
        self.log_runs = log_runs
        alerts = runtime.config.alerts
        self.failed_alert_attempts = failed_alert_attempts or alerts.failed_after_attempts
        self.behind_alert_after = behind_alert_after or timedelta(minutes=alerts.behind_after_minutes)
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()
        # per account: the client's stats last reported to the metrics, and its counts then
        self._api_reported: dict[str, tuple[ClientStats, dict[str, int], int]] = {}

    @property
    def clock(self):
        return self.runtime.clock

    def accounts(self, only: str | None = None) -> list[str]:
        return [self.runtime.config.account(only).name] if only else self.runtime.account_names

    def _lock(self, account: str, kind: str) -> threading.Lock:
        """One lock per account and pass family: a catch-up or a reconciliation running here never makes
        the incremental import of the same account `busy` (the engine's ledger locks say the same)."""
        with self._locks_guard:
            return self._locks[f"{account}/{_LOCK_FAMILY.get(kind, kind)}"]

    def run(self, kind: str, account: str, *, sliced: bool = False) -> list[RunSummary]:
        """Fetch (`kind`) then push to the shop, for one account; `[busy]` when already running here.
        `sliced`: a catch-up reads only the current slice of its window (what the scheduler runs)."""
        if kind not in FETCH_KINDS:
            raise ValueError(f"unknown run kind {kind!r}: one of {', '.join(FETCH_KINDS)}")
        lock = self._lock(account, kind)
        if not lock.acquire(blocking=False):
            now = self.clock.now()
            return [RunSummary(kind, account, now, now, outcome="busy", error="a run is already in progress")]
        try:
            engine = self.runtime.engine_for(account)
            settings = self.runtime.accounts[account]
            fetch: Callable[[Any], Any] = {
                "import": engine.import_incremental,
                "pending": engine.watch_pending,
                "recheck": partial(engine.recheck, sliced=sliced),
                "doublecheck": partial(engine.doublecheck, sliced=sliced),
            }[kind]
            results = [self._guard(kind, account, lambda: fetch(settings))]
            if results[0].outcome not in ("busy", "refused", "unavailable"):
                results.append(self._guard("push", account, lambda: engine.push_to_shop(settings)))
            self._report_api_calls(account)
        finally:
            lock.release()
        for result in results:
            if self.metrics:
                self.metrics.observe_run(result)
            if self.log_runs:
                log_run(result)
        self._alert_failed(account)
        if kind == "import" and results[0].outcome != "busy":
            self._alert_behind(account, results[0])
        return results

    def _report_api_calls(self, account: str) -> None:
        """Count in the metrics the account's calls made since the last report: runs of one account
        overlap (an import and a catch-up), so what a run saw change during it is not all its own."""
        if not self.metrics:
            return
        stats = self.runtime.engine_for(account).client(self.runtime.accounts[account]).stats
        with self._locks_guard:
            last = self._api_reported.get(account)
            before_calls, before_throttled = (last[1], last[2]) if last and last[0] is stats else ({}, 0)
            now_calls, now_throttled = stats.calls_and_throttled()
            self._api_reported[account] = (stats, now_calls, now_throttled)
        calls = {op: n - before_calls.get(op, 0) for op, n in now_calls.items()}
        self.metrics.observe_api(account, calls, now_throttled - before_throttled)

    def run_all(self, kind: str, only: str | None = None) -> list[RunSummary]:
        return [r for account in self.accounts(only) for r in self.run(kind, account)]

    def _guard(self, kind: str, account: str, call: Callable[[], Any]) -> RunSummary:
        """Run one engine pass; an error is classified (refused credentials, unreachable) and alerted."""
        started = self.clock.now()
        try:
            result: RunSummary = call()
        except Exception as exc:  # the engine reports trouble in the summary; this is a bug, still reported
            log.exception("%s for %s failed", kind, account)
            result = RunSummary(
                kind,
                account,
                started,
                self.clock.now(),
                outcome="error",
                error=f"{type(exc).__name__}: {exc}",
            )
        if result.outcome == "error" and kind != "push":
            verdict = self.check_credentials(account)
            if verdict is not None:
                result.outcome = verdict
        if result.outcome == "refused" and self.alerter:
            self.alerter.credentials_refused(account, result.error or "refused")
        return result

    def check_credentials(self, account: str) -> str | None:
        """After a failed Amazon pass: "refused" when Login with Amazon refuses the account's credentials,
        "unavailable" when it cannot be reached, None when they are fine (the error was something else).
        A token exchange costs no SP-API quota."""
        settings = self.runtime.accounts[account]
        try:
            with httpx.Client(transport=self.runtime.transport, timeout=15) as http:
                AccessTokens(
                    settings.credentials, http=http, token_url=settings.token_url, clock=self.clock
                ).get()
        except AuthError:
            return "refused"
        except (AmazonError, httpx.HTTPError):
            return "unavailable"
        return None

    def _alert_failed(self, account: str) -> None:
        if not self.alerter:
            return
        stuck = [
            (row.amazon_order_id, row.last_error or "unknown error")
            for row in views.list_orders(
                self.runtime.ledger, account=account, shop_states=["failed"], limit=500
            )
            if row.attempts >= self.failed_alert_attempts
        ]
        if stuck:
            self.alerter.order_failed(account, stuck)

    def _alert_behind(self, account: str, run: RunSummary) -> None:
        if not self.alerter:
            return
        with self.runtime.ledger.connect() as conn:
            cursor = views.incremental_cursor(conn, account)
        if cursor is None:
            return
        behind = self.clock.now() - cursor
        if behind > self.behind_alert_after:
            notes = [run.error] if run.error else []
            self.alerter.import_behind(account, cursor, behind, self.behind_alert_after, notes + run.notes)

    def purge_pii(self) -> int:
        """Buyer data past `sync.pii_retention_days` out of the ledger, for the whole deployment (daily:
        the scheduler, or `amzorders purge-pii`); the number of orders purged."""
        return sum(engine.purge_pii() for engine in self.runtime.engines.values())

    # --------------------------------------------------------------------------------- reconcile

    def reconcile(self, day: date, account: str, *, spare_quota: bool = False) -> Any:
        """Reconcile one day for one account; returns the engine's report (alerts when unrepaired).
        `spare_quota` (the scheduler's run): stop early rather than wait for the incremental's quota."""
        lock = self._lock(account, "reconcile")
        with lock:
            engine = self.runtime.engine_for(account)
            report = engine.reconcile(self.runtime.accounts[account], day, spare_quota=spare_quota)
            self._report_api_calls(account)
        if self.log_runs:
            log_reconciliation(report)
        left = unrepaired_ids(report)
        if left and self.alerter:
            self.alerter.reconciliation_unrepaired(account, day.isoformat(), left)
        return report

    def resume_reconciliation(self, account: str) -> Any:
        """Go on with a recent reconciliation that quota stopped short (the scheduler, hourly); None when
        there is none or one is running here. Alerts only for what this run found unrepaired: the rest
        was told when it was found."""
        lock = self._lock(account, "reconcile")
        if not lock.acquire(blocking=False):
            return None
        try:
            engine = self.runtime.engine_for(account)
            report = engine.resume_reconciliation(self.runtime.accounts[account])
            self._report_api_calls(account)
        finally:
            lock.release()
        if report is None:
            return None
        if self.log_runs:
            log_reconciliation(report)
        left = [d.amazon_order_id for d in report.unrepaired_found_now]
        if left and self.alerter:
            self.alerter.reconciliation_unrepaired(account, report.day.isoformat(), left)
        return report

    # ------------------------------------------------------------------------------ order actions

    def retry(self, amazon_order_id: str, account: str | None = None) -> views.OrderRow:
        """Make a failed or parked order due now, then push the account's due orders to the shop."""
        row = views.find_order(self.runtime.ledger, amazon_order_id, account)
        if row is None:
            raise LookupError(f"no order {amazon_order_id} in the ledger")
        OrderBook(self.runtime.ledger).retry(row.account, amazon_order_id, at=self.clock.now())
        lock = self._lock(row.account, "push")
        with lock:
            engine = self.runtime.engine_for(row.account)
            self._guard("push", row.account, lambda: engine.push_to_shop(self.runtime.accounts[row.account]))
        found = views.find_order(self.runtime.ledger, amazon_order_id, row.account)
        assert found is not None
        return found

    def park(self, amazon_order_id: str, reason: str, account: str | None = None) -> views.OrderRow:
        row = views.find_order(self.runtime.ledger, amazon_order_id, account)
        if row is None:
            raise LookupError(f"no order {amazon_order_id} in the ledger")
        OrderBook(self.runtime.ledger).park(row.account, amazon_order_id, reason, at=self.clock.now())
        found = views.find_order(self.runtime.ledger, amazon_order_id, row.account)
        assert found is not None
        return found


def unrepaired_ids(report: Any) -> list[str]:
    """Order ids a reconciliation report says are still wrong (duck-typed over the engine's report)."""
    for name in ("unrepaired_ids", "unrepaired"):
        value = getattr(report, name, None)
        if isinstance(value, list | tuple | set | frozenset):
            return [getattr(v, "amazon_order_id", v) for v in value]
    return []
