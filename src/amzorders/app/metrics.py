"""Prometheus metrics for `/metrics`.

Two kinds. State (orders by shop state, cursor lag, quota left) is read from the ledger at scrape time, so
it is right even for work done by cron-started processes. Activity (runs, their durations, API calls and
429s by operation) is counted by this process as it runs. Each `Metrics` has its own registry: two
services in one test process never collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from amzorders.app import views

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _LedgerCollector(Collector):
    def __init__(self, engine: Engine, accounts: Sequence[tuple[str, str]], now: Callable[[], datetime]):
        self.engine, self.accounts, self.now = engine, accounts, now

    def collect(self) -> Iterable[Metric]:
        states = GaugeMetricFamily(
            "amzorders_orders", "Orders in the ledger by account and shop state", labels=["account", "state"]
        )
        pending = GaugeMetricFamily(
            "amzorders_pending_orders", "Orders Amazon holds as PENDING, by account", labels=["account"]
        )
        lag = GaugeMetricFamily(
            "amzorders_cursor_lag_seconds", "Now minus the incremental cursor", labels=["account"]
        )
        quota = GaugeMetricFamily(
            "amzorders_quota_tokens_left", "Tokens left in the quota bucket", labels=["account", "operation"]
        )
        for status in views.account_status(self.engine, self.accounts, self.now()):
            for state, count in (
                ("imported", status.imported),
                ("failed", status.failed),
                ("parked", status.parked),
                ("to_create", status.waiting_for_shop),
                ("previous", status.left_to_previous_importer),
            ):
                states.add_metric([status.name, state], count)
            pending.add_metric([status.name], status.pending)
            if status.cursor_lag_s is not None:
                lag.add_metric([status.name], status.cursor_lag_s)
            for operation, tokens in sorted(status.quota_left.items()):
                quota.add_metric([status.name, operation], tokens)
        yield from (states, pending, lag, quota)


class Metrics:
    def __init__(
        self,
        engine: Engine | None = None,
        accounts: Sequence[tuple[str, str]] = (),
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.orders_imported = Counter(
            "amzorders_orders_imported",
            "Orders created in the shop by this process",
            ["account"],
            registry=self.registry,
        )
        self.orders_failed = Counter(
            "amzorders_orders_failed", "Shop creations that failed", ["account"], registry=self.registry
        )
        self.orders_parked = Counter(
            "amzorders_orders_parked", "Orders parked with a reason", ["account"], registry=self.registry
        )
        self.runs = Counter(
            "amzorders_runs",
            "Runs by kind and outcome",
            ["account", "kind", "outcome"],
            registry=self.registry,
        )
        self.run_duration = Histogram(
            "amzorders_run_duration_seconds",
            "Duration of runs",
            ["kind"],
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
            registry=self.registry,
        )
        self.api_calls = Counter(
            "amzorders_api_calls",
            "SP-API calls by operation",
            ["account", "operation"],
            registry=self.registry,
        )
        self.throttled = Counter(
            "amzorders_api_throttled", "429 answers seen by the client", ["account"], registry=self.registry
        )
        if engine is not None and now is not None:
            self.registry.register(_LedgerCollector(engine, accounts, now))

    def observe_run(self, summary) -> None:
        """Count one engine `RunSummary` (duck-typed: kind, account, outcome, counts, instants)."""
        account, kind = summary.account, summary.kind
        self.runs.labels(account, kind, summary.outcome).inc()
        if getattr(summary, "finished_at", None) and getattr(summary, "started_at", None):
            self.run_duration.labels(kind).observe(
                max(0.0, (summary.finished_at - summary.started_at).total_seconds())
            )
        self.orders_imported.labels(account).inc(getattr(summary, "created", 0) or 0)
        self.orders_failed.labels(account).inc(getattr(summary, "failed", 0) or 0)
        self.orders_parked.labels(account).inc(getattr(summary, "parked", 0) or 0)

    def observe_api(self, account: str, calls: dict[str, int], throttled: int) -> None:
        for operation, count in calls.items():
            if count > 0:
                self.api_calls.labels(account, operation).inc(count)
        self.throttled.labels(account).inc(max(0, throttled))

    def render(self) -> bytes:
        return generate_latest(self.registry)
