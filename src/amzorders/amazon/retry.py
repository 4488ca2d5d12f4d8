"""How a call to Amazon is retried: full-jitter exponential backoff above a floor, bounded in attempts
and in time, sleeping on the injected clock (a simulation retries in virtual time).

Only failures count against the time budget: waiting for quota is what every call costs, so the caller
reports its quota waits (`quota_waits`) and they are taken off the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_fixed, wait_random_exponential

from amzorders.clock import Clock

from .errors import AmazonError

T = TypeVar("T")
OnRetry = Callable[[BaseException | None, int, float], None]  # (error, attempt number, sleep seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 5
    max_retry_time: float = 300.0
    backoff: float = 1.0
    min_backoff: float = 0.5
    max_backoff: float = 60.0

    def run(self, clock: Clock, attempt: Callable[[list[float]], T], on_retry: OnRetry) -> T:
        """`attempt(quota_waits)` until it succeeds, raises a non-retryable error, or the budget is spent
        (then its last error is raised). Retryable: `AmazonError.retryable` (429, 5xx, transport)."""
        started = clock.now()
        quota_waits: list[float] = []
        # Full jitter above a floor: retries of many clients spread out, and never come back at once.
        backoff = wait_fixed(self.min_backoff) + wait_random_exponential(
            multiplier=self.backoff, max=self.max_backoff
        )

        def budget_spent() -> float:
            return (clock.now() - started).total_seconds() - sum(quota_waits)

        def stop(state: RetryCallState) -> bool:
            return state.attempt_number > self.max_retries or budget_spent() >= self.max_retry_time

        def wait(state: RetryCallState) -> float:
            return max(0.0, min(backoff(state), self.max_retry_time - budget_spent()))

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            on_retry(error, state.attempt_number, state.next_action.sleep if state.next_action else 0.0)

        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, AmazonError) and exc.retryable),
            stop=stop,
            wait=wait,
            sleep=clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(attempt, quota_waits)
