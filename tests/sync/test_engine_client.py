"""The engine's client of an account: one, whichever of the runs on the scheduler's threads asks first."""

from __future__ import annotations

import threading
import time

from amzorders.amazon.client import OrdersClient
from amzorders.sync import engine as engine_module
from sync.conftest import ScenarioBuilder

THREADS = 8


def test_runs_asking_at_once_for_an_accounts_client_all_get_the_same_one(make_world, monkeypatch):
    """Two clients of one account would keep two token caches (two grants) and split its counts."""
    made: list[OrdersClient] = []

    class SlowToMake(OrdersClient):
        def __init__(self, **kwargs) -> None:
            time.sleep(0.05)  # long enough for every thread to find no client yet
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(engine_module, "OrdersClient", SlowToMake)
    world = make_world(ScenarioBuilder(days=1).build())
    start = threading.Barrier(THREADS)
    got: list[OrdersClient] = []

    def ask() -> None:
        start.wait()
        got.append(world.engine.client(world.account))

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(made) == 1
        assert len(got) == THREADS and all(client is made[0] for client in got)
        assert world.engine.client(world.account) is made[0]
    finally:
        for client in made[1:]:  # those the engine lost track of (never closed by it)
            client.close()
