"""The harness end to end on a tiny scenario (real `amzorders simulate` processes), and its verdicts."""

from __future__ import annotations

import json
from datetime import timedelta

from bench.markdown import extract_section, replace_section, results_table
from bench.measure import RunResult
from bench.run import Benchmark, main, parse_args

from amzorders.simulate.builder import ScenarioBuilder
from bench import targets


def report(**overrides) -> dict:
    base = {
        "ok": True,
        "orders_total": 10,
        "orders_expected": 9,
        "imported": 9,
        "missing": [],
        "duplicates": 0,
        "wrong_status": [],
        "amount_mismatch": [],
        "cancel_not_propagated": [],
        "unexpected": [],
        "api_calls": {"searchOrders": 30, "getOrder": 3, "token": 2},
        "throttled": 0,
        "latency_s": {"p50": 200.0, "p95": 400.0, "p99": 500.0, "max": 900.0},
        "wall_s": 1.0,
        "peak_rss_mb": 80.0,
    }
    return {**base, **overrides}


def result(
    scenario: str, strategy: str = "amzorders", wall: float = 2.0, rss: float = 90.0, **kw
) -> RunResult:
    return RunResult(scenario, strategy, [], 0, report(**kw), wall, rss, wall)


def by_target(verdicts):
    return {v.target.split(":")[0].split(" ")[0]: v for v in verdicts}


def test_every_target_is_met_by_clean_fast_runs():
    runs = {
        ("month-500", "amzorders"): result("month-500"),
        ("month-5000", "amzorders"): result("month-5000", wall=41.0, rss=180.0),
        ("month-20000", "amzorders"): result("month-20000", latency_s={"p50": 900, "p95": 2000, "p99": 3000}),
        ("month-500", "legacy-window"): result("month-500", "legacy-window", missing=["a", "b"]),
    }
    verdicts = targets.evaluate(runs)
    assert [v.status for v in verdicts] == [targets.MET] * 5
    assert "loses or misstates orders on 1/1 scenarios (2 missing" in verdicts[1].measured


def test_each_shortfall_is_named_with_its_figure():
    runs = {
        ("month-500", "amzorders"): result("month-500", latency_s={"p50": 280, "p95": 700, "p99": 720}),
        ("month-5000", "amzorders"): result("month-5000", wall=75.4, rss=150.0),
        ("burst", "amzorders"): result("burst", missing=["x"], throttled=3),
        ("fault-429", "amzorders"): result("fault-429", throttled=40),
        ("month-20000", "amzorders"): "exit code 1",
        ("burst", "legacy-window"): result("burst", "legacy-window"),
    }
    zero, legacy, sustained, latency, speed = targets.evaluate(runs, injected_429=frozenset({"fault-429"}))
    assert zero.status == targets.NOT_MET
    assert zero.measured == "2/5 scenarios fail: burst: 1 missing, 3 429; month-20000: exit code 1"
    assert legacy.status == targets.NOT_MET  # a baseline that loses nothing proves nothing
    assert sustained.status == targets.NOT_MET and "exit code 1" in sustained.measured
    assert latency.status == targets.NOT_MET and latency.measured == "p50 4.7 min, p99 12.0 min"
    assert speed.status == targets.NOT_MET and speed.measured.startswith("75.4 s wall")


def test_targets_without_their_scenario_are_not_measured():
    verdicts = targets.evaluate({("burst", "amzorders"): result("burst")})
    assert [v.status for v in verdicts[1:]] == [targets.UNMEASURED] * 4


def test_sections_written_by_one_command_survive_the_other():
    text = replace_section("# Benchmarks\n", "run", "first run")
    text = replace_section(text, "ceiling", "## Ceiling\nA")
    text = replace_section(text, "run", "second run")
    assert extract_section(text, "run").strip() == "second run"
    assert extract_section(text, "ceiling").strip() == "## Ceiling\nA"
    assert text.index("second run") < text.index("## Ceiling")


def tiny_scenario() -> dict:
    b = ScenarioBuilder(days=0.3)
    b.merchant_flow(timedelta(hours=1, minutes=3, seconds=7), timedelta(minutes=4), timedelta(hours=3))
    b.merchant_flow(timedelta(hours=1, minutes=31, seconds=2), timedelta(minutes=2), timedelta(hours=4))
    b.fba_flow(timedelta(hours=2, minutes=11), timedelta(hours=2, minutes=20))
    return b.build()


def test_the_harness_runs_both_strategies_and_writes_the_markdown(tmp_path):
    (tmp_path / "tiny.json").write_text(json.dumps(tiny_scenario()), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"format": "amzorders-scenario/1"}', encoding="utf-8")
    manifest = tmp_path / "suite.toml"
    manifest.write_text(
        'format = "amzorders-bench-suite/1"\n'
        '[[scenario]]\nname = "tiny"\nkind = "file"\npath = "tiny.json"\ngrace = "1h"\nquick = true\n'
        'description = "three orders"\n'
        '[[scenario]]\nname = "broken"\nkind = "file"\npath = "broken.json"\n',
        encoding="utf-8",
    )
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(replace_section("# Benchmarks\n", "ceiling", "## Ceiling\nkept"), encoding="utf-8")
    argv = ["--manifest", str(manifest), "--output", str(output), "--results-dir", str(tmp_path / "r")]
    assert main([*argv, "--quick", "--cache-dir", str(tmp_path / "c")]) == 0
    text = output.read_text(encoding="utf-8")
    assert "| tiny | amzorders | 3 / 3 / 3 | 0 | 0 | 0 | 0 | 0 |" in text
    assert "| tiny | legacy-window |" in text
    assert "| cpu |" in text and "| python | CPython 3." in text
    assert "Command: `python -m bench.run --manifest" in text
    assert "· 1 run per scenario and strategy" in text
    assert extract_section(text, "ceiling").strip() == "## Ceiling\nkept"
    saved = json.loads((tmp_path / "r" / "tiny--amzorders.json").read_text(encoding="utf-8"))
    assert saved["report"]["imported"] == 3 and saved["process_rss_mb"] > 10
    assert saved["command"].startswith("python -m amzorders.app.cli simulate ")

    assert main([*argv, "--quick", "--cache-dir", str(tmp_path / "c"), "--reuse"]) == 0  # no new process
    assert "| tiny | amzorders (measured 20" in output.read_text(encoding="utf-8")
    assert _saved(tmp_path)["date"] == saved["date"]

    moved = {**saved, "machine": {**saved["machine"], "cpu": "a faster CPU"}, "date": "2000-01-01T00:00:00"}
    (tmp_path / "r" / "tiny--amzorders.json").write_text(json.dumps(moved), encoding="utf-8")
    assert main([*argv, "--quick", "--cache-dir", str(tmp_path / "c"), "--reuse"]) == 0
    remeasured = _saved(tmp_path)  # timed on another machine: measured again, not shown under this one
    assert remeasured["machine"]["cpu"] == saved["machine"]["cpu"] and remeasured["date"] != moved["date"]

    assert main([*argv, "--only", "broken", "--strategies", "amzorders"]) == 1
    text = output.read_text(encoding="utf-8")
    assert "| broken | amzorders | **run failed**: broken / amzorders: exit code 2" in text


def _saved(tmp_path) -> dict:
    return json.loads((tmp_path / "r" / "tiny--amzorders.json").read_text(encoding="utf-8"))


def test_a_run_s_peak_memory_is_its_own_not_what_the_harness_held(tmp_path):
    """Linux's ru_maxrss of a child also counts what the parent held when it forked it; the harness
    generates months in-process, so the figure must be the child's own high-water mark."""
    from bench.measure import run_once

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_scenario()), encoding="utf-8")
    held = bytearray(400 * 1024 * 1024)
    held[::4096] = b"\1" * len(held[::4096])  # resident, not just reserved
    measured = run_once(path, "amzorders", name="tiny", grace="1h")
    del held
    assert 10 < measured.process_rss_mb < 300


def test_a_median_row_says_how_many_runs_and_their_range():
    single = result("month-5000", wall=201.8)
    repeated = result("month-5000", wall=201.8)
    repeated.repeats = [
        {"wall_s": w - 1, "peak_rss_mb": 190.0, "process_wall_s": w} for w in (198.4, 201.8, 207.2)
    ]
    text = results_table({("month-5000", "amzorders"): repeated, ("month-500", "amzorders"): single}, set())
    assert "s / 201.8 s, median of 3 (198.4-207.2 s) |" in text
    assert text.count("median of") == 1


def test_the_header_says_when_rows_stand_for_different_numbers_of_runs():
    bench = Benchmark(parse_args(["--reuse"]), "python -m bench.run --reuse", [])
    once, median = result("month-500"), result("month-5000")
    once.reused_from = median.reused_from = "2026-11-27T15:36, commit abc"
    median.repeats = [{"wall_s": 1.0, "peak_rss_mb": 1.0, "process_wall_s": 1.0}] * 3
    bench.results = {("month-500", "amzorders"): once, ("month-5000", "amzorders"): median}
    assert "or the median of several where the row says so" in bench.document("")
    bench.results = {("month-5000", "amzorders"): median}
    assert "· 3 runs per scenario and strategy (medians" in bench.document("")
    once.repeats = median.repeats[:2]
    bench.results = {("month-500", "amzorders"): once, ("month-5000", "amzorders"): median}
    assert "· the median of several runs per scenario and strategy, as each row says" in bench.document("")
