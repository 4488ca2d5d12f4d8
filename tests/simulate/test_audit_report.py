"""Auditing a shop against the truth, and the report's stable JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rich.console import Console

from amzorders.money import Money
from amzorders.shops.port import ShopOrder, ShopOrderStatus
from amzorders.simulate.audit import audit_shop
from amzorders.simulate.report import SimulationReport, percentiles, render_summary
from amzorders.simulate.truth import ExpectedOrder, Presence

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _expected(order_id: str, presence: Presence, status: ShopOrderStatus | None, total: str = "10.00"):
    return ExpectedOrder(
        order_id=order_id,
        seller_id="A1",
        fulfilled_by="MERCHANT",
        created_at=T0,
        importable_at=None if presence is Presence.FORBIDDEN else T0 + timedelta(minutes=4),
        final_amazon_status="X",
        presence=presence,
        status=status,
        total=Decimal(total),
        currency="EUR",
    )


def _shop(order_id: str, status: ShopOrderStatus, total: str = "10.00", ref: str | None = None):
    return ShopOrder(ref or f"R-{order_id}", order_id, status, Money.of(total, "EUR"))


def test_the_audit_classifies_every_kind_of_discrepancy() -> None:
    truth = [
        _expected("ok", Presence.REQUIRED, ShopOrderStatus.SHIPPED),
        _expected("missing", Presence.REQUIRED, ShopOrderStatus.TO_SHIP),
        _expected("dup", Presence.REQUIRED, ShopOrderStatus.TO_SHIP),
        _expected("stale", Presence.REQUIRED, ShopOrderStatus.SHIPPED),
        _expected("cents", Presence.REQUIRED, ShopOrderStatus.TO_SHIP),
        _expected("cancel-ok", Presence.OPTIONAL, ShopOrderStatus.CANCELLED),
        _expected("cancel-absent", Presence.OPTIONAL, ShopOrderStatus.CANCELLED),
        _expected("cancel-live", Presence.OPTIONAL, ShopOrderStatus.CANCELLED),
        _expected("pending", Presence.FORBIDDEN, None),
        _expected("pending-created", Presence.FORBIDDEN, None),
    ]
    shop = [
        _shop("ok", ShopOrderStatus.SHIPPED),
        _shop("dup", ShopOrderStatus.TO_SHIP, ref="A"),
        _shop("dup", ShopOrderStatus.TO_SHIP, ref="B"),
        _shop("stale", ShopOrderStatus.TO_SHIP),
        _shop("cents", ShopOrderStatus.TO_SHIP, total="10.01"),
        _shop("cancel-ok", ShopOrderStatus.CANCELLED),
        _shop("cancel-live", ShopOrderStatus.TO_SHIP),
        _shop("pending-created", ShopOrderStatus.TO_SHIP),
    ]
    asked: list[list[str]] = []

    def inventory(ids):
        asked.append(list(ids))
        return [order for order in shop if order.amazon_order_id in ids]

    created_at = {"ok": (T0 + timedelta(minutes=9)).timestamp(), "dup": (T0 + timedelta(hours=1)).timestamp()}
    audit = audit_shop(iter(truth), inventory, created_at)
    assert audit.orders_total == 10
    assert audit.orders_expected == 5
    assert audit.imported == 7
    assert audit.missing == ["missing"]
    assert audit.duplicates == 1
    assert audit.wrong_status == ["stale"]
    assert audit.amount_mismatch == ["cents"]
    assert audit.cancel_not_propagated == ["cancel-live"]
    assert audit.unexpected == ["pending-created"]
    assert sorted(audit.latencies) == [300.0, 3360.0]
    assert asked == [[t.order_id for t in truth]]


def test_a_total_in_another_currency_is_a_mismatch_not_a_crash() -> None:
    truth = [_expected("x", Presence.REQUIRED, ShopOrderStatus.TO_SHIP)]
    shop = [ShopOrder("R", "x", ShopOrderStatus.TO_SHIP, Money.of("10.00", "USD"))]
    assert audit_shop(truth, lambda ids: shop, {}).amount_mismatch == ["x"]


def test_percentiles_use_the_nearest_rank() -> None:
    assert percentiles([]) == {"p50": None, "p95": None, "p99": None, "max": None}
    values = [float(v) for v in range(1, 101)]
    assert percentiles(values) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert percentiles([7.25]) == {"p50": 7.2, "p95": 7.2, "p99": 7.2, "max": 7.2}


def test_the_report_keeps_its_documented_keys_and_exit_codes(tmp_path) -> None:
    report = SimulationReport(strategy="amzorders", scenario="x.json", orders_total=3, imported=3)
    assert report.ok and report.exit_code == 0
    path = tmp_path / "r.json"
    report.write(path)
    data = json.loads(path.read_text())
    documented = [
        "strategy", "scenario", "orders_total", "orders_expected", "imported", "missing", "duplicates",
        "wrong_status", "amount_mismatch", "cancel_not_propagated", "api_calls", "throttled", "latency_s",
        "wall_s", "peak_rss_mb",
    ]  # fmt: skip
    assert list(data)[: len(documented)] == documented
    assert set(data["api_calls"]) == {"searchOrders", "getOrder", "token"}
    assert set(data["latency_s"]) == {"p50", "p95", "p99", "max"}
    for field, value in [
        ("missing", ["a"]),
        ("duplicates", 1),
        ("wrong_status", ["a"]),
        ("unexpected", ["a"]),
    ]:
        broken = SimulationReport(strategy="s", scenario="x", **{field: value})
        assert not broken.ok and broken.exit_code == 1


def test_the_summary_table_names_what_was_lost() -> None:
    console = Console(record=True, width=120)
    report = SimulationReport(strategy="legacy-window", scenario="x.json", missing=["402-1", "402-2"])
    render_summary(report, console)
    text = console.export_text()
    assert "orders lost or wrong" in text
    assert "2 (402-1, 402-2)" in text
