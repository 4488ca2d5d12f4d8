"""Daily reconciliation against the simulated marketplace: finds what went wrong in the shop, repairs it
through the normal path, reports what needs a human, and records the report."""

from __future__ import annotations

from datetime import date
from datetime import timedelta as td
from decimal import Decimal

from sqlalchemy import update

from amzorders.ledger.schema import store_orders
from sync.conftest import ScenarioBuilder

H, M = td(hours=1), td(minutes=1)
DAY = date(2026, 11, 2)


def tamper(world, amazon_order_id, **values):
    with world.ledger.begin() as conn:
        conn.execute(
            update(store_orders).where(store_orders.c.amazon_order_id == amazon_order_id).values(**values)
        )


def test_reconciliation_repairs_the_shop_and_reports_what_it_cannot(make_world):
    b = ScenarioBuilder(days=2)
    deleted, cancelled, shipped, amount, fine = (
        b.order("MERCHANT", [(n * 30 * M + 7 * M, "PENDING"), (n * 30 * M + 20 * M, "UNSHIPPED")])
        for n in range(5)
    )
    b.orders[1]["timeline"].append({"at": "2026-11-02T08:00:00Z", "status": "CANCELLED"})
    b.orders[2]["timeline"].append({"at": "2026-11-02T09:00:00Z", "status": "SHIPPED"})
    pending = b.order("MERCHANT", [(3 * H, "PENDING")])
    next_day = b.order("MERCHANT", [(25 * H, "PENDING"), (25 * H + 10 * M, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(12 * H)
    assert world.store.count_orders() == 5
    # What reconciliation exists for: a shop order deleted by hand, changes that did not reach the shop
    # (a crash, a bug, a manual edit), an amount changed in the shop.
    assert world.store.delete_order(world.store.find_by_amazon_id(deleted).reference)
    tamper(world, cancelled, status="to_ship")
    tamper(world, shipped, status="to_ship")
    tamper(world, amount, total=Decimal("1.00"))
    world.clock.advance(12 * H + 30 * M)  # the next day, when the daily job runs

    report = world.engine.reconcile(world.account, DAY)

    found = {(d.amazon_order_id, d.kind): d.repaired for d in report.discrepancies}
    assert found == {
        (deleted, "missing_in_shop"): True,
        (cancelled, "cancel_not_propagated"): True,
        (shipped, "status_mismatch"): True,
        (amount, "amount_mismatch"): False,
    }
    assert report.amazon_orders == 6 and not report.ok
    assert [d.amazon_order_id for d in report.unrepaired] == [amount]
    assert "1.00 EUR" in report.unrepaired[0].detail and "34.44 EUR" in report.unrepaired[0].detail
    assert world.shop_status(deleted) == "to_ship"
    assert world.shop_status(cancelled) == "cancelled"
    assert world.shop_status(shipped) == "shipped"
    assert world.shop_status(fine) == "to_ship" and world.shop_status(pending) is None
    assert world.shop_status(next_day) is None  # another day's order: not this report's business
    (stored,) = world.engine.books.reports(account="main", day=DAY)
    assert stored.id == report.report_id and stored.problems == 4 and stored.unrepaired == 1
    assert stored.report["discrepancies"][0]["amazon_order_id"]

    again = world.engine.reconcile(world.account, DAY)
    assert [(d.amazon_order_id, d.kind) for d in again.discrepancies] == [(amount, "amount_mismatch")]
    ids = [o.amazon_order_id for o in world.store.iter_orders()]
    assert len(ids) == len(set(ids))


def test_reconciliation_of_a_clean_day_is_ok_and_defaults_to_yesterday(make_world):
    b = ScenarioBuilder(days=2)
    for n in range(3):
        b.order("MERCHANT", [(n * H + M, "PENDING"), (n * H + 5 * M, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(26 * H, every=30 * M)
    report = world.engine.reconcile(world.account)
    assert report.day == DAY and report.ok and report.discrepancies == [] and report.amazon_orders == 3
    assert report.in_shop == 3
