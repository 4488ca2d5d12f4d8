"""The theoretical side of `python -m bench.ceiling`: what each order costs in searchOrders rows and getOrder
calls under several ways of reading (`bench.ceiling_model` on a generated sample), as orders/day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from amzorders.clock import format_span
from amzorders.sync.settings import SyncSettings

from .ceiling_model import (
    MINUTE,
    OrderTimeline,
    Reading,
    UpdateMix,
    asked_versions,
    ceiling,
    mix_ceiling,
    peak_hour_ceiling,
    peak_hour_share,
    update_mix,
)

LATENCY_BUDGET_S = 3600.0
PRODUCT_AT_SATURATION = "product under quota pressure"
PEAK_HOUR = "busiest hour"
PRODUCT_PEAK_HOUR = "product's busiest hour"


def timelines(scenario) -> list[OrderTimeline]:
    """The model's view of an `amzorders.sim.scenario.Scenario`."""
    default = scenario.indexing_delay_s
    return [
        OrderTimeline(
            events=tuple((event.at.timestamp(), event.status) for event in order.timeline),
            delay_s=default if order.indexing_delay_s is None else order.indexing_delay_s,
            fulfilled_by=order.fulfilled_by,
        )
        for order in scenario.orders
    ]


@dataclass(frozen=True, slots=True)
class TheoryRow:
    reading: str
    rows_per_order: float
    gets_per_order: float
    orders_per_day: float
    binding: str


def theoretical_rows(orders: list[OrderTimeline], start: float, horizon: float) -> list[TheoryRow]:
    product = Reading()
    mix = update_mix(orders, product, start, horizon)
    pending = frozenset({"PENDING"})
    rows = [
        _ideal("every version read once, full pages (physical limit)", mix.versions),
        _ideal("every non-PENDING version once, full pages (status filter)", mix.importable_versions),
        _row("product, all safety nets paid: 5 min windows, 2 min overlap, catch-ups, reconcile", mix),
    ]
    lean = replace(product, recheck=None, doublecheck=None)
    rows.append(_row("... without recheck/doublecheck", update_mix(orders, lean, start, horizon)))
    widest = SyncSettings().incremental_max_interval
    pressed = reading_under_pressure(widest)
    rows.append(
        _row(
            f"{PRODUCT_AT_SATURATION}: PENDING and FBA UNSHIPPED filtered, safety nets starved"
            f" (incremental only, two queries a window, windows grown to {format_span(widest)},"
            f" read lagged: up to {format_span(timedelta(seconds=pressed.lag_s))} ago, no overlap)",
            update_mix(orders, pressed, start, horizon),
        )
    )
    searching = replace(lean, skip_statuses=pending, pending_watch_after_s=None)
    for label, reading in (
        ("no recheck/doublecheck", searching),
        ("no recheck/doublecheck/reconcile", replace(searching, reconcile=False)),
    ):
        best = _best_interval(orders, reading, start, horizon, label)
        if best is not None:
            rows.append(best)
    share = peak_hour_share(orders, pending)
    for fill in (1.0, 0.8):
        rows.append(
            TheoryRow(
                f"{PEAK_HOUR} ({share:.1%} of the day's non-PENDING versions) read within the hour, "
                f"pages {fill:.0%} full",
                mix.importable_versions,
                0.0,
                peak_hour_ceiling(mix.importable_versions, share, fill=fill),
                "searchOrders (peak hour)",
            )
        )
    asked = sum(len(asked_versions(o, pending, True)) for o in orders) / (len(orders) or 1)
    share = peak_hour_share(orders, pending, merchant_unshipped_only=True)
    for fill in (1.0, 0.9):
        rows.append(
            TheoryRow(
                f"{PRODUCT_PEAK_HOUR} ({share:.1%} of the versions it asks for under quota pressure: no"
                f" PENDING, UNSHIPPED of merchant orders only) read within the hour, pages {fill:.0%} full",
                asked,
                0.0,
                peak_hour_ceiling(asked, share, fill=fill),
                "searchOrders (peak hour)",
            )
        )
    for hours in (1, 6, 24):
        watch = replace(lean, pending_watch_every_s=hours * 3600.0, pending_watch_cap_s=None)
        gets = update_mix(orders, watch, start, horizon).pending_gets
        bound = ceiling(1e-9, gets_per_order=gets)  # getOrder alone
        rows.append(
            TheoryRow(
                f"getOrder alone: pending watch re-reading stale PENDING orders every {hours} h",
                0.0,
                gets,
                bound.get_bound,
                "getOrder",
            )
        )
    return rows


def reading_under_pressure(window: timedelta, *, overlap: timedelta | None = None) -> Reading:
    """The product's reading when the search quota is short: PENDING and FBA UNSHIPPED left out of the
    incremental (two queries a window), the safety nets starved, and the import reading lagged.

    The engine then lets a window grow until its page fills or it spans `incremental_max_interval`
    (`sync.passes._worth_a_call`): at fixed 5-minute windows the 2-minute overlap alone would be read 1.4
    times, a reading the product never does at saturation. Its windows end `late_sweep_lag` ago (the
    sweep cannot keep up: `passes._edge_delay`) and start at the cursor (`overlap`: 0 unless given)."""
    settings = SyncSettings()
    lag = settings.late_sweep_lag or settings.visibility_delay
    return replace(
        Reading(),
        lag_s=lag.total_seconds(),
        overlap_s=(overlap or timedelta(0)).total_seconds(),
        recheck=None,
        doublecheck=None,
        interval_s=window.total_seconds(),
        skip_statuses=frozenset({"PENDING"}),
        merchant_unshipped_only=True,
        pending_watch_after_s=None,
        reconcile=False,
    )


def _best_interval(
    orders: list[OrderTimeline], reading: Reading, start: float, horizon: float, label: str
) -> TheoryRow | None:
    """The searchOrders ceiling of the best window interval that keeps latency under the budget."""
    best: TheoryRow | None = None
    for minutes in range(5, 60, 5):
        candidate = replace(reading, interval_s=minutes * MINUTE)
        if candidate.interval_s + candidate.lag_s + 2 * MINUTE > LATENCY_BUDGET_S:
            break
        row = _row(
            f"searchOrders alone, best under 1 h latency: {minutes} min windows, PENDING filtered, {label}",
            update_mix(orders, candidate, start, horizon),
        )
        if best is None or row.orders_per_day > best.orders_per_day:
            best = row
    return best


def _ideal(reading: str, rows_per_order: float) -> TheoryRow:
    bound = ceiling(rows_per_order)
    return TheoryRow(reading, rows_per_order, 0.0, bound.orders_per_day, bound.binding)


def _row(reading: str, mix: UpdateMix) -> TheoryRow:
    bound = mix_ceiling(mix)
    return TheoryRow(reading, mix.search_rows, mix.pending_gets, bound.orders_per_day, bound.binding)
