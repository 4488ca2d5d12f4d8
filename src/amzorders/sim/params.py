"""searchOrders and getOrder parameters, checked the way Amazon does (400 InvalidInput otherwise).

Array parameters may come comma separated (Swagger 2.0's default `csv`, what SP-API clients send) or
repeated. Instants are parsed to epoch seconds; a naive one is read as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from amzorders.amazon.constants import FulfilledBy, FulfillmentStatus, IncludedData

from .paging import query_digest
from .render import data_mask

MIN_BEFORE_LAG_S = 120.0  # a *Before must be at least 2 minutes before now
MAX_MARKETPLACES = 50
STATUSES = frozenset(str(s) for s in FulfillmentStatus)
FULFILLED_BY = frozenset(str(s) for s in FulfilledBy)
INCLUDED_DATA = frozenset(str(s) for s in IncludedData)
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
_ARRAYS = ("fulfillmentStatuses", "fulfilledBy", "marketplaceIds", "includedData")
_UNBOUND = ("paginationToken", "maxResultsPerPage", "includedData")  # may change between pages


class BadInput(ValueError):
    """A parameter Amazon would refuse with 400 InvalidInput; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SearchParams:
    by_created: bool  # the window is on createdTime (else on lastUpdatedTime)
    after: float
    before: float | None
    statuses: frozenset[str]
    fulfilled_by: frozenset[str]
    marketplaces: frozenset[str]
    page_size: int
    mask: int  # includedData as `render` bits
    page_token: str | None
    digest: str  # what a page token is bound to

    @property
    def before_name(self) -> str:
        return "createdBefore" if self.by_created else "lastUpdatedBefore"


def search_params(query: list[tuple[str, str]], now: float) -> SearchParams:
    params = _by_name(query)
    created_after = _instant(params, "createdAfter")
    created_before = _instant(params, "createdBefore")
    updated_after = _instant(params, "lastUpdatedAfter")
    updated_before = _instant(params, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise BadInput("Exactly one of createdAfter and lastUpdatedAfter must be specified.")
    if created_after is not None and updated_before is not None:
        raise BadInput("lastUpdatedBefore cannot be combined with createdAfter.")
    if updated_after is not None and created_before is not None:
        raise BadInput("createdBefore cannot be combined with lastUpdatedAfter.")
    by_created = created_after is not None
    after = created_after if created_after is not None else updated_after
    before = created_before if by_created else updated_before
    after_name, before_name = (
        ("createdAfter", "createdBefore") if by_created else ("lastUpdatedAfter", "lastUpdatedBefore")
    )
    assert after is not None
    if after > now:
        raise BadInput(f"{after_name} must not be in the future.")
    if before is not None:
        if before < after:
            raise BadInput(f"{before_name} must be equal to or after {after_name}.")
        if before > now - MIN_BEFORE_LAG_S:
            raise BadInput(f"{before_name} must be at least 2 minutes before the current time.")
    marketplaces = frozenset(params.get("marketplaceIds", ()))
    if len(marketplaces) > MAX_MARKETPLACES:
        raise BadInput(f"marketplaceIds accepts at most {MAX_MARKETPLACES} values.")
    # A token is bound to the values (not the spelling) of every parameter but the page size and
    # includedData, which Amazon lets a client change between pages.
    instants = {after_name: after, before_name: before}
    bound = [(name, repr(value)) for name, value in instants.items() if value is not None]
    bound += [
        (name, ",".join(sorted(set(values))))
        for name, values in params.items()
        if name not in _UNBOUND and name not in instants
    ]
    token = params.get("paginationToken")
    return SearchParams(
        by_created=by_created,
        after=after,
        before=before,
        statuses=frozenset(_enum_list(params, "fulfillmentStatuses", STATUSES)),
        fulfilled_by=frozenset(_enum_list(params, "fulfilledBy", FULFILLED_BY)),
        marketplaces=marketplaces,
        page_size=_page_size(params),
        mask=data_mask(_enum_list(params, "includedData", INCLUDED_DATA)),
        page_token=token[-1] if token else None,
        digest=query_digest(bound),
    )


def get_params(order_id: str, query: list[tuple[str, str]]) -> int:
    """Checks getOrder's parameters; returns the includedData mask."""
    if not ORDER_ID.match(order_id):
        raise BadInput(f"Invalid orderId {order_id!r}: an Amazon order id looks like 123-1234567-1234567.")
    return data_mask(_enum_list(_by_name(query), "includedData", INCLUDED_DATA))


def _by_name(query: list[tuple[str, str]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in query:
        if name in _ARRAYS:
            params.setdefault(name, []).extend(part for part in value.split(",") if part)
        else:
            params.setdefault(name, []).append(value)
    return params


def _instant(params: dict[str, list[str]], name: str) -> float | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadInput(f"{name} must be given once.")
    text = values[0]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{name} is not an ISO 8601 date-time: {text!r}.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _enum_list(params: dict[str, list[str]], name: str, allowed: frozenset[str]) -> list[str]:
    values = params.get(name, [])
    for value in values:
        if value not in allowed:
            raise BadInput(
                f"{name} contains an invalid value {value!r}; allowed: {', '.join(sorted(allowed))}."
            )
    return values


def _page_size(params: dict[str, list[str]]) -> int:
    values = params.get("maxResultsPerPage")
    if not values:
        return 100
    try:
        size = int(values[-1])
    except ValueError:
        raise BadInput(
            f"maxResultsPerPage must be an integer between 1 and 100, got {values[-1]!r}."
        ) from None
    if not 1 <= size <= 100:
        raise BadInput(f"maxResultsPerPage must be between 1 and 100, got {size}.")
    return size
