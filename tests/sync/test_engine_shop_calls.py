"""A shop call takes minutes (a PrestaShop batch): what other passes and humans do meanwhile is kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta as td

from amzorders.ledger.orders import OrderBook
from amzorders.shops.port import ShopOrderStatus
from sync.conftest import START, ScenarioBuilder
from sync.engine_shops import GatedShop, LostAnswerShop

M = td(minutes=1)


@contextmanager
def during_a_creation(world, shop: GatedShop, engine) -> Iterator[list]:
    """The block runs while a push (on a thread, through `engine`) waits in the shop's creation call;
    yields the list the push's summary goes into once the call is released, at the block's end."""
    pushed: list = []
    pushing = threading.Thread(target=lambda: pushed.append(engine.push_to_shop(world.account)))
    pushing.start()
    try:
        assert shop.creating.wait(30)
        yield pushed
    finally:
        shop.release.set()
        pushing.join(30)
        engine.close()


def test_an_order_cancelled_while_the_shop_creates_it_is_cancelled_in_the_shop(make_world):
    """The import records a cancellation while a push (another job's) is creating the order in the shop.
    The creation's outcome must not put back the plan of the version it acted on: the order now exists in
    the shop and Amazon cancelled it, so the next push cancels it. (It stayed "to ship" in the shop until
    the next day's reconciliation, for the merchant to ship a cancelled order.)"""
    b = ScenarioBuilder(days=1)
    order = b.order("MERCHANT", [(M, "PENDING"), (4 * M, "UNSHIPPED"), (20 * M, "CANCELLED")])
    world = make_world(b.build())
    shop = GatedShop(world.store)
    engine = world.new_engine(store=shop, governor=world.engine.governor)
    world.clock.advance_to(START + 10 * M)
    assert engine.import_incremental(world.account).orders_seen == 1
    with during_a_creation(world, shop, engine) as pushed:
        world.clock.advance_to(START + 30 * M)
        assert engine.import_incremental(world.account).orders_seen == 1  # the cancellation
    assert pushed[0].created == 1 and world.shop_status(order) == ShopOrderStatus.TO_SHIP
    world.engine.push_to_shop(world.account)
    assert world.shop_status(order) == ShopOrderStatus.CANCELLED


def test_a_failed_creation_of_an_order_cancelled_meanwhile_is_still_in_its_history(make_world):
    """The shop fails to create an order while the import records its cancellation: the cancellation's
    plan stands (nothing to create once the shop is seen not to have it), and the failed call is still
    told in the order's history."""
    b = ScenarioBuilder(days=1)
    order = b.order("MERCHANT", [(M, "PENDING"), (4 * M, "UNSHIPPED"), (20 * M, "CANCELLED")])
    world = make_world(b.build())
    shop = GatedShop(world.store)
    shop.down = True
    engine = world.new_engine(store=shop, governor=world.engine.governor)
    world.clock.advance_to(START + 10 * M)
    assert engine.import_incremental(world.account).orders_seen == 1
    with during_a_creation(world, shop, engine):
        world.clock.advance_to(START + 30 * M)
        assert engine.import_incremental(world.account).orders_seen == 1  # the cancellation
    book = OrderBook(world.ledger)
    # the creation was under way when the cancellation came: it may have reached the shop, so the next
    # push looks the order up before calling it never created
    assert book.get(world.account.name, order).target_status == "cancelled"
    world.engine.push_to_shop(world.account)
    assert book.get(world.account.name, order).shop_state == "cancelled"
    assert world.shop_status(order) is None
    failed = [e for e in book.events(world.account.name, order) if e["kind"] == "shop_failed"]
    assert len(failed) == 1
    assert failed[0]["detail"].endswith("503 (the order changed during the call: its new plan stands)")


def test_an_order_parked_by_hand_while_the_shop_creates_it_stays_parked_and_is_never_created_twice(
    make_world,
):
    """A merchant parks an order while a push is creating it in the shop. The creation's outcome used to
    be written over the park: the order showed as created, and the park was undone without a word. Now
    the park stands, with the shop's order recorded, and a retry by hand finds it instead of creating a
    second one."""
    b = ScenarioBuilder(days=1)
    order = b.order("MERCHANT", [(M, "PENDING"), (4 * M, "UNSHIPPED")])
    world = make_world(b.build())
    shop = GatedShop(world.store)
    engine = world.new_engine(store=shop, governor=world.engine.governor)
    world.clock.advance_to(START + 10 * M)
    assert engine.import_incremental(world.account).orders_seen == 1
    book = OrderBook(world.ledger)
    with during_a_creation(world, shop, engine) as pushed:
        assert book.park(world.account.name, order, "customer asked to hold", at=world.clock.now())
    row = book.get(world.account.name, order)
    assert pushed[0].created == 1
    assert (row.shop_state, row.park_reason, row.last_error) == (
        "parked",
        "rejected",
        "customer asked to hold",
    )
    assert row.shop_reference is not None and row.shop_status == "to_ship"
    assert "stays parked" in book.events(world.account.name, order)[-1]["detail"]
    world.engine.push_to_shop(world.account)
    assert book.get(world.account.name, order).shop_state == "parked"  # nothing tried until a retry
    assert book.retry(world.account.name, order, at=world.clock.now())
    world.engine.push_to_shop(world.account)
    row = book.get(world.account.name, order)
    assert (row.shop_state, row.shop_status) == ("created", "to_ship")
    assert [o.amazon_order_id for o in world.store.iter_orders()] == [order]
    assert shop.calls == 1  # the retry found the shop's order in the ledger: no second creation call


def _cancelled_after_its_creation_failed(make_world, shop_factory, *, pending_days: int):
    """An order PENDING for `pending_days`, then UNSHIPPED, then cancelled 7 minutes later: the first push
    (through `shop_factory(store)`) fails, and the import records the cancellation before the retry."""
    b = ScenarioBuilder(days=pending_days + 2)
    ready = td(days=pending_days, hours=10)
    order = b.order(
        "MERCHANT", [(td(hours=9), "PENDING"), (ready + M, "UNSHIPPED"), (ready + 7 * M, "CANCELLED")]
    )
    world = make_world(b.build())
    shop = shop_factory(world.store)
    world.engine = world.new_engine(store=shop)
    world.run(ready + 5 * M)  # imported UNSHIPPED, the push's creation fails
    row = OrderBook(world.ledger).get(world.account.name, order)
    assert (row.shop_state, row.shop_reference) == ("failed", None)
    return world, shop, order, ready


def test_an_order_whose_creation_answer_was_lost_is_cancelled_in_the_shop_when_amazon_cancels_it(make_world):
    """The shop created the order but its answer was lost (a timeout after PrestaShop's POST): the ledger
    knows no shop order. Amazon cancels before the retry: the order must be looked up and cancelled in
    the shop, not taken for "cancelled before creation". (It stayed "to ship" in the shop for good: its
    creation day had been reconciled while it was PENDING.)"""
    world, shop, order, ready = _cancelled_after_its_creation_failed(
        make_world, LostAnswerShop, pending_days=2
    )
    assert world.shop_status(order) == ShopOrderStatus.TO_SHIP
    world.run(ready + 15 * M)
    assert world.shop_status(order) == ShopOrderStatus.CANCELLED
    row = OrderBook(world.ledger).get(world.account.name, order)
    assert (row.shop_state, row.shop_status) == ("cancelled", "cancelled")
    assert row.shop_reference == world.store.find_by_amazon_id(order).reference
    assert shop.lookups == 1


def test_an_order_cancelled_after_a_creation_that_never_reached_the_shop_is_not_created(make_world):
    """The same, but the creation failed before the shop made anything (503), and the lookup itself first
    fails: it is retried, finds nothing, and the order is settled as cancelled without a shop order."""

    def down_then_back(store):
        shop = LostAnswerShop(store, lose=0)
        shop.down = True
        return shop

    world, shop, order, ready = _cancelled_after_its_creation_failed(
        make_world, down_then_back, pending_days=0
    )
    shop.down, shop.lookups_down = False, 1
    world.run(ready + td(hours=2))  # the first lookup fails and is retried with backoff
    book = OrderBook(world.ledger)
    row = book.get(world.account.name, order)
    assert (row.shop_state, row.shop_reference, shop.lookups) == ("cancelled", None, 2)
    assert world.shop_status(order) is None
    assert shop.calls == 1  # the one failed creation: nothing was created since
    kinds = [e["kind"] for e in book.events(world.account.name, order)]
    assert kinds[-3:] == ["status", "shop_failed", "settled"]
