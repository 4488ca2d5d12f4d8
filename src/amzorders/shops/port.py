"""The `Shop` port: what the sync engine needs from any shop, and nothing more.

An adapter (built-in store, PrestaShop) implements `Shop`. The engine hands it an `OrderDraft`, a
shop-neutral description of the order built by the pure rules in `amzorders.sync`; the adapter never sees
Amazon JSON. Exactly-once is shared: the ledger guarantees one creation attempt at a time per Amazon order,
and every adapter must also find an order by its Amazon id so that a crash after creation is recovered by
lookup instead of a second order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from amzorders.money import Money


class ShopOrderStatus(StrEnum):
    """The shop-side lifecycle the engine drives; each adapter maps these to its own states."""

    TO_SHIP = "to_ship"  # merchant-fulfilled, paid, waiting for the merchant to ship
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"  # shipped by the merchant, or by Amazon (FBA)
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    name: str
    line1: str
    city: str
    country_code: str
    line2: str | None = None
    line3: str | None = None
    postal_code: str | None = None
    state_or_region: str | None = None
    phone: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Money  # tax excluded, as Amazon's unitPrice
    tax: Money  # tax for the whole line
    title: str | None = None
    asin: str | None = None
    amazon_item_id: str | None = None

    @property
    def total_with_tax(self) -> Money:
        return self.unit_price * self.quantity + self.tax


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """Everything a shop needs to record one Amazon order, amounts exact to the cent."""

    amazon_order_id: str
    account: str
    marketplace_id: str
    currency: str
    purchased_at: datetime
    fulfilled_by: str  # "MERCHANT" or "AMAZON"
    service_level: str | None
    status: ShopOrderStatus
    lines: tuple[OrderLine, ...]
    shipping: Money
    shipping_tax: Money
    total: Money  # Amazon's grand total; the shop order must equal it to the cent
    buyer_name: str | None = None
    buyer_email: str | None = None
    delivery_address: PostalAddress | None = None
    programs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_prime(self) -> bool:
        return "PRIME" in self.programs

    @property
    def is_business(self) -> bool:
        return "AMAZON_BUSINESS" in self.programs


@dataclass(frozen=True, slots=True)
class ShopOrder:
    """A shop's order as read back from the shop."""

    reference: str  # the shop's own id or reference, stored in the ledger
    amazon_order_id: str
    status: ShopOrderStatus
    total: Money


class ShopError(Exception):
    """A shop operation failed. `retryable` tells the engine to try again later (with backoff)."""

    retryable: bool = True

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class ShopUnavailable(ShopError):
    """The shop could not be reached or answered 5xx; try again later."""

    retryable = True


class OrderRejected(ShopError):
    """The shop refused this order's data; it is parked with the reason until a human or a fix clears it."""

    retryable = False


class UnknownSku(OrderRejected):
    """A line's SKU has no product in the shop; parked, and retried when the product appears."""

    def __init__(self, sku: str, shop: str) -> None:
        super().__init__(f"unknown SKU {sku} in shop {shop}")
        self.sku = sku
        self.shop = shop


class Shop(Protocol):
    """What the sync engine needs from a shop."""

    name: str

    def find_by_amazon_id(self, amazon_order_id: str) -> ShopOrder | None:
        """The shop order recorded for this Amazon order, if any (exactly-once after a crash)."""
        ...

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        """Create the order, or return the existing one for `draft.amazon_order_id`; never a second one."""
        ...

    def set_status(self, reference: str, status: ShopOrderStatus) -> None:
        """Move an existing order to `status` (CANCELLED cancels it) without e-mailing the buyer."""
        ...
