"""The product's strategy on the hard cases: nothing missing, duplicated, wrong or throttled.

Each case runs the real simulator, client, quota governor, sync engine, ledger (SQLite) and built-in
store on one virtual clock with the product's default schedule, then audits the store against the truth.
The same files replayed with `legacy-window` (test_legacy_window.py) lose orders.
"""

from __future__ import annotations

import pytest

from amzorders.simulate.hard_cases import HARD_CASES

from .conftest import assert_nothing_lost

# Simulations of days to weeks on a shared 2-core machine: past pytest's default 300 s timeout.
pytestmark = pytest.mark.timeout(1200)

MINUTE = 60.0

# Worst creation latency the product must achieve on each case (virtual seconds from importable).
LATENCY_BOUND = {
    "pending-20-days": 10 * MINUTE,
    "fba-shipped-after-5-days": 10 * MINUTE,
    "visibility-delay-15-min": 25 * MINUTE,  # Amazon shows the change 15 minutes late
    "late-indexing-25-min": 120 * MINUTE,  # past the widest overlap: the late-index sweep finds it
    "cancellation-after-import": 10 * MINUTE,
    "same-second-burst": 10 * MINUTE,
    "fault-hour-503": 100 * MINUTE,  # 90 minutes of 503s
}


@pytest.mark.parametrize("case", sorted(HARD_CASES))
def test_amzorders_imports_every_hard_case_exactly_once_without_a_429(case, simulated) -> None:
    report = simulated(case, "amzorders")
    assert_nothing_lost(report)
    assert report.latency_s["max"] is not None and report.latency_s["max"] <= LATENCY_BOUND[case]


@pytest.mark.parametrize("case", ["pending-20-days", "visibility-delay-15-min"])
def test_where_the_window_loses_orders_the_product_loses_none(case, simulated) -> None:
    legacy = simulated(case, "legacy-window")
    product = simulated(case, "amzorders")
    assert legacy.missing and not product.missing
    assert product.imported >= legacy.imported + len(legacy.missing)


def test_an_fba_order_held_5_days_is_created_when_shipped_not_the_next_morning(simulated) -> None:
    legacy = simulated("fba-shipped-after-5-days", "legacy-window")
    product = simulated("fba-shipped-after-5-days", "amzorders")
    assert legacy.latency_s["max"] > 12 * 3600  # the daily recheck brought it in
    assert product.latency_s["max"] <= 10 * MINUTE


def test_a_cancellation_after_import_is_propagated(simulated) -> None:
    report = simulated("cancellation-after-import", "amzorders")
    assert report.orders_expected == 1
    assert report.imported == 4  # created then cancelled (3), and the one that shipped
    assert report.cancel_not_propagated == []


def test_a_fault_hour_costs_failed_runs_but_no_order(simulated) -> None:
    report = simulated("fault-hour-503", "amzorders")
    assert report.runs["incremental"].get("error", 0) > 0
    assert report.missing == [] and report.imported == report.orders_total
