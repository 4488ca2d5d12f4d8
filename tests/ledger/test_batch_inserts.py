"""Bulk inserts that return ids: every row gets its own id back, in one statement per distinct key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from amzorders.ledger import batch
from amzorders.ledger.batch import execute_many, insert_returning_ids
from amzorders.ledger.schema import Amount, Instant, store_customers
from ledger.conftest import statements_sent

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_ids_come_back_in_row_order_in_one_statement_per_round(ledger):
    people = [("a@x", "A"), ("b@x", "B"), (None, "anonymous 1"), ("c@x", "C"), (None, "anonymous 2")]
    rows = [{"shop": "s", "email": email, "name": name, "created_at": NOW} for email, name in people]
    with statements_sent(ledger, "INSERT") as statements, ledger.begin() as conn:
        ids = insert_returning_ids(conn, store_customers, rows, "email")
        names = dict(conn.execute(select(store_customers.c.id, store_customers.c.name)).all())
    assert [names[i] for i in ids] == [row["name"] for row in rows]
    assert len(set(ids)) == len(rows)
    # the three keyed rows in one statement; each row without a key alone
    assert len(statements) == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.one_of(st.none(), st.sampled_from("abcd")), max_size=12))
def test_repeated_and_missing_keys_still_map_every_row_to_its_id(ledger, keys):
    rows = [
        {"shop": f"shop-{position}", "email": key, "name": f"row {position}", "created_at": NOW}
        for position, key in enumerate(keys)
    ]
    with ledger.begin() as conn:
        ids = insert_returning_ids(conn, store_customers, rows, "email")
        names = dict(conn.execute(select(store_customers.c.id, store_customers.c.name)).all())
        conn.execute(store_customers.delete())
    assert [names[i] for i in ids] == [row["name"] for row in rows]


def test_rows_beyond_one_statement_are_inserted_in_chunks(ledger, monkeypatch):
    monkeypatch.setattr(batch, "_ROWS_PER_INSERT", 2)
    rows = [{"shop": "s", "email": f"{n}@x", "name": f"N{n}", "created_at": NOW} for n in range(5)]
    with ledger.begin() as conn:
        ids = insert_returning_ids(conn, store_customers, rows, "email")
        names = dict(conn.execute(select(store_customers.c.id, store_customers.c.name)).all())
    assert [names[i] for i in ids] == [row["name"] for row in rows]


_extra = MetaData()
_samples = Table(
    "batch_samples",
    _extra,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(16), nullable=True),
    Column("at", Instant, nullable=True),
    Column("price", Amount, nullable=True),
    Column("counted", Integer, nullable=False, default=7),
)


@pytest.fixture
def samples(ledger):
    _extra.create_all(ledger)
    yield ledger
    _extra.drop_all(ledger)


def _all(engine):
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(_samples).order_by(_samples.c.id))]


def test_execute_many_writes_what_sqlalchemy_writes(samples):
    later = NOW + timedelta(hours=1, microseconds=5)
    rows = [
        {"label": "a", "at": NOW, "price": Decimal("11.90"), "counted": 1},
        {"label": None, "at": NOW, "price": None, "counted": 2},
        {"label": "c", "at": later, "price": Decimal("0.01"), "counted": 3},
    ]
    with samples.begin() as conn:
        execute_many(conn, insert(_samples), rows)
    written = _all(samples)
    with samples.begin() as conn:
        conn.execute(delete(_samples))
        conn.execute(insert(_samples), rows)
    assert [row[1:] for row in _all(samples)] == [row[1:] for row in written]
    assert written[2][2] == later and written[0][3] == Decimal("11.90")

    written = _all(samples)  # the ids of the second insert
    changes = [
        {"_id": written[0][0], "at": later, "label": "A"},
        {"_id": written[2][0], "at": None, "label": "C"},
    ]
    with samples.begin() as conn:
        execute_many(conn, update(_samples).where(_samples.c.id == bindparam("_id")), changes)
    assert [(row[1], row[2]) for row in _all(samples)] == [("A", later), (None, NOW), ("C", None)]


def test_execute_many_leaves_column_defaults_to_sqlalchemy(samples):
    with samples.begin() as conn:
        execute_many(conn, insert(_samples), [{"label": "x", "at": NOW}, {"label": "y", "at": NOW}])
    assert [row[4] for row in _all(samples)] == [7, 7]  # the column default SQLAlchemy adds
