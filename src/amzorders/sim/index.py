"""Where a seller's orders are, in time: sorted keys and bisect, never a scan of the whole month.

Every timeline event of every order is a *version*. A version is visible to getOrder from its `at` and to
searchOrders from `at + indexing_delay_s`; the version searchOrders shows for an order is the latest one
visible by then. Windows filter on that version's lastUpdatedTime (or on createdTime), ordered by
(timestamp, orderId), which is also the keyset a page token resumes from: orders that share a second
across a page boundary are neither lost nor repeated.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from .render import PAID_STATUSES
from .scenario import OrderSpec

Key = tuple[float, str]


class OrderTrack:
    """One order with its versions' times precomputed as epoch seconds."""

    __slots__ = ("ats", "created", "number", "paid_from", "spec", "statuses", "visible")

    def __init__(self, number: int, spec: OrderSpec, delay: float) -> None:
        self.number = number
        self.spec = spec
        self.ats = [event.at.timestamp() for event in spec.timeline]
        self.visible = [at + delay for at in self.ats]
        self.statuses = [event.status for event in spec.timeline]
        self.created = self.ats[0]
        self.paid_from = next(
            (i for i, status in enumerate(self.statuses) if status in PAID_STATUSES), len(self.statuses)
        )

    def version_at(self, now: float) -> int:
        """The version getOrder sees at `now` (-1: the order does not exist yet)."""
        return bisect_right(self.ats, now) - 1

    def indexed_version(self, now: float) -> int:
        """The version searchOrders sees at `now` (-1: not indexed yet)."""
        return bisect_right(self.visible, now) - 1

    def is_indexed_version(self, version: int, now: float) -> bool:
        visible = self.visible
        return visible[version] <= now and (version + 1 == len(visible) or visible[version + 1] > now)


class SellerIndex:
    def __init__(self, tracks: list[OrderTrack]) -> None:
        updated = sorted(
            (
                (at, track.spec.order_id, track, version)
                for track in tracks
                for version, at in enumerate(track.ats)
            ),
            key=lambda entry: (entry[0], entry[1]),
        )
        self.updated_keys: list[Key] = [(at, order_id) for at, order_id, _, _ in updated]
        self.updated_refs: list[tuple[OrderTrack, int]] = [
            (track, version) for _, _, track, version in updated
        ]
        created = sorted(tracks, key=lambda track: (track.created, track.spec.order_id))
        self.created_keys: list[Key] = [(track.created, track.spec.order_id) for track in created]
        self.created_refs: list[OrderTrack] = created

    def by_updated(
        self, start: Key, inclusive: bool, before: float, now: float
    ) -> Iterator[tuple[Key, OrderTrack, int]]:
        """Indexed versions with lastUpdatedTime in [start, before) in keyset order (`start` excluded
        when not `inclusive`, i.e. when resuming after it)."""
        keys = self.updated_keys
        refs = self.updated_refs
        position = bisect_left(keys, start) if inclusive else bisect_right(keys, start)
        end = bisect_left(keys, (before, ""))
        for index in range(position, end):
            track, version = refs[index]
            if track.is_indexed_version(version, now):
                yield keys[index], track, version

    def by_created(
        self, start: Key, inclusive: bool, before: float, now: float
    ) -> Iterator[tuple[Key, OrderTrack, int]]:
        """Indexed orders created in [start, before) in keyset order, each at its indexed version."""
        keys = self.created_keys
        refs = self.created_refs
        position = bisect_left(keys, start) if inclusive else bisect_right(keys, start)
        end = bisect_left(keys, (before, ""))
        for index in range(position, end):
            track = refs[index]
            version = track.indexed_version(now)
            if version >= 0:
                yield keys[index], track, version
