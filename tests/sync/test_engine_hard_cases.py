"""The engine end to end against the simulated marketplace (in-process, virtual clock): the hard cases
that a fixed observation window loses, each imported exactly once with the right status."""

from __future__ import annotations

from datetime import timedelta as td

from amzorders.money import Money
from amzorders.sync.settings import SyncSettings
from sync.conftest import GRAND_TOTAL, MARKETPLACE, SELLER, START, ScenarioBuilder

H, D, M, S = td(hours=1), td(days=1), td(minutes=1), td(seconds=1)


def assert_no_duplicates(world):
    ids = [o.amazon_order_id for o in world.store.iter_orders()]
    assert len(ids) == len(set(ids))


def test_pending_20_days_is_imported_as_soon_as_it_clears(make_world):
    b = ScenarioBuilder(days=22)
    held = b.order("MERCHANT", [(10 * M, "PENDING"), (20 * D + 3 * H + 7 * M, "UNSHIPPED")])
    quick = b.order("MERCHANT", [(12 * M, "PENDING"), (40 * M, "UNSHIPPED")])
    # searchOrders is down when it clears: only the pending watch (getOrder) can see it in time.
    b.fault(20 * D + 2 * H, 20 * D + 12 * H, operations=("searchOrders",))
    world = make_world(b.build())
    world.run(20 * D, every=12 * H, watch_every=1)
    assert world.shop_status(quick) == "to_ship"
    assert world.shop_status(held) is None
    assert world.engine.orders.get("main", held).shop_state == "waiting"
    world.run(20 * D + 6 * H, every=H, watch_every=1)
    assert world.shop_status(held) == "to_ship"
    detail = world.store.get_order(held)
    assert detail.order.created_at - (START + 20 * D + 3 * H + 7 * M) <= 3 * H
    assert detail.order.total == Money.of(GRAND_TOTAL, "EUR")
    world.run(21 * D, every=3 * H)  # search is back: the incremental sees it again, creates nothing more
    assert_no_duplicates(world)
    assert world.store.count_orders() == 2


def test_fba_order_shipped_5_days_after_purchase(make_world):
    b = ScenarioBuilder(days=6)
    fba = b.order("AMAZON", [(5 * M + 3 * S, "PENDING"), (H, "UNSHIPPED"), (5 * D + 2 * H, "SHIPPED")])
    merchant = b.order("MERCHANT", [(7 * M, "PENDING"), (H, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(5 * D, every=H)
    assert world.shop_status(fba) is None  # FBA: not before Amazon ships it
    assert world.engine.orders.get("main", fba).shop_state == "waiting"
    assert world.shop_status(merchant) == "to_ship"
    world.run(5 * D + 4 * H, every=H)
    assert world.shop_status(fba) == "shipped"
    assert_no_duplicates(world)


def test_visibility_delay_of_15_minutes(make_world):
    b = ScenarioBuilder(days=1, indexing_delay_s=900)
    timelines = [
        [(n * 7 * M + 11 * S, "PENDING"), (n * 7 * M + 3 * M, "UNSHIPPED"), (5 * H, "SHIPPED")]
        for n in range(30)
    ]
    ids = [b.order("MERCHANT", timeline) for timeline in timelines]
    world = make_world(b.build())
    world.run(5 * H + 20 * M)
    # Indexed 15 min late, past the 2-minute base overlap: a quiet shop's windows fit in one page, so the
    # overlap widens for free (up to 15 min) and the first run after 5:15 sees the SHIPPED updates.
    assert [world.shop_status(i) for i in ids] == ["shipped"] * 30
    assert_no_duplicates(world)
    # A busy shop (no free overlap) relies on the late-index sweep: 35 min behind, every 30 min.
    b2 = ScenarioBuilder(days=1, indexing_delay_s=900)
    busy_ids = [b2.order("MERCHANT", timeline) for timeline in timelines]
    busy = make_world(b2.build(), settings=SyncSettings(widest_overlap=2 * M))
    busy.run(5 * H + 40 * M)
    assert [busy.shop_status(i) for i in busy_ids] == ["to_ship"] * 30
    busy.run(6 * H + 5 * M)
    assert [busy.shop_status(i) for i in busy_ids] == ["shipped"] * 30


def test_cancellation_after_import_is_propagated_and_before_import_never_created(make_world):
    b = ScenarioBuilder(days=1)
    after = b.order("MERCHANT", [(10 * M, "PENDING"), (20 * M, "UNSHIPPED"), (3 * H, "CANCELLED")])
    before = b.order("MERCHANT", [(10 * M, "PENDING"), (2 * H, "CANCELLED")])
    world = make_world(b.build())
    world.run(H)
    assert world.shop_status(after) == "to_ship"
    world.run(4 * H)
    assert world.shop_status(after) == "cancelled"
    assert world.shop_status(before) is None
    assert world.engine.orders.get("main", before).shop_state == "cancelled"
    history = [s for _, s in world.store.get_order(after).history]
    assert history == ["to_ship", "cancelled"]


def test_250_orders_updated_in_the_same_second_across_page_boundaries(make_world):
    b = ScenarioBuilder(days=1)
    ids = [
        b.order(
            "MERCHANT", [(30 * M + 17 * S, "PENDING"), (H + 17 * S, "UNSHIPPED"), (3 * H + 17 * S, "SHIPPED")]
        )
        for _ in range(250)
    ]
    world = make_world(b.build())
    summaries = world.run(2 * H)
    assert world.store.count_orders(status="to_ship") == 250
    assert max(s.pages for s in summaries if s.kind == "incremental") >= 3
    world.run(4 * H)
    assert world.store.count_orders(status="shipped") == 250
    assert world.store.count_orders() == 250
    assert {world.engine.orders.get("main", i).shop_state for i in ids} == {"created"}


def test_a_fault_hour_of_503_loses_nothing_and_holds_the_cursor(make_world):
    b = ScenarioBuilder(days=1)
    ids = [
        b.order("MERCHANT", [(n * 10 * M + 13 * S, "PENDING"), (n * 10 * M + 4 * M, "UNSHIPPED")])
        for n in range(24)
    ]
    b.fault(H, 2 * H)
    world = make_world(b.build())
    summaries = world.run(5 * H)
    failed = [s for s in summaries if s.kind == "incremental" and s.outcome == "error"]
    assert failed, "the fault hour must make some runs fail"
    assert all(s.created == 0 for s in failed)
    assert [world.shop_status(i) for i in ids] == ["to_ship"] * 24
    assert world.marketplace.stats.throttled == 0
    assert_no_duplicates(world)


def test_updates_indexed_later_than_the_overlap_are_caught_by_the_late_index_sweep(make_world):
    def scenario():
        b = ScenarioBuilder(days=1)
        late = b.order(
            "MERCHANT",
            [(M + 9 * S, "PENDING"), (4 * M, "UNSHIPPED"), (2 * H + 3 * M, "SHIPPED")],
            indexing_delay_s=1600,
        )
        return b, late

    b, late = scenario()
    world = make_world(b.build())
    world.run(5 * H)
    assert world.shop_status(late) == "shipped"
    # the same story without the sweep, and a shop busy enough that no overlap is free: every version,
    # indexed 27 min late, falls behind the 2-minute overlap
    b, late = scenario()
    blind = make_world(b.build(), settings=SyncSettings(late_sweep_lag=None, widest_overlap=2 * M))
    blind.run(5 * H)
    assert blind.shop_status(late) is None


def test_the_late_index_sweep_leaves_orders_amazon_holds_pending_to_their_next_update(make_world):
    """An order held PENDING for hours is read at the edge, then not again until it clears: the sweep
    (35 min behind) asks for every status but PENDING, and the calls it saves are the spare quota the
    daily reconciliation lists the day with. Its clearing is read as usual."""
    b = ScenarioBuilder(days=1)
    paid = 10 * M + 7 * S
    held = b.order("MERCHANT", [(paid, "PENDING"), (6 * H + 4 * M, "UNSHIPPED")])
    world = make_world(b.build())
    summaries = world.run(6 * H)
    seen_at = [s.started_at for s in summaries if s.kind == "incremental" and s.orders_seen]
    assert seen_at and min(seen_at) < START + paid + 5 * M  # the import reads it at the edge
    # ... and its free overlap for 15 more minutes; the sweep, 35 min behind, read it again after 45 min
    assert max(seen_at) < START + paid + 30 * M
    assert world.engine.orders.get("main", held).status == "PENDING"
    world.run(6 * H + 15 * M)
    assert world.shop_status(held) == "to_ship"


def test_a_backlog_is_read_page_by_page_and_published_while_it_drains(make_world):
    """2,500 orders paid within an hour: 25+ pages when searchOrders gives one every 3 minutes. The
    runs read the backlog in chunks of a few pages and pause between them rather than hold the quota,
    the push publishes meanwhile, and nothing is lost, doubled or throttled."""
    b = ScenarioBuilder(days=1)
    ids = [
        b.order("MERCHANT", [(2 * H + n * S, "PENDING"), (2 * H + n * S + 90 * S, "UNSHIPPED")])
        for n in range(0, 3600, 3)
    ] + [
        b.order("MERCHANT", [(2 * H + n * S + S, "PENDING"), (2 * H + n * S + 2 * M, "UNSHIPPED")])
        for n in range(0, 3600, 3)
    ]
    world = make_world(b.build())
    summaries, in_shop = [], []
    for quarter in range(1, 9):  # 2 h 15 .. 4 h
        summaries += world.run(2 * H + quarter * 15 * M)
        in_shop.append(world.store.count_orders())
    # published while the backlog drains, not all at the end
    assert in_shop[0] < len(ids) and len(set(in_shop)) >= 4
    assert any("paused" in note for s in summaries for note in s.notes)
    assert not any(s.problems for s in summaries)  # pacing is not an error
    longest = max((s.finished_at - s.started_at for s in summaries if s.kind == "incremental"), default=td(0))
    assert longest < 20 * M  # no run sits on the quota for the whole backlog
    world.run(12 * H)
    assert sorted(o.amazon_order_id for o in world.store.iter_orders()) == sorted(ids)
    assert world.marketplace.stats.throttled == 0


def test_pending_watch_reads_rarely_while_search_keeps_up(make_world):
    """Three days PENDING with search working: the incremental sees it clear, so the watch (the net under
    a missed update) spaces its getOrder calls out to 8 h instead of the 2 h it keeps for outages."""
    b = ScenarioBuilder(days=4)
    held = b.order("MERCHANT", [(10 * M, "PENDING"), (3 * D, "UNSHIPPED")])
    world = make_world(b.build())
    world.run(3 * D + 10 * M)
    assert world.shop_status(held) == "to_ship"
    gets = sum(n for (_, operation), n in world.marketplace.stats.calls.items() if operation == "getOrder")
    assert 3 <= gets <= 20  # 2-hour spacing makes 37


def test_late_index_sweep_falls_behind_under_pressure_and_catches_up_without_skipping(make_world):
    """A busy evening drains searchOrders: the sweep (spare quota only) is postponed, never skips; the
    orders indexed 25 minutes late during the rush are all imported once the shop quietens."""
    b = ScenarioBuilder(days=1)
    rush = [
        b.order("MERCHANT", [(18 * H + n * 2 * S, "PENDING"), (18 * H + n * 2 * S + 3 * M, "UNSHIPPED")])
        for n in range(3000)
    ]
    late = [
        b.order(
            "MERCHANT",
            [(18 * H + n * 7 * M, "PENDING"), (18 * H + n * 7 * M + 2 * M, "UNSHIPPED")],
            indexing_delay_s=1500,
        )
        for n in range(12)
    ]
    world = make_world(b.build(), settings=SyncSettings(widest_overlap=2 * M))
    summaries = world.run(22 * H)
    assert any("late-index sweep postponed" in note for s in summaries for note in s.notes)
    world.run(30 * H)
    in_shop = {o.amazon_order_id for o in world.store.iter_orders()}
    assert set(late) <= in_shop and set(rush) <= in_shop
    assert_no_duplicates(world)
    assert world.marketplace.stats.throttled == 0


def test_a_backlog_read_late_is_not_read_again_by_the_late_index_sweep(make_world):
    """searchOrders is down for 3 hours: the incremental reads the backlog afterwards, long after
    Amazon indexed it, so the late-index sweep jumps over it instead of paying for it a second time."""
    b = ScenarioBuilder(days=1)
    ids = [b.order("MERCHANT", [(H + n * 20 * S, "UNSHIPPED")]) for n in range(540)]
    b.fault(H, 4 * H, operations=("searchOrders",))
    world = make_world(b.build())
    summaries = world.run(10 * H)
    assert {o.amazon_order_id for o in world.store.iter_orders()} == set(ids)
    seen = sum(s.orders_seen for s in summaries)
    assert seen < 1.6 * len(ids)  # read about once (2.4 times when the sweep read it all again)
    late = world.engine.books.cursor("main", MARKETPLACE, kind="late_sweep")
    assert late is not None and late >= START + 9 * H


def test_a_process_per_run_remembers_what_the_import_settled(make_world):
    """Cron URLs start a process per run: the settled stretch is kept in the ledger with the cursor, so
    the sweep of a fresh engine jumps over the backlog the previous run read late, as a long-lived
    engine's does (forgotten, the sweep read the backlog a second time: 2.4 reads an order)."""
    b = ScenarioBuilder(days=1)
    ids = [b.order("MERCHANT", [(H + n * 20 * S, "UNSHIPPED")]) for n in range(540)]
    b.fault(H, 4 * H, operations=("searchOrders",))
    world = make_world(b.build())
    summaries = world.run(10 * H, process_per_run=True)
    assert {o.amazon_order_id for o in world.store.iter_orders()} == set(ids)
    assert sum(s.orders_seen for s in summaries) < 1.6 * len(ids)
    state = world.engine.books.state("main", MARKETPLACE)
    assert state.late_sweep is not None and state.late_sweep >= START + 9 * H
    assert state.settled is not None and state.settled[0] <= START + 4 * H < state.settled[1]
    assert state.density is not None  # a fresh engine sizes its windows from it


def test_the_late_index_sweep_reads_a_burst_once_without_giving_pieces_up(make_world):
    """1,000 orders in one minute, then a quiet shop: the sweep re-reads the burst (20 pages) on spare
    quota (a page or two a run) within a few hours. Its pieces are sized for under a page by what it
    saw; one that spills is finished rather than given up and read again from its start next run (that
    wasted three pages in four, and the sweep crawled through the minute for hours)."""
    b = ScenarioBuilder(days=1)
    burst = 19 * H + 31 * M
    ids = [
        b.order("MERCHANT", [(burst + n * 57 * S / 1000, "PENDING"), (burst + (3 + n % 4) * M, "UNSHIPPED")])
        for n in range(1000)
    ]
    world = make_world(b.build())
    world.run(19 * H)
    calls_before = world.marketplace.stats.calls[(SELLER, "searchOrders")]
    world.run(23 * H)
    late = world.engine.books.cursor("main", MARKETPLACE, kind="late_sweep")
    assert late >= START + 19 * H + 45 * M  # past the burst (it crawled 2 minutes of it in 2 hours)
    assert {o.amazon_order_id for o in world.store.iter_orders()} == set(ids)
    calls = world.marketplace.stats.calls[(SELLER, "searchOrders")] - calls_before
    # ~20 pages for the import, ~20 for the sweep, and a call a run for the rest of the quiet hours
    assert calls < 100
    assert world.marketplace.stats.throttled == 0
