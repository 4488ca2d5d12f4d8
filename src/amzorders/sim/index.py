"""Where a seller's orders are, in time: sorted arrays and bisect, never a scan of the whole month.

Every timeline event of every order is a *version*. A version is visible to getOrder from its `at` and to
searchOrders from `at + indexing_delay_s`; the version searchOrders shows for an order is the latest one
visible by then. Windows filter on that version's lastUpdatedTime (or on createdTime), ordered by
(timestamp, orderId), which is also the keyset a page token resumes from: orders that share a second
across a page boundary are neither lost nor repeated.

The index is parallel arrays over `CompactOrders` (a timestamp, an order position and an event number per
entry: 16 bytes rather than a tuple, a float and references, about 150 bytes); entries that share a
second are in orderId order, and a keyset position inside such a tie is found by bisecting on the ids.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator

from .compact import CompactOrders

Key = tuple[float, str]


class OrderIndex:
    """The versions of every order, and each seller's orders in keyset order."""

    def __init__(self, orders: CompactOrders, default_delay: float, seller_ids: list[str]) -> None:
        self.orders = orders
        # The effective indexing delay of each order (NaN in `orders.delay`: the scenario's default).
        self.delay = array("d", (default_delay if d != d else d for d in orders.delay))
        first = orders.first
        owner = array("I", bytes(4 * len(orders.at)))  # event number -> order position
        for position in range(len(orders)):
            for event in range(first[position], first[position + 1]):
                owner[event] = position
        by_seller = {orders.names[code]: array("I") for code in set(orders.seller)}
        for position, code in enumerate(orders.seller):
            by_seller[orders.names[code]].append(position)
        self.sellers = {
            seller_id: SellerIndex(self, by_seller.get(seller_id, array("I")), owner)
            for seller_id in seller_ids
        }

    def version_at(self, order: int, now: float) -> int:
        """The version getOrder sees at `now` (-1: the order does not exist yet)."""
        first = self.orders.first
        start = first[order]
        return bisect_right(self.orders.at, now, start, first[order + 1]) - start - 1

    def indexed_version(self, order: int, now: float) -> int:
        """The version searchOrders sees at `now` (-1: not indexed yet)."""
        first, at, delay = self.orders.first, self.orders.at, self.delay[order]
        start = event = first[order]
        end = first[order + 1]
        while event < end and at[event] + delay <= now:
            event += 1
        return event - start - 1


class SellerIndex:
    """One seller's versions by (lastUpdatedTime, orderId) and orders by (createdTime, orderId)."""

    def __init__(self, index: OrderIndex, positions: array, owner: array) -> None:
        self._index = index
        orders = index.orders
        at, first, order_id = orders.at, orders.first, orders.order_id
        events = array("I", (e for p in positions for e in range(first[p], first[p + 1])))
        events = _keyset_sorted(events, at.__getitem__, lambda event: order_id(owner[event]))
        self.updated_at = array("d", map(at.__getitem__, events))
        self.updated_order = array("I", map(owner.__getitem__, events))
        self.updated_event = events
        created = _keyset_sorted(positions, lambda position: at[first[position]], order_id)
        self.created_at = array("d", (at[first[position]] for position in created))
        self.created_order = created

    def by_updated(
        self, start: Key, inclusive: bool, before: float, now: float
    ) -> Iterator[tuple[float, int, int]]:
        """Indexed versions with lastUpdatedTime in [start, before) in keyset order (`start` excluded
        when not `inclusive`, i.e. when resuming after it), as (timestamp, order position, version)."""
        at, first, delay = self._index.orders.at, self._index.orders.first, self._index.delay
        stamps, orders, events = self.updated_at, self.updated_order, self.updated_event
        for entry in range(self._from(stamps, orders, start, inclusive), bisect_left(stamps, before)):
            order, event = orders[entry], events[entry]
            lag = delay[order]
            # Shown if visible by now and not yet replaced by a later visible version.
            if at[event] + lag <= now and (event + 1 == first[order + 1] or at[event + 1] + lag > now):
                yield stamps[entry], order, event - first[order]

    def by_created(
        self, start: Key, inclusive: bool, before: float, now: float
    ) -> Iterator[tuple[float, int, int]]:
        """Indexed orders created in [start, before) in keyset order, each at its indexed version."""
        stamps, orders = self.created_at, self.created_order
        indexed_version = self._index.indexed_version
        for entry in range(self._from(stamps, orders, start, inclusive), bisect_left(stamps, before)):
            order = orders[entry]
            version = indexed_version(order, now)
            if version >= 0:
                yield stamps[entry], order, version

    def _from(self, stamps: array, orders: array, start: Key, inclusive: bool) -> int:
        """The first entry at or (not `inclusive`) after the keyset position `start`."""
        stamp, order_id = start
        low = bisect_left(stamps, stamp)
        high = bisect_right(stamps, stamp, low)
        if low == high or (inclusive and not order_id):
            return low if inclusive else high
        seek = bisect_left if inclusive else bisect_right
        return seek(orders, order_id, low, high, key=self._index.orders.order_id)


def _keyset_sorted(entries: array, stamp: Callable[[int], float], order_id: Callable[[int], str]) -> array:
    """`entries` in (stamp, order id) order. Sorting a month at once would take about 100 bytes of keys an
    entry; instead the entries are spread over spans of time (64 entries on average) sorted one by one."""
    if not entries:
        return array("I")
    stamps = array("d", map(stamp, entries))
    low, spans = min(stamps), max(1, len(entries) // 64)
    width = (max(stamps) - low) / spans or 1.0
    span_of = array("I", (min(int((s - low) / width), spans - 1) for s in stamps))
    del stamps
    starts = array("I", bytes(4 * (spans + 1)))  # where each span's entries go; the last is the end
    for span in span_of:
        starts[span + 1] += 1
    for span in range(spans):
        starts[span + 1] += starts[span]
    free = array("I", starts)
    result = array("I", bytes(4 * len(entries)))
    for entry, span in zip(entries, span_of, strict=True):
        result[free[span]] = entry
        free[span] += 1

    def key(entry: int) -> tuple[float, str]:
        return stamp(entry), order_id(entry)

    for span in range(spans):
        low_end, high_end = starts[span], starts[span + 1]
        if high_end - low_end > 1:
            result[low_end:high_end] = array("I", sorted(result[low_end:high_end], key=key))
    return result
