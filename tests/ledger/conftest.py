"""Ledger fixtures: a migrated ledger on SQLite and PostgreSQL (`db_url` runs each test on both)."""

from __future__ import annotations

import pytest

from amzorders.ledger.bookkeeping import Bookkeeping
from amzorders.ledger.db import open_ledger
from amzorders.ledger.orders import OrderBook


@pytest.fixture
def ledger(db_url):
    engine = open_ledger(db_url)
    books = Bookkeeping(engine)
    yield engine
    engine.dispose()
    del books


@pytest.fixture
def book(ledger, clock) -> OrderBook:
    Bookkeeping(ledger).ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    return OrderBook(ledger)
