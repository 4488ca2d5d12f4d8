"""The orders table: newest snapshot wins whatever the page order, bad JSON parked, shop work and PII."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from amzorders.clock import format_instant
from amzorders.ledger.bookkeeping import Bookkeeping
from amzorders.ledger.db import open_ledger
from amzorders.ledger.orders import OrderBook, Repair, ShopOutcome
from amzorders.ledger.schema import orders
from amzorders.ledger.shop_work import ActedOn
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.shops.port import ShopOrderStatus
from amzorders.sync.rules import plan_snapshot
from ledger.conftest import statements_sent
from ledger.order_json import amazon_order


def planner(order, known):
    return plan_snapshot(order, known)


def at(clock, minutes: int) -> str:
    return format_instant(clock.now() + timedelta(minutes=minutes))


def record(book, clock, *raws):
    return book.record_snapshots("main", list(raws), seen_at=clock.now(), planner=planner)


def test_new_orders_are_recorded_with_their_shop_state(book, clock):
    result = record(
        book,
        clock,
        amazon_order("A", status="PENDING"),
        amazon_order("B", status="UNSHIPPED"),
        amazon_order("C", status="UNSHIPPED", fulfilled_by="AMAZON"),
        amazon_order("D", status="CANCELLED"),
    )
    assert (result.seen, result.new, result.changed) == (4, 4, 0)
    states = {x: book.get("main", x).shop_state for x in "ABCD"}
    assert states == {"A": "waiting", "B": "to_create", "C": "waiting", "D": "cancelled"}
    b = book.get("main", "B")
    assert b.target_status == "to_ship" and b.importable_at == clock.now()
    assert b.raw()["orderId"] == "B"
    assert [e["kind"] for e in book.events("main", "B")] == ["seen"]


def test_an_older_snapshot_never_overwrites_a_newer_one(book, clock):
    newer = amazon_order("A", status="SHIPPED", updated=at(clock, 30))
    older = amazon_order("A", status="UNSHIPPED", updated=at(clock, 10))
    record(book, clock, newer)
    result = record(book, clock, older)  # a late page
    assert result.stale == 1 and result.changed == 0
    assert book.get("main", "A").status == "SHIPPED"
    # within one page too: the newest version wins whatever its position
    record(
        book,
        clock,
        amazon_order("B", status="SHIPPED", updated=at(clock, 30)),
        amazon_order("B", updated=at(clock, 5)),
    )
    assert book.get("main", "B").status == "SHIPPED"


def test_an_equal_snapshot_is_a_no_op_and_a_newer_one_moves_the_order(book, clock):
    record(book, clock, amazon_order("A", status="PENDING"))
    assert record(book, clock, amazon_order("A", status="PENDING")).changed == 0
    clock.advance(600)
    result = record(book, clock, amazon_order("A", status="UNSHIPPED", updated=at(clock, 0)))
    assert result.changed == 1
    row = book.get("main", "A")
    assert (row.status, row.shop_state, row.status_since) == ("UNSHIPPED", "to_create", clock.now())
    assert [e["kind"] for e in book.events("main", "A")] == ["seen", "status"]


def test_unreadable_orders_are_parked_and_the_others_go_on(book, clock):
    bad = amazon_order("BAD")
    bad["createdTime"] = "yesterday"
    result = record(book, clock, bad, amazon_order("GOOD"), {"no": "id"})
    assert result.new == 2 and len(result.unreadable) == 2
    assert any("order BAD" in problem and "createdTime" in problem for problem in result.unreadable)
    assert any("without orderId" in problem for problem in result.unreadable)
    row = book.get("main", "BAD")
    assert (row.shop_state, row.park_reason) == ("parked", "data")
    assert "createdTime" in row.last_error
    assert book.get("main", "GOOD").shop_state == "to_create"
    # Amazon fixes the data: the new snapshot is re-evaluated
    record(book, clock, amazon_order("BAD", updated=at(clock, 1)))
    row = book.get("main", "BAD")
    assert (row.shop_state, row.park_reason, row.last_error) == ("to_create", None, None)


def test_due_orders_and_shop_outcomes(book, clock):
    record(book, clock, *(amazon_order(f"O{n}") for n in range(5)), amazon_order("W", status="PENDING"))
    due = book.due_for_shop("main", clock.now(), limit=3)
    assert [o.amazon_order_id for o in due] == ["O0", "O1", "O2"]
    assert [o.amazon_order_id for o in book.due_for_shop("main", clock.now(), after_id=due[-1].id)] == [
        "O3",
        "O4",
    ]
    later = clock.now() + timedelta(minutes=5)
    book.record_shop_outcomes(
        [
            ShopOutcome(
                due[0].id, ShopState.CREATED, "shop_created", shop_status="to_ship", shop_reference="R0"
            ),
            ShopOutcome(
                due[1].id,
                ShopState.FAILED,
                "shop_failed",
                attempts=1,
                next_attempt_at=later,
                last_error="503",
            ),
            ShopOutcome(
                due[2].id, ShopState.PARKED, "parked", park_reason=ParkReason.REJECTED, last_error="no"
            ),
        ],
        at=clock.now(),
    )
    assert [o.amazon_order_id for o in book.due_for_shop("main", clock.now())] == ["O3", "O4"]
    assert "O1" in [o.amazon_order_id for o in book.due_for_shop("main", later)]
    assert book.has_due("main", clock.now())
    assert book.count_by_state("main") == {
        "created": 1,
        "failed": 1,
        "parked": 1,
        "to_create": 2,
        "waiting": 1,
    }
    # a failed creation keeps its backoff when a newer snapshot arrives; a rejected park stays parked
    record(book, clock, amazon_order("O1", status="SHIPPED", updated=at(clock, 1)))
    record(book, clock, amazon_order("O2", status="SHIPPED", updated=at(clock, 1)))
    assert book.get("main", "O1").shop_state == "failed" and book.get("main", "O1").target_status == "shipped"
    assert book.get("main", "O2").shop_state == "parked"
    # a created order that ships goes to_update
    record(book, clock, amazon_order("O0", status="SHIPPED", updated=at(clock, 1)))
    row = book.get("main", "O0")
    assert (row.shop_state, row.shop_status, row.target_status, row.shop_reference) == (
        "to_update",
        "to_ship",
        "shipped",
        "R0",
    )


def test_an_outcome_is_written_only_while_the_row_holds_what_its_shop_call_acted_on(book, clock):
    """A shop call takes minutes: a repair or a park by hand meanwhile changes the row's plan. The
    outcome of the call is then handed back (to be planned again), not written over them."""
    record(book, clock, *(amazon_order(x) for x in "ABC"))
    a, b, c = book.due_for_shop("main", clock.now())

    def created(order, reference):
        return ShopOutcome(
            order.id,
            ShopState.CREATED,
            "shop_created",
            shop_status="to_ship",
            shop_reference=reference,
            acted_on=ActedOn.of(order),
        )

    book.apply_repairs(
        [Repair(b.id, ShopState.TO_UPDATE, ShopOrderStatus.CANCELLED, "shop differs", "S-9", "to_ship")],
        at=clock.now(),
    )
    assert book.park("main", "C", "customer asked to hold", at=clock.now())
    moved = book.record_shop_outcomes(
        [created(a, "S-1"), created(b, "S-2"), created(c, "S-3")], at=clock.now()
    )
    assert book.get("main", "A").shop_reference == "S-1"  # unchanged row: written
    assert {m.outcome.order_id: m.now.shop_state for m in moved} == {b.id: "to_update", c.id: "parked"}
    by_id = {m.outcome.order_id: m for m in moved}
    assert by_id[c.id].now.park_reason == ParkReason.REJECTED
    assert by_id[c.id].last_error == "customer asked to hold"
    assert book.get("main", "B").shop_reference == "S-9" and book.get("main", "C").shop_state == "parked"


def test_pending_watch_selection(book, clock):
    record(
        book, clock, amazon_order("P1", status="PENDING"), amazon_order("P2", status="PENDING_AVAILABILITY")
    )
    record(book, clock, amazon_order("U", status="UNSHIPPED"))
    statuses = ["PENDING", "PENDING_AVAILABILITY"]

    def due():
        since = clock.now() - timedelta(hours=1)
        found = book.pending_to_watch(
            "main", statuses=statuses, unchanged_since=since, now=clock.now(), limit=10
        )
        return sorted(order_id for _, order_id, _ in found)

    assert due() == []  # not pending long enough
    clock.advance(3 * 3600)
    assert due() == ["P1", "P2"]
    p1 = book.get("main", "P1").id
    book.mark_checked([(p1, clock.now() + timedelta(hours=2))], clock.now())
    assert due() == ["P2"]
    clock.advance(2 * 3600)
    assert due() == ["P1", "P2"]
    row = book.get("main", "P1")
    assert row.last_checked_at == clock.now() - timedelta(hours=2)
    # once it moves, it is no longer watched
    record(book, clock, amazon_order("P1", status="UNSHIPPED", updated=at(clock, 0)))
    assert due() == ["P2"]


def test_pii_is_purged_after_the_retention(book, clock):
    record(book, clock, amazon_order("OLD", created="2026-07-01T10:00:00Z"), amazon_order("NEW"))
    assert book.purge_pii(clock.now() - timedelta(days=90)) == 1
    old, new = book.get("main", "OLD"), book.get("main", "NEW")
    assert old.pii_purged and "buyer" not in old.raw() and "recipient" not in old.raw()
    assert old.raw()["orderItems"]  # the rest of the snapshot stays
    assert "Jeanne" in json.dumps(new.raw())
    assert book.purge_pii(clock.now() - timedelta(days=90)) == 0  # idempotent


def test_pii_of_an_order_amazon_sent_unreadable_is_purged_too(book, clock):
    """A parked unreadable order has no creation time in the ledger, but its snapshot still names the
    buyer: it is purged by when it was first seen."""
    bad = amazon_order("BAD")
    bad["orderItems"] = "not a list"
    record(book, clock, bad)
    assert book.get("main", "BAD").created_time is None and "Jeanne" in json.dumps(
        book.get("main", "BAD").raw()
    )
    assert book.purge_pii(clock.now() - timedelta(days=1)) == 0  # first seen after that cutoff
    assert book.purge_pii(clock.now() + timedelta(seconds=1)) == 1
    row = book.get("main", "BAD")
    assert row.pii_purged and "buyer" not in row.raw() and "recipient" not in row.raw()


def test_manual_park_and_retry(book, clock):
    record(book, clock, amazon_order("A"))
    assert book.park("main", "A", "customer asked to hold", at=clock.now())
    assert not book.due_for_shop("main", clock.now())
    assert book.retry("main", "A", at=clock.now())
    assert [o.amazon_order_id for o in book.due_for_shop("main", clock.now())] == ["A"]
    assert not book.park("main", "NOPE", "x", at=clock.now())


def test_the_push_gets_the_recorded_version_without_parsing_it_again(book, ledger, clock):
    record(book, clock, amazon_order("A", status="UNSHIPPED"))
    row = book.get("main", "A")
    first = book.parsed(row)
    assert first is book.parsed(row) and first.order_id == "A"
    # another process records a newer version: the row's snapshot wins over this process's memo
    other = OrderBook(ledger)
    other.record_snapshots(
        "main",
        [amazon_order("A", status="SHIPPED", updated=at(clock, 30))],
        seen_at=clock.now(),
        planner=planner,
    )
    newer = book.parsed(book.get("main", "A"))
    assert newer.fulfillment_status == "SHIPPED" and newer is not first
    # purged PII is never handed back from memory
    record(book, clock, amazon_order("B"))
    book.purge_pii(clock.now() + timedelta(days=1))
    purged = book.get("main", "B")
    assert purged.pii_purged and book.parsed(purged).buyer is None


def test_a_re_read_of_a_committed_version_needs_no_query(book, ledger, clock):
    page = [
        amazon_order("A", updated=at(clock, 0)),
        amazon_order("B", status="PENDING", updated=at(clock, 0)),
    ]
    record(book, clock, *page)
    with statements_sent(ledger, "SELECT") as selects:
        again = record(book, clock, *page)
    assert (again.seen, again.new, again.changed) == (2, 0, 0) and not selects
    # an older version is stale without a query; a newer one is looked up and written as before
    assert record(book, clock, amazon_order("A", status="PENDING", updated=at(clock, -10))).stale == 1
    result = record(book, clock, amazon_order("B", status="UNSHIPPED", updated=at(clock, 5)))
    assert result.changed == 1 and book.get("main", "B").status == "UNSHIPPED"
    assert book.get("main", "A").status == "UNSHIPPED"


def test_a_version_is_remembered_only_once_committed(book, clock):
    def fail(_conn):
        raise RuntimeError("lock lost")

    with pytest.raises(RuntimeError):
        book.record_snapshots("main", [amazon_order("A")], seen_at=clock.now(), planner=planner, also=fail)
    assert book.get("main", "A") is None
    assert record(book, clock, amazon_order("A")).new == 1  # not skipped as already held


def test_a_newer_version_from_another_process_is_still_seen(book, ledger, clock):
    record(book, clock, amazon_order("A", status="UNSHIPPED"))
    OrderBook(ledger).record_snapshots(
        "main",
        [amazon_order("A", status="SHIPPED", updated=at(clock, 30))],
        seen_at=clock.now(),
        planner=planner,
    )
    # this process only remembers the older version: an even newer one is compared with the row
    result = record(book, clock, amazon_order("A", status="CANCELLED", updated=at(clock, 20)))
    assert result.stale == 1 and book.get("main", "A").status == "SHIPPED"


def test_a_page_inserts_its_new_orders_in_amazon_order_id_order(book, clock):
    """The lock order every writer of the orders table keeps (see `OrderBook`), whatever the page's
    order: two passes inserting the same new orders in opposite orders deadlocked on PostgreSQL."""
    record(book, clock, *(amazon_order(x, status="UNSHIPPED") for x in ("C", "A", "D", "B")))
    ids = {x: book.get("main", x).id for x in "ABCD"}
    assert sorted(ids, key=ids.__getitem__) == ["A", "B", "C", "D"]


@pytest.mark.postgres
def test_a_page_rolled_back_for_a_deadlock_is_recorded_again(pg_url, clock):
    """Another writer holds order B (uncommitted) while this page inserts A then waits for B; the other
    then inserts A: PostgreSQL breaks the cycle by rolling back the page that waited first. The page is
    recorded again instead of failing its run, and each order is in the ledger once."""
    ledger = open_ledger(pg_url)
    Bookkeeping(ledger).ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    other, page = OrderBook(ledger), OrderBook(ledger)
    a, b = amazon_order("A", status="UNSHIPPED"), amazon_order("B", status="UNSHIPPED")
    b_held = threading.Event()
    errors: list[BaseException] = []

    def page_waits_for_b(conn) -> None:
        if b_held.is_set():
            return  # a retry of the other writer: nothing more to hold
        b_held.set()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(ledger):  # the page inserted A and waits for B
            assert time.monotonic() < deadline, "the page never waited for B"
            time.sleep(0.02)
        other._record(conn, "main", [a], clock.now(), planner, [])  # the same writer's code: A next

    def run(write) -> None:
        try:
            write()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    holder = threading.Thread(
        target=run,
        args=(
            lambda: other.record_snapshots(
                "main", [b], seen_at=clock.now(), planner=planner, also=page_waits_for_b
            ),
        ),
    )
    holder.start()
    assert b_held.wait(10)
    run(lambda: record(page, clock, a, b))
    holder.join(30)
    try:
        assert errors == []
        assert {x: page.get("main", x).status for x in "AB"} == {"A": "UNSHIPPED", "B": "UNSHIPPED"}
    finally:
        ledger.dispose()


def _waiting_for_a_lock(ledger) -> bool:
    with ledger.connect() as conn:
        waiting = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(waiting.scalar())


@pytest.mark.postgres
def test_the_pii_purge_never_puts_back_an_older_snapshot(pg_url, clock):
    """A newer version of an old order is being written (uncommitted) when the purge reads the order:
    the purge waits for it and purges the newer snapshot. It used to rewrite the row with the older one,
    so that the snapshot no longer matched the row's status and lastUpdatedTime."""
    ledger = open_ledger(pg_url)
    Bookkeeping(ledger).ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    book = OrderBook(ledger)
    created = "2026-07-01T10:00:00Z"
    record(book, clock, amazon_order("OLD", status="UNSHIPPED", created=created))
    newer = amazon_order("OLD", status="SHIPPED", created=created, updated=at(clock, 5))
    writing, purged = threading.Event(), []

    def purge_meanwhile(_conn) -> None:
        writing.set()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(ledger):  # the purge waits for the row being written
            assert time.monotonic() < deadline, "the purge never met the write"
            time.sleep(0.02)

    purge = threading.Thread(
        target=lambda: writing.wait(10) and purged.append(book.purge_pii(clock.now() - timedelta(days=90)))
    )
    purge.start()
    try:
        OrderBook(ledger).record_snapshots(
            "main", [newer], seen_at=clock.now(), planner=planner, also=purge_meanwhile
        )
        purge.join(30)
        row = book.get("main", "OLD")
        assert purged == [1] and row.pii_purged
        assert (row.status, row.raw()["fulfillment"]["fulfillmentStatus"]) == ("SHIPPED", "SHIPPED")
        assert row.raw()["lastUpdatedTime"] == newer["lastUpdatedTime"] and "buyer" not in row.raw()
    finally:
        ledger.dispose()


@pytest.mark.postgres
def test_a_new_version_is_planned_with_the_shop_outcome_written_meanwhile(pg_url, clock):
    """The push is writing that order A now exists in the shop (uncommitted) when the import records A's
    cancellation: the import waits for it and plans the cancellation of the shop order. It used to plan
    from the row as it was before ("never created": nothing to do), leaving the shop order to ship."""
    ledger = open_ledger(pg_url)
    Bookkeeping(ledger).ensure_account("main", "A1SELLER", ["A13V1IB3VIYZZH"], at=clock.now())
    book = OrderBook(ledger)
    record(book, clock, amazon_order("A", status="UNSHIPPED"))
    row_id = book.get("main", "A").id
    recorded = []
    importing = threading.Thread(
        target=lambda: recorded.append(
            record(book, clock, amazon_order("A", status="CANCELLED", updated=at(clock, 5)))
        )
    )
    try:
        with ledger.begin() as conn:  # the push's outcome: created in the shop, to ship
            conn.execute(
                update(orders)
                .where(orders.c.id == row_id)
                .values(shop_state=ShopState.CREATED, shop_status="to_ship", shop_reference="S-1")
            )
            importing.start()
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock(ledger):
                assert time.monotonic() < deadline, "the import never met the outcome being written"
                time.sleep(0.02)
        importing.join(30)
        row = book.get("main", "A")
        assert recorded and recorded[0].changed == 1
        assert (row.status, row.shop_state, row.target_status) == ("CANCELLED", "to_update", "cancelled")
    finally:
        ledger.dispose()
