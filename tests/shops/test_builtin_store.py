"""The built-in store on real SQLite and PostgreSQL: one order per Amazon order, exact amounts, history."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from amzorders.ledger.db import open_ledger
from amzorders.money import Money
from amzorders.shops.builtin import BuiltinStore, OrderNotFound
from amzorders.shops.port import (
    OrderDraft,
    OrderLine,
    PostalAddress,
    ShopError,
    ShopOrderStatus,
    ShopUnavailable,
)


def draft(order_id: str = "402-0000001-0000001", *, email: str | None = "a@marketplace.amazon.fr", **kw):
    eur = lambda v: Money.of(v, "EUR")  # noqa: E731
    values = dict(
        amazon_order_id=order_id,
        account="main",
        marketplace_id="A13V1IB3VIYZZH",
        currency="EUR",
        purchased_at=datetime(2026, 10, 30, 9, 15, tzinfo=UTC),
        fulfilled_by="MERCHANT",
        service_level="STANDARD",
        status=ShopOrderStatus.TO_SHIP,
        lines=(
            OrderLine("SKU-1", 2, eur("9.99"), eur("4.00"), title="Mug", asin="B000000001"),
            OrderLine("SKU-2", 1, eur("0.015"), eur("0.00")),
        ),
        shipping=eur("4.90"),
        shipping_tax=eur("0.98"),
        total=eur("29.875"),
        buyer_name="Jeanne Martin",
        buyer_email=email,
        delivery_address=PostalAddress(
            "Jeanne Martin", "1 rue de la Paix", "Paris", "FR", postal_code="75002"
        ),
        programs=("PRIME",),
    )
    values.update(kw)
    return OrderDraft(**values)


@pytest.fixture
def store(db_url, clock):
    engine = open_ledger(db_url)
    yield BuiltinStore(engine, clock)
    engine.dispose()


def test_create_then_read_back_exactly(store, clock):
    created = store.create_order(draft())
    assert created.amazon_order_id == "402-0000001-0000001"
    assert created.status is ShopOrderStatus.TO_SHIP
    detail = store.get_order(created.reference)
    assert detail is not None
    assert detail.order.total == Money.of("29.875", "EUR")  # exact, not a float
    assert [ln.sku for ln in detail.lines] == ["SKU-1", "SKU-2"]
    assert detail.lines[1].unit_price == Money.of("0.015", "EUR")
    assert detail.shipping_tax == Money.of("0.98", "EUR")
    assert detail.address is not None and detail.address.postal_code == "75002"
    assert detail.customer_email == "a@marketplace.amazon.fr"
    assert detail.programs == ("PRIME",)
    assert detail.history == ((clock.now(), ShopOrderStatus.TO_SHIP),)
    assert store.get_order("402-0000001-0000001").order.reference == created.reference


def test_second_create_returns_the_existing_order(store):
    first = store.create_order(draft())
    again = store.create_order(draft(status=ShopOrderStatus.SHIPPED))
    assert again.reference == first.reference
    assert store.count_orders() == 1
    assert store.find_by_amazon_id("402-0000001-0000001").reference == first.reference
    assert store.find_by_amazon_id("402-9999999-9999999") is None


def test_batch_create_mixes_new_existing_and_repeated(store):
    store.create_order(draft("A"))
    result = store.create_orders([draft("A"), draft("B", email=None), draft("C"), draft("B", email=None)])
    assert [o.amazon_order_id for o in result] == ["A", "B", "C", "B"]
    assert result[1].reference == result[3].reference
    assert store.count_orders() == 3
    # the same buyer e-mail is one customer
    emails = {store.get_order(x).customer_email for x in "AC"}
    assert emails == {"a@marketplace.amazon.fr"}


def test_status_changes_are_recorded_and_cancel_is_final(store, clock):
    ref = store.create_order(draft()).reference
    clock.advance(60)
    store.set_status(ref, ShopOrderStatus.SHIPPED)
    store.set_status(ref, ShopOrderStatus.SHIPPED)  # no-op, no second history row
    clock.advance(60)
    store.set_status(ref, ShopOrderStatus.CANCELLED)
    history = [status for _, status in store.get_order(ref).history]
    assert history == [ShopOrderStatus.TO_SHIP, ShopOrderStatus.SHIPPED, ShopOrderStatus.CANCELLED]
    with pytest.raises(ShopError) as err:
        store.set_status(ref, ShopOrderStatus.SHIPPED)
    assert not err.value.retryable
    with pytest.raises(OrderNotFound):
        store.set_status("NOPE", ShopOrderStatus.SHIPPED)


def test_list_count_iterate_and_delete(store, clock):
    for n in range(5):
        store.create_order(
            draft(f"O{n}", status=ShopOrderStatus.SHIPPED if n % 2 else ShopOrderStatus.TO_SHIP)
        )
        clock.advance(10)
    assert [o.amazon_order_id for o in store.list_orders(limit=2)] == ["O4", "O3"]
    assert store.count_orders(status="shipped") == 2
    assert store.count_orders(account="other") == 0
    assert [o.amazon_order_id for o in store.iter_orders(batch_size=2)] == [f"O{n}" for n in range(5)]
    ref = store.find_by_amazon_id("O2").reference
    assert store.delete_order(ref)
    assert store.find_by_amazon_id("O2") is None
    assert store.count_orders() == 4


def test_concurrent_creators_make_one_order(sqlite_url, clock):
    engine = open_ledger(sqlite_url)
    stores = [BuiltinStore(engine, clock) for _ in range(4)]
    refs: list[str] = []
    barrier = threading.Barrier(4)

    def create(store):
        barrier.wait()
        refs.append(store.create_order(draft()).reference)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(refs)) == 1
    assert stores[0].count_orders() == 1


def test_batch_status_moves_stay_within_the_store(store, db_url, clock):
    """References are looked up by themselves (the unique index); another shop's order is not found."""
    mine = [store.create_order(draft(f"M{n}")).reference for n in range(3)]
    other = BuiltinStore(store.engine, clock, name="other-shop")
    theirs = other.create_order(draft("T1")).reference
    errors = store.set_statuses(
        [(mine[0], ShopOrderStatus.SHIPPED), (mine[1], ShopOrderStatus.TO_SHIP), (theirs, "shipped")]
    )
    assert errors[mine[0]] is None and errors[mine[1]] is None
    assert isinstance(errors[theirs], OrderNotFound)
    assert other.find_by_amazon_id("T1").status is ShopOrderStatus.TO_SHIP  # untouched
    assert store.find_by_amazon_id("M0").status is ShopOrderStatus.SHIPPED
    assert [s for _, s in store.get_order(mine[1]).history] == [ShopOrderStatus.TO_SHIP]  # no-op move


def test_references_are_ten_letters_of_the_alphabet(store):
    from amzorders.shops.builtin.store import _REFERENCE_ALPHABET

    references = {store.create_order(draft(f"R{n}")).reference for n in range(50)}
    assert len(references) == 50
    assert all(len(r) == 10 and set(r) <= set(_REFERENCE_ALPHABET) for r in references)


def test_a_database_failure_is_the_store_being_unavailable_and_names_no_buyer(store):
    """A transient database error while creating (locked, connection lost) is `ShopUnavailable` (the push
    retries with backoff), and neither it nor the driver's error carries the statement's values: that
    text goes into the order's last error, its history, the log and alerts, and the values are the
    buyer's e-mail, name and address."""
    from sqlalchemy import event

    dbapi = store.engine.dialect.loaded_dbapi

    def locked(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO STORE_CUSTOMERS"):
            raise dbapi.OperationalError("database is locked")

    event.listen(store.engine, "before_cursor_execute", locked)
    try:
        with pytest.raises(ShopUnavailable, match="built-in store's database: OperationalError") as failed:
            store.create_order(draft(email="jeanne.m@marketplace.amazon.fr"))
    finally:
        event.remove(store.engine, "before_cursor_execute", locked)
    told = f"{failed.value} {failed.value.__cause__}"
    assert "INSERT INTO store_customers" in told  # the statement is named...
    assert "jeanne.m@" not in told and "Jeanne Martin" not in told  # ...its values are not
    assert store.count_orders() == 0
    assert store.create_order(draft()).status is ShopOrderStatus.TO_SHIP  # the next try goes through
