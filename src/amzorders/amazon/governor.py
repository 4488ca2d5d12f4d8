"""The quota governor: no call leaves before its token is granted, so Amazon never has to answer 429.

One token bucket per (seller account, operation), mirroring Amazon's. Buckets live in a `BucketStore`:
in memory for one process, or in the ledger database (`amzorders.ledger.quota_store.SqlBucketStore`) so
that cron runs, the server and parallel processes share one budget; every grant is one atomic
read-modify-write of the bucket's row.

Policy (the why of each knob):
- A bucket nobody used yet is assumed full (Amazon's is, unless another process of the same app used it
  without a shared store).
- Amazon's `x-amzn-RateLimit-Limit` header wins over the plan table (`observe_rate_limit`): plans are
  per account and change; the burst is not announced, so it comes from the plan.
- An unexpected 429 means our model is wrong: the bucket is set empty and frozen for `throttle_pause`
  seconds before it refills (`observe_throttle`).
- Priorities: a call of priority p is granted only if `reserve(p)` tokens remain after it
  (INCREMENTAL 0, PENDING_WATCH 25 % of the burst, CATCH_UP 50 %, at most burst - 1). Catch-up passes
  therefore use the spare budget but can never take the bucket below the reserve; the incremental
  import always finds `min(reserve, what it would have had alone)` tokens (property-tested).
- Latency allowance: a grant also keeps `rate * latency_allowance` tokens, because Amazon meters a call
  when it arrives, not when we grant it; requests that travel for different times may arrive closer
  together than they were granted. For searchOrders this costs 0.0014 token.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Protocol, TypeVar

from amzorders.clock import Clock

from .bucket import BucketState, UsagePlan
from .constants import GET_ORDER, SEARCH_ORDERS

__all__ = [
    "DEFAULT_PLANS",
    "RESERVE_SHARES",
    "BucketState",
    "BucketStore",
    "MemoryBucketStore",
    "Priority",
    "QuotaGovernor",
    "UnknownOperation",
    "UsagePlan",
]

T = TypeVar("T")


class Priority(IntEnum):
    """Lower is more important."""

    INCREMENTAL = 0
    PENDING_WATCH = 1  # getOrder
    LATE_SWEEP = 2  # searchOrders: the net under late indexing, before the seed's catch-ups
    CATCH_UP = 3


# Orders API v2026-01-01 usage plans (shared/notes/sp-api.md §2).
DEFAULT_PLANS: Mapping[str, UsagePlan] = {
    SEARCH_ORDERS: UsagePlan(0.0056, 20),
    GET_ORDER: UsagePlan(0.5, 30),
}

# Share of the burst a priority must leave in the bucket for the more important ones.
RESERVE_SHARES: Mapping[Priority, float] = {
    Priority.INCREMENTAL: 0.0,
    Priority.PENDING_WATCH: 0.25,
    Priority.LATE_SWEEP: 0.25,
    Priority.CATCH_UP: 0.5,
}


class UnknownOperation(KeyError):
    def __str__(self) -> str:
        return f"no usage plan for operation {self.args[0]!r}: pass it in QuotaGovernor(plans=...)"


class BucketStore(Protocol):
    """Where buckets live. `update` must be atomic across every user of the store."""

    def get(self, seller_id: str, operation: str) -> BucketState | None:
        """The stored bucket, or None when nobody used it yet."""
        ...

    def update(
        self,
        seller_id: str,
        operation: str,
        change: Callable[[BucketState | None], tuple[BucketState, T]],
    ) -> T:
        """Read the bucket, apply `change` (pure and quick), store its new state, return its result."""
        ...


class MemoryBucketStore:
    """Buckets of one process (simulations, tests, a single long-running server)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], BucketState] = {}
        self._lock = threading.Lock()

    def get(self, seller_id: str, operation: str) -> BucketState | None:
        with self._lock:
            return self._buckets.get((seller_id, operation))

    def update(
        self,
        seller_id: str,
        operation: str,
        change: Callable[[BucketState | None], tuple[BucketState, T]],
    ) -> T:
        with self._lock:
            state, result = change(self._buckets.get((seller_id, operation)))
            self._buckets[(seller_id, operation)] = state
            return result


def reserve_for(priority: Priority, burst: int) -> int:
    """Tokens a call of `priority` must leave for the more important ones."""
    share = RESERVE_SHARES[Priority(priority)]
    return max(0, min(math.ceil(share * burst), burst - 1))


class QuotaGovernor:
    """Grants SP-API call tokens per (seller, operation), waiting on the injected clock."""

    def __init__(
        self,
        store: BucketStore,
        clock: Clock,
        plans: Mapping[str, UsagePlan] = DEFAULT_PLANS,
        *,
        latency_allowance: float = 0.25,
        throttle_pause: float = 2.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._plans = dict(plans)
        self._latency_allowance = latency_allowance
        self._throttle_pause = throttle_pause
        self._announced: dict[tuple[str, str], float] = {}

    @property
    def clock(self) -> Clock:
        return self._clock

    def plan_for(self, operation: str) -> UsagePlan:
        try:
            return self._plans[operation]
        except KeyError:
            raise UnknownOperation(operation) from None

    # -- granting ------------------------------------------------------------------------------------

    def acquire(
        self, seller_id: str, operation: str, priority: Priority = Priority.INCREMENTAL, *, tokens: int = 1
    ) -> float:
        """Wait (on the clock) until `tokens` are granted; returns the seconds waited."""
        waited = 0.0
        while True:
            wait = self.try_acquire(seller_id, operation, priority, tokens=tokens)
            if wait == 0.0:
                return waited
            # A millisecond more, so that float rounding never wakes us just short of the token.
            self._clock.sleep(wait + 0.001)
            waited += wait + 0.001

    def try_acquire(
        self, seller_id: str, operation: str, priority: Priority = Priority.INCREMENTAL, *, tokens: int = 1
    ) -> float:
        """Take the tokens now if the policy allows: 0.0 when granted, else the seconds to wait."""
        plan = self.plan_for(operation)
        if not 1 <= tokens <= plan.burst:
            raise ValueError(
                f"{operation}: cannot take {tokens} token(s) at once from a burst of {plan.burst}"
            )

        def take(state: BucketState | None) -> tuple[BucketState, float]:
            now = self._clock.now()  # read under the bucket's lock: see _current
            state = self._current(state, plan, now)
            return state.take(now, tokens, self._floor(state, priority, tokens))

        return self._store.update(seller_id, operation, take)

    def wait_time(
        self, seller_id: str, operation: str, tokens: int = 1, priority: Priority = Priority.INCREMENTAL
    ) -> float:
        """Seconds until `tokens` could be granted at `priority` if nobody else took any (for planning).

        `tokens` may exceed the burst: the answer is then the time for the bucket to deliver them all.
        """
        plan = self.plan_for(operation)
        now = self._clock.now()
        state = self._current(self._store.get(seller_id, operation), plan, now)
        if tokens <= state.burst:
            return state.seconds_until(now, tokens + self._floor(state, priority, tokens))
        # More than one bucketful (several calls): what is there now, the rest at the refill rate.
        floor = reserve_for(priority, state.burst) + state.rate * self._latency_allowance
        refilled = state.refilled(now)
        pause = (refilled.blocked_until - now).total_seconds() if refilled.blocked_until else 0.0
        return pause + max(0.0, tokens + floor - refilled.tokens) / refilled.rate

    def tokens_left(self, seller_id: str, operation: str) -> float:
        """Tokens in the bucket now (before any priority reserve)."""
        return self._now(seller_id, operation).tokens

    def tokens_above_reserve(self, seller_id: str, operation: str, priority: Priority) -> float:
        """Tokens in the bucket now beyond what a call of `priority` must leave (negative below it)."""
        state = self._now(seller_id, operation)
        return state.tokens - reserve_for(priority, state.burst)

    def rate(self, seller_id: str, operation: str) -> float:
        """Tokens a second the bucket refills at: the rate Amazon announced, else the plan's."""
        return self._now(seller_id, operation).rate

    def _now(self, seller_id: str, operation: str) -> BucketState:
        """The bucket as it stands now (refilled up to the clock), without taking anything."""
        plan = self.plan_for(operation)
        now = self._clock.now()
        return self._current(self._store.get(seller_id, operation), plan, now).refilled(now)

    # -- learning from Amazon's answers --------------------------------------------------------------

    def observe_rate_limit(self, seller_id: str, operation: str, rate: float) -> None:
        """Adopt the rate Amazon announced in `x-amzn-RateLimit-Limit` (lower or higher than the plan)."""
        if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
            return
        key = (seller_id, operation)
        if self._announced.get(key) == rate:
            return
        plan = self.plan_for(operation)

        def adopt(state: BucketState | None) -> tuple[BucketState, None]:
            now = self._clock.now()
            return self._current(state, plan, now).with_rate(now, rate), None

        self._store.update(seller_id, operation, adopt)
        self._announced[key] = rate

    def observe_throttle(self, seller_id: str, operation: str) -> None:
        """Amazon answered 429 although we held a token: assume its bucket is empty, and pause."""
        plan = self.plan_for(operation)

        def empty(state: BucketState | None) -> tuple[BucketState, None]:
            now = self._clock.now()
            return self._current(state, plan, now).emptied(now, self._throttle_pause), None

        self._store.update(seller_id, operation, empty)

    # -- helpers ----------------------------------------------------------------------------------------

    def _current(self, state: BucketState | None, plan: UsagePlan, now) -> BucketState:
        # `now` must be read after the store locked the row: a time read before waiting for the lock is
        # older than the row the previous holder wrote, and refilling from it would count time twice.
        if state is None:
            return BucketState.full(plan, now)
        if state.burst != plan.burst:
            state = state.with_burst(now, plan.burst)  # the configured plan is the only source of burst
        return state

    def _floor(self, state: BucketState, priority: Priority, tokens: int) -> float:
        floor = reserve_for(priority, state.burst) + state.rate * self._latency_allowance
        return min(floor, state.burst - tokens)
