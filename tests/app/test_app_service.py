"""`amzorders serve` over real HTTP on loopback: cron trigger URLs, busy runs, /health, /metrics."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
from app_support import CRON_TOKEN, PASSWORD, GatedTransport, Served, breakable

from amzorders.app import views
from amzorders.app.config import load_config
from amzorders.app.service import build_service, serve_in_thread
from amzorders.app.wiring import build_runtime
from amzorders.ledger.schema import store_orders
from amzorders.sync.reconcile import local_yesterday


def store_count(runtime) -> tuple[int, int]:
    from sqlalchemy import func, select

    with runtime.ledger.connect() as conn:
        total = conn.execute(select(func.count()).select_from(store_orders)).scalar_one()
        distinct = conn.execute(select(func.count(store_orders.c.amazon_order_id.distinct()))).scalar_one()
    return total, distinct


def test_wrong_or_missing_token_is_a_bare_403(served: Served):
    for params in ({"token": "nope"}, {}, {"token": CRON_TOKEN[:-1]}, {"token": CRON_TOKEN + "x"}):
        response = served.get("/cron/import", **params)
        assert response.status_code == 403
        assert response.json() == {"detail": "forbidden"}
    assert store_count(served.runtime) == (0, 0)  # nothing ran


def test_trigger_imports_and_a_second_trigger_creates_nothing_new(served: Served):
    first = served.get("/cron/import", token=CRON_TOKEN)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["ok"] is True and body["busy"] == []
    assert [r["kind"] for r in body["runs"]] == ["incremental", "push"]
    assert body["created"] > 20
    assert store_count(served.runtime) == (body["created"], body["created"])

    again = served.get("/cron/import", token=CRON_TOKEN, account="eu").json()
    assert again["ok"] is True and again["created"] == 0
    assert store_count(served.runtime) == (body["created"], body["created"])


def test_recheck_and_doublecheck_flags_run_the_catch_up_passes(served: Served):
    served.get("/cron/import", token=CRON_TOKEN)
    before = store_count(served.runtime)
    recheck = served.get("/cron/import", token=CRON_TOKEN, recheck="1").json()
    assert [r["kind"] for r in recheck["runs"]] == ["recheck", "push"]
    doublecheck = served.get("/cron/import", token=CRON_TOKEN, doublecheck="1").json()
    assert [r["kind"] for r in doublecheck["runs"]] == ["doublecheck", "push"]
    assert recheck["ok"] and doublecheck["ok"]
    assert all(r["api_calls"] >= 1 for r in recheck["runs"][:1] + doublecheck["runs"][:1])
    total, distinct = store_count(served.runtime)
    assert total == distinct >= before[0]  # never a duplicate
    # a flag's value that means neither yes nor no ran a plain import in silence: refused, nothing run
    odd = served.get("/cron/import", token=CRON_TOKEN, recheck="2")
    assert odd.status_code == 400 and odd.json() == {
        "detail": "recheck=2: use recheck=1 (or 0); the run was not started"
    }
    plain = served.get("/cron/import", token=CRON_TOKEN, recheck="0", doublecheck="false").json()
    assert [r["kind"] for r in plain["runs"]] == ["incremental", "push"]


def test_unknown_account_is_404_after_the_token_check(served: Served):
    assert served.get("/cron/import", token="bad", account="zz").status_code == 403
    assert served.get("/cron/import", token=CRON_TOKEN, account="zz").status_code == 404


def test_concurrent_triggers_one_runs_the_other_reports_busy(config):
    gate = GatedTransport()
    runtime = build_runtime(config, transport=gate)
    service = build_service(runtime)
    handle = serve_in_thread(service.app)
    try:
        results: dict[str, httpx.Response] = {}

        def first() -> None:
            results["first"] = httpx.get(
                f"{handle.url}/cron/import", params={"token": CRON_TOKEN}, timeout=60
            )

        thread = threading.Thread(target=first)
        thread.start()
        assert gate.entered.wait(30), "the first run never reached Amazon"
        second = httpx.get(f"{handle.url}/cron/import", params={"token": CRON_TOKEN}, timeout=60)
        gate.release.set()
        thread.join(60)
        assert second.status_code == 200
        assert second.json()["busy"] == ["eu"]
        assert [r["outcome"] for r in second.json()["runs"]] == ["busy"]
        body = results["first"].json()
        assert body["busy"] == [] and body["created"] > 0
        assert store_count(runtime) == (body["created"], body["created"])
    finally:
        gate.release.set()
        handle.stop()
        runtime.close()


def test_health_reports_each_dependency(served: Served, simulator):
    response = served.get("/health", token=CRON_TOKEN)
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert set(checks) == {"database", "amazon", "shop:main"}
    assert all(c["ok"] for c in checks.values())
    assert checks["shop:main"]["detail"].endswith("orders") and "latency_ms" in checks["database"]
    # without the token (a load balancer's probe, anyone) only each check's ok: no URL, count or error text
    anonymous = served.get("/health").json()["checks"]
    assert anonymous == {name: {"ok": True} for name in checks}
    simulator.stop()
    down = served.get("/health")
    assert down.status_code == 503
    assert down.json()["status"] == "degraded"
    assert down.json()["checks"]["amazon"] == {"ok": False}
    assert down.json()["checks"]["database"]["ok"] is True
    assert served.get("/health", token=CRON_TOKEN).json()["checks"]["amazon"]["detail"]


def test_metrics_after_an_import(served: Served):
    body = served.get("/cron/import", token=CRON_TOKEN).json()
    breakable(served.runtime).broken = True
    text = served.get("/metrics").text
    assert f'amzorders_orders_imported_total{{account="eu"}} {float(body["created"])}' in text
    assert f'amzorders_orders{{account="eu",state="imported"}} {float(body["created"])}' in text
    assert 'amzorders_api_calls_total{account="eu",operation="searchOrders"}' in text
    assert 'amzorders_api_throttled_total{account="eu"} 0.0' in text
    assert 'amzorders_run_duration_seconds_count{kind="incremental"} 1.0' in text
    assert 'amzorders_quota_tokens_left{account="eu",operation="searchOrders"}' in text
    lag = [
        line for line in text.splitlines() if line.startswith('amzorders_cursor_lag_seconds{account="eu"}')
    ]
    assert lag and 0 <= float(lag[0].split()[-1]) < 3600


def test_the_serve_command_runs_until_sigterm(config_path):
    import os
    import re
    import signal
    import subprocess
    import sys

    env = {**os.environ, "AMZORDERS_CONFIG": str(config_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "amzorders.app.cli", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        url = match.group(1)
        assert "schedule: on" in proc.stdout.readline()
        assert httpx.get(f"{url}/health", timeout=30).status_code == 200
        # the scheduler's first incremental import runs at start
        for _ in range(300):
            if (
                'amzorders_runs_total{account="eu",kind="push",outcome="ok"}'
                in httpx.get(f"{url}/metrics").text
            ):
                break
            threading.Event().wait(0.1)
        else:
            raise AssertionError("the scheduler did not run the first import")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    # journald's view: a UTC-stamped line per run that did something, no library chatter, no secret
    log = proc.stderr.read()
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO amzorders\.runs: "
    assert re.search(stamp + r"incremental eu: ok; \d+ seen; \d+ API calls; ", log, re.M), log
    assert re.search(stamp + r"push eu: ok; \d+ created; 0 API calls; ", log, re.M), log
    assert "httpx" not in log and "HTTP Request" not in log
    assert CRON_TOKEN not in log and PASSWORD not in log


def test_reconcile_trigger(served: Served):
    assert served.get("/cron/reconcile", token="nope").status_code == 403
    served.get("/cron/import", token=CRON_TOKEN)
    bad = served.get("/cron/reconcile", token=CRON_TOKEN, day="yesterday")
    assert bad.status_code == 400
    body = served.get("/cron/reconcile", token=CRON_TOKEN).json()
    assert body["ok"] is True and body["unrepaired"] == {"eu": []} and body["errors"] == {}
    assert served.get("/cron/reconcile", token=CRON_TOKEN, account="nobody").status_code == 404
    # a reconciliation that could not finish (Amazon refuses a day before its records) is not "ok": the
    # cron job's HTTP check sees it fail (it answered 200, ok, while the log said it had not finished)
    failed = served.get("/cron/reconcile", token=CRON_TOKEN, day="0001-01-01")
    assert failed.status_code == 500
    assert failed.json()["ok"] is False and failed.json()["errors"]["eu"]


def test_scheduled_jobs_run_through_the_service(served: Served):
    service = served.service
    runs = service.run_job("import", "eu")
    assert [r.kind for r in runs] == ["incremental", "push"] and runs[1].created > 0
    report = service.run_job("reconcile", "eu")
    assert report.error is None and report.unrepaired == []
    assert service.run_job("purge_pii", "*") == 0  # nothing older than the 90-day retention yet


def test_api_calls_of_overlapping_runs_are_counted_once(config):
    """`serve` runs an account's import and its catch-ups at once. The runs' rows and the metrics count
    each call once: the import waiting in its first call does not take the recheck's calls as its own."""
    gate = GatedTransport()
    runtime = build_runtime(config, transport=gate)
    service = build_service(runtime)
    try:
        imported = []
        importing = threading.Thread(target=lambda: imported.extend(service.operator.run("import", "eu")))
        importing.start()
        assert gate.entered.wait(30), "the import never reached Amazon"
        recheck = service.operator.run("recheck", "eu")
        assert recheck[0].outcome == "ok" and recheck[0].api_calls >= 1
        gate.release.set()
        importing.join(60)
        stats = runtime.engine_for("eu").client(runtime.accounts["eu"]).stats
        # each run's row counts its own calls
        assert imported[0].api_calls + recheck[0].api_calls == sum(stats.calls.values())

        def counted() -> float | None:
            return service.metrics.registry.get_sample_value(
                "amzorders_api_calls_total", {"account": "eu", "operation": "searchOrders"}
            )

        assert counted() == stats.calls["searchOrders"]
        before = stats.calls["searchOrders"]
        service.operator.reconcile(local_yesterday(runtime.clock.now(), "UTC"), "eu")
        assert stats.calls["searchOrders"] > before  # the reconciliation's calls are counted too
        assert counted() == stats.calls["searchOrders"]
    finally:
        gate.release.set()
        runtime.close()


def test_after_a_switch_the_previous_importers_orders_are_counted_apart(config_path):
    """Switching with a day of backlog: the orders ready before the switch are left to the previous
    importer, counted in the status and the metrics as such, and nothing is created for them."""
    switch = datetime.now(UTC).isoformat()
    config = load_config(config_path, environ={"AMZORDERS_SYNC__SWITCH_OVER_AT": switch})
    runtime = build_runtime(config)
    try:
        service = build_service(runtime)
        runs = service.run_job("import", "eu")
        assert runs[1].created == 0  # the backlog: every order ready to import is older than the switch
        status = views.account_status(runtime.ledger, runtime.sellers, runtime.clock.now())[0]
        assert status.left_to_previous_importer > 0 and status.as_json()["left_to_previous_importer"] > 0
        text = service.metrics.render().decode()
        left = float(status.left_to_previous_importer)
        assert f'amzorders_orders{{account="eu",state="previous"}} {left}' in text
    finally:
        runtime.close()
