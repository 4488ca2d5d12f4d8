"""executemany helpers shared by the ledger's writers."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, or_, update

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
