"""Which shop a simulation fills, by name, and how the audit reads it back.

`SHOP_KINDS` maps a name (`--shop builtin`) to a factory and an inventory. Another adapter joins with
`register_shop("prestashop", ShopKind(create=..., inventory=...))`; without an inventory of its own, the
audit looks orders up one by one through the `Shop` port. `RecordingShop` wraps whatever shop runs, to
time each creation on the virtual clock (latency) and to notice a second order for one Amazon id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from amzorders.clock import Clock
from amzorders.ledger.schema import store_orders
from amzorders.money import Money
from amzorders.shops.port import OrderDraft, Shop, ShopOrder, ShopOrderStatus


class SimulationSetupError(ValueError):
    """The simulation cannot be set up as asked (unknown shop, bad option); one line, exit 2."""


@dataclass(frozen=True, slots=True)
class ShopContext:
    """What a shop factory may use: the ledger's database, the shared virtual clock, `--shop-option`s."""

    ledger: Engine
    clock: Clock
    options: Mapping[str, str] = field(default_factory=dict)


ShopInventoryFactory = Callable[[Shop], Callable[[Sequence[str]], Iterable[ShopOrder]]]


@dataclass(frozen=True, slots=True)
class ShopKind:
    create: Callable[[ShopContext], Shop]
    inventory: ShopInventoryFactory | None = None  # None: one find_by_amazon_id per order


def _builtin(context: ShopContext) -> Shop:
    from amzorders.shops.builtin import BuiltinStore

    return BuiltinStore(context.ledger, context.clock, name=context.options.get("name", "builtin"))


def _builtin_inventory(shop: Shop) -> Callable[[Sequence[str]], Iterable[ShopOrder]]:
    """Every row of the store for these ids, duplicates included (a query per chunk, not per order)."""
    engine: Engine = shop.engine  # type: ignore[attr-defined]
    c = store_orders.c

    def inventory(amazon_ids: Sequence[str]) -> Iterable[ShopOrder]:
        query = select(c.reference, c.amazon_order_id, c.status, c.total, c.currency).where(
            c.shop == shop.name, c.amazon_order_id.in_(list(amazon_ids))
        )
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ShopOrder(
                row.reference,
                row.amazon_order_id,
                ShopOrderStatus(row.status),
                Money(row.total, row.currency),
            )
            for row in rows
        ]

    return inventory


def _lookup_inventory(shop: Shop) -> Callable[[Sequence[str]], Iterable[ShopOrder]]:
    def inventory(amazon_ids: Sequence[str]) -> Iterable[ShopOrder]:
        return [order for order in map(shop.find_by_amazon_id, amazon_ids) if order is not None]

    return inventory


def _prestashop(context: ShopContext) -> Shop:
    """The fake PrestaShop over loopback HTTP, or a real one with `--shop-option url=... mapping=...`."""
    from amzorders.shops.prestashop import MappingError
    from amzorders.shops.prestashop.simulation import SimulationShopError, create_shop

    try:
        return create_shop(context.options)
    except (SimulationShopError, MappingError) as exc:
        raise SimulationSetupError(f"--shop prestashop: {exc}") from None


SHOP_KINDS: dict[str, ShopKind] = {
    "builtin": ShopKind(_builtin, _builtin_inventory),
    "prestashop": ShopKind(_prestashop),
}


def register_shop(name: str, kind: ShopKind) -> None:
    """Make `--shop NAME` available to `amzorders simulate`."""
    SHOP_KINDS[name] = kind


def make_shop(name: str, context: ShopContext) -> tuple[Shop, Callable[[Sequence[str]], Iterable[ShopOrder]]]:
    """The shop called `name` and the function the audit reads it back with."""
    kind = SHOP_KINDS.get(name)
    if kind is None:
        known = ", ".join(sorted(SHOP_KINDS))
        raise SimulationSetupError(f"unknown shop {name!r}: choose one of {known}")
    shop = kind.create(context)
    return shop, (kind.inventory or _lookup_inventory)(shop)


class RecordingShop:
    """A `Shop` that passes everything through and remembers when each Amazon order was first created.

    `created_at` holds epoch seconds on the simulation's clock; `second_orders` counts creations that
    returned another reference for an Amazon id already created (a duplicate, whatever the shop).
    """

    def __init__(self, inner: Shop, clock: Clock) -> None:
        self.inner = inner
        self.name = inner.name
        self._clock = clock
        self.created_at: dict[str, float] = {}
        self._references: dict[str, str] = {}
        self.second_orders = 0

    def find_by_amazon_id(self, amazon_order_id: str) -> ShopOrder | None:
        return self.inner.find_by_amazon_id(amazon_order_id)

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        created = self.inner.create_order(draft)
        self._record(created)
        return created

    def _create_orders(self, drafts: Sequence[OrderDraft]) -> list[ShopOrder]:
        created = self.inner.create_orders(drafts)  # type: ignore[attr-defined]
        for order in created:
            self._record(order)
        return created

    def set_status(self, reference: str, status: ShopOrderStatus) -> None:
        self.inner.set_status(reference, status)

    def __getattr__(self, name: str) -> Any:
        # The batch path exists exactly when the wrapped shop has one (the built-in store does).
        if name == "create_orders" and hasattr(self.inner, "create_orders"):
            return self._create_orders
        return getattr(self.inner, name)

    def _record(self, order: ShopOrder) -> None:
        known = self._references.get(order.amazon_order_id)
        if known is None:
            self._references[order.amazon_order_id] = order.reference
            self.created_at[order.amazon_order_id] = self._clock.now().timestamp()
        elif known != order.reference:
            self.second_orders += 1
