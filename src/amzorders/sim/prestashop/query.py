"""`display`, `filter[...]`, `sort` and `limit` of the PrestaShop webservice, applied to records.

Filter values: `[x]` exact, `[a|b]` any of, `[lo,hi]` interval, `%[x]%` / `[x]%` / `%[x]` LIKE.
Comparisons are case-insensitive like MySQL's default collation (an e-mail lookup with other casing
still finds the customer). Ids and numbers compare as numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import WsError
from .schemas import ResourceSpec

_FILTER_KEY = re.compile(r"filter\[(\w+)\]")
_BRACKETED = re.compile(r"(%?)\[(.*)\](%?)", re.DOTALL)


@dataclass
class Query:
    display: list[str] | None = None  # None: ids only; ["full"]: whole objects
    filters: list[tuple[str, str]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    offset: int = 0
    limit: int | None = None


def _fields_of(spec: ResourceSpec) -> set[str]:
    return {"id", *spec.by_name}


def parse_query(spec: ResourceSpec, params: list[tuple[str, str]]) -> Query:
    q = Query()
    known = _fields_of(spec)
    for key, value in params:
        if key == "display":
            if value == "full":
                q.display = ["full"]
            else:
                names = [n.strip() for n in value.strip("[]").split(",") if n.strip()]
                bad = [n for n in names if n not in known]
                if bad:
                    raise WsError(
                        400,
                        [
                            (
                                35,
                                f'Unable to display this field "{bad[0]}". However, these are '
                                f"available: {', '.join(sorted(known))}",
                            )
                        ],
                    )
                q.display = names
        elif match := _FILTER_KEY.fullmatch(key):
            name = match.group(1)
            if name not in known or (name in spec.by_name and spec.by_name[name].not_filterable):
                raise WsError(
                    400,
                    [
                        (
                            32,
                            f'Unable to filter by this field "{name}". However, these are '
                            f"available: {', '.join(sorted(known))}",
                        )
                    ],
                )
            q.filters.append((name, value))
        elif key == "sort":
            for part in value.strip("[]").split(","):
                name, _, direction = part.strip().rpartition("_")
                if name not in known or direction.upper() not in ("ASC", "DESC"):
                    raise WsError(
                        400,
                        [
                            (
                                29,
                                f'Unable to sort by "{part}": use [field_ASC] or [field_DESC] with '
                                f"one of {', '.join(sorted(known))}",
                            )
                        ],
                    )
                q.sort.append((name, direction.upper() == "DESC"))
        elif key == "limit":
            try:
                parts = [int(p) for p in value.split(",")]
            except ValueError:
                raise WsError(
                    400, [(33, f'The "limit" value "{value}" is not valid: use N or offset,N')]
                ) from None
            if len(parts) == 2:
                q.offset, q.limit = parts
            else:
                q.limit = parts[0]
    return q


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def _key(value: object) -> tuple:
    text = "" if value is None else str(value)
    number = _number(text)
    return (0, number, "") if number is not None else (1, Decimal(0), text.casefold())


def _matches(value: object, expression: str) -> bool:
    text = ("" if value is None else str(value)).casefold()
    match = _BRACKETED.fullmatch(expression)
    if not match:
        return text == expression.casefold()
    before, inner, after = match.groups()
    inner = inner.casefold()
    if before or after:
        return (
            (before and after and inner in text)
            or (before and not after and text.endswith(inner))
            or (after and not before and text.startswith(inner))
        )
    if "," in inner:
        low, _, high = inner.partition(",")
        return _key(low.strip()) <= _key(text) <= _key(high.strip())
    return any(
        _key(text) == _key(option) if _number(option) is not None else text == option
        for option in inner.split("|")
    )


def _field_matches(value: object, expression: str) -> bool:
    """A multilingual field matches when one of its languages does."""
    if isinstance(value, dict):
        return any(_matches(v, expression) for v in value.values())
    return _matches(value, expression)


def apply(records: list[dict], q: Query) -> list[dict]:
    rows = [r for r in records if all(_field_matches(r.get(name), expr) for name, expr in q.filters)]
    for name, descending in reversed(q.sort or [("id", False)]):
        rows.sort(key=lambda r, n=name: _key(r.get(n)), reverse=descending)
    end = None if q.limit is None else q.offset + q.limit
    return rows[q.offset : end]
