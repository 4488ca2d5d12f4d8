"""ClientStats counted from many threads at once: an account's client is shared by runs on the
scheduler's threads, and no count may be lost."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from amzorders.amazon.stats import ClientStats, calls_of_this_run

THREADS = 4


@pytest.fixture(autouse=True)
def switch_threads_often() -> Iterator[None]:
    """The interpreter switches threads as often as it can, so that a read-then-write is interrupted."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def at_once(work: Callable[[], None], threads: int = THREADS) -> None:
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # asserted below
            errors.append(exc)

    running = [threading.Thread(target=run) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert errors == []


@pytest.mark.timeout(120)
def test_calls_counted_from_many_threads_are_all_counted():
    """Every thread counts each operation once; the first count of an operation (`Counter.__missing__`,
    Python code the interpreter switches threads in) lost another thread's count before the lock: a few
    in every 50,000 fresh operations on 4 threads."""
    operations = [f"operation-{n}" for n in range(50_000)]
    for _ in range(5):
        stats = ClientStats()
        own: list[dict[str, int]] = []

        def count(stats: ClientStats = stats, own: list[dict[str, int]] = own) -> None:
            with calls_of_this_run() as calls:
                for operation in operations:
                    stats.count_call(operation)
            own.append(dict(calls))

        at_once(count)
        lost = THREADS * len(operations) - sum(stats.calls.values())
        assert lost == 0
        assert set(stats.calls.values()) == {THREADS}
        assert len(own) == THREADS and all(len(calls) == len(operations) for calls in own)


@pytest.mark.timeout(120)
def test_every_counter_keeps_exact_totals_from_many_threads():
    stats = ClientStats()
    rounds = 20_000

    def count() -> None:
        for _ in range(rounds):
            stats.count_call("getOrder")
            stats.count_throttled()
            stats.count_retry()
            stats.count_restart()
            stats.add_quota_wait(0.5)  # a power of two: the float sum is exact

    at_once(count)
    total = THREADS * rounds
    assert stats.calls == {"getOrder": total}
    assert (stats.throttled, stats.retries, stats.restarts) == (total, total, total)
    assert stats.quota_wait == total / 2
    assert stats.calls_and_throttled() == ({"getOrder": total}, total)
