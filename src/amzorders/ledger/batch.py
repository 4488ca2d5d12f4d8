"""executemany helpers shared by the ledger's writers and the built-in store (same database)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, update
from sqlalchemy.engine import Connection

from amzorders.ledger.schema import orders


def group_by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(k for k in row if not k.startswith("_")), []).append(row)
    return groups


@functools.cache
def update_by_id(keys: tuple[str, ...], *, guard_last_updated: bool):
    """UPDATE orders SET <keys> WHERE id = :_id [AND not newer than :_lut], built once per key set
    (executemany: the SET clause comes from the parameters' column keys)."""
    statement = update(orders).where(orders.c.id == bindparam("_id"))
    if guard_last_updated:
        lut = orders.c.last_updated_time
        statement = statement.where(or_(lut.is_(None), lut <= bindparam("_lut")))
    return statement


def insert_returning_ids(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> list[int]:
    """Insert `rows` and return their new ids in the order of `rows`, in as few statements as possible.

    Neither SQLite nor PostgreSQL promises the order of a multi-row INSERT's RETURNING rows, and
    SQLAlchemy's ordered form falls back to one statement per row on SQLite. So each statement returns
    `key` beside the id and rows are matched back by it: a statement only holds rows whose `key` differs;
    rows repeating a key (or without one) go into the next statement.
    """
    ids: list[int] = [0] * len(rows)
    statement = _returning(table, key)
    todo = list(range(len(rows)))
    while todo:
        batch: dict[Any, int] = {}
        later: list[int] = []
        for position in todo:
            value = rows[position][key]
            if value is None or value in batch:
                later.append(position)
            else:
                batch[value] = position
        if not batch:  # only rows without a key are left: one statement each
            for position in later:
                ids[position] = conn.execute(statement, rows[position]).one()[0]
            break
        for new_id, value in conn.execute(statement, [rows[p] for p in batch.values()]):
            ids[batch[value]] = new_id
        todo = later
    return ids


@functools.cache
def _returning(table: Table, key: str):
    """Built once per table and key: building a statement costs more than executing it on SQLite."""
    return insert(table).returning(table.c.id, table.c[key])
