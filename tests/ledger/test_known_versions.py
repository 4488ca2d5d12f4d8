"""What the order book remembers of committed versions: bounded, the latest write wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from amzorders.ledger.known_versions import KnownVersions, Verdict

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_versions_are_judged_against_the_last_one_seen_committed():
    known = KnownVersions(size=10)
    known.hold("main", [("A", T0, "PENDING"), ("A", T0 + timedelta(minutes=5), "UNSHIPPED")])
    assert known.judge("main", "A", T0 + timedelta(minutes=5), "UNSHIPPED") is Verdict.SAME
    assert known.judge("main", "A", T0, "PENDING") is Verdict.STALE
    assert known.judge("main", "A", T0 + timedelta(minutes=5), "SHIPPED") is Verdict.UNKNOWN  # same instant
    assert known.judge("main", "A", T0 + timedelta(minutes=6), "SHIPPED") is Verdict.UNKNOWN
    assert known.judge("other", "A", T0, "PENDING") is Verdict.UNKNOWN  # accounts apart


def test_only_the_most_recently_written_orders_are_kept():
    known = KnownVersions(size=2)
    known.hold("main", [("A", T0, "UNSHIPPED"), ("B", T0, "UNSHIPPED")])
    known.hold("main", [("A", T0, "UNSHIPPED"), ("C", T0, "UNSHIPPED")])  # A written again: B is the oldest
    assert [known.judge("main", o, T0, "UNSHIPPED") for o in "ABC"] == [
        Verdict.SAME,
        Verdict.UNKNOWN,
        Verdict.SAME,
    ]
