"""Generated scenarios: deterministic to the byte, realistic mix, and a month that replays."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sim_helpers import SimClient
from typer.testing import CliRunner

from amzorders.app.cli import app
from amzorders.clock import SimClock, format_instant
from amzorders.sim.generate import Mix, generate
from amzorders.sim.scenario import load_scenario
from amzorders.sim.world import Marketplace

DAY = 86400.0


def _generate_file(tmp_path, name: str, seed: int, *extra: str):
    path = tmp_path / name
    result = CliRunner().invoke(
        app,
        [
            "simulator",
            "generate",
            "--orders-per-day",
            "40",
            "--days",
            "3",
            "--seed",
            str(seed),
            "-o",
            str(path),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "120 orders" in result.output
    return path.read_bytes()


def test_same_seed_gives_a_byte_identical_file(tmp_path):
    first = _generate_file(tmp_path, "a.json", 5)
    assert first == _generate_file(tmp_path, "b.json", 5)
    assert first != _generate_file(tmp_path, "c.json", 6)
    assert _generate_file(tmp_path, "d.json", 5, "--amazon-share", "0.9") != first


def test_generate_refuses_bad_arguments(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "simulator",
            "generate",
            "--orders-per-day",
            "5",
            "--days",
            "1",
            "--start",
            "someday",
            "-o",
            str(tmp_path / "x"),
        ],
    )
    assert result.exit_code == 2 and "--start" in result.output


@pytest.fixture(scope="module")
def month():
    return generate(orders_per_day=300, days=30, seed=11)


def test_the_mix_has_every_kind_of_order(month):
    orders = month.orders
    assert len(orders) == 9000
    fba = [o for o in orders if o.fulfilled_by == "AMAZON"]
    assert 0.40 < len(fba) / len(orders) < 0.50
    currencies = Counter(o.currency for o in orders)
    assert currencies.keys() == {"EUR", "GBP", "USD"}
    assert len({o.marketplace_id for o in orders}) == 6
    assert {o.service_level for o in orders} >= {"STANDARD", "EXPEDITED", "NEXT_DAY", "SAME_DAY"}
    assert any(len(o.items) > 1 for o in orders)
    assert any("AMAZON_BUSINESS" in o.programs and o.buyer.company_name for o in orders)
    assert 0.25 < sum("PRIME" in o.programs for o in orders) / len(orders) < 0.45
    assert any(o.indexing_delay_s for o in orders)
    statuses = [[e.status for e in o.timeline] for o in orders]
    assert any(s[:2] == ["PENDING", "CANCELLED"] for s in statuses)  # cancelled before importable
    assert any(s[:3] == ["PENDING", "UNSHIPPED", "CANCELLED"] for s in statuses)  # ... and after
    assert any("PARTIALLY_SHIPPED" in s for s in statuses)
    assert any(s[:2] == ["PENDING", "SHIPPED"] for s in statuses)  # FBA shipped in one update


def test_pending_durations_are_mostly_minutes_sometimes_days_never_over_21_days(month):
    durations = [
        (o.timeline[1].at - o.timeline[0].at).total_seconds() for o in month.orders if len(o.timeline) > 1
    ]
    minutes = sum(d <= 2 * 3600 for d in durations) / len(durations)
    assert minutes > 0.9
    assert any(d > DAY for d in durations)
    assert max(durations) <= 21 * DAY + 1


def test_standard_fba_orders_are_held_one_to_three_days(month):
    holds = [
        (o.timeline[2].at - o.timeline[1].at).total_seconds()
        for o in month.orders
        if o.fulfilled_by == "AMAZON"
        and o.service_level == "STANDARD"
        and [e.status for e in o.timeline] == ["PENDING", "UNSHIPPED", "SHIPPED"]
    ]
    assert holds and all(DAY - 1 <= h <= 3 * DAY + 1 for h in holds)


def test_a_daily_rhythm(month):
    hours = Counter(o.created_at.hour for o in month.orders)
    assert hours[20] > 3 * hours[3]


def test_totals_are_consistent_money(month):
    for o in month.orders[:500]:
        for item in o.items:
            assert item.unit_price.as_tuple().exponent == -2 and item.tax >= 0
        assert o.grand_total > 0


def test_mix_is_tunable():
    all_fba = generate(orders_per_day=50, days=2, seed=1, mix=Mix(amazon_share=1.0, multi_line_share=0.0))
    assert {o.fulfilled_by for o in all_fba.orders} == {"AMAZON"}
    assert {len(o.items) for o in all_fba.orders} == {1}


def test_a_generated_month_at_500_a_day_loads_validates_and_replays_under_the_virtual_clock(tmp_path):
    from amzorders.sim.scenario import dump_scenario

    path = tmp_path / "month.json"
    dump_scenario(generate(orders_per_day=500, days=30, seed=2), path)
    loaded = load_scenario(path)
    assert len(loaded.orders) == 15000
    clock = SimClock(loaded.start)
    marketplace = Marketplace(loaded, clock)
    client = SimClient(marketplace, loaded.sellers[0].seller_id, validate=False)  # speed; shapes: conformance
    delays = {o.order_id: o.indexing_delay_s or loaded.indexing_delay_s for o in loaded.orders}
    touched = defaultdict(set)
    for o in loaded.orders:
        for e in o.timeline:
            touched[e.at.date()].add(o)
    day = timedelta(days=1)
    window_start = loaded.start
    created_seen: Counter[str] = Counter()
    while window_start + day <= loaded.end:
        window_end = window_start + day
        clock.advance_to(window_end + timedelta(hours=1))
        now = clock.now().timestamp()
        after, before = format_instant(window_start), format_instant(window_end)
        got = client.all_orders(
            lastUpdatedAfter=after, lastUpdatedBefore=before, includedData=["FULFILLMENT"]
        )
        expected = set()
        for o in touched[window_start.date()]:  # brute force over the orders with an event that day
            indexed = [e for e in o.timeline if e.at.timestamp() + delays[o.order_id] <= now]
            if indexed and window_start <= indexed[-1].at < window_end:
                expected.add((o.order_id, indexed[-1].status))
        found = [(x["orderId"], x["fulfillment"]["fulfillmentStatus"]) for x in got]
        assert len(found) == len(set(found)) and set(found) == expected
        for x in client.all_orders(createdAfter=after, createdBefore=before):
            created_seen[x["orderId"]] += 1
        window_start = window_end
    in_days = {o.order_id for o in loaded.orders if o.created_at < window_start}
    assert set(created_seen) == in_days and set(created_seen.values()) == {1}
    assert marketplace.stats.throttled == 0  # the default plans suffice for daily windows
