"""`import`, `--recheck`, `--doublecheck`, `reconcile`, `status`, `orders ...` through typer's runner
against a simulator served on loopback: twice in a row and concurrently, never a duplicate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from app_loopback import SmtpSink, WebhookReceiver
from app_support import breakable, write_config
from sqlalchemy import func, select
from sqlalchemy import text as text_query
from typer.testing import CliRunner

from amzorders.app import exit_codes
from amzorders.app.cli import app
from amzorders.app.config import load_config
from amzorders.app.operations import Operator
from amzorders.app.wiring import build_alerter, build_runtime
from amzorders.ledger.schema import store_orders
from amzorders.shops.port import ShopError

runner = CliRunner()


def cli(config_path, *args, env=None):
    return runner.invoke(app, [*args, "--config", str(config_path)], env=env)


def store_rows(config_path) -> tuple[int, int]:
    runtime = build_runtime(load_config(config_path, environ={}))
    try:
        with runtime.ledger.connect() as conn:
            total = conn.execute(select(func.count()).select_from(store_orders)).scalar_one()
            distinct = conn.execute(
                select(func.count(store_orders.c.amazon_order_id.distinct()))
            ).scalar_one()
        return total, distinct
    finally:
        runtime.close()


def test_import_twice_then_catch_ups_and_reconcile(config_path):
    first = cli(config_path, "import", "--json")
    assert first.exit_code == 0, first.output
    runs = json.loads(first.stdout)["runs"]
    assert [(r["kind"], r["outcome"]) for r in runs] == [("incremental", "ok"), ("push", "ok")]
    created = runs[1]["created"]
    assert created > 20
    assert store_rows(config_path) == (created, created)

    second = cli(config_path, "import", "--json")
    assert second.exit_code == 0
    assert json.loads(second.stdout)["runs"][1]["created"] == 0

    for flag, kind in (("--recheck", "recheck"), ("--doublecheck", "doublecheck")):
        result = cli(config_path, "import", flag)
        assert result.exit_code == 0, result.output
        assert kind in result.stdout and "ok" in result.stdout
    total, distinct = store_rows(config_path)
    assert total == distinct >= created

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    reconciled = cli(config_path, "reconcile", "--day", yesterday)
    assert reconciled.exit_code == 0, reconciled.output
    assert f"eu {yesterday}: Amazon, the ledger and the shop agree (" in reconciled.stdout
    again = cli(config_path, "reconcile", "--day", yesterday, "--json")
    checked = json.loads(again.stdout)["accounts"]["eu"]
    assert checked["unrepaired"] == [] and checked["partial"] is None
    assert f"agree ({checked['amazon_orders']} Amazon orders)." in reconciled.stdout
    assert checked["amazon_orders"] > 0
    assert store_rows(config_path) == (total, distinct)
    # the day is the shop's (schedule.timezone)
    tokyo = cli(config_path, "reconcile", "--json", env={"AMZORDERS_SCHEDULE__TIMEZONE": "Asia/Tokyo"})
    assert json.loads(tokyo.stdout)["accounts"]["eu"]["timezone"] == "Asia/Tokyo"

    status = json.loads(cli(config_path, "status", "--json").stdout)["accounts"][0]
    assert status["name"] == "eu" and status["imported"] == total
    assert status["cursor_lag_s"] < 600
    assert status["last_run"]["outcome"] == "ok"
    assert status["quota_left"]["searchOrders"] >= 0


def test_reconcile_repairs_an_order_deleted_from_the_shop(config_path):
    assert cli(config_path, "import").exit_code == 0
    runtime = build_runtime(load_config(config_path, environ={}))
    try:
        shop = runtime.shops["main"]
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
        with runtime.ledger.connect() as conn:
            victim = conn.execute(
                select(store_orders.c.reference, store_orders.c.amazon_order_id).where(
                    store_orders.c.purchased_at >= datetime.combine(yesterday, datetime.min.time(), UTC),
                    store_orders.c.purchased_at
                    < datetime.combine(yesterday, datetime.min.time(), UTC) + timedelta(days=1),
                )
            ).first()
        assert victim is not None
        assert shop.delete_order(victim.reference)
    finally:
        runtime.close()
    result = cli(config_path, "reconcile", "--day", yesterday.isoformat())
    assert victim.amazon_order_id in result.stdout
    assert "repaired" in result.stdout
    total, distinct = store_rows(config_path)
    assert total == distinct


def test_bad_day_and_unknown_account_exit_2(config_path):
    bad_day = cli(config_path, "reconcile", "--day", "yesterday")
    assert bad_day.exit_code == exit_codes.BAD_INPUT
    assert bad_day.stderr.strip() == "--day: 'yesterday' is not a date like 2026-11-01"
    unknown = cli(config_path, "import", "--account", "nope")
    assert unknown.exit_code == exit_codes.BAD_INPUT
    assert unknown.stderr.strip().endswith("--account: one of eu")


def test_concurrent_imports_in_two_processes_create_no_duplicate(config_path):
    env = {**os.environ, "AMZORDERS_CONFIG": str(config_path)}
    command = [sys.executable, "-m", "amzorders.app.cli", "import", "--json"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    outcomes = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode in (exit_codes.OK, exit_codes.BUSY), stderr.decode()
        outcomes.append((proc.returncode, json.loads(stdout)["runs"]))
    created = sum(r["created"] for _, runs in outcomes for r in runs)
    total, distinct = store_rows(config_path)
    assert total == distinct == created > 20
    busy = [code for code, _ in outcomes if code == exit_codes.BUSY]
    assert len(busy) <= 1


def test_orders_list_show_retry_park(config_path):
    runtime = build_runtime(load_config(config_path, environ={}))
    try:
        shop = breakable(runtime)
        shop.fail_if = lambda d: (
            ShopError("shop answered HTTP 503 (maintenance)") if d.amazon_order_id[-1] in "13" else None
        )
        operator = Operator(runtime)
        results = operator.run("import", "eu")
        assert results[1].failed > 1
    finally:
        runtime.close()
    listed = json.loads(cli(config_path, "orders", "list", "--state", "failed", "--json").stdout)["orders"]
    assert listed and all(o["shop_state"] == "failed" for o in listed)
    assert listed[0]["last_error"].endswith("shop answered HTTP 503 (maintenance)")
    table = cli(config_path, "orders", "list", "--state", "failed")
    assert listed[0]["amazon_order_id"] in table.stdout and "maintenance" in table.stdout

    target = listed[0]["amazon_order_id"]
    shown = json.loads(cli(config_path, "orders", "show", target, "--json").stdout)
    assert shown["order"]["shop_state"] == "failed" and shown["events"]

    parked = cli(
        config_path, "orders", "park", listed[1]["amazon_order_id"], "--reason", "buyer asked to wait"
    )
    assert parked.exit_code == 0 and "parked (buyer asked to wait)" in parked.stdout

    retried = cli(config_path, "orders", "retry", target)  # the shop works again in this process
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.startswith(f"{target}: created ")
    assert cli(config_path, "orders", "show", "405-0000000-0000000").exit_code == exit_codes.BAD_INPUT


def test_refused_credentials_exit_3_and_alert_once(tmp_path, simulator):
    hook = WebhookReceiver().start()
    try:
        path = write_config(tmp_path, simulator.url, extra=f'[alerts]\nwebhook_url = "{hook.url}"\n')
        env = {"AMZORDERS_REFRESH_TOKEN__EU": "Atzr|revoked"}
        first = cli(path, "import", env=env)
        assert first.exit_code == exit_codes.AMAZON_REFUSED, first.output
        assert "refused" in first.stdout
        second = cli(path, "import", env=env)
        assert second.exit_code == exit_codes.AMAZON_REFUSED
        assert [p["kind"] for p in hook.payloads] == ["credentials_refused"]  # once per hour, not per run
        assert hook.payloads[0]["account"] == "eu"
    finally:
        hook.stop()


def test_orders_failing_past_their_retries_are_mailed(tmp_path, simulator):
    sink = SmtpSink().start()
    try:
        path = write_config(
            tmp_path,
            simulator.url,
            extra=f'[alerts]\nemail_to = ["ops@shop.test"]\nsmtp_port = {sink.port}\n',
        )
        config = load_config(path, environ={})
        runtime = build_runtime(config)
        try:
            breakable(runtime).broken = True
            operator = Operator(
                runtime, alerter=build_alerter(config, runtime.clock), failed_alert_attempts=1
            )
            operator.run("import", "eu")
            operator.run("import", "eu")
        finally:
            runtime.close()
        assert len(sink.messages) == 1
        mail = sink.messages[0]
        assert "could not be created in the shop (eu)" in mail["Subject"]
        assert "shop answered HTTP 503 (maintenance)" in mail.get_payload()
    finally:
        sink.stop()


def test_an_import_standing_further_behind_than_the_threshold_is_alerted(tmp_path, simulator):
    """After an import the cursor stands ~2 minutes behind now (Amazon's visibility delay): nothing to say
    with the default hour; with `behind_after_minutes = 1` the operator learns how far behind, and from
    when, the orders are not in the shop yet."""
    hook = WebhookReceiver().start()
    try:
        alerts = f'[alerts]\nwebhook_url = "{hook.url}"\n'
        path = write_config(tmp_path, simulator.url, extra=alerts)
        assert cli(path, "import").exit_code == 0
        assert hook.payloads == []

        write_config(tmp_path, simulator.url, extra=alerts + "behind_after_minutes = 1\n")
        before = datetime.now(UTC)
        assert cli(path, "import").exit_code == 0  # late is not an error: the orders are not lost
        assert cli(path, "import").exit_code == 0
        assert [p["kind"] for p in hook.payloads] == ["import_behind"]  # once per hour, not per run
        alert = hook.payloads[0]
        assert alert["account"] == "eu"
        cursor = datetime.fromisoformat(alert["details"]["cursor"].replace("Z", "+00:00"))
        assert before - timedelta(minutes=3) <= cursor <= before
        assert 60 < alert["details"]["behind_s"] < 600
        assert "(alerts.behind_after_minutes: 1 min)" in alert["body"]
    finally:
        hook.stop()


def test_unrepaired_reconciliation_exits_1_and_is_alerted(tmp_path, simulator):
    hook = WebhookReceiver().start()
    try:
        path = write_config(tmp_path, simulator.url, extra=f'[alerts]\nwebhook_url = "{hook.url}"\n')
        assert cli(path, "import").exit_code == 0
        config = load_config(path, environ={})
        runtime = build_runtime(config)
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
        start = datetime.combine(yesterday, datetime.min.time(), UTC)
        try:
            with runtime.ledger.connect() as conn:
                victim = conn.execute(
                    select(store_orders.c.reference, store_orders.c.amazon_order_id).where(
                        store_orders.c.purchased_at >= start,
                        store_orders.c.purchased_at < start + timedelta(days=1),
                    )
                ).first()
            runtime.shops["main"].delete_order(victim.reference)
            breakable(runtime).fail_if = lambda d: ShopError("shop answered HTTP 500 (module crashed)")
            operator = Operator(runtime, alerter=build_alerter(config, runtime.clock))
            report = operator.reconcile(yesterday, "eu")
        finally:
            runtime.close()
        assert [d.amazon_order_id for d in report.unrepaired] == [victim.amazon_order_id]
        assert [p["kind"] for p in hook.payloads] == ["reconciliation_unrepaired"]
        assert hook.payloads[0]["details"]["unrepaired"] == [victim.amazon_order_id]
        # the CLI on the same day, shop working again: repaired now, exit 0
        result = cli(path, "reconcile", "--day", yesterday.isoformat())
        assert result.exit_code == 0, result.output
    finally:
        hook.stop()


def test_all_passes_at_once_from_separate_processes_views_create_no_duplicate(config):
    """Four runtimes (as four processes would have) on one ledger, each running another pass at the
    same time: each run is done or reported busy, never twice, and no Amazon order has two shop orders."""
    import threading

    kinds = ["import", "recheck", "doublecheck", "pending"]
    runtimes = [build_runtime(config) for _ in kinds]
    outcomes: dict[str, list[str]] = {}
    barrier = threading.Barrier(len(kinds) + 1)

    def run(kind: str, runtime) -> None:
        barrier.wait(30)
        outcomes[kind] = [r.outcome for r in Operator(runtime).run(kind, "eu")]

    threads = [threading.Thread(target=run, args=pair) for pair in zip(kinds, runtimes, strict=True)]
    try:
        for thread in threads:
            thread.start()
        barrier.wait(30)
        for thread in threads:
            thread.join(120)
        reconcile = Operator(runtimes[0]).reconcile((datetime.now(UTC) - timedelta(days=1)).date(), "eu")
        assert reconcile.error is None
        for kind in kinds:  # and again, one after the other: everything settles, nothing doubles
            assert {r.outcome for r in Operator(runtimes[0]).run(kind, "eu")} == {"ok"}
    finally:
        for runtime in runtimes:
            runtime.close()
    assert all(set(o) <= {"ok", "busy"} for o in outcomes.values()), outcomes
    assert any("ok" in o for o in outcomes.values())
    total, distinct = store_rows(config.path)
    assert total == distinct > 20


def test_backup_copies_the_ledger_with_the_store_and_refuses_to_overwrite(config_path, tmp_path):
    assert cli(config_path, "import").exit_code == 0
    created, _ = store_rows(config_path)
    target = tmp_path / "backup.sqlite3"
    made = cli(config_path, "backup", str(target))
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith(f"backed up the ledger to {target}: ")
    copy = build_runtime(load_config(config_path, environ={"AMZORDERS_LEDGER__URL": f"sqlite:///{target}"}))
    try:  # the built-in store's orders are in the copy too
        with copy.ledger.connect() as conn:
            assert conn.execute(select(func.count()).select_from(store_orders)).scalar_one() == created
    finally:
        copy.close()
    again = cli(config_path, "backup", str(target))
    assert again.exit_code == exit_codes.BAD_INPUT
    assert (
        again.stderr.strip()
        == f"backup not made: {target} exists: choose a new name, or --force to replace it"
    )
    on_pg = cli(
        config_path, "backup", str(tmp_path / "x"), env={"AMZORDERS_LEDGER__URL": "postgresql://a@h/amz"}
    )
    assert on_pg.exit_code == exit_codes.BAD_INPUT and "pg_dump -Fc amz" in on_pg.stderr


def test_status_shows_the_orders_left_to_the_previous_importer_only_after_a_switch(config_path):
    column = "previous importer's"
    assert cli(config_path, "import").exit_code == 0
    assert column not in cli(config_path, "status").stdout
    switched = {"AMZORDERS_SYNC__SWITCH_OVER_AT": datetime.now(UTC).isoformat()}
    other = config_path.parent / "switched.sqlite3"  # a fresh ledger: the first import after a switch
    env = {**switched, "AMZORDERS_LEDGER__URL": f"sqlite:///{other}"}
    assert cli(config_path, "import", env=env).exit_code == 0
    shown = cli(config_path, "status", env=env)
    assert shown.exit_code == 0 and column in shown.stdout
    left = json.loads(cli(config_path, "status", "--json", env=env).stdout)["accounts"][0]
    assert left["left_to_previous_importer"] > 0


def test_a_switch_over_later_than_now_is_refused_before_anything_runs(config_path):
    """`sync.switch_over_at` a year ahead (a typo) left every order of the backlog to the previous
    importer, silently: exit 0, nothing created."""
    later = (datetime.now(UTC) + timedelta(days=365)).replace(microsecond=0)
    text = config_path.read_text().replace("[sync]\n", f'[sync]\nswitch_over_at = "{later.isoformat()}"\n', 1)
    config_path.write_text(text)
    result = cli(config_path, "import")
    assert result.exit_code == exit_codes.BAD_INPUT, result.output
    assert result.stderr.strip() == (
        f"config error: {config_path}: sync.switch_over_at: {later.isoformat()} is later than now: the "
        "moment the previous importer was stopped (every order created before it and already importable "
        "would be left to that importer)"
    )


def test_purge_pii_from_the_cli_for_setups_without_the_scheduler(config_path):
    """Cron- or timer-driven set-ups have no scheduler to run the daily purge: `purge-pii` does it."""
    text = config_path.read_text().replace("[sync]\n", "[sync]\npii_retention_days = 1\n", 1)
    config_path.write_text(text)
    assert cli(config_path, "import").exit_code == 0
    first = cli(config_path, "purge-pii", "--json")
    assert first.exit_code == 0, first.output
    purged = json.loads(first.stdout)
    assert purged["retention_days"] == 1 and purged["purged"] > 0
    runtime = build_runtime(load_config(config_path, environ={}))
    try:
        with runtime.ledger.connect() as conn:
            rows = conn.execute(
                text_query("SELECT snapshot FROM orders WHERE pii_purged AND created_time < :cut"),
                {"cut": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")},
            ).all()
    finally:
        runtime.close()
    assert len(rows) == purged["purged"]
    assert all('"buyer"' not in r.snapshot and '"recipient"' not in r.snapshot for r in rows)
    again = cli(config_path, "purge-pii")
    assert again.exit_code == 0 and again.stdout.startswith("buyer data removed from 0 order(s)")


def test_orders_list_refuses_a_filter_that_can_match_nothing(config_path):
    """A misspelt state, status or account listed nothing, exit 0: read as "no stuck orders"."""
    assert cli(config_path, "import").exit_code == 0
    upper = cli(config_path, "orders", "list", "--state", "CREATED", "--json")
    assert upper.exit_code == 0 and json.loads(upper.stdout)["orders"]  # states read in any case
    for args, message in (
        (
            ["--state", "parkd"],
            "--state: 'parkd' is not one of waiting, to_create, created, to_update, failed",
        ),
        (["--status", "shiped"], "--status: 'SHIPED' is not one of PENDING_AVAILABILITY, PENDING, UNSHIPPED"),
        (["--account", "nobody"], "--account: one of eu"),
    ):
        result = cli(config_path, "orders", "list", *args)
        assert result.exit_code == exit_codes.BAD_INPUT, (args, result.output)
        assert message in result.stderr, result.stderr
