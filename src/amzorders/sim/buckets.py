"""Amazon's usage plans as token buckets, one per (seller, operation).

A bucket starts full (`burst` tokens) and refills continuously at `rate` tokens per second up to `burst`;
a request takes one token or is throttled (429). Time comes in as epoch seconds from the marketplace's
clock, so a virtual clock drives refills exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS


@dataclass(frozen=True, slots=True)
class Plan:
    rate: float  # tokens per second
    burst: int  # bucket size

    def header(self) -> str:
        """The `x-amzn-RateLimit-Limit` value."""
        return f"{self.rate:g}"


DEFAULT_PLANS: dict[str, Plan] = {SEARCH_ORDERS: Plan(0.0056, 20), GET_ORDER: Plan(0.5, 30)}


class TokenBucket:
    __slots__ = ("plan", "tokens", "updated")

    def __init__(self, plan: Plan, now: float) -> None:
        self.plan = plan
        self.tokens = float(plan.burst)
        self.updated = now

    def refill(self, now: float) -> float:
        """Bring the bucket to `now`; returns the tokens available (time never runs backwards here)."""
        if now > self.updated:
            self.tokens = min(float(self.plan.burst), self.tokens + (now - self.updated) * self.plan.rate)
            self.updated = now
        return self.tokens

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        if self.refill(now) >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Seconds until a token will be available."""
        missing = 1.0 - self.refill(now)
        return 0.0 if missing <= 0 else missing / self.plan.rate
