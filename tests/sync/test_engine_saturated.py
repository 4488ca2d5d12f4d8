"""A shop at the quota's ceiling whose updates Amazon sometimes indexes 20-28 minutes late.

Near the ceiling the incremental needs nearly every searchOrders call, so the late-index sweep (a second
read of every update) cannot keep up. The incremental then reads only up to the sweep's lag, which sees
late-indexed updates the first time and lets the sweep skip what it read (`passes._edge_delay`).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from datetime import timedelta as td
from itertools import pairwise

from amzorders.clock import parse_instant
from amzorders.sync.passes import EDGE_RATE_SHARE, reading_twice_affordable
from amzorders.sync.settings import SyncSettings
from sync.conftest import MARKETPLACE, START, ScenarioBuilder

H, D, M, S = td(hours=1), td(days=1), td(minutes=1), td(seconds=1)
PER_DAY = 2000
# A fifth of the default searchOrders rate: 2,000 orders a day load it as 10,000 would the real plan.
SLOW_SEARCH = {"searchOrders": {"rate": 0.0056 / 5, "burst": 20}}


END = D + 2 * H  # the test runs the day and 2 hours more


def saturated_day(per_day: int = PER_DAY) -> tuple[dict, list[str], dict[str, set[str]]]:
    """One day of MERCHANT orders (paid after 5 min, shipped 4-20 h later), one in 40 indexed 19-28 min
    late; returns the scenario, the late ones and the statuses each order may have in the shop at `END`
    (either, for an order shipped in the last hour: it may not be read yet)."""
    rnd = random.Random(20)
    b = ScenarioBuilder(days=2)
    late, expected = [], {}
    for k in range(per_day):
        created = td(seconds=k * 86400 / per_day + rnd.random() * 40)
        shipped = td(hours=rnd.uniform(4, 20))
        delay = rnd.uniform(1150, 1680) if k % 40 == 0 else None
        order_id = b.merchant_flow(created, 5 * M, shipped, indexing_delay_s=delay)
        if delay is not None:
            late.append(order_id)
        shipped_at = created + shipped
        if shipped_at < END - H:
            expected[order_id] = {"shipped"}
        else:
            expected[order_id] = {"to_ship"} if shipped_at > END else {"to_ship", "shipped"}
    scenario = b.build()
    scenario["sellers"][0]["usage_plans"] = SLOW_SEARCH
    return scenario, late, expected


def shop_statuses(world) -> dict[str, str]:
    return {o.amazon_order_id: str(o.status) for o in world.store.iter_orders()}


def test_at_the_ceiling_late_indexed_updates_are_read_by_the_import_itself(make_world):
    scenario, late, expected = saturated_day()
    world = make_world(scenario)
    summaries = world.run(END)
    statuses = shop_statuses(world)
    assert [i for i in late if statuses.get(i) not in expected[i]] == []
    assert [i for i in expected if statuses.get(i) not in expected[i]] == []
    assert world.marketplace.stats.throttled == 0
    notes = [note for s in summaries for note in s.notes]
    assert any("the import reads up to 35 min ago" in note for note in notes)
    incremental = world.engine.books.cursor("main", MARKETPLACE, kind="incremental")
    assert world.clock.now() - incremental <= 35 * M + 15 * M  # the lag, and waiting for a fuller page


def test_reading_to_the_edge_at_the_ceiling_leaves_late_indexed_updates_behind(make_world):
    """The contrast: with the import always at the edge, the sweep falls a day behind and late-indexed
    versions are still missing at the end of the day."""
    scenario, late, expected = saturated_day()
    world = make_world(scenario, settings=SyncSettings(late_sweep_behind_limit=None))
    world.run(END)
    statuses = shop_statuses(world)
    wrong = [i for i in late if statuses.get(i) not in expected[i]]
    assert len(wrong) >= 5
    sweep = world.engine.books.cursor("main", MARKETPLACE, kind="late_sweep")
    assert world.clock.now() - sweep > 12 * H
    assert sweep > START


def busy_fba_half_day():
    """12 hours at 2,000 orders a day on a plan 20 times slower, every other order FBA (UNSHIPPED 6 min after
    purchase, shipped 30 h later: after the test) and the others MERCHANT."""
    b = ScenarioBuilder(days=3)
    fba, merchant = [], []
    for k in range(PER_DAY // 2):
        created = td(seconds=k * 86400 / PER_DAY)
        if k % 2:
            fba.append(b.fba_flow(created, 30 * H))
        else:
            merchant.append(b.merchant_flow(created, 5 * M, 40 * H))
    scenario = b.build()
    scenario["sellers"][0]["usage_plans"] = {"searchOrders": {"rate": 0.0056 / 20, "burst": 20}}
    return scenario, fba, merchant


def test_under_quota_pressure_fba_orders_are_not_read_while_amazon_has_not_shipped_them(make_world):
    """FBA UNSHIPPED versions are never importable: under pressure the incremental leaves them out (its
    first query asks UNSHIPPED of the merchant's orders only), and the calls go to what is. A shop that
    imports FBA orders at UNSHIPPED still reads (and imports) them."""
    scenario, fba, merchant = busy_fba_half_day()
    lean = make_world(scenario)
    lean_runs = lean.run(13 * H)
    assert any("quota pressure" in note for s in lean_runs for note in s.notes)
    statuses = shop_statuses(lean)
    assert all(statuses.get(i) == "to_ship" for i in merchant[: len(merchant) - 30])
    assert not any(i in statuses for i in fba)

    eager = make_world(scenario, settings=SyncSettings(fba_import_at_unshipped=True))
    eager_runs = eager.run(13 * H)
    statuses = shop_statuses(eager)
    assert all(statuses.get(i) == "to_ship" for i in fba[: len(fba) - 30] + merchant[: len(merchant) - 30])
    rows_lean = sum(s.orders_seen for s in lean_runs)
    rows_eager = sum(s.orders_seen for s in eager_runs)
    assert rows_lean < 0.8 * rows_eager


def test_the_import_keeps_reading_lagged_until_the_sweep_has_caught_up(make_world):
    """The lagged reading starts when the sweep is an hour behind and lasts until the sweep has jumped
    over what it settled: switching back as soon as the sweep crept under the hour flapped run after
    run (an edge read, then a lagged run with nothing to read), each edge read settling nothing."""
    scenario, _, _ = saturated_day()
    world = make_world(scenario)
    summaries = world.run(END)
    lagged = [
        any("the import reads up to 35 min ago" in note for note in s.notes)
        for s in summaries
        if s.kind == "incremental"
    ]
    switches = sum(1 for before, after in pairwise(lagged) if before != after)
    assert sum(lagged) > 24  # hours of it, at the ceiling
    assert switches <= 5, switches  # 7 here when it switched back as soon as the sweep crept under the hour


def test_at_the_ceiling_the_import_stays_lagged_so_late_indexed_orders_never_wait_for_the_night(make_world):
    """Once the sweep has jumped what the lagged reading settled, reading at the edge again would need
    every update read twice: at the ceiling the sweep cannot pay for it, falls an hour behind, and the
    versions Amazon indexed late in that hour wait for spare quota, at 20,000 orders a day until the next
    night (up to 22 h). The import goes back to the edge only when the quota pays for both reads at the
    current pace, and every late-indexed order paid after the first lagged run reaches the shop within
    two hours (four of them took longer, up to 16 h, when it went back whenever the sweep had caught up)."""
    from sqlalchemy import select

    from amzorders.ledger.schema import orders

    scenario, late, _ = saturated_day(per_day=2800)
    world = make_world(scenario)
    summaries = world.run(END)
    lagged = [s.started_at for s in summaries if any("reads up to 35 min ago" in n for n in s.notes)]
    assert lagged
    paid = {o["order_id"]: parse_instant(o["timeline"][1]["at"]) for o in scenario["orders"]}
    with world.engine.ledger.connect() as conn:
        created = dict(conn.execute(select(orders.c.amazon_order_id, orders.c.shop_created_at)).all())
    delays = {}
    for order_id in late:
        if paid[order_id] > lagged[0] and created.get(order_id) is not None:
            delays[order_id] = created[order_id] - paid[order_id]
    assert len(delays) >= 20
    assert max(delays.values()) < 2 * H, sorted(delays.values())[-3:]  # 2.0, 2.1, 5 and 16 h before


def test_lagged_windows_under_quota_pressure_start_where_the_last_one_ended(make_world):
    """Reading lagged, everything before the cursor was read `late_sweep_lag` after it was updated: the
    base overlap would only read it again (at 20,000 orders a day, p99 68 min with it, 54 without).
    With the quota comfortable, an overlap that costs no call is still taken."""
    scenario, _, _ = busy_fba_half_day()
    world = make_world(scenario)
    summaries = world.run(13 * H)
    incremental = [s for s in summaries if s.kind == "incremental" and s.window is not None]

    def lagged_under_pressure(summary) -> bool:
        notes = " ".join(summary.notes)
        return "the import reads up to 35 min ago" in notes and "quota pressure" in notes

    pairs = [(before, after) for before, after in pairwise(incremental) if lagged_under_pressure(after)]
    assert len(pairs) >= 6
    assert [(b.window[1], a.window[0]) for b, a in pairs if a.window[0] != b.window[1]] == []


def test_what_a_long_import_run_records_reaches_the_shop_while_it_waits_for_quota(make_world):
    """A backlog (3,000 merchant orders in 2 hours on a plan at a fifth of the rate) is read in runs of
    several pages, each waiting ~15 minutes for its token: the push runs during those waits (its own
    run), instead of publishing everything once the run has ended."""
    from sqlalchemy import select

    from amzorders.ledger.schema import orders

    b = ScenarioBuilder(days=1)
    for k in range(3000):
        b.merchant_flow(td(seconds=k * 2.4), 5 * M, 20 * H)
    scenario = b.build()
    scenario["sellers"][0]["usage_plans"] = SLOW_SEARCH

    def shop_delays(settings: SyncSettings | None):
        world = make_world(scenario, settings=settings)
        runs = [s for s in world.run(10 * H) if s.kind == "incremental"]
        with world.engine.ledger.connect() as conn:
            query = select(orders.c.first_seen_at, orders.c.shop_created_at)
            rows = conn.execute(query.where(orders.c.shop_created_at.is_not(None))).all()
        assert len(rows) == 3000
        spans = [(s.started_at, s.finished_at) for s in runs]
        during = [created for _, created in rows if any(start < created < end for start, end in spans)]
        notes = [note for s in runs for note in s.notes if "while waiting for quota" in note]
        return during, notes, sum((created - seen).total_seconds() for seen, created in rows)

    during, notes, delays = shop_delays(None)  # the default settings: push while waiting
    assert notes and len(during) > 1000
    after, notes_after, delays_after = shop_delays(SyncSettings(push_while_waiting_s=None))
    assert after == [] and notes_after == []
    assert delays < 0.5 * delays_after


def test_under_quota_pressure_a_window_reads_the_merchants_new_orders_first(make_world):
    """The window's two queries are read page by page, minutes apart: the merchant's new orders (most of
    what the shop waits for) come first, the other statuses (FBA shipments, status updates) after."""
    from sqlalchemy import select

    from amzorders.ledger.schema import orders

    b = ScenarioBuilder(days=2)
    importable: dict[str, datetime] = {}  # order id -> when Amazon made it importable ...
    channel: dict[str, str] = {}  # ... and its channel
    for k in range(1500):
        at = 3 * H + td(seconds=k * 4.8)  # both kinds become importable between 3 and 5 hours
        fba = b.fba_flow(at - 3 * H, 3 * H)
        merchant = b.merchant_flow(at - 5 * M, 5 * M, 20 * H)
        importable |= {fba: START + at, merchant: START + at}
        channel |= {fba: "fba", merchant: "merchant"}
    scenario = b.build()
    scenario["sellers"][0]["usage_plans"] = SLOW_SEARCH
    world = make_world(scenario)
    runs = world.run(12 * H)
    assert any("quota pressure" in note for s in runs for note in s.notes)
    with world.engine.ledger.connect() as conn:
        query = select(orders.c.amazon_order_id, orders.c.shop_created_at)
        created = dict(conn.execute(query).all())
    delays: dict[str, list[float]] = {"fba": [], "merchant": []}
    for order_id, at in importable.items():
        delays[channel[order_id]].append((created[order_id] - at).total_seconds())
    assert sum(delays["merchant"]) < 0.8 * sum(delays["fba"])


def test_reading_the_edge_twice_must_fit_in_the_accounts_share_of_the_sellers_bucket(make_world):
    """Two accounts of one seller (two marketplaces configured apart) draw on the same searchOrders
    bucket, each knowing only its own pace: each may count on half the rate, not on all of it."""
    rate = 0.0056
    one_account_pace = td(seconds=2 / (EDGE_RATE_SHARE * rate) * 1.5)  # 2/3 of the whole share
    assert reading_twice_affordable(one_account_pace, rate)
    assert not reading_twice_affordable(one_account_pace, rate, sharing=2)
    assert reading_twice_affordable(None, rate, sharing=2)  # nothing learnt yet

    world = make_world(ScenarioBuilder(days=1).build())
    other = replace(world.account, name="second", marketplace_ids=("A1PA6795UKMFR9",))
    elsewhere = replace(world.account, name="third", seller_id="A2OTHERSELLER")
    engine = world.new_engine()
    engine.accounts.update({a.name: a for a in (other, elsewhere)})
    sharing = {}
    for account in (world.account, other, elsewhere):
        engine._run(
            "incremental", account, lambda ctx: sharing.update({ctx.account.name: ctx.accounts_on_bucket})
        )
    assert sharing == {"main": 2, "second": 2, "third": 1}
