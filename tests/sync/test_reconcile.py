"""Daily reconciliation against the simulated marketplace: finds what went wrong in the shop, repairs it
through the normal path, reports what needs a human, and records the report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import timedelta as td
from decimal import Decimal
from unittest.mock import ANY

from sqlalchemy import func, select, update

from amzorders.amazon.constants import SEARCH_ORDERS
from amzorders.amazon.governor import Priority, reserve_for
from amzorders.ledger.orders import OrderBook
from amzorders.ledger.schema import runs, store_orders
from amzorders.sync.engine import RECONCILIATION_WAIT_RECHECK
from amzorders.sync.settings import SyncSettings
from sync.conftest import SELLER, START, ScenarioBuilder
from sync.engine_shops import FlakyShop

H, M, S = td(hours=1), td(minutes=1), td(seconds=1)
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


def test_a_reconciliation_short_of_quota_goes_on_hourly_until_its_day_is_complete(make_world):
    """The scheduled reconciliation runs on spare quota: a day of several pages is not listed in one run.
    It says how far it got, and the hourly resumption goes on from there, comparing and repairing each
    piece of the day, until the same report covers the whole day; then there is nothing to resume."""
    b = ScenarioBuilder(days=2)
    day_orders = [
        b.order("MERCHANT", [(n * 144 * S, "PENDING"), (n * 144 * S + 5 * M, "UNSHIPPED")])
        for n in range(600)
    ]
    world = make_world(b.build())
    world.run(30 * H)  # the next day, 06:00: everything imported
    late_in_the_day, amount_changed = day_orders[550], day_orders[580]
    assert world.store.delete_order(world.store.find_by_amazon_id(late_in_the_day).reference)
    tamper(world, amount_changed, total=Decimal("1.00"))
    governor = world.engine.governor
    while governor.tokens_left(SELLER, SEARCH_ORDERS) >= 1:  # the import took the quota
        governor.acquire(SELLER, SEARCH_ORDERS)

    first = world.engine.reconcile(world.account, DAY, spare_quota=True)
    assert first.partial is not None and first.listed_until < datetime(2026, 11, 3, tzinfo=UTC)
    assert first.amazon_orders < 550

    resumptions, hours = [], 30
    while (resumed := world.engine.resume_reconciliation(world.account)) is not None:
        resumptions.append(resumed)
        assert resumed.report_id == first.report_id and resumed.amazon_orders >= first.amazon_orders
        hours += 1
        world.run(hours * H)  # the import goes on; the bucket refills
        assert hours < 60, "the reconciliation never completed"
    assert len(resumptions) >= 2  # the day took several runs
    # each problem is told once: by the run that found it
    assert [[d.amazon_order_id for d in r.unrepaired_found_now] for r in resumptions] == [
        *[[] for _ in resumptions[:-1]],
        [amount_changed],
    ]

    (stored,) = world.engine.books.reports(account="main", day=DAY)
    assert stored.report["partial"] is None and stored.report["amazon_orders"] == 600
    assert stored.report["listed_until"] == "2026-11-03T00:00:00+00:00"
    assert stored.report["discrepancies"] == [
        {"amazon_order_id": late_in_the_day, "kind": "missing_in_shop", "detail": ANY, "repaired": True},
        {"amazon_order_id": amount_changed, "kind": "amount_mismatch", "detail": ANY, "repaired": False},
    ]
    assert stored.unrepaired == 1
    assert world.shop_status(late_in_the_day) == "to_ship"
    runs_before = _reconcile_runs(world)
    assert world.engine.resume_reconciliation(world.account) is None
    assert _reconcile_runs(world) == runs_before  # nothing to resume: no run, no lock


def _reconcile_runs(world) -> int:
    with world.ledger.connect() as conn:
        return conn.execute(select(func.count()).select_from(runs).where(runs.c.kind == "reconcile")).scalar()


def test_a_reconciliation_amazon_failed_is_resumed_once_amazon_answers_again(make_world):
    b = ScenarioBuilder(days=2)
    for n in range(200):
        b.order("MERCHANT", [(n * 7 * M, "PENDING"), (n * 7 * M + 5 * M, "UNSHIPPED")])
    b.fault(30 * H, 33 * H, operations=("searchOrders",))  # 06:00-09:00 the next day: searchOrders 503
    world = make_world(b.build())
    world.run(30 * H)

    failed = world.engine.reconcile(world.account, DAY, spare_quota=True)
    assert failed.error is not None and failed.amazon_orders == 0

    hours, last = 33, None
    while (resumed := world.engine.resume_reconciliation(world.account)) is not None:
        assert resumed.report_id == failed.report_id
        hours, last = hours + 1, resumed
        world.run(hours * H)  # after the fault the import catches up first: quota may be short a while
        assert hours < 45, "the reconciliation never completed"
    assert last is not None and last.error is None and last.partial is None and last.amazon_orders == 200


def test_a_reconciliation_covers_the_shops_day_not_the_utc_day(make_world):
    """A Tokyo shop's 3 November runs from 2 November 15:00 to 3 November 15:00 UTC: the merchant and
    Seller Central count it so, and the scheduler asks for it at 06:00 Tokyo (21:00 UTC), when the UTC
    day of the same date still has three hours to go."""
    b = ScenarioBuilder(days=3)
    early = b.order("MERCHANT", [(16 * H, "PENDING"), (16 * H + 5 * M, "UNSHIPPED")])  # 01:00 JST
    late = b.order("MERCHANT", [(38 * H + 30 * M, "PENDING"), (38 * H + 35 * M, "UNSHIPPED")])  # 23:30
    b.order("MERCHANT", [(40 * H, "PENDING"), (40 * H + 5 * M, "UNSHIPPED")])  # the 4th, 01:00 JST
    b.order("MERCHANT", [(10 * H, "PENDING"), (10 * H + 5 * M, "UNSHIPPED")])  # the 2nd, 19:00 JST
    world = make_world(b.build(), settings=SyncSettings(day_timezone="Asia/Tokyo"))
    world.run(45 * H)  # 3 November 21:00 UTC: 4 November 06:00 in Tokyo
    assert world.store.delete_order(world.store.find_by_amazon_id(late).reference)

    report = world.engine.reconcile(world.account)  # yesterday, Tokyo time

    tokyo_day = date(2026, 11, 3)
    assert report.day == tokyo_day and report.timezone == "Asia/Tokyo"
    assert report.day_bounds == (datetime(2026, 11, 2, 15, tzinfo=UTC), datetime(2026, 11, 3, 15, tzinfo=UTC))
    assert report.amazon_orders == 2 and report.ok and report.partial is None
    assert [(d.amazon_order_id, d.kind, d.repaired) for d in report.discrepancies] == [
        (late, "missing_in_shop", True)
    ]
    assert world.shop_status(early) == "to_ship" and world.shop_status(late) == "to_ship"
    (stored,) = world.engine.books.reports(account="main", day=tokyo_day)
    assert stored.report["timezone"] == "Asia/Tokyo"
    assert world.engine.resume_reconciliation(world.account) is None  # the day is complete


def test_a_day_reconciled_before_it_ends_is_completed_once_it_has(make_world):
    b = ScenarioBuilder(days=3)
    morning = b.order("MERCHANT", [(1 * H, "PENDING"), (1 * H + 5 * M, "UNSHIPPED")])
    evening = b.order("MERCHANT", [(20 * H, "PENDING"), (20 * H + 5 * M, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(12 * H)

    today = world.engine.reconcile(world.account, DAY)  # 2 November, 12:00: half of it has happened

    assert today.amazon_orders == 1 and today.listed_until == datetime(2026, 11, 2, 11, 58, tzinfo=UTC)
    assert "the day was not over" in today.partial and today.resumable()
    world.run(25 * H)
    assert world.store.delete_order(world.store.find_by_amazon_id(morning).reference)
    resumed = world.engine.resume_reconciliation(world.account)
    assert resumed is not None and resumed.report_id == today.report_id
    assert resumed.partial is None and resumed.amazon_orders == 2
    # the morning's order was compared by the first run only: deleted since, the next day's report sees it
    assert resumed.discrepancies == [] and world.shop_status(evening) == "to_ship"
    assert world.engine.resume_reconciliation(world.account) is None


def test_local_day_bounds_follow_the_clock_change():
    from amzorders.sync.reconcile import local_day_bounds

    assert local_day_bounds(date(2026, 10, 25), "Europe/Paris") == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),  # 25 hours: the clocks went back
    )
    assert local_day_bounds(date(2026, 11, 2), "UTC") == (
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 3, tzinfo=UTC),
    )


def test_a_piece_read_in_full_counts_even_when_the_quota_is_then_short(make_world):
    """A piece's last page says there is no next one: the listing is complete, whatever the wait for a
    next token would be. Before, the spare-quota check ran before learning that, so a one-page piece read
    on the last spare token was thrown away and listed again by a later run (a third of the
    reconciliation's calls at 5,000 orders a day)."""
    b = ScenarioBuilder(days=2)
    for n in range(60):
        b.order("MERCHANT", [(n * 20 * M, "PENDING"), (n * 20 * M + 5 * M, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(30 * H)
    governor = world.engine.governor
    catch_up = Priority.CATCH_UP
    while governor.wait_time(SELLER, SEARCH_ORDERS, priority=catch_up) == 0:
        governor.acquire(SELLER, SEARCH_ORDERS)  # the import took the quota ...
    world.clock.advance(td(seconds=governor.wait_time(SELLER, SEARCH_ORDERS, priority=catch_up)))
    # ... and one token is spare now; the one after would take minutes

    report = world.engine.reconcile(world.account, DAY, spare_quota=True)

    assert report.partial is None and report.error is None and report.amazon_orders == 60
    assert governor.wait_time(SELLER, SEARCH_ORDERS, priority=catch_up) > 30  # it did use the last one


def test_the_oldest_unfinished_day_is_resumed_first(make_world):
    """Where the spare quota lists less than a day a day, going on with the newest day left every day's
    evening unchecked: days are finished in turn instead."""
    b = ScenarioBuilder(days=3)
    for n in range(200):
        b.order("MERCHANT", [(n * 7 * M, "PENDING"), (n * 7 * M + 5 * M, "UNSHIPPED")])
        b.order("MERCHANT", [(24 * H + n * 7 * M, "PENDING"), (24 * H + n * 7 * M + 5 * M, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(54 * H)  # 4 November, 06:00
    governor = world.engine.governor
    while governor.tokens_left(SELLER, SEARCH_ORDERS) >= 1:
        governor.acquire(SELLER, SEARCH_ORDERS)
    older = world.engine.reconcile(world.account, DAY, spare_quota=True)
    newer = world.engine.reconcile(world.account, DAY + td(days=1), spare_quota=True)
    assert older.resumable() and newer.resumable() and older.amazon_orders == newer.amazon_orders == 0

    world.run(58 * H)  # the bucket refills
    resumed = world.engine.resume_reconciliation(world.account)

    assert resumed is not None and resumed.report_id == older.report_id and resumed.amazon_orders > 0


def test_the_resumption_looks_back_three_days_of_the_shop(make_world):
    """A Tokyo day stopped short is resumed while it is one of the last three Tokyo days, not UTC days."""

    def stopped_tokyo_day():
        b = ScenarioBuilder(days=2)
        for n in range(5):
            b.order("MERCHANT", [(n * H, "PENDING"), (n * H + 5 * M, "UNSHIPPED")])
        world = make_world(b.build(), settings=SyncSettings(day_timezone="Asia/Tokyo"))
        world.run(20 * H)  # 2 November 20:00 UTC: 3 November 05:00 in Tokyo
        governor = world.engine.governor
        while governor.tokens_left(SELLER, SEARCH_ORDERS) >= 1:
            governor.acquire(SELLER, SEARCH_ORDERS)
        assert world.engine.reconcile(world.account, DAY, spare_quota=True).resumable()
        return world

    within = stopped_tokyo_day()
    within.clock.advance_to(datetime(2026, 11, 5, 14, 59, tzinfo=UTC))  # 5 November 23:59 in Tokyo
    resumed = within.engine.resume_reconciliation(within.account)
    assert resumed is not None and resumed.day == DAY and resumed.amazon_orders == 5

    beyond = stopped_tokyo_day()
    beyond.clock.advance_to(datetime(2026, 11, 5, 16, tzinfo=UTC))  # 6 November 01:00 in Tokyo
    assert beyond.engine.resume_reconciliation(beyond.account) is None


def test_while_a_reconciliation_waits_for_quota_the_import_waits_for_fuller_pages(make_world):
    """A reconciliation spends every searchOrders token above the reserve a CATCH_UP call leaves. While
    one waits for quota to go on and the bucket is within `reconciliation_room_tokens` of that reserve,
    the import calls only once about a page is new (or after `incremental_max_interval`), instead of
    every 5 minutes for a few orders. With no reconciliation waiting, the same bucket means the import
    itself drains it, and it reads as usual; a deployment that keeps no room (None, the configuration's
    `reconciliation_room_calls = 0`) reads as usual too."""
    b = ScenarioBuilder(days=1)
    for n in range(150):
        b.order("MERCHANT", [(n * 2 * M, "PENDING"), (n * 2 * M + M, "UNSHIPPED")])
    reserve = reserve_for(Priority.CATCH_UP, 20)

    def next_import(*, reconciliation_stopped: bool, room: float | None = 5.0):
        world = make_world(b.build(), settings=SyncSettings(reconciliation_room_tokens=room))
        world.run(2 * H)
        world.clock.advance(5 * M)  # the next run: 5 minutes of orders are new
        governor = world.engine.governor
        while governor.tokens_left(SELLER, SEARCH_ORDERS) >= reserve:
            governor.acquire(SELLER, SEARCH_ORDERS)
        if reconciliation_stopped:
            report = world.engine.reconcile(world.account, DAY - td(days=1), spare_quota=True)
            assert report.partial is not None and report.resumable()
        return world.engine.import_incremental(world.account)

    waiting = next_import(reconciliation_stopped=True)
    assert waiting.window is None  # no window read (the late-index sweep may still run)
    assert "waiting for a fuller page" in " ".join(waiting.notes)

    reading = next_import(reconciliation_stopped=False)
    assert reading.window is not None and reading.orders_seen > 0

    no_room_kept = next_import(reconciliation_stopped=True, room=None)
    assert no_room_kept.window is not None and no_room_kept.orders_seen > 0


def test_a_long_lived_import_learns_within_minutes_that_another_process_finished_the_reconciliation(
    make_world,
):
    """`amzorders serve` makes room for a reconciliation that waits for quota; an explicit
    `amzorders reconcile` in another process completes the day. The service's import reads the stored
    reports again after `RECONCILIATION_WAIT_RECHECK` and stops leaving the quota to it."""
    b = ScenarioBuilder(days=1)
    for n in range(150):
        b.order("MERCHANT", [(n * 2 * M, "PENDING"), (n * 2 * M + M, "UNSHIPPED")])
    # the sweep off: draining the bucket by hand would leave it behind, and the import reading lagged
    world = make_world(b.build(), settings=SyncSettings(incremental_max_interval=2 * H, late_sweep_lag=None))
    world.run(2 * H)
    governor = world.engine.governor

    def import_on_a_short_bucket():
        while governor.tokens_left(SELLER, SEARCH_ORDERS) >= reserve_for(Priority.CATCH_UP, 20):
            governor.acquire(SELLER, SEARCH_ORDERS)
        return world.engine.import_incremental(world.account)

    world.clock.advance(5 * M)
    assert import_on_a_short_bucket().window is not None  # nothing waits for quota: it reads as usual
    while governor.tokens_left(SELLER, SEARCH_ORDERS) >= reserve_for(Priority.CATCH_UP, 20):
        governor.acquire(SELLER, SEARCH_ORDERS)
    assert world.engine.reconcile(world.account, DAY - td(days=1), spare_quota=True).resumable()
    world.clock.advance(5 * M)
    read_at = world.clock.now()
    assert import_on_a_short_bucket().window is None  # room made for the reconciliation

    other_process = world.new_engine(governor=governor)
    assert not other_process.reconcile(world.account, DAY - td(days=1)).resumable()  # waits its quota
    assert world.clock.now() - read_at < RECONCILIATION_WAIT_RECHECK
    assert import_on_a_short_bucket().window is None  # still what it read then
    world.clock.advance_to(read_at + RECONCILIATION_WAIT_RECHECK)
    assert import_on_a_short_bucket().window is not None


class _LookupHook(FlakyShop):
    """The shop the reconciliation looks orders up in; `meanwhile` runs during its first lookup (another
    job of `serve` going on while PrestaShop answers the reconciliation's lookups, for minutes)."""

    def __init__(self, store, meanwhile) -> None:
        super().__init__(store)
        self.meanwhile = meanwhile

    def find_by_amazon_id(self, amazon_order_id):
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().find_by_amazon_id(amazon_order_id)


def test_a_repair_never_replaces_a_newer_version_the_import_recorded_during_the_reconciliation(make_world):
    """The reconciliation lists an order UNSHIPPED and not in the shop (parked for an unknown SKU the
    merchant has since added). While it looks the order up, the import records Amazon's cancellation.
    The repair planned from the listed version must not put the cancelled order back to "create": it was
    then created in the shop, to ship, for good."""
    b = ScenarioBuilder(days=3)
    order = b.order(
        "MERCHANT", [(10 * H, "PENDING"), (10 * H + 5 * M, "UNSHIPPED"), (30 * H + 6 * M, "CANCELLED")]
    )
    world = make_world(b.build())
    flaky = FlakyShop(world.store)
    flaky.unknown_skus.add("MUG-01")
    world.engine = world.new_engine(store=flaky)
    world.run(30 * H)
    book = OrderBook(world.ledger)
    assert book.get(world.account.name, order).park_reason == "unknown_sku"
    flaky.unknown_skus.clear()  # the merchant adds the product

    def the_import_meanwhile():
        world.clock.advance_to(START + 30 * H + 12 * M)
        assert world.engine.import_incremental(world.account).ok
        assert book.get(world.account.name, order).status == "CANCELLED"

    world.clock.advance_to(START + 30 * H + 5 * M)
    reconciling = world.new_engine(
        store=_LookupHook(world.store, the_import_meanwhile), governor=world.engine.governor
    )
    report = reconciling.reconcile(world.account, DAY)
    (found,) = report.discrepancies
    assert found.kind == "missing_in_shop" and found.repaired
    assert "its newer version is imported instead" in found.detail
    row = book.get(world.account.name, order)
    assert (row.status, row.shop_state) == ("CANCELLED", "cancelled")
    assert world.store.find_by_amazon_id(order) is None
    assert "repair" not in [e["kind"] for e in book.events(world.account.name, order)]
