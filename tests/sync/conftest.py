"""End-to-end harness: the simulated marketplace in-process (SimTransport), the engine, the built-in store.

tests/ is on sys.path (root conftest), so `ledger.order_json` is shared with tests/ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amzorders.amazon.auth import Credentials
from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.clock import SimClock, format_instant
from amzorders.ledger.db import open_ledger
from amzorders.shops.builtin import BuiltinStore
from amzorders.sim.scenario import load_scenario
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace
from amzorders.sync.engine import SyncEngine
from amzorders.sync.settings import AccountSettings, SyncSettings

START = datetime(2026, 11, 2, tzinfo=UTC)
SELLER = "A1ENGINETEST"
MARKETPLACE = "A13V1IB3VIYZZH"


@dataclass
class ScenarioBuilder:
    """Small scenarios in the `amzorders-scenario/1` format, timelines as offsets from START."""

    days: float = 3
    orders: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    indexing_delay_s: float = 120

    def order(
        self,
        fulfilled_by: str,
        timeline: Iterable[tuple[timedelta, str]],
        *,
        indexing_delay_s: float | None = None,
    ) -> str:
        number = len(self.orders) + 1
        order_id = f"171-{number:07d}-{(number * 7919) % 10_000_000:07d}"
        spec = {
            "order_id": order_id,
            "seller_id": SELLER,
            "marketplace_id": MARKETPLACE,
            "fulfilled_by": fulfilled_by,
            "service_level": "STANDARD",
            "currency": "EUR",
            "buyer": {"name": f"Client {number}", "email": f"c{number}@marketplace.amazon.fr"},
            "recipient": {
                "name": f"Client {number}",
                "address_line1": f"{number} rue des Lilas",
                "city": "Lyon",
                "postal_code": "69003",
                "country_code": "FR",
            },
            "items": [
                {
                    "order_item_id": f"{number:08d}1",
                    "sku": "MUG-01",
                    "asin": "B0EXAMPLE1",
                    "title": "Mug",
                    "quantity": 2,
                    "unit_price": "11.90",
                    "tax": "4.76",
                }
            ],
            "shipping_price": "4.90",
            "shipping_tax": "0.98",
            "timeline": [{"at": format_instant(START + at), "status": status} for at, status in timeline],
        }
        if indexing_delay_s is not None:
            spec["indexing_delay_s"] = indexing_delay_s
        self.orders.append(spec)
        return order_id

    def fault(
        self,
        start: timedelta,
        end: timedelta,
        kind: str = "http_503",
        operations=("searchOrders", "getOrder"),
    ) -> None:
        self.faults.append(
            {
                "from": format_instant(START + start),
                "to": format_instant(START + end),
                "operations": list(operations),
                "kind": kind,
            }
        )

    def build(self) -> dict[str, Any]:
        return {
            "format": "amzorders-scenario/1",
            "start": format_instant(START),
            "end": format_instant(START + timedelta(days=self.days)),
            "indexing_delay_s": self.indexing_delay_s,
            "sellers": [{"seller_id": SELLER, "marketplace_ids": [MARKETPLACE]}],
            "orders": self.orders,
            "faults": self.faults,
        }


GRAND_TOTAL = "34.44"  # 2 x 11.90 + 4.76 + 4.90 + 0.98


def account() -> AccountSettings:
    return AccountSettings(
        name="main",
        seller_id=SELLER,
        marketplace_ids=(MARKETPLACE,),
        endpoint=BASE_URL,
        token_url=TOKEN_URL,
        credentials=Credentials("amzorders-sim", "sim-secret", f"Atzr|sim-{SELLER}"),
    )


class World:
    """A marketplace, a ledger and a store on one virtual clock, and a way to run the schedule."""

    def __init__(self, scenario: dict[str, Any], url: str, settings: SyncSettings | None = None) -> None:
        self.clock = SimClock(START)
        self.marketplace = Marketplace(load_scenario(scenario), self.clock)
        self.ledger = open_ledger(url)
        self.store = BuiltinStore(self.ledger, self.clock)
        self.account = account()
        self.settings = settings or SyncSettings()
        self.engine = self.new_engine()

    def new_engine(self, store=None) -> SyncEngine:
        return SyncEngine(
            ledger=self.ledger,
            shop=store or self.store,
            accounts=[self.account],
            governor=QuotaGovernor(MemoryBucketStore(), self.clock),
            clock=self.clock,
            settings=self.settings,
            transport=SimTransport(self.marketplace),
        )

    def run(
        self, until: timedelta, *, every: timedelta = timedelta(minutes=5), watch_every: int = 12
    ) -> list:
        """The product's default rhythm: import + push every 5 min, pending watch hourly."""
        summaries = []
        tick = 0
        while self.clock.now() < START + until:
            self.clock.advance_to(START + every * (tick + 1))
            tick += 1
            summaries.append(self.engine.import_incremental(self.account))
            summaries.append(self.engine.push_to_shop(self.account))
            if tick % watch_every == 0:
                summaries.append(self.engine.watch_pending(self.account))
        return summaries

    def shop_status(self, order_id: str) -> str | None:
        order = self.store.find_by_amazon_id(order_id)
        return None if order is None else str(order.status)

    def close(self) -> None:
        self.engine.close()
        self.ledger.dispose()


@pytest.fixture
def make_world(sqlite_url, tmp_path):
    worlds: list[World] = []

    def make(scenario: dict[str, Any], url: str | None = None, settings: SyncSettings | None = None) -> World:
        """A world on its own SQLite file (the first one on `sqlite_url`), unless `url` is given."""
        url = url or (sqlite_url if not worlds else f"sqlite:///{tmp_path / f'world{len(worlds)}.sqlite3'}")
        world = World(scenario, url, settings)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.close()
