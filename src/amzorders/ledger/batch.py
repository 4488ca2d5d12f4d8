"""executemany helpers shared by the ledger's writers and the built-in store (same database)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import ValuesBase

from amzorders.ledger.schema import orders


def group_by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(k for k in row if not k.startswith("_")), []).append(row)
    return groups


def not_newer_than(version):
    """The row holds no newer Amazon version than `version` (a value or a bind parameter): an older
    snapshot, a shop outcome or a repair never overwrites a newer one."""
    lut = orders.c.last_updated_time
    return or_(lut.is_(None), lut <= version)


@functools.cache
def update_by_id(keys: tuple[str, ...], *, guard_last_updated: bool):
    """UPDATE orders SET <keys> WHERE id = :_id [AND not newer than :_lut], built once per key set
    (executemany: the SET clause comes from the parameters' column keys)."""
    statement = update(orders).where(orders.c.id == bindparam("_id"))
    if guard_last_updated:
        statement = statement.where(not_newer_than(bindparam("_lut")))
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
        for new_id, value in _insert_returning(conn, statement, [rows[p] for p in batch.values()]):
            ids[batch[value]] = new_id
        todo = later
    return ids


# Rows per multi-row INSERT, and bound values per statement (SQLite allows 32,766).
_ROWS_PER_INSERT = 500
_VALUES_PER_INSERT = 30_000


def _insert_returning(conn: Connection, statement: Any, rows: list[dict[str, Any]]):
    """(id, key) of each inserted row: one multi-row INSERT ... RETURNING per chunk, rendered from the
    statement's compiled single-row form (positional drivers; others take SQLAlchemy's own path)."""
    prepared = _prepared(statement, conn.dialect, tuple(rows[0]))
    if prepared is None or prepared.values_group is None:
        return conn.execute(statement, rows).all()
    parameters = prepared.parameters(rows)
    chunk = max(1, min(_ROWS_PER_INSERT, _VALUES_PER_INSERT // max(1, len(prepared.names))))
    found = []
    for start in range(0, len(parameters), chunk):
        part = parameters[start : start + chunk]
        sql = prepared.sql_for_rows(len(part))
        flat = [value for row in part for value in row]
        found += conn.exec_driver_sql(sql, tuple(flat)).all()
    return found


@functools.cache
def _returning(table: Table, key: str):
    """Built once per table and key: building a statement costs more than executing it on SQLite."""
    return insert(table).returning(table.c.id, table.c[key])


def execute_many(conn: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """`conn.execute(statement, rows)` for an INSERT or UPDATE whose rows share their keys, through the
    driver's executemany with SQL compiled once per dialect and key set.

    SQLAlchemy builds and type-processes every row of an executemany in Python (a tenth of a simulated
    month went there); here each row is one tuple (or dict) of values converted by the same bind
    processors. Statements this cannot reproduce exactly (a column default SQLAlchemy would add, an
    escaped or expanding parameter) take the ordinary path. Driver errors are wrapped as usual
    (`IntegrityError` included)."""
    if not rows:
        return
    prepared = _prepared(statement, conn.dialect, tuple(rows[0]))
    if prepared is None:
        conn.execute(statement, list(rows))
    else:
        conn.exec_driver_sql(prepared.sql, prepared.parameters(rows))


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]  # parameter names, in placeholder order when positional
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool
    # A positional INSERT ... RETURNING split around its "(?, ?, ...)" group, to repeat it per row.
    values_group: tuple[str, str, str] | None = None

    def sql_for_rows(self, count: int) -> str:
        assert self.values_group is not None
        head, group, tail = self.values_group
        return head + ", ".join([group] * count) + tail

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list:
        """The rows as the driver takes them. A processor's last input and output are kept: a batch
        repeats the same value object (the page's `seen_at`, the event's `at`) on every row."""
        columns = []
        for name, process in zip(self.names, self.processors, strict=True):
            values = [row[name] for row in rows]
            if process is not None:
                values = _processed(values, process)
            columns.append(values)
        if self.positional:
            return list(zip(*columns, strict=True))
        return [dict(zip(self.names, values, strict=True)) for values in zip(*columns, strict=True)]


def _processed(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    out = []
    last_in: Any = object()
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, process(value)
        out.append(last_out)
    return out


@functools.lru_cache(maxsize=512)
def _prepared(statement: ValuesBase, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared | None:
    """The statement compiled for `dialect` with the SET/VALUES columns `keys`; None unless the compiled
    form takes exactly the rows' values (no column default to add, no escaped or expanding parameter,
    no key left over, which SQLAlchemy would refuse)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds
    if (
        set(binds) != set(keys)
        or compiled.escaped_bind_names
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.postfetch
    ):
        return None
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup) if positional else tuple(binds)
    processors = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    values_group = None
    if compiled.returning:
        values_group = _values_group(compiled.string) if positional else None
        if values_group is None or any(
            column.type.dialect_impl(dialect).result_processor(dialect, None) is not None
            for column in compiled.returning
        ):
            return None  # SQLAlchemy's path: it converts what RETURNING gives back
    return _Prepared(compiled.string, names, processors, positional, values_group)


_SINGLE_ROW_INSERT = re.compile(r"(INSERT INTO .+ VALUES )(\((?:\?, )*\?\))( RETURNING [^?]+)", re.DOTALL)


def _values_group(sql: str) -> tuple[str, str, str] | None:
    match = _SINGLE_ROW_INSERT.fullmatch(sql)
    return match.groups() if match else None  # type: ignore[return-value]
