"""Ledger fixtures: a migrated ledger on SQLite and PostgreSQL (`db_url` runs each test on both)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event

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


@contextmanager
def statements_sent(engine: Engine, verb: str) -> Iterator[list[str]]:
    """The SQL statements starting with `verb` (SELECT, INSERT, ...) that `engine` sends in the block."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(verb):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
