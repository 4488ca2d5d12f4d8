"""Bulk inserts that return ids: every row gets its own id back, in one statement per distinct key."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from amzorders.ledger.batch import insert_returning_ids
from amzorders.ledger.schema import store_customers

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _count_statements(engine):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(engine, "before_cursor_execute", count)


def test_ids_come_back_in_row_order_in_one_statement_per_round(ledger):
    people = [("a@x", "A"), ("b@x", "B"), (None, "anonymous 1"), ("c@x", "C"), (None, "anonymous 2")]
    rows = [{"shop": "s", "email": email, "name": name, "created_at": NOW} for email, name in people]
    statements, stop = _count_statements(ledger)
    with ledger.begin() as conn:
        ids = insert_returning_ids(conn, store_customers, rows, "email")
        names = dict(conn.execute(select(store_customers.c.id, store_customers.c.name)).all())
    stop()
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
