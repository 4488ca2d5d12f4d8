"""Orders API v2026-01-01 client: searchOrders (all pages) and getOrder, on httpx.

Every request first takes a token from the quota governor, then an LWA access token, then goes out.
Answers become dicts (the raw order JSON; `amzorders.amazon.models.parse_order` types them) or typed
errors. Transient failures (429, 5xx, timeouts, resets, malformed bodies) are retried as `retry`
says (full-jitter backoff on the injected clock, bounded in attempts and time); 400/403/404 never are,
except a 403 for a cached access token, tried once more with a new one (Amazon's clock ahead of ours).
"""

from __future__ import annotations

import functools
import logging
import platform
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import certifi
import httpx

import amzorders
from amzorders import jsoncodec
from amzorders.clock import Clock, format_instant, parse_instant

from .auth import AccessTokens, Credentials
from .constants import GET_ORDER, IMPORT_INCLUDED_DATA, ORDERS_API_VERSION, SEARCH_ORDERS
from .errors import (
    ACCESS_DENIED_HINT,
    AccessDenied,
    AmazonError,
    InvalidInput,
    TransportError,
    error_for_status,
)
from .governor import Priority, QuotaGovernor
from .regions import LWA_TOKEN_URL
from .retry import RetryPolicy
from .stats import ClientStats

log = logging.getLogger(__name__)

ORDERS_PATH = f"/orders/{ORDERS_API_VERSION}/orders"
USER_AGENT = (
    f"amzorders/{getattr(amzorders, '__version__', '0')} (Language=Python/{platform.python_version()})"
)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One searchOrders window and its filters (exactly one of created_after / last_updated_after)."""

    marketplace_ids: tuple[str, ...]
    last_updated_after: datetime | None = None
    last_updated_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    fulfillment_statuses: tuple[str, ...] = ()
    fulfilled_by: tuple[str, ...] = ()
    included_data: tuple[str, ...] = IMPORT_INCLUDED_DATA
    max_results_per_page: int = 100

    def __post_init__(self) -> None:
        by_update = self.last_updated_after is not None
        by_creation = self.created_after is not None
        if by_update == by_creation:
            raise ValueError("SearchQuery needs exactly one of last_updated_after and created_after")
        if by_update and self.created_before is not None:
            raise ValueError("SearchQuery: created_before cannot be combined with last_updated_after")
        if by_creation and self.last_updated_before is not None:
            raise ValueError("SearchQuery: last_updated_before cannot be combined with created_after")
        if not 1 <= self.max_results_per_page <= 100:
            raise ValueError(
                f"SearchQuery: max_results_per_page must be 1-100, got {self.max_results_per_page}"
            )
        if len(self.marketplace_ids) > 50:
            raise ValueError(f"SearchQuery: at most 50 marketplace ids, got {len(self.marketplace_ids)}")

    @property
    def by_last_update(self) -> bool:
        return self.last_updated_after is not None

    def to_params(self) -> dict[str, str]:
        """Query parameters as Amazon reads them (arrays comma-separated, instants in `...Z` form)."""
        params: dict[str, str] = {}
        for name, value in (
            ("lastUpdatedAfter", self.last_updated_after),
            ("lastUpdatedBefore", self.last_updated_before),
            ("createdAfter", self.created_after),
            ("createdBefore", self.created_before),
        ):
            if value is not None:
                params[name] = format_instant(value)
        for name, values in (
            ("marketplaceIds", self.marketplace_ids),
            ("fulfillmentStatuses", self.fulfillment_statuses),
            ("fulfilledBy", self.fulfilled_by),
            ("includedData", self.included_data),
        ):
            if values:
                params[name] = ",".join(str(v) for v in values)
        params["maxResultsPerPage"] = str(self.max_results_per_page)
        return params


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of searchOrders.

    `last_updated_before`/`created_before` are the bound the server applied (use them as the checkpoint,
    not our clock). `restarted` is True on the first page of a re-run of the window after the page token
    expired: orders of the earlier pages come again (page_number starts again at 1).
    """

    orders: list[dict]
    next_token: str | None
    last_updated_before: datetime | None
    created_before: datetime | None
    page_number: int
    restarted: bool


class _CachedTokenDenied(AccessDenied):
    """403 for a token taken from the cache rather than fetched for this call: tried once more (`_call`)."""


class _LazyCookies(httpx.Cookies):
    """httpx's cookie handling, skipped for the (usual) answers that set no cookie: extracting builds
    urllib request/response adapters for every answer, a sizeable share of a simulated call's cost."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class OrdersClient:
    """SP-API Orders client for one seller account."""

    max_restarts = 3

    def __init__(
        self,
        *,
        seller_id: str,
        credentials: Credentials,
        endpoint: str,
        governor: QuotaGovernor,
        clock: Clock,
        token_url: str = LWA_TOKEN_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        max_retry_time: float = 300.0,
        backoff: float = 1.0,
        min_backoff: float = 0.5,
        max_backoff: float = 60.0,
    ) -> None:
        self.seller_id = seller_id
        self._endpoint = endpoint.rstrip("/")
        self._governor = governor
        self._clock = clock
        self._retry = RetryPolicy(max_retries, max_retry_time, backoff, min_backoff, max_backoff)
        self._http = httpx.Client(
            transport=transport,
            verify=True if transport is not None else _tls_context(),
            timeout=timeout,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
        )
        if isinstance(getattr(self._http, "_cookies", None), httpx.Cookies):
            self._http._cookies = _LazyCookies(self._http._cookies)  # performance only (see the class)
        self._tokens = AccessTokens(credentials, http=self._http, token_url=token_url, clock=clock)
        self.stats = ClientStats()

    # -- operations --------------------------------------------------------------------------------------

    def search_orders(
        self, query: SearchQuery, *, priority: Priority = Priority.INCREMENTAL
    ) -> Iterator[SearchPage]:
        """All pages of `query`. An expired page token re-runs the window from its first page (same bound)."""
        params = query.to_params()
        before_key = "lastUpdatedBefore" if query.by_last_update else "createdBefore"
        token: str | None = None
        page_number = 0
        restarts = 0
        restarted = False
        pinned_before: datetime | None = None
        while True:
            request = dict(params)
            if token is not None:
                request["paginationToken"] = token
            try:
                body = self._call(SEARCH_ORDERS, ORDERS_PATH, request, priority)
            except InvalidInput:
                if token is None or restarts >= self.max_restarts:
                    raise
                # Amazon's page tokens live 24 h; a consumer that slow re-reads the window rather than
                # skip what it did not see.
                restarts += 1
                self.stats.count_restart()
                token, page_number, restarted = None, 0, True
                if pinned_before is not None:
                    # The same window as the first pass: its end fixed to what the server chose then.
                    params[before_key] = format_instant(pinned_before)
                continue
            orders = body.get("orders")
            if not isinstance(orders, list):
                raise TransportError("searchOrders answered without an orders list", operation=SEARCH_ORDERS)
            page_number += 1
            next_token = (body.get("pagination") or {}).get("nextToken") or None
            page = SearchPage(
                orders=orders,
                next_token=next_token,
                last_updated_before=_instant_or_none(body.get("lastUpdatedBefore")),
                created_before=_instant_or_none(body.get("createdBefore")),
                page_number=page_number,
                restarted=restarted,
            )
            if pinned_before is None and before_key not in params:
                pinned_before = page.last_updated_before if query.by_last_update else page.created_before
            restarted = False
            yield page
            if next_token is None:
                return
            token = next_token

    def get_order(
        self,
        order_id: str,
        included_data: tuple[str, ...] = IMPORT_INCLUDED_DATA,
        *,
        priority: Priority = Priority.PENDING_WATCH,
    ) -> dict:
        """The raw order JSON (`NotFound` when Amazon does not know it for this seller)."""
        params = {"includedData": ",".join(str(v) for v in included_data)} if included_data else {}
        body = self._call(GET_ORDER, f"{ORDERS_PATH}/{quote(order_id, safe='')}", params, priority)
        order = body.get("order")
        if not isinstance(order, dict):
            raise TransportError("getOrder answered without an order object", operation=GET_ORDER)
        return order

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OrdersClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def token_refreshes(self) -> int:
        return self._tokens.refreshes

    # -- one call, retried ----------------------------------------------------------------------------------

    def _call(self, operation: str, path: str, params: Mapping[str, str], priority: Priority) -> dict:
        def attempt(quota_waits: list[float]) -> dict:
            return self._attempt(operation, path, params, priority, quota_waits)

        try:
            return self._retry.run(self._clock, attempt, self._count_retry)
        except _CachedTokenDenied:
            # Amazon refused a token our clock still holds valid (its clock ahead of ours, a VM resumed
            # after a pause): once more, with a token fetched now. One refused when fresh is final.
            self.stats.count_retry()
            return self._retry.run(self._clock, attempt, self._count_retry)

    def _count_retry(self, error: BaseException | None, attempt: int, sleep: float) -> None:
        self.stats.count_retry()
        log.warning("seller %s: %s; retry %d in %.1f s", self.seller_id, error, attempt, sleep)

    def _attempt(
        self,
        operation: str,
        path: str,
        params: Mapping[str, str],
        priority: Priority,
        quota_waits: list[float],
    ) -> dict:
        refreshes = self._tokens.refreshes
        self._tokens.get()  # refused credentials fail here, before any quota is spent
        waited = self._governor.acquire(self.seller_id, operation, priority)
        quota_waits.append(waited)
        self.stats.add_quota_wait(waited)
        access_token = self._tokens.get()  # cached; refreshed if the quota wait brought it near expiry
        self.stats.count_call(operation)
        try:
            response = self._http.get(
                request_url(self._endpoint + path, params), headers={"x-amz-access-token": access_token}
            )
        except httpx.TimeoutException as exc:
            raise TransportError(f"timed out ({exc.__class__.__name__})", operation=operation) from exc
        except httpx.TransportError as exc:
            raise TransportError(
                f"connection failed ({exc.__class__.__name__}: {exc})", operation=operation
            ) from exc
        self._learn_rate(operation, response)
        if response.status_code == 200:
            return self._json_body(operation, response)
        raise self._error(operation, response, cached_token=self._tokens.refreshes == refreshes)

    def _learn_rate(self, operation: str, response: httpx.Response) -> None:
        announced = response.headers.get("x-amzn-ratelimit-limit")
        if announced:
            try:
                rate = float(announced)
            except ValueError:
                return
            self._governor.observe_rate_limit(self.seller_id, operation, rate)

    def _json_body(self, operation: str, response: httpx.Response) -> dict:
        try:
            body = jsoncodec.loads(response.content)
        except ValueError as exc:
            raise TransportError(
                "malformed JSON in a 200 answer",
                status=200,
                request_id=response.headers.get("x-amzn-requestid"),
                operation=operation,
            ) from exc
        if not isinstance(body, dict):
            raise TransportError("the 200 answer is not a JSON object", status=200, operation=operation)
        return body

    def _error(self, operation: str, response: httpx.Response, *, cached_token: bool) -> AmazonError:
        status = response.status_code
        code, message = _amazon_error(response)
        kind = error_for_status(status)
        hint = None
        if status == 429:
            self.stats.count_throttled()
            self._governor.observe_throttle(self.seller_id, operation)
        elif kind is AccessDenied:
            self._tokens.invalidate()  # an expired or revoked token must not be reused
            hint = ACCESS_DENIED_HINT
            if cached_token:
                kind = _CachedTokenDenied
        return kind(
            message or response.reason_phrase or "no message",
            status=status,
            code=code,
            request_id=response.headers.get("x-amzn-requestid"),
            operation=operation,
            hint=hint,
        )


def request_url(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` as its query string, encoded exactly as httpx's `params=` encodes them (its
    `QueryParams` is `urlencode`): httpx then parses the URL once instead of twice (a page token makes
    that a sizeable share of a simulated call)."""
    return f"{url}?{urlencode(params)}" if params else url


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verified TLS context per process: loading the CA bundle costs more than a whole API call."""
    return ssl.create_default_context(cafile=certifi.where())


def _amazon_error(response: httpx.Response) -> tuple[str | None, str | None]:
    """Amazon's `{"errors": [{"code", "message", "details"}]}`, tolerating anything else."""
    try:
        body: Any = response.json()
    except ValueError:
        return None, None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None, None
    first = errors[0]
    code = first.get("code")
    message = first.get("message")
    details = first.get("details")
    if message and details and details != message:
        message = f"{message} ({details})"
    return (str(code) if code else None), (str(message) if message else None)


def _instant_or_none(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


__all__ = [
    "ClientStats",
    "Credentials",
    "OrdersClient",
    "SearchPage",
    "SearchQuery",
]
