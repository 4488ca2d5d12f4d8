"""What an `OrdersClient` counts: its requests in all, and those of the run going on in this thread.

Runs of one account (an import and a catch-up) share its client from several threads, so the client's
totals cannot say whose a request was: each run counts its own in a context variable
(`calls_of_this_run`), which every thread starts without. The totals are changed under a lock, only
through the `count_*` / `add_*` methods: `+=` on a shared counter is a read then a write, and another
thread's count between the two is lost (the first count of an operation runs `Counter.__missing__`, where
the interpreter does switch threads).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

_RUN_CALLS: ContextVar[Counter[str] | None] = ContextVar("amzorders_run_calls", default=None)


@dataclass
class ClientStats:
    """Read the fields freely; change them only through the methods (thread-safe)."""

    calls: Counter[str] = field(default_factory=Counter)  # HTTP requests per operation, retries included
    throttled: int = 0  # 429 answers seen
    retries: int = 0
    restarts: int = 0  # searchOrders windows re-run after an expired page token
    quota_wait: float = 0.0  # seconds spent waiting for the governor
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def count_call(self, operation: str) -> None:
        """One request of `operation` goes out: in the totals, and in this thread's run if one counts."""
        with self._lock:
            self.calls[operation] += 1
        run_calls = _RUN_CALLS.get()  # this context's own: no other thread counts in it
        if run_calls is not None:
            run_calls[operation] += 1

    def count_throttled(self) -> None:
        with self._lock:
            self.throttled += 1

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def count_restart(self) -> None:
        with self._lock:
            self.restarts += 1

    def add_quota_wait(self, seconds: float) -> None:
        with self._lock:
            self.quota_wait += seconds

    def calls_and_throttled(self) -> tuple[dict[str, int], int]:
        """A copy of the calls per operation and the 429s, taken together (no count half-way)."""
        with self._lock:
            return dict(self.calls), self.throttled


@contextmanager
def calls_of_this_run() -> Iterator[Counter[str]]:
    """Count, per operation, the requests made in this thread (this context) until the block ends."""
    calls: Counter[str] = Counter()
    token = _RUN_CALLS.set(calls)
    try:
        yield calls
    finally:
        _RUN_CALLS.reset(token)
