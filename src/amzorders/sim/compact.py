"""A scenario's orders held compactly: a month of 150,000 orders in about 25 MB instead of 210 MB.

As Python objects an order costs about 1.4 kB (dataclasses, datetimes, Decimals, strings), and a
simulation holds the month for hours while it only needs one order at a time. So each order is kept as:

- what searching looks at, in flat arrays shared by all orders: the id, seller, marketplace and
  fulfilment channel, the epoch second and status of every timeline event, the indexing delay;
- the rest as its `record.order_record` (the pieces renderings are joined from), compressed with a zlib
  dictionary primed from the scenario's first orders: keys, SKUs, titles and cities repeat from order to
  order, so a record takes about 85 bytes (its line in the scenario file, 770).

`CompactOrders` is a read-only sequence of `OrderSpec`, decoded on access (iterating decodes one order
at a time and keeps none); the simulator renders straight from the records (`render`).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from .record import order_from, order_record
from .render import PAID_STATUSES, render_record
from .scenario import OrderSpec, TimelineEvent, iso_z

_WBITS = -15  # raw deflate, 32 kB window: the whole dictionary stays in reach
_DICTIONARY_BYTES = 32 * 1024
_PRIMING_ORDERS = 128  # the dictionary is made of these orders' records
_NO_DELAY = float("nan")  # `indexing_delay_s` None: the scenario's default applies


class CompactOrders(Sequence[OrderSpec]):
    """Orders in file order; `names`, `seller`, `marketplace`, `channel`, `first`, `at`, `status` and
    `delay` are the arrays the search index reads (order `i`'s events are `first[i]:first[i + 1]`)."""

    def __init__(self, orders: Iterable[OrderSpec]) -> None:
        self.names: list[str] = []  # sellers, marketplaces, channels and statuses, by code
        self._codes: dict[str, int] = {}
        self.seller = array("H")
        self.marketplace = array("H")
        self.channel = array("H")
        self.first = array("I", [0])
        self.at = array("d")  # epoch seconds, as `datetime.timestamp()` gives them
        self.status = array("H")
        self.delay = array("d")  # NaN: the scenario's default
        self._ids = bytearray()
        self._id_ends = array("I", [0])
        self._records = bytearray()
        self._record_ends = array("I", [0])
        self._dictionary = b""
        priming: list[bytes] = []
        compressor = None
        for order in orders:
            self._add_index_fields(order)
            record = order_record(order).encode()
            if compressor is not None:
                self._store(compressor, record)
                continue
            priming.append(record)
            if len(priming) == _PRIMING_ORDERS:
                compressor = self._prime(priming)
        if compressor is None:
            self._prime(priming)
        self._slots = self._id_table()
        self._paid = {code for code, name in enumerate(self.names) if name in PAID_STATUSES}

    def _prime(self, priming: list[bytes]) -> Any:
        self._dictionary = b"".join(priming)[-_DICTIONARY_BYTES:]
        compressor = zlib.compressobj(6, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, self._dictionary)
        for record in priming:
            self._store(compressor, record)
        return compressor

    def _store(self, primed: Any, record: bytes) -> None:
        compressor = primed.copy()  # copying skips hashing the dictionary again for every order
        self._records += compressor.compress(record)
        self._records += compressor.flush()
        self._record_ends.append(len(self._records))

    def _code(self, name: str) -> int:
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self.names)
            self.names.append(name)
        return code

    def _add_index_fields(self, order: OrderSpec) -> None:
        self._ids += order.order_id.encode()
        self._id_ends.append(len(self._ids))
        self.seller.append(self._code(order.seller_id))
        self.marketplace.append(self._code(order.marketplace_id))
        self.channel.append(self._code(order.fulfilled_by))
        for event in order.timeline:
            self.at.append(event.at.timestamp())
            self.status.append(self._code(event.status))
        self.first.append(len(self.at))
        self.delay.append(_NO_DELAY if order.indexing_delay_s is None else order.indexing_delay_s)

    # ------------------------------------------------------------------------------------------ lookups

    def order_id(self, position: int) -> str:
        ends = self._id_ends
        return self._ids[ends[position] : ends[position + 1]].decode()

    def position(self, order_id: str) -> int | None:
        """Where the order with this id is (None: no such order)."""
        slots = self._slots
        mask = len(slots) - 1
        slot = hash(order_id) & mask
        while (position := slots[slot]) >= 0:
            if self.order_id(position) == order_id:
                return position
            slot = (slot + 1) & mask
        return None

    def _id_table(self) -> array:
        """Positions by hash of their id, open addressing at most two thirds full: 4 to 8 bytes an order,
        where a dict of the ids would take about 100."""
        slots = array("i", [-1]) * (1 << max(3, (len(self) * 3 // 2).bit_length()))
        mask = len(slots) - 1
        for position in range(len(self)):
            slot = hash(self.order_id(position)) & mask
            while slots[slot] >= 0:
                slot = (slot + 1) & mask
            slots[slot] = position
        return slots

    def record(self, position: int) -> str:
        ends = self._record_ends
        data = self._records[ends[position] : ends[position + 1]]
        return zlib.decompressobj(_WBITS, self._dictionary).decompress(data).decode()

    def render(self, position: int, version: int, mask: int) -> bytes:
        """`render.render_order_json` of the order at `position`, from its record."""
        names, at, status = self.names, self.at, self.status
        first = self.first[position]
        event = first + version
        paid = not self._paid.isdisjoint(status[first : event + 1])
        return render_record(
            self.record(position),
            self.order_id(position),
            names[self.marketplace[position]],
            names[self.channel[position]],
            iso_z(datetime.fromtimestamp(at[first], UTC)),
            iso_z(datetime.fromtimestamp(at[event], UTC)),
            names[status[event]],
            paid,
            mask,
        )

    # ------------------------------------------------------------------------------------------ sequence

    def __len__(self) -> int:
        return len(self.delay)

    @overload
    def __getitem__(self, index: int) -> OrderSpec: ...
    @overload
    def __getitem__(self, index: slice) -> list[OrderSpec]: ...
    def __getitem__(self, index: int | slice) -> OrderSpec | list[OrderSpec]:
        if isinstance(index, slice):
            return [self._decode(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("order index out of range")
        return self._decode(index)

    def __iter__(self) -> Iterator[OrderSpec]:
        return map(self._decode, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CompactOrders({len(self)} orders)"

    def _decode(self, i: int) -> OrderSpec:
        names, at, status = self.names, self.at, self.status
        delay = self.delay[i]
        return order_from(
            self.record(i),
            self.order_id(i),
            names[self.seller[i]],
            names[self.marketplace[i]],
            names[self.channel[i]],
            tuple(
                TimelineEvent(datetime.fromtimestamp(at[k], UTC), names[status[k]])
                for k in range(self.first[i], self.first[i + 1])
            ),
            None if delay != delay else delay,
        )


def compact(orders: Sequence[OrderSpec]) -> CompactOrders:
    """`orders` as `CompactOrders` (which they already are when the scenario was loaded)."""
    return orders if isinstance(orders, CompactOrders) else CompactOrders(orders)
