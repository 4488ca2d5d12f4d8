"""`KnownVersions`: the order versions this process saw committed, so that a re-read needs no lookup.

Overlapping windows and the late-index sweep mostly re-read versions the ledger already holds; without
this each page asked the database for its orders' rows first.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, MutableMapping
from datetime import datetime
from enum import Enum
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def keep_recent(recent: MutableMapping[K, V], key: K, value: V, size: int) -> None:
    """Write `key` as the most recent entry of an insertion-ordered mapping kept to `size` entries (the
    oldest written goes): the memories of what this process recorded last."""
    recent.pop(key, None)
    recent[key] = value
    if len(recent) > size:
        del recent[next(iter(recent))]


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
        for order_id, last_updated, status in versions:
            keep_recent(self._versions, (account, order_id), (last_updated, status), self.size)

    def judge(self, account: str, order_id: str, updated: datetime, status: str | None) -> Verdict:
        held = self._versions.get((account, order_id))
        if held is None:
            return Verdict.UNKNOWN
        if updated < held[0]:
            return Verdict.STALE
        if updated == held[0] and held[1] == status:
            return Verdict.SAME
        return Verdict.UNKNOWN
