"""Fixtures of the simulator tests (helpers live in sim_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sim_helpers import ModelValidator, SimClient, load_model, make_world, scenario

from amzorders.clock import SimClock
from amzorders.sim.world import Marketplace


@pytest.fixture(scope="session")
def orders_model() -> dict:
    return load_model()


@pytest.fixture(scope="session")
def model(orders_model: dict) -> ModelValidator:
    return ModelValidator(orders_model)


@pytest.fixture
def world() -> Iterator[tuple[Marketplace, SimClock, SimClient]]:
    """The issue's example order, at 2026-11-05 (shipped, indexed)."""
    yield make_world(scenario(), "2026-11-05T00:00:00Z")
