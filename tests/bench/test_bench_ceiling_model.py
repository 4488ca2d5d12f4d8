"""The theoretical ceiling's counting, checked on orders whose answer can be worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import pytest
from bench.ceiling_model import (
    DAY,
    HOUR,
    MINUTE,
    OrderTimeline,
    Plan,
    Reading,
    asked_versions,
    catch_up_rows,
    ceiling,
    mix_ceiling,
    peak_hour_share,
    pending_watch_gets,
    ticks_in,
    update_mix,
    window_rows,
)
from hypothesis import given
from hypothesis import strategies as st

T0 = 1_000 * DAY  # midnight UTC, a multiple of every interval used here
FIVE = 5 * MINUTE


def order(*events: tuple[float, str], delay: float = 120.0, by: str = "MERCHANT") -> OrderTimeline:
    return OrderTimeline(tuple((T0 + at, status) for at, status in events), delay, by)


def test_ticks_in_counts_multiples_in_a_half_open_interval():
    assert ticks_in(0, 300, 300) == 1  # 0 only
    assert ticks_in(1, 300, 300) == 0
    assert ticks_in(1, 301, 300) == 1
    assert ticks_in(0, 86_400, 300) == 288
    assert ticks_in(10, 5, 300) == 0
    assert ticks_in(0, DAY, DAY, offset=3 * HOUR) == 1


FIFTEEN = Reading(overlap_s=15 * MINUTE)  # the counting examples below use a 15-minute overlap


def test_a_version_is_returned_by_every_overlapping_window():
    # Updated at 10:01:07, visible from 10:03:07: with a 15 min overlap, windows at 10:05 .. 10:20 cover
    # it ((5 + 15) / 5 = 4); with the product's 2 min base overlap, 10:05 and 10:10.
    one = order((10 * HOUR + 67, "UNSHIPPED"))
    assert window_rows(one, FIFTEEN) == 4
    assert window_rows(one, Reading()) == 2
    assert window_rows(one, Reading(overlap_s=0)) == 1
    assert window_rows(one, Reading(interval_s=30 * MINUTE, overlap_s=15 * MINUTE)) == 1


def test_a_version_superseded_before_any_window_is_never_returned():
    quick = order((10 * HOUR + 7, "PENDING"), (10 * HOUR + 47, "UNSHIPPED"))
    rows_pending_only = window_rows(quick, Reading(skip_statuses=frozenset({"UNSHIPPED"})))
    assert rows_pending_only == 0  # PENDING visible 10:02:07-10:02:47, no window ran then
    assert window_rows(quick, replace(FIFTEEN, skip_statuses=frozenset({"PENDING"}))) == 4


def test_late_indexing_shifts_what_the_windows_see():
    late = order((10 * HOUR + 67, "UNSHIPPED"), delay=14 * MINUTE)
    # Visible from 10:15:07; windows at 10:20 (covers 09:48-10:18) is the last one covering 10:01:07.
    assert window_rows(late, FIFTEEN) == 1
    assert window_rows(late, Reading(overlap_s=5 * MINUTE)) == 0  # lost by a too-short overlap


@given(
    gaps=st.lists(st.integers(min_value=1, max_value=3 * 86_400), min_size=1, max_size=6),
    first=st.integers(min_value=0, max_value=86_400),
    delay=st.integers(min_value=0, max_value=120),
)
def test_without_overlap_each_version_is_seen_at_most_once(gaps, first, delay):
    times = [first]
    for gap in gaps:
        times.append(times[-1] + gap)
    statuses = ["PENDING", "UNSHIPPED", "SHIPPED", "SHIPPED", "SHIPPED", "SHIPPED", "SHIPPED"]
    o = order(*zip(times, statuses, strict=False), delay=delay)
    reading = Reading(overlap_s=0)
    assert window_rows(o, reading) <= len(times)
    # A version that stays visible longer than interval + lag is seen exactly once; the last one lives on.
    long_lived = sum(1 for a, b in pairwise(times) if b - a > FIVE + 120 + delay)
    assert window_rows(o, reading) >= long_lived + 1


def test_recheck_reads_a_shipped_fba_order_every_day_of_its_age_window():
    # Created day 0 10:00, shipped day 1 09:00: the 03:00 recheck sees it from day 2 10:00 to day 15 10:00.
    fba = order(
        (10 * HOUR, "PENDING"), (10 * HOUR + 600, "UNSHIPPED"), (DAY + 9 * HOUR, "SHIPPED"), by="AMAZON"
    )
    assert catch_up_rows(fba, Reading(), T0, T0 + 40 * DAY) == 13  # days 3..15 at 03:00
    assert catch_up_rows(fba, Reading(recheck=None), T0, T0 + 40 * DAY) == 0
    # Merchant order unshipped for 3 days: doublecheck (created 7 d .. 1 d ago) reads it on days 2 and 3.
    merchant = order((10 * HOUR, "PENDING"), (10 * HOUR + 300, "UNSHIPPED"), (3 * DAY + 20 * HOUR, "SHIPPED"))
    assert catch_up_rows(merchant, Reading(), T0, T0 + 40 * DAY) == 2  # 03:00 on days 2 and 3


def test_pending_watch_reads_a_stale_pending_order_every_hour():
    held = order((10 * HOUR + 30, "PENDING"), (15 * HOUR + 30, "UNSHIPPED"))
    assert pending_watch_gets(held, Reading()) == 4  # 12:00, 13:00, 14:00, 15:00
    assert pending_watch_gets(held, Reading(pending_watch_after_s=None)) == 0
    assert pending_watch_gets(order((10 * HOUR, "PENDING"), (10 * HOUR + 600, "UNSHIPPED")), Reading()) == 0


def test_pending_watch_spaces_out_like_the_product():
    # Held 20 days: hourly at first, then a quarter of the time held, at most 8 h (the product's spacing).
    held = order((10 * HOUR, "PENDING"), (10 * HOUR + 20 * DAY, "UNSHIPPED"))
    spaced = pending_watch_gets(held, Reading())
    every_run = pending_watch_gets(held, Reading(pending_watch_cap_s=None))
    assert every_run == 20 * 24 - 1
    assert 60 <= spaced <= 80  # about 3 a day once the cap is reached


def test_the_headline_figure_of_the_usage_plan():
    assert ceiling(1.0).orders_per_day == pytest.approx(48_384)
    assert ceiling(3.0).orders_per_day == pytest.approx(16_128)
    assert ceiling(1.0, fixed_search_calls_per_day=83.84).orders_per_day == pytest.approx(40_000)


def test_the_tighter_operation_binds():
    bound = ceiling(1.0, gets_per_order=4.0)
    assert bound.binding == "getOrder"
    assert bound.orders_per_day == pytest.approx(10_800)
    assert ceiling(1.0).get_bound == math.inf
    custom = ceiling(2.0, plans={"searchOrders": Plan(0.0112, 20), "getOrder": Plan(0.5, 30)})
    assert custom.orders_per_day == pytest.approx(48_384)
    with pytest.raises(ValueError):
        ceiling(0)


def test_update_mix_averages_per_order_costs():
    orders = [
        order((10 * HOUR + 67, "UNSHIPPED")),
        order((11 * HOUR + 67, "PENDING"), (11 * HOUR + 1267, "UNSHIPPED")),
    ]
    mix = update_mix(orders, replace(FIFTEEN, recheck=None, doublecheck=None), T0, T0 + 5 * DAY)
    assert mix.versions == 1.5
    assert mix.importable_versions == 1.0
    assert mix.window_rows == pytest.approx((4 + 4 + 4) / 2)  # the PENDING version lives 20 min: 4 windows
    assert mix.reconcile_rows == 1.0
    assert mix.queries_per_day == 288 + 1
    expected = (48_384 - 0.5 * 289 * 100) / (6 + 1)
    assert mix_ceiling(mix).orders_per_day == pytest.approx(expected)


def test_under_pressure_the_product_asks_unshipped_of_merchant_orders_only():
    pending = frozenset({"PENDING"})
    fba = order((20 * HOUR, "PENDING"), (20 * HOUR + 360, "UNSHIPPED"), (2 * DAY, "SHIPPED"), by="AMAZON")
    own = order((20 * HOUR, "PENDING"), (20 * HOUR + 300, "UNSHIPPED"), (DAY + 9 * HOUR, "SHIPPED"))
    assert [s for _, s in asked_versions(fba, pending, True)] == ["SHIPPED"]
    assert [s for _, s in asked_versions(fba, pending, False)] == ["UNSHIPPED", "SHIPPED"]
    assert [s for _, s in asked_versions(own, pending, True)] == ["UNSHIPPED", "SHIPPED"]
    # The FBA order's UNSHIPPED made 20:00 the busiest hour; without it 20:00 and 09:00 weigh the same
    # as midnight (the FBA SHIPPED).
    assert peak_hour_share([fba, own], pending) == pytest.approx(2 / 4)
    assert peak_hour_share([fba, own], pending, merchant_unshipped_only=True) == pytest.approx(1 / 3)


def test_the_product_under_pressure_reads_an_fba_order_once_it_ships():
    fba = order((10 * HOUR, "PENDING"), (10 * HOUR + 360, "UNSHIPPED"), (DAY, "SHIPPED"), by="AMAZON")
    own = order((10 * HOUR, "PENDING"), (10 * HOUR + 300, "UNSHIPPED"), (DAY, "SHIPPED"))
    pressure = Reading(skip_statuses=frozenset({"PENDING"}), merchant_unshipped_only=True)
    assert window_rows(fba, pressure) == 1  # SHIPPED, in one 5-minute window
    assert window_rows(own, pressure) == 2
    assert window_rows(fba, replace(pressure, merchant_unshipped_only=False)) == 2
    mix = update_mix([fba, own], replace(pressure, recheck=None, doublecheck=None), T0, T0 + 3 * DAY)
    assert mix.queries_per_day == 2 * 288 + 1  # two queries a window, and the reconciliation
