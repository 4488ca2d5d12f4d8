"""What an `OrdersClient` counts: its requests in all, and those of the run going on in this thread.

Runs of one account (an import and a catch-up) share its client from several threads, so the client's
totals cannot say whose a request was: each run counts its own in a context variable
(`calls_of_this_run`), which every thread starts without.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

_RUN_CALLS: ContextVar[Counter[str] | None] = ContextVar("amzorders_run_calls", default=None)


@dataclass
class ClientStats:
    calls: Counter[str] = field(default_factory=Counter)  # HTTP requests per operation, retries included
    throttled: int = 0  # 429 answers seen
    retries: int = 0
    restarts: int = 0  # searchOrders windows re-run after an expired page token
    quota_wait: float = 0.0  # seconds spent waiting for the governor

    def count_call(self, operation: str) -> None:
        """One request of `operation` goes out: in the totals, and in this thread's run if one counts."""
        self.calls[operation] += 1
        run_calls = _RUN_CALLS.get()
        if run_calls is not None:
            run_calls[operation] += 1


@contextmanager
def calls_of_this_run() -> Iterator[Counter[str]]:
    """Count, per operation, the requests made in this thread (this context) until the block ends."""
    calls: Counter[str] = Counter()
    token = _RUN_CALLS.set(calls)
    try:
        yield calls
    finally:
        _RUN_CALLS.reset(token)
