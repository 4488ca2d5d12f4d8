"""Fixtures of the operator tests: a simulated Amazon on loopback on the wall clock (with a backlog and
orders still coming, like `amzorders demo`), a config file pointing at it, and `amzorders serve` on
loopback (uvicorn in a thread, port 0). Helpers live in app_support.py (a module name no other tests
folder uses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import Served, wall_scenario, write_config

from amzorders.app.config import AppConfig, load_config
from amzorders.app.service import build_service, serve_in_thread
from amzorders.app.wiring import Runtime, build_runtime
from amzorders.clock import WallClock
from amzorders.sim.scenario import Scenario
from amzorders.sim.server import ServerHandle
from amzorders.sim.server import serve_in_thread as serve_simulator
from amzorders.sim.world import Marketplace


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return wall_scenario()


@pytest.fixture
def simulator(scenario) -> Iterator[ServerHandle]:
    handle = serve_simulator(Marketplace(scenario, WallClock()))
    yield handle
    handle.stop()


@pytest.fixture
def config_path(tmp_path, simulator) -> Path:
    return write_config(tmp_path, simulator.url)


@pytest.fixture
def config(config_path) -> AppConfig:
    return load_config(config_path, environ={})


@pytest.fixture
def runtime(config) -> Iterator[Runtime]:
    rt = build_runtime(config)
    yield rt
    rt.close()


@pytest.fixture
def served(runtime) -> Iterator[Served]:
    service = build_service(runtime)
    handle = serve_in_thread(service.app)
    yield Served(handle.url, service, runtime, handle)
    service.stop()
    handle.stop()
