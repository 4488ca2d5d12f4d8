"""The simulated marketplace: LWA, searchOrders and getOrder over a scenario, on an injectable clock.

`Marketplace.handle(SimRequest) -> SimResponse` is the whole behaviour; the ASGI app and the in-process
transport are thin shells around it, so a test over loopback and a month-long simulation see the same
marketplace. Checks run in Amazon's order: access token (403), faults, usage plan (429), parameters (400),
then the answer.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from amzorders.amazon.constants import GET_ORDER, ORDERS_API_VERSION, SEARCH_ORDERS
from amzorders.clock import Clock, format_instant

from .auth import AccessTokenError, Authority
from .buckets import DEFAULT_PLANS, Plan, TokenBucket
from .compact import compact
from .faults import FaultInjector, fault_response
from .index import OrderIndex
from .paging import PagePosition, PageTokenError, PageTokens
from .params import MIN_BEFORE_LAG_S, BadInput, get_params, search_params
from .protocol import (
    ACCESS_DENIED_MESSAGE,
    INVALID_INPUT,
    QUOTA_EXCEEDED_BODY,
    SimRequest,
    SimResponse,
    error_body,
    json_response,
    raw_json_response,
)
from .render import FragmentCache
from .scenario import Scenario

ORDERS_PATH = f"/orders/{ORDERS_API_VERSION}/orders"
TOKEN_PATH = "/auth/o2/token"


@dataclass
class MarketplaceStats:
    calls: Counter = field(default_factory=Counter)  # (seller_id, operation) -> authenticated calls
    # (operation, HTTP status) -> responses; a request left unanswered counts as (operation, "timeout") or
    # (operation, "reset").
    responses: Counter = field(default_factory=Counter)
    throttled: int = 0  # 429 answers, bucket or fault
    token_calls: int = 0  # LWA token requests
    faults: Counter = field(default_factory=Counter)  # fault kind -> requests it hit


class Marketplace:
    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        *,
        client_id: str = "amzorders-sim",
        client_secret: str = "sim-secret",
        seed: int = 0,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.stats = MarketplaceStats()
        secret = hashlib.sha256(f"amzorders-sim:{seed}".encode()).digest()
        self._auth = Authority(
            client_id=client_id,
            client_secret=client_secret,
            sellers={seller.seller_id for seller in scenario.sellers},
            secret=secret,
        )
        self._pages = PageTokens(secret)
        self._faults = FaultInjector(scenario.faults, seed)
        self._ids = random.Random(seed ^ 0x5EED)
        self._lock = threading.RLock()
        self._plans = {
            seller.seller_id: {
                **DEFAULT_PLANS,
                **{op: Plan(p.rate, p.burst) for op, p in seller.usage_plans.items()},
            }
            for seller in scenario.sellers
        }
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._cache = FragmentCache()
        self._orders = compact(scenario.orders)
        self._index = OrderIndex(
            self._orders, scenario.indexing_delay_s, [seller.seller_id for seller in scenario.sellers]
        )

    # ------------------------------------------------------------------------------------------ API

    def refresh_token(self, seller_id: str) -> str:
        return f"Atzr|sim-{seller_id}"

    def plan(self, seller_id: str, operation: str) -> Plan:
        return self._plans[seller_id][operation]

    def handle(self, request: SimRequest) -> SimResponse:
        with self._lock:
            response = self._handle(request)
        response.headers["x-amzn-RequestId"] = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        return response

    # ------------------------------------------------------------------------------------------ routing

    def _handle(self, request: SimRequest) -> SimResponse:
        now = self.clock.now().timestamp()
        path = request.path.rstrip("/") or "/"
        if path == TOKEN_PATH:
            self.stats.token_calls += 1
            if request.method != "POST":
                return json_response(405, {"error": "invalid_request", "error_description": "Use POST."})
            return self._auth.token_grant(request.body, request.headers.get("content-type", ""), now)
        if path == ORDERS_PATH:
            operation, order_id = SEARCH_ORDERS, None
        elif path.startswith(ORDERS_PATH + "/") and path.count("/") == 4:
            operation, order_id = GET_ORDER, unquote(path[len(ORDERS_PATH) + 1 :])
        else:
            return json_response(404, error_body("NotFound", f"Resource {request.path} is not found."))
        if request.method != "GET":
            return json_response(
                405, error_body("MethodNotAllowed", f"{request.method} is not allowed here.")
            )
        response = self._operation(operation, order_id, request, now)
        self.stats.responses[(operation, response.fault or response.status)] += 1
        if response.status == 429:
            self.stats.throttled += 1
        return response

    def _operation(
        self, operation: str, order_id: str | None, request: SimRequest, now: float
    ) -> SimResponse:
        try:
            seller_id = self._auth.seller_of(request.headers.get("x-amz-access-token"), now)
        except AccessTokenError as exc:
            return json_response(403, error_body("Unauthorized", ACCESS_DENIED_MESSAGE, str(exc)))
        self.stats.calls[(seller_id, operation)] += 1
        delay = 0.0
        fault = self._faults.draw(operation, now)
        if fault is not None:
            self.stats.faults[fault.kind] += 1
            if fault.kind == "token_rejected":
                return json_response(
                    403,
                    error_body(
                        "Unauthorized", ACCESS_DENIED_MESSAGE, "The access token you provided is revoked."
                    ),
                )
            if fault.kind == "throttle":
                return json_response(429, QUOTA_EXCEEDED_BODY)
            if fault.kind == "slow":
                delay = fault.delay_s or 0.0
            else:
                failed = fault_response(fault)
                if failed is not None:
                    return failed
        plan = self._plans[seller_id][operation]
        bucket = self._buckets.get((seller_id, operation))
        if bucket is None:
            bucket = self._buckets[(seller_id, operation)] = TokenBucket(plan, now)
        if not bucket.take(now):
            return json_response(429, QUOTA_EXCEEDED_BODY)
        try:
            if operation == SEARCH_ORDERS:
                response = self._search(seller_id, request.query, now)
            else:
                assert order_id is not None
                response = self._get(seller_id, order_id, request.query, now)
        except BadInput as exc:
            response = json_response(400, error_body(INVALID_INPUT, str(exc)))
        response.headers["x-amzn-RateLimit-Limit"] = plan.header()
        response.delay_s = delay
        return response

    # ------------------------------------------------------------------------------------------ getOrder

    def _get(self, seller_id: str, order_id: str, query: list[tuple[str, str]], now: float) -> SimResponse:
        mask = get_params(order_id, query)
        orders = self._orders
        order = orders.position(order_id)
        if order is None or orders.names[orders.seller[order]] != seller_id:
            version = -1
        else:
            version = self._index.version_at(order, now)
        if order is None or version < 0:
            return json_response(404, error_body("NotFound", f"Order {order_id} was not found."))
        return raw_json_response(200, b'{"order":' + self._fragment(order, version, mask) + b"}")

    # ------------------------------------------------------------------------------------------ searchOrders

    def _search(self, seller_id: str, query: list[tuple[str, str]], now: float) -> SimResponse:
        params = search_params(query, now)
        if params.page_token:
            try:
                position = self._pages.read(params.page_token, params.digest, now)
            except PageTokenError as exc:
                raise BadInput(str(exc)) from None
            start, inclusive, limit = (position.after_ts, position.after_id), False, position.before_ts
        else:
            # The window ends at *Before, or (not given) 2 minutes ago: the bound the response reports.
            limit = params.before if params.before is not None else max(params.after, now - MIN_BEFORE_LAG_S)
            start, inclusive = (params.after, ""), True
        index = self._index.sellers[seller_id]
        versions = (index.by_created if params.by_created else index.by_updated)(start, inclusive, limit, now)
        marketplaces, fulfilled_by, statuses = params.marketplaces, params.fulfilled_by, params.statuses
        orders = self._orders
        names, first = orders.names, orders.first
        fragments: list[bytes] = []
        last = None
        more = False
        for stamp, order, version in versions:
            if marketplaces and names[orders.marketplace[order]] not in marketplaces:
                continue
            if fulfilled_by and names[orders.channel[order]] not in fulfilled_by:
                continue
            if statuses and names[orders.status[first[order] + version]] not in statuses:
                continue
            if len(fragments) == params.page_size:
                more = True  # one more order exists: there is a next page
                break
            fragments.append(self._fragment(order, version, params.mask))
            last = stamp, order
        body = b'{"orders":[' + b",".join(fragments) + b"]"
        if more and last is not None:
            position = PagePosition(last[0], orders.order_id(last[1]), limit, now)
            body += (
                b',"pagination":{"nextToken":"' + self._pages.issue(position, params.digest).encode() + b'"}'
            )
        body += f',"{params.before_name}":"{_iso(limit)}"}}'.encode()
        return raw_json_response(200, body)

    def _fragment(self, order: int, version: int, mask: int) -> bytes:
        key = (order, version, mask)
        fragment = self._cache.get(key)
        if fragment is None:
            fragment = self._orders.render(order, version, mask)
            self._cache.put(key, fragment)
        return fragment


def _iso(epoch: float) -> str:
    return format_instant(datetime.fromtimestamp(epoch, UTC))
