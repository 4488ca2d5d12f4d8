"""Shops for the engine tests: the built-in store behind failures on demand, or a creation that waits.

A module of its own (not a conftest) so that test modules import the classes by name."""

from __future__ import annotations

import threading

from amzorders.shops.builtin import BuiltinStore
from amzorders.shops.port import OrderRejected, ShopUnavailable, UnknownSku


class FlakyShop:
    """The built-in store behind a shop that fails on demand (the real store does the work)."""

    def __init__(self, store: BuiltinStore) -> None:
        self.store = store
        self.name = store.name
        self.down = False
        self.unknown_skus: set[str] = set()
        self.rejected: set[str] = set()
        self.calls = 0

    def find_by_amazon_id(self, amazon_order_id):
        return self.store.find_by_amazon_id(amazon_order_id)

    def create_order(self, draft):
        self.calls += 1
        if self.down:
            raise ShopUnavailable("shop answered 503")
        if draft.amazon_order_id in self.rejected:
            raise OrderRejected("the shop refused the address")
        for line in draft.lines:
            if line.sku in self.unknown_skus:
                raise UnknownSku(line.sku, self.name)
        return self.store.create_order(draft)

    def set_status(self, reference, status):
        self.calls += 1
        if self.down:
            raise ShopUnavailable("shop answered 503")
        self.store.set_status(reference, status)


class GatedShop(FlakyShop):
    """A shop whose order creation waits for `release` (a PrestaShop creating a batch takes minutes)."""

    def __init__(self, store: BuiltinStore) -> None:
        super().__init__(store)
        self.creating, self.release = threading.Event(), threading.Event()

    def create_order(self, draft):
        self.creating.set()
        assert self.release.wait(30), "never released"
        return super().create_order(draft)


class LostAnswerShop(FlakyShop):
    """A shop that creates the order and then loses its answer `lose` times (PrestaShop created the order,
    the client's read timed out); `lookups_down`: that many next lookups by Amazon id fail (shop down)."""

    def __init__(self, store: BuiltinStore, lose: int = 1) -> None:
        super().__init__(store)
        self.lose = lose
        self.lookups_down = 0
        self.lookups = 0

    def find_by_amazon_id(self, amazon_order_id):
        self.lookups += 1
        if self.lookups_down:
            self.lookups_down -= 1
            raise ShopUnavailable("shop answered 503")
        return super().find_by_amazon_id(amazon_order_id)

    def create_order(self, draft):
        order = super().create_order(draft)
        if self.lose:
            self.lose -= 1
            raise ShopUnavailable("read timeout: the shop did not answer")
        return order
