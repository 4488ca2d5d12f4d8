"""What the built-in store shows: orders as read back (`orders list/show`, simulation reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from amzorders.ledger.schema import (
    store_addresses,
    store_customers,
    store_order_lines,
    store_orders,
    store_status_history,
)
from amzorders.money import Money
from amzorders.shops.port import OrderLine, PostalAddress, ShopOrder, ShopOrderStatus


@dataclass(frozen=True, slots=True)
class StoredOrder:
    reference: str
    amazon_order_id: str
    account: str
    marketplace_id: str
    status: ShopOrderStatus
    fulfilled_by: str
    total: Money
    purchased_at: datetime
    created_at: datetime
    updated_at: datetime

    def as_shop_order(self) -> ShopOrder:
        return ShopOrder(self.reference, self.amazon_order_id, self.status, self.total)


@dataclass(frozen=True, slots=True)
class StoredOrderDetail:
    order: StoredOrder
    customer_name: str | None
    customer_email: str | None
    address: PostalAddress | None
    lines: tuple[OrderLine, ...]
    shipping: Money
    shipping_tax: Money
    service_level: str | None
    programs: tuple[str, ...]
    history: tuple[tuple[datetime, ShopOrderStatus], ...]


def stored_order(row: Row) -> StoredOrder:
    return StoredOrder(
        reference=row.reference,
        amazon_order_id=row.amazon_order_id,
        account=row.account,
        marketplace_id=row.marketplace_id,
        status=ShopOrderStatus(row.status),
        fulfilled_by=row.fulfilled_by,
        total=Money(row.total, row.currency),
        purchased_at=row.purchased_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def load_detail(conn: Connection, row: Row) -> StoredOrderDetail:
    order = stored_order(row)
    currency = order.total.currency
    extra = conn.execute(
        select(
            store_orders.c.shipping,
            store_orders.c.shipping_tax,
            store_orders.c.service_level,
            store_orders.c.programs,
            store_customers.c.name,
            store_customers.c.email,
        )
        .join(store_customers, store_customers.c.id == store_orders.c.customer_id)
        .where(store_orders.c.id == row.id)
    ).one()
    address = None
    if row.address_id is not None:
        a = conn.execute(select(store_addresses).where(store_addresses.c.id == row.address_id)).one()
        address = PostalAddress(
            name=a.name,
            line1=a.line1,
            city=a.city,
            country_code=a.country_code,
            line2=a.line2,
            line3=a.line3,
            postal_code=a.postal_code,
            state_or_region=a.state_or_region,
            phone=a.phone,
            company=a.company,
        )
    lines = tuple(
        OrderLine(
            sku=ln.sku,
            quantity=ln.quantity,
            unit_price=Money(ln.unit_price, currency),
            tax=Money(ln.tax, currency),
            title=ln.title,
            asin=ln.asin,
            amazon_item_id=ln.amazon_item_id,
        )
        for ln in conn.execute(
            select(store_order_lines)
            .where(store_order_lines.c.order_id == row.id)
            .order_by(store_order_lines.c.position)
        )
    )
    history = tuple(
        (h.at, ShopOrderStatus(h.status))
        for h in conn.execute(
            select(store_status_history.c.at, store_status_history.c.status)
            .where(store_status_history.c.order_id == row.id)
            .order_by(store_status_history.c.id)
        )
    )
    return StoredOrderDetail(
        order=order,
        customer_name=extra.name,
        customer_email=extra.email,
        address=address,
        lines=lines,
        shipping=Money(extra.shipping, currency),
        shipping_tax=Money(extra.shipping_tax, currency),
        service_level=extra.service_level,
        programs=tuple(p for p in extra.programs.split(",") if p),
        history=history,
    )
