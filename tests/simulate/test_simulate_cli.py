"""`amzorders simulate` through the real command line (typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amzorders.app.cli import app

SCENARIOS = Path(__file__).parent / "scenarios"
LATE_ORDERS = SCENARIOS / "late-orders.json"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_legacy_window_on_the_hand_written_file_reports_its_losses_and_exits_1(cli, tmp_path) -> None:
    report_path = tmp_path / "legacy.json"
    result = cli.invoke(
        app, ["simulate", str(LATE_ORDERS), "--strategy", "legacy-window", "--report", str(report_path)]
    )
    assert result.exit_code == 1, result.output
    report = json.loads(report_path.read_text())
    assert report["strategy"] == "legacy-window"
    assert report["scenario"] == "late-orders.json"
    assert report["orders_total"] == 5
    assert report["orders_expected"] == 3  # one pending at the end, one cancelled after import
    # Paid 2 h 11 min after purchase and shipped the same evening: the window and the doublecheck miss it.
    assert report["missing"] == ["405-1000002-0000002"]
    assert report["cancel_not_propagated"] == ["405-1000004-0000004"]
    assert report["wrong_status"] == ["405-1000001-0000001"]  # imported unshipped, never updated
    assert report["duplicates"] == 0 and report["throttled"] == 0
    assert report["imported"] == 3  # the FBA order held 2.6 days came through the next day's recheck
    assert report["latency_s"]["max"] > 6 * 3600
    assert report["api_calls"]["searchOrders"] > 0 and report["api_calls"]["getOrder"] == 0
    assert "orders lost or wrong" in result.output


def _bad(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: [str(tmp / "nope.json")], "not found"),
        (lambda tmp: [str(_bad(tmp, "{not json"))], "is not JSON"),
        (
            lambda tmp: [str(_bad(tmp, LATE_ORDERS.read_text().replace('"quantity": 2', '"quantity": 0')))],
            "order 405-1000001-0000001: field 'items[0].quantity'",
        ),
        (lambda tmp: [str(LATE_ORDERS), "--strategy", "hourly"], "unknown strategy 'hourly'"),
        (lambda tmp: [str(LATE_ORDERS), "--shop", "magento"], "unknown shop 'magento'"),
        (lambda tmp: [str(LATE_ORDERS), "--grace", "soon"], "--grace"),
        (lambda tmp: [str(LATE_ORDERS), "--shop-option", "novalue"], "KEY=VALUE"),
        # checked before the run: the result of a long simulation was lost to a typo, after the run
        (lambda tmp: [str(LATE_ORDERS), "--report", str(tmp / "missing" / "r.json")], "does not exist"),
        (lambda tmp: [str(LATE_ORDERS), "--report", str(tmp)], "is a folder: give a file name in it"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(cli, tmp_path, make_args, message) -> None:
    result = cli.invoke(app, ["simulate", *make_args(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output + result.stderr


def test_the_product_on_the_same_file_loses_nothing_and_exits_0(cli, tmp_path) -> None:
    report_path = tmp_path / "amzorders.json"
    ledger = tmp_path / "kept.sqlite3"
    result = cli.invoke(
        app,
        [
            "simulate", str(LATE_ORDERS), "--report", str(report_path), "--grace", "6h",
            "--ledger", f"sqlite:///{ledger}",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert report["strategy"] == "amzorders"
    assert report["missing"] == [] and report["wrong_status"] == [] and report["cancel_not_propagated"] == []
    assert report["duplicates"] == 0 and report["throttled"] == 0
    assert report["imported"] == 4  # the three due, and the cancelled one (created, then cancelled)
    assert report["latency_s"]["max"] <= 600
    assert report["grace_s"] == 6 * 3600
    assert "nothing lost" in result.output
    # --ledger keeps the database: the built-in store's orders are there to inspect.
    from amzorders.clock import WallClock
    from amzorders.ledger.db import open_ledger
    from amzorders.shops.builtin import BuiltinStore

    store = BuiltinStore(open_ledger(f"sqlite:///{ledger}"), WallClock())
    assert store.count_orders() == 4
    assert store.find_by_amazon_id("405-1000004-0000004").status == "cancelled"
    again = cli.invoke(app, ["simulate", str(LATE_ORDERS), "--ledger", f"sqlite:///{ledger}"])
    assert again.exit_code == 2
    assert "already holds 4 shop orders" in again.stderr
