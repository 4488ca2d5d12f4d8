"""`amzorders serve` assembled: operator, metrics, alerts, the web app, the scheduler, uvicorn in a thread.

Tests and the demo use exactly what `serve` uses; only the way uvicorn is run differs (a background thread
on an ephemeral port, or the foreground).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI

from amzorders.app.alerts import Alerter
from amzorders.app.config import AppConfig
from amzorders.app.health import check_health
from amzorders.app.metrics import Metrics
from amzorders.app.operations import Operator
from amzorders.app.scheduler import PURGE_PII, RECONCILE, RESUME_RECONCILE, start_scheduler
from amzorders.app.web.app import WebSettings, create_app
from amzorders.app.wiring import Runtime, build_alerter
from amzorders.sync.reconcile import local_yesterday

log = logging.getLogger("amzorders.runs")


@dataclass
class Service:
    runtime: Runtime
    operator: Operator
    metrics: Metrics
    app: FastAPI
    scheduler: Any = None
    threads: list[Any] = field(default_factory=list)

    def run_job(self, kind: str, account: str) -> object:
        """What the scheduler calls: a fetch pass (catch-ups as sliced as the schedule says), or the
        reconciliation of yesterday (shop time) and its hourly resumption; both safety nets on spare
        quota."""
        if kind == PURGE_PII:
            purged = self.operator.purge_pii()
            log.info("purge of buyer data past the retention: %d order(s) purged", purged)
            return purged
        schedule = self.runtime.config.schedule
        if kind == RECONCILE:
            day = local_yesterday(self.operator.clock.now(), schedule.timezone)
            return self.operator.reconcile(day, account, spare_quota=True)
        if kind == RESUME_RECONCILE:
            return self.operator.resume_reconciliation(account)
        return self.operator.run(kind, account, sliced=schedule.catch_ups == "spread")

    def start_scheduler(self) -> None:
        config = self.runtime.config
        self.scheduler = start_scheduler(config.schedule, self.runtime.account_names, self.run_job)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None


def web_settings(config: AppConfig) -> WebSettings:
    s = config.secrets
    return WebSettings(
        cron_token=s.cron_token.get_secret_value() if s.cron_token else None,
        dashboard_user=config.server.dashboard_user,
        dashboard_password=s.dashboard_password.get_secret_value() if s.dashboard_password else None,
        session_secret=s.session_secret.get_secret_value().encode() if s.session_secret else None,
        timezone=config.schedule.timezone,
        secure_cookies=config.server.secure_cookies,
    )


def build_service(
    runtime: Runtime, *, alerter: Alerter | None = None, web: WebSettings | None = None
) -> Service:
    config = runtime.config
    metrics = Metrics(runtime.ledger, runtime.sellers, runtime.clock.now)
    operator = Operator(
        runtime,
        alerter=alerter or build_alerter(config, runtime.clock),
        metrics=metrics,
        log_runs=True,
    )
    app = create_app(operator, web or web_settings(config), metrics, lambda: check_health(runtime))
    return Service(runtime, operator, metrics, app)


@dataclass
class HttpHandle:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> HttpHandle:
    """uvicorn on `host:port` (0: ephemeral) in a daemon thread; returns once it accepts connections."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name="amzorders-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"amzorders serve could not listen on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return HttpHandle(f"http://{host}:{bound}", server, thread)
