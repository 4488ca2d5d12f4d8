"""End-to-end harness: the simulated marketplace in-process (SimTransport), the engine, the built-in store.

tests/ is on sys.path (root conftest), so `ledger.order_json` is shared with tests/ledger.
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from amzorders.amazon.auth import Credentials
from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.clock import SimClock
from amzorders.ledger.db import open_ledger
from amzorders.shops.builtin import BuiltinStore
from amzorders.sim.scenario import load_scenario
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace
from amzorders.simulate import builder as simulate_builder
from amzorders.simulate.builder import START
from amzorders.sync.engine import SyncEngine
from amzorders.sync.settings import AccountSettings, SyncSettings

SELLER = "A1ENGINETEST"
MARKETPLACE = "A13V1IB3VIYZZH"


# The engine tests' orders: 2 mugs and 4.90 + 0.98 shipping, for seller A1ENGINETEST.
ScenarioBuilder = partial(
    simulate_builder.ScenarioBuilder,
    seller_id=SELLER,
    marketplace_id=MARKETPLACE,
    order_prefix="171",
    quantity=2,
    shipping_price="4.90",
    shipping_tax="0.98",
)


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

    def new_engine(self, store=None, governor: QuotaGovernor | None = None) -> SyncEngine:
        return SyncEngine(
            ledger=self.ledger,
            shop=store or self.store,
            accounts=[self.account],
            governor=governor or QuotaGovernor(MemoryBucketStore(), self.clock),
            clock=self.clock,
            settings=self.settings,
            transport=SimTransport(self.marketplace),
        )

    def run(
        self,
        until: timedelta,
        *,
        every: timedelta = timedelta(minutes=5),
        watch_every: int = 12,
        process_per_run: bool = False,
    ) -> list:
        """The product's default rhythm: import + push every 5 min, pending watch hourly; a later call
        goes on from where the clock stands (ticks on the same grid from START). `process_per_run`: a
        new engine each tick (cron URLs), sharing only the ledger and the quota buckets."""
        summaries = []
        tick = max(0, math.ceil((self.clock.now() - START) / every))
        while self.clock.now() < START + until:
            self.clock.advance_to(START + every * (tick + 1))
            tick += 1
            if process_per_run:
                self.engine.close()
                self.engine = self.new_engine(governor=self.engine.governor)
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
