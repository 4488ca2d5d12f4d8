"""The ceiling search brackets the highest sustained volume, whatever the answer, in few probes."""

from __future__ import annotations

from bench.ceiling import Probe, search_ceiling
from hypothesis import given, settings
from hypothesis import strategies as st


def threshold_probe(limit: int, calls: list[int]):
    def probe(n: int) -> Probe:
        calls.append(n)
        return Probe(n, n <= limit, "fake")

    return probe


@settings(max_examples=200, deadline=None)
@given(limit=st.integers(min_value=10, max_value=500_000), start=st.integers(min_value=10, max_value=100_000))
def test_the_bracket_holds_the_true_ceiling_within_the_tolerance(limit, start):
    calls: list[int] = []
    result = search_ceiling(threshold_probe(limit, calls), start, tolerance=0.1, max_probes=40)
    assert result.best_sustained is not None and result.best_sustained <= limit
    assert result.first_failing is not None and result.first_failing > limit
    assert (
        result.first_failing <= result.best_sustained * 1.1
        or result.first_failing - result.best_sustained <= 1
    )
    assert len(set(calls)) == len(calls)  # never probes the same volume twice
    assert result.stopped == "bracket within tolerance"


def test_a_good_first_guess_needs_few_probes():
    calls: list[int] = []
    result = search_ceiling(threshold_probe(21_000, calls), 20_000, tolerance=0.1)
    assert calls[:2] == [20_000, 40_000]
    assert len(calls) <= 6
    assert 19_000 < result.best_sustained <= 21_000 < result.first_failing


def test_an_undetermined_probe_stops_the_search_and_keeps_what_is_known():
    def probe(n: int) -> Probe:
        return Probe(n, True if n < 5_000 else None, "timeout" if n >= 5_000 else "ok")

    result = search_ceiling(probe, 4_000)
    assert result.best_sustained == 4_000
    assert result.first_failing is None
    assert result.stopped == "probe at 8,000/day undetermined"


def test_the_probe_budget_and_the_floor_are_respected():
    calls: list[int] = []
    result = search_ceiling(threshold_probe(0, calls), 1_000, floor=10)
    assert result.best_sustained is None
    assert calls[-1] == 10 and result.stopped == "not sustained even at 10/day"
    calls.clear()
    budget = search_ceiling(threshold_probe(10**9, calls), 100, max_probes=3, cap=10**12)
    assert len(calls) == 3 and budget.stopped == "probe budget (3) used"


def test_the_theory_can_be_recomputed_around_the_probes_of_the_last_search(tmp_path, monkeypatch):
    import json

    import bench.ceiling as ceiling

    monkeypatch.setattr(ceiling, "RESULTS_DIR", tmp_path)
    saved = {
        "command": "python -m bench.ceiling --days 3 --start 20000",
        "measured": "2026-11-27 09:59 UTC, commit 35d20fa",
        "theory": [],
        "search": {
            "best_sustained": 17000,
            "first_failing": 18000,
            "stopped": "probe budget (5) used",
            "probes": [
                {"orders_per_day": 18000, "sustained": False, "detail": "p99 61 min", "report": {}},
                {"orders_per_day": 17000, "sustained": True, "detail": "no loss, p99 55.2 min", "report": {}},
            ],
        },
    }
    (tmp_path / "ceiling.json").write_text(json.dumps(saved))
    output = tmp_path / "BENCHMARKS.md"
    argv = ["--reuse-search", "--sample-orders-per-day", "40", "--sample-days", "2", "--output", str(output)]
    assert ceiling.main(argv) == 0
    text = output.read_text()
    assert "**Highest sustained: 17,000 orders/day** (first failing: 18,000" in text
    assert "| 17,000 | yes | no loss, p99 55.2 min |" in text
    assert "python -m bench.ceiling --days 3 --start 20000 (theory recomputed by" in text
    assert "Probes measured 2026-11-27 09:59 UTC, commit 35d20fa; theory recomputed" in text
    again = json.loads((tmp_path / "ceiling.json").read_text())
    assert (again["command"], again["measured"]) == (saved["command"], saved["measured"])


def test_reused_probes_are_shown_with_the_machine_they_ran_on_not_this_one():
    """`--reuse-search` keeps the probes' wall times: the section must name the machine that gave them."""
    from bench.ceiling import SearchResult, render
    from bench.ceiling_theory import TheoryRow
    from bench.machine import machine

    search = SearchResult(17_000, 18_000, [Probe(17_000, True, "no loss, 50 s wall")], "probe budget")
    theory = [TheoryRow("every version read once", 2.9, 0.0, 16_536.0, "searchOrders")]
    elsewhere = {**machine(), "cpu": "the CPU of an earlier session"}
    reused = render("cmd", "a sample", theory, search, 3, measured="then", probe_machine=elsewhere)
    assert "Machine the probes ran on" in reused and "| cpu | the CPU of an earlier session |" in reused
    fresh = render("cmd", "a sample", theory, search, 3)
    assert f"| cpu | {machine()['cpu']} |" in fresh and "the CPU of an earlier session" not in fresh


def test_the_model_of_the_product_under_pressure_reads_windows_as_wide_as_the_engine_lets_them_grow():
    """Under quota pressure the engine lets a window grow to `incremental_max_interval` (or a full page):
    the theoretical row must model that reading, not 5-minute windows the product never reads then."""
    from datetime import timedelta

    from bench.ceiling_model import DAY, mix_ceiling, update_mix
    from bench.ceiling_theory import (
        PRODUCT_AT_SATURATION,
        reading_under_pressure,
        theoretical_rows,
        timelines,
    )

    from amzorders.sim.generate import generate
    from amzorders.sync.settings import SyncSettings

    scenario = generate(orders_per_day=300, days=4, seed=3)
    orders = timelines(scenario)
    start, horizon = scenario.start.timestamp(), scenario.end.timestamp() + 2 * DAY
    rows = theoretical_rows(orders, start, horizon)
    row = next(r for r in rows if r.reading.startswith(PRODUCT_AT_SATURATION))
    widest = SyncSettings().incremental_max_interval
    assert f"windows grown to {widest.total_seconds() / 60:.0f} min" in row.reading

    def mix(window: timedelta, overlap: timedelta | None = None):
        return update_mix(orders, reading_under_pressure(window, overlap=overlap), start, horizon)

    assert row.rows_per_order == mix(widest).search_rows
    assert row.orders_per_day == mix_ceiling(mix(widest)).orders_per_day
    # Fewer, wider windows: fewer half-empty last pages ...
    assert mix_ceiling(mix(widest)).orders_per_day > mix_ceiling(mix(timedelta(minutes=5))).orders_per_day
    # ... and, reading lagged, no overlap: 2 minutes of it would be read again, more so in short windows.
    assert "no overlap" in row.reading
    base, short = SyncSettings().overlap, timedelta(minutes=5)
    assert mix(widest).search_rows < mix(widest, base).search_rows < mix(short, base).search_rows
