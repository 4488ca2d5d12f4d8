"""`BuiltinStore`: customers, addresses, orders, lines and status history in the ledger's database.

Exactly-once is a database constraint here: UNIQUE (shop, amazon_order_id) on `store_orders`. A second
`create_order` for the same Amazon order, even from another process racing this one, returns the order
that exists instead of creating another.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from amzorders.clock import Clock
from amzorders.ledger.batch import execute_many, insert_returning_ids
from amzorders.ledger.schema import (
    store_addresses,
    store_customers,
    store_order_lines,
    store_orders,
    store_status_history,
)
from amzorders.money import total
from amzorders.shops.builtin.views import StoredOrder, StoredOrderDetail, load_detail, stored_order
from amzorders.shops.port import OrderDraft, ShopError, ShopOrder, ShopOrderStatus, ShopUnavailable

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_REFERENCE_LENGTH = 10
assert len(_REFERENCE_ALPHABET) == 32  # `_new_reference` takes 5 bits a character


class OrderNotFound(ShopError):
    """No order with this reference in the store (deleted by hand?); reconciliation recreates it."""

    retryable = False


class BuiltinStore:
    """The embedded shop (implements `amzorders.shops.port.Shop`)."""

    def __init__(self, engine: Engine, clock: Clock, name: str = "builtin") -> None:
        self.engine = engine
        self.clock = clock
        self.name = name
        # The creation path's lookups, built once (building a statement costs more than running it).
        self._existing = self._select().where(
            store_orders.c.amazon_order_id.in_(bindparam("ids", expanding=True))
        )
        self._known_customers = select(store_customers.c.email, store_customers.c.id).where(
            store_customers.c.shop == self.name,
            store_customers.c.email.in_(bindparam("emails", expanding=True)),
        )

    # --- The Shop port ----------------------------------------------------------------------------------

    def find_by_amazon_id(self, amazon_order_id: str) -> ShopOrder | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                self._select().where(store_orders.c.amazon_order_id == amazon_order_id)
            ).first()
        return stored_order(row).as_shop_order() if row else None

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        return self.create_orders([draft])[0]

    def create_orders(self, drafts: Sequence[OrderDraft]) -> list[ShopOrder]:
        """Create many orders in one transaction (the engine's batch path); existing ones are returned."""
        if not drafts:
            return []
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    return self._create_all(conn, drafts)
            except IntegrityError:
                if attempt == 2:  # a concurrent creator keeps winning: give up, the engine retries later
                    raise ShopError("concurrent creation conflict in the built-in store") from None
            except DBAPIError as exc:  # locked, connection lost: retried by the push with backoff
                raise ShopUnavailable(f"the built-in store's database: {type(exc.orig).__name__}") from exc
        raise AssertionError("unreachable")

    def set_status(self, reference: str, status: ShopOrderStatus) -> None:
        error = self.set_statuses([(reference, status)])[reference]
        if error is not None:
            raise error

    def set_statuses(self, changes: Sequence[tuple[str, ShopOrderStatus]]) -> dict[str, ShopError | None]:
        """Move many orders in one transaction (the engine's batch path); per reference, None or the error."""
        now = self.clock.now()
        wanted = {reference: ShopOrderStatus(status) for reference, status in changes}
        results: dict[str, ShopError | None] = {}
        with self.engine.begin() as conn:
            current = {
                row.reference: row
                for row in conn.execute(_BY_REFERENCES, {"references": list(wanted)})
                if row.shop == self.name
            }
            moves = []
            for reference, status in wanted.items():
                row = current.get(reference)
                results[reference] = None
                if row is None:
                    results[reference] = OrderNotFound(
                        f"no order {reference} in the built-in store {self.name!r}"
                    )
                elif row.status == status:
                    continue
                elif row.status == ShopOrderStatus.CANCELLED:
                    message = f"order {reference} is cancelled and cannot become {status}"
                    results[reference] = ShopError(message, retryable=False)
                else:
                    moves.append({"_id": row.id, "status": status, "updated_at": now})
            if moves:
                execute_many(conn, _STATUS_UPDATE, moves)
                history = [{"order_id": m["_id"], "status": m["status"], "at": now} for m in moves]
                execute_many(conn, _HISTORY_INSERT, history)
        return results

    def find_by_amazon_ids(self, amazon_order_ids: Sequence[str]) -> dict[str, ShopOrder]:
        """Batch lookup (reconciliation): the store's orders among these Amazon ids."""
        found: dict[str, ShopOrder] = {}
        ids = list(amazon_order_ids)
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = self._select().where(store_orders.c.amazon_order_id.in_(ids[start : start + 500]))
                found.update(
                    {row.amazon_order_id: stored_order(row).as_shop_order() for row in conn.execute(query)}
                )
        return found

    # --- Read side (orders list/show, reports) ----------------------------------------------------------

    def get_order(self, reference: str) -> StoredOrderDetail | None:
        """An order by its store reference, or by its Amazon order id."""
        with self.engine.connect() as conn:
            query = self._select(store_orders.c.id, store_orders.c.customer_id, store_orders.c.address_id)
            row = conn.execute(query.where(store_orders.c.reference == reference)).first()
            if row is None:
                row = conn.execute(query.where(store_orders.c.amazon_order_id == reference)).first()
            if row is None:
                return None
            return load_detail(conn, row)

    def list_orders(
        self,
        *,
        account: str | None = None,
        status: ShopOrderStatus | str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[StoredOrder]:
        """Newest first; `since` filters on the store's creation time."""
        query = self._filtered(self._select(), account, status, since)
        query = query.order_by(store_orders.c.created_at.desc(), store_orders.c.id.desc())
        with self.engine.connect() as conn:
            return [stored_order(row) for row in conn.execute(query.limit(limit).offset(offset))]

    def iter_orders(self, *, batch_size: int = 2000) -> Iterator[StoredOrder]:
        """Every order, oldest first, fetched in batches (never the whole store in memory)."""
        last_id = 0
        while True:
            query = self._select(store_orders.c.id).where(store_orders.c.id > last_id)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(store_orders.c.id).limit(batch_size)).all()
            if not rows:
                return
            for row in rows:
                yield stored_order(row)
            last_id = rows[-1].id

    def count_orders(self, *, account: str | None = None, status: ShopOrderStatus | str | None = None) -> int:
        query = self._filtered(select(func.count()).select_from(store_orders), account, status, None)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def delete_order(self, reference: str) -> bool:
        """Remove an order (an operator's manual fix); the next reconciliation recreates it if due."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(store_orders).where(
                    store_orders.c.shop == self.name, store_orders.c.reference == reference
                )
            )
        return result.rowcount > 0

    # --- Internals --------------------------------------------------------------------------------------

    def _select(self, *extra: Any):
        c = store_orders.c
        columns = (c.reference, c.amazon_order_id, c.account, c.marketplace_id, c.status, c.fulfilled_by)
        columns += (c.total, c.currency, c.purchased_at, c.created_at, c.updated_at)
        return select(*columns, *extra).where(c.shop == self.name)

    def _filtered(self, query, account, status, since):
        if account is not None:
            query = query.where(store_orders.c.account == account)
        if status is not None:
            query = query.where(store_orders.c.status == ShopOrderStatus(status))
        if since is not None:
            query = query.where(store_orders.c.created_at >= since)
        return query.where(store_orders.c.shop == self.name)

    def _create_all(self, conn: Connection, drafts: Sequence[OrderDraft]) -> list[ShopOrder]:
        now = self.clock.now()
        ids = list(dict.fromkeys(d.amazon_order_id for d in drafts))
        existing = {
            row.amazon_order_id: stored_order(row).as_shop_order()
            for row in conn.execute(self._existing, {"ids": ids})
        }
        todo = list({d.amazon_order_id: d for d in drafts if d.amazon_order_id not in existing}.values())
        if todo:
            customers = self._customers(conn, todo, now)
            addresses = self._addresses(conn, todo, customers)
            created = self._insert_orders(conn, todo, customers, addresses, now)
            existing.update(created)
        return [existing[d.amazon_order_id] for d in drafts]

    def _customers(self, conn: Connection, drafts: Sequence[OrderDraft], now: datetime) -> list[int]:
        """One customer per buyer e-mail (Amazon's are per-buyer aliases); one per order without one."""
        emails = {d.buyer_email for d in drafts if d.buyer_email}
        known: dict[str, int] = {}
        if emails:
            known = {
                row.email: row.id for row in conn.execute(self._known_customers, {"emails": list(emails)})
            }
        missing = [d for d in drafts if not d.buyer_email or d.buyer_email not in known]
        fresh = {d.buyer_email: d for d in missing if d.buyer_email}
        anonymous = [d for d in missing if not d.buyer_email]
        rows = [
            {"shop": self.name, "email": d.buyer_email, "name": d.buyer_name, "created_at": now}
            for d in [*fresh.values(), *anonymous]
        ]
        new_ids = insert_returning_ids(conn, store_customers, rows, "email")
        known.update(zip(fresh.keys(), new_ids[: len(fresh)], strict=True))
        anonymous_ids = iter(new_ids[len(fresh) :])
        return [known[d.buyer_email] if d.buyer_email else next(anonymous_ids) for d in drafts]

    def _addresses(
        self, conn: Connection, drafts: Sequence[OrderDraft], customers: list[int]
    ) -> list[int | None]:
        rows = []
        for draft, customer_id in zip(drafts, customers, strict=True):
            a = draft.delivery_address
            if a is not None:
                rows.append(
                    {
                        "customer_id": customer_id,
                        "name": a.name,
                        "company": a.company,
                        "line1": a.line1,
                        "line2": a.line2,
                        "line3": a.line3,
                        "city": a.city,
                        "postal_code": a.postal_code,
                        "state_or_region": a.state_or_region,
                        "country_code": a.country_code,
                        "phone": a.phone,
                    }
                )
        new_ids = iter(insert_returning_ids(conn, store_addresses, rows, "customer_id"))
        return [next(new_ids) if d.delivery_address is not None else None for d in drafts]

    def _insert_orders(self, conn, drafts, customers, addresses, now) -> dict[str, ShopOrder]:
        rows = []
        for draft, customer_id, address_id in zip(drafts, customers, addresses, strict=True):
            currency = draft.currency
            rows.append(
                {
                    "shop": self.name,
                    "reference": _new_reference(),
                    "amazon_order_id": draft.amazon_order_id,
                    "account": draft.account,
                    "marketplace_id": draft.marketplace_id,
                    "customer_id": customer_id,
                    "address_id": address_id,
                    "currency": currency,
                    "purchased_at": draft.purchased_at,
                    "fulfilled_by": draft.fulfilled_by,
                    "service_level": draft.service_level,
                    "programs": ",".join(draft.programs),
                    "status": draft.status,
                    "products_total": total(
                        (ln.unit_price * ln.quantity for ln in draft.lines), currency
                    ).amount,
                    "tax_total": total((ln.tax for ln in draft.lines), currency).amount,
                    "shipping": draft.shipping.amount,
                    "shipping_tax": draft.shipping_tax.amount,
                    "total": draft.total.amount,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        order_ids = insert_returning_ids(conn, store_orders, rows, "reference")
        lines = [
            {
                "order_id": order_id,
                "position": position,
                "sku": line.sku,
                "asin": line.asin,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
                "tax": line.tax.amount,
                "amazon_item_id": line.amazon_item_id,
            }
            for draft, order_id in zip(drafts, order_ids, strict=True)
            for position, line in enumerate(draft.lines, start=1)
        ]
        execute_many(conn, _LINES_INSERT, lines)
        history = [
            {"order_id": order_id, "status": d.status, "at": now}
            for d, order_id in zip(drafts, order_ids, strict=True)
        ]
        execute_many(conn, _HISTORY_INSERT, history)
        return {
            d.amazon_order_id: ShopOrder(
                row["reference"], d.amazon_order_id, ShopOrderStatus(d.status), d.total
            )
            for d, row in zip(drafts, rows, strict=True)
        }


def _new_reference() -> str:
    """10 characters of the 32-letter alphabet, uniformly drawn: 5 bits each from one 50-bit draw (one
    call to the system's random source instead of ten)."""
    bits = secrets.randbits(5 * _REFERENCE_LENGTH)
    return "".join(_REFERENCE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(_REFERENCE_LENGTH))


# Hot-path statements, built once. References are unique across shops: looking them up by reference
# alone (the shop checked on the rows) keeps SQLite on the reference index; with `shop = ?` beside the IN
# list it chose the (shop, created_at) index and read every order of the shop, a cost that grew with
# the store (a month of orders: ~8 ms a call).
_s = store_orders.c
_BY_REFERENCES = select(_s.id, _s.reference, _s.status, _s.shop).where(
    _s.reference.in_(bindparam("references", expanding=True))
)
_STATUS_UPDATE = update(store_orders).where(_s.id == bindparam("_id"))
_HISTORY_INSERT = insert(store_status_history)
_LINES_INSERT = insert(store_order_lines)
