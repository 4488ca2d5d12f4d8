"""`KnownVersions`: the order versions this process saw committed, so that a re-read needs no lookup.

Overlapping windows and the late-index sweep mostly re-read versions the ledger already holds; without
this each page asked the database for its orders' rows first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum


class Verdict(Enum):
    SAME = "same"  # the ledger holds exactly this version: nothing to write
    STALE = "stale"  # the ledger holds a newer one: ignored
    UNKNOWN = "unknown"  # look at the ledger's row


class KnownVersions:
    """(lastUpdatedTime, status) of the latest version seen committed, per (account, order), for the
    `size` orders most recently written. The ledger's version only moves forward, so a remembered one is
    never newer than the row (another process may have written a newer one since: a re-read of ours is
    then SAME where the row would say STALE, and neither writes anything)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._versions: dict[tuple[str, str], tuple[datetime, str | None]] = {}

    def hold(self, account: str, versions: Iterable[tuple[str, datetime, str | None]]) -> None:
        """Remember what a committed transaction left in the ledger (order id, lastUpdatedTime, status;
        a later entry for the same order wins)."""
        known = self._versions
        for order_id, last_updated, status in versions:
            known.pop((account, order_id), None)
            known[(account, order_id)] = (last_updated, status)
        for _ in range(len(known) - self.size):
            del known[next(iter(known))]  # the oldest

    def judge(self, account: str, order_id: str, updated: datetime, status: str | None) -> Verdict:
        held = self._versions.get((account, order_id))
        if held is None:
            return Verdict.UNKNOWN
        if updated < held[0]:
            return Verdict.STALE
        if updated == held[0] and held[1] == status:
            return Verdict.SAME
        return Verdict.UNKNOWN
