"""Scenario builders for the client and governor tests (imported by conftest and the tests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from amzorders.amazon.auth import Credentials
from amzorders.clock import format_instant
from amzorders.sim.scenario import load_scenario
from amzorders.simulate.builder import backlog

SHARED = Path(__file__).resolve().parents[3] / "shared"  # beside the project's root, in CI too
SELLER = "A1SELLER"
FR = "A13V1IB3VIYZZH"
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # the `clock` fixture's start
SCENARIO_START = NOW - timedelta(days=30)


def scenario_for(
    orders: int,
    *,
    usage_plans: dict[str, dict[str, float]] | None = None,
    faults: Sequence[dict[str, Any]] = (),
    sellers: Sequence[str] = (SELLER,),
    now: datetime = NOW,
) -> Any:
    """`orders` orders per seller, spread over the 30 days before `now`, all visible to searchOrders."""
    return load_scenario(
        backlog(
            orders, before=now, sellers=sellers, marketplace_id=FR, usage_plans=usage_plans, faults=faults
        )
    )


def fault(kind: str, *, operations=("searchOrders", "getOrder"), minutes: float = 600, **extra) -> dict:
    """A fault active from NOW for `minutes` (of the marketplace's clock)."""
    return {
        "from": format_instant(NOW),
        "to": format_instant(NOW + timedelta(minutes=minutes)),
        "operations": list(operations),
        "kind": kind,
        **extra,
    }


def sim_credentials(seller: str = SELLER, refresh_token: str | None = None) -> Credentials:
    return Credentials("amzorders-sim", "sim-secret", refresh_token or f"Atzr|sim-{seller}")


def model_path() -> Path:
    """The official Orders API v2026-01-01 model (shared/sp-api-models)."""
    path = SHARED / "sp-api-models" / "orders_2026-01-01.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the shared/ folder must sit beside the project's root")
    return path
