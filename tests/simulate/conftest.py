"""Simulations are the slow part: each (scenario, strategy) runs once per test session and is shared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from amzorders.sim.scenario import Scenario, load_scenario
from amzorders.simulate.hard_cases import HARD_CASES
from amzorders.simulate.legacy_design import (
    LegacyPrediction,
    LegacySettings,
    failed_ticks_for,
    predict_legacy,
)
from amzorders.simulate.report import SimulationReport
from amzorders.simulate.runner import SimulationOptions, run_simulation

# A day of grace is enough for every case here (the command's default is two) and keeps CI quick.
GRACE = timedelta(days=1)
CLIENT_RETRY_SPAN = timedelta(seconds=300)  # OrdersClient's default max_retry_time


def hard_case(name: str) -> Scenario:
    return load_scenario(HARD_CASES[name]())


def predict(scenario: Scenario) -> LegacyPrediction:
    """What the seed's design must import from `scenario` (its failing runs included)."""
    horizon = scenario.end + GRACE
    settings = LegacySettings()
    return predict_legacy(
        scenario, horizon, settings, failed_ticks_for(scenario, horizon, settings, CLIENT_RETRY_SPAN)
    )


def assert_nothing_lost(report: SimulationReport) -> None:
    """The product's promise: nothing missing, duplicated, wrong or throttled, and exit code 0."""
    assert report.missing == []
    assert report.duplicates == 0
    assert report.wrong_status == []
    assert report.cancel_not_propagated == []
    assert report.amount_mismatch == []
    assert report.unexpected == []
    assert report.throttled == 0
    assert report.exit_code == 0


@pytest.fixture(scope="session")
def simulated() -> Callable[[str, str], SimulationReport]:
    """`simulated(case, strategy)`: the report of a hard case, computed once per session."""
    cache: dict[tuple[str, str], SimulationReport] = {}

    def run(case: str, strategy: str) -> SimulationReport:
        if (case, strategy) not in cache:
            options = SimulationOptions(strategy=strategy, grace=GRACE)
            cache[(case, strategy)] = run_simulation(hard_case(case), options, name=case)
        return cache[(case, strategy)]

    return run
