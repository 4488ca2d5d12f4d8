"""Generated months (the simulator's realistic mix, fixed seeds): the product loses nothing; the seed's
design, replayed on the same scenario, loses exactly what its windows predict."""

from __future__ import annotations

import functools

import pytest

from amzorders.sim.generate import generate
from amzorders.sim.scenario import Scenario
from amzorders.simulate.report import SimulationReport
from amzorders.simulate.runner import SimulationOptions, run_simulation

from .conftest import GRACE, assert_nothing_lost, predict

# Month-long simulations on a shared 2-core machine: well past pytest's default 300 s timeout.
pytestmark = pytest.mark.timeout(1800)


def _month(per_day: int) -> Scenario:
    return generate(orders_per_day=per_day, days=30, seed=7)


@functools.cache
def _run(per_day: int, strategy: str) -> SimulationReport:
    """Each month is simulated once per session per strategy (the tests below share the reports)."""
    options = SimulationOptions(strategy=strategy, grace=GRACE)
    return run_simulation(_month(per_day), options, name=f"month-{per_day}-per-day")


def _assert_losses_as_designed(per_day: int, report: SimulationReport) -> None:
    prediction = predict(_month(per_day))
    assert report.throttled == 0, "the prediction assumes runs Amazon did not throttle"
    assert prediction.missing, "a realistic month must show the window's losses"
    assert sorted(report.missing) == sorted(prediction.missing)
    assert sorted(report.cancel_not_propagated) == sorted(prediction.cancel_not_propagated)
    assert sorted(report.wrong_status) == sorted(prediction.wrong_status)
    assert report.duplicates == 0
    assert report.exit_code == 1


def test_a_month_at_100_orders_a_day_loses_nothing() -> None:
    report = _run(100, "amzorders")
    assert_nothing_lost(report)
    assert report.orders_total == 3000
    # and the daily reconciliation compared every day in full, each order once
    assert report.reconciliation == {
        "days": 30,
        "days_complete": 30,
        "orders_created": 3000,
        "orders_compared": 3000,
    }
    assert _run(100, "legacy-window").reconciliation is None


def test_the_seed_design_on_the_same_month_loses_what_its_windows_predict() -> None:
    _assert_losses_as_designed(100, _run(100, "legacy-window"))


@pytest.mark.slow
def test_a_month_at_500_orders_a_day_loses_nothing() -> None:
    report = _run(500, "amzorders")
    assert_nothing_lost(report)
    assert report.orders_total == 15000


@pytest.mark.slow
def test_at_500_orders_a_day_the_seed_design_also_hits_the_quota_and_loses_more() -> None:
    """The daily recheck reads 13 days of FBA orders (about 30 pages) at once: past searchOrders' burst
    of 20, Amazon answers 429 and the recheck gives up, so more is lost than the windows alone lose."""
    report = _run(500, "legacy-window")
    prediction = predict(_month(500))
    assert report.throttled > 0
    assert report.runs["legacy-recheck"].get("error", 0) > 0
    assert set(report.missing) > prediction.missing
    assert report.duplicates == 0
    assert report.exit_code == 1
