"""Token-bucket arithmetic, pure: no clock, no storage, no locks.

SP-API meters each (selling partner, application, operation) with a token bucket: `rate` tokens per second
refill a bucket of `burst` tokens and a call needs one. `BucketState` is our model of Amazon's bucket;
the governor decides with these functions and the stores persist the result atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# A row written by a clock this much ahead of ours is a skewed host (wait for our clock to catch up);
# further ahead it comes from another timeline (an earlier simulation) and is rebased on ours.
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class UsagePlan:
    """An operation's usage plan: `rate` tokens per second, at most `burst` tokens saved up."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"usage plan rate must be positive, got {self.rate}")
        if self.burst < 1:
            raise ValueError(f"usage plan burst must be at least 1, got {self.burst}")


@dataclass(frozen=True, slots=True)
class BucketState:
    """The bucket as of `updated_at`; no refill happens before `blocked_until` (backoff after a 429)."""

    tokens: float
    rate: float
    burst: int
    updated_at: datetime
    blocked_until: datetime | None = None

    @classmethod
    def full(cls, plan: UsagePlan, now: datetime) -> BucketState:
        return cls(tokens=float(plan.burst), rate=plan.rate, burst=plan.burst, updated_at=now)

    def refilled(self, now: datetime) -> BucketState:
        """The state at `now`: tokens accrued since the last update (or the end of a block), capped."""
        state = self
        if now < state.updated_at:
            if state.updated_at - now <= CLOCK_SKEW_TOLERANCE:
                # Another host's clock is slightly ahead: nothing accrued since its write, keep its time.
                return state
            # Another clock wrote this row (an earlier simulation on a later date): rebase on ours, and
            # create no tokens for the gap.
            blocked = state.blocked_until
            pause = max(timedelta(0), blocked - state.updated_at) if blocked else None
            state = replace(state, updated_at=now, blocked_until=now + pause if pause else None)
        start = state.updated_at
        if state.blocked_until is not None and state.blocked_until > start:
            start = state.blocked_until
        tokens = state.tokens
        if now > start:
            tokens = min(float(state.burst), tokens + state.rate * (now - start).total_seconds())
        blocked = (
            state.blocked_until if state.blocked_until is not None and state.blocked_until > now else None
        )
        return replace(state, tokens=min(tokens, float(state.burst)), updated_at=now, blocked_until=blocked)

    def seconds_until(self, now: datetime, tokens: float) -> float:
        """How long from `now` until the bucket holds `tokens` (0 when it already does)."""
        state = self.refilled(now)
        blocked = (state.blocked_until - now).total_seconds() if state.blocked_until else 0.0
        if blocked <= 0 and state.tokens >= tokens:
            return 0.0
        return blocked + max(0.0, tokens - state.tokens) / state.rate

    def take(self, now: datetime, tokens: int, floor: float) -> tuple[BucketState, float]:
        """Take `tokens` if at least `floor` tokens remain afterwards.

        Returns the new state and 0.0 when granted, or the refilled (unchanged) state and the seconds to
        wait before asking again. `tokens + floor` must fit in the bucket, or nothing could ever be granted.
        """
        if tokens < 1:
            raise ValueError(f"a call takes at least one token, got {tokens}")
        if tokens + floor > self.burst + 1e-9:
            raise ValueError(f"{tokens} token(s) above a floor of {floor} never fit a bucket of {self.burst}")
        state = self.refilled(now)
        if state.blocked_until is None and state.tokens - tokens >= floor:
            return replace(state, tokens=state.tokens - tokens), 0.0
        return state, state.seconds_until(now, tokens + floor)

    def with_rate(self, now: datetime, rate: float) -> BucketState:
        """Switch to a new refill rate from `now` on (tokens accrued so far at the old rate are kept)."""
        return replace(self.refilled(now), rate=rate)

    def with_burst(self, now: datetime, burst: int) -> BucketState:
        state = self.refilled(now)
        return replace(state, burst=burst, tokens=min(state.tokens, float(burst)))

    def emptied(self, now: datetime, pause: float) -> BucketState:
        """After an unexpected 429: Amazon's bucket is empty, and we add a pause before it refills."""
        state = self.refilled(now)
        until = now + timedelta(seconds=pause) if pause > 0 else None
        return replace(state, tokens=0.0, blocked_until=until)
