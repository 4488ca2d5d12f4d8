"""The suite manifest, the committed hard cases and the cache of generated scenarios."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from bench.hard_cases import HARD_CASES, render
from bench.suite import (
    MANIFEST,
    SCENARIOS_DIR,
    ScenarioEntry,
    SuiteError,
    entry_named,
    load_suite,
    materialise,
)

from amzorders.sim.scenario import load_scenario
from bench import targets


def test_the_manifest_pins_the_months_of_issue_7_and_every_hard_case():
    suite = load_suite()
    months = {
        e.orders_per_day: e for e in suite.entries if e.kind == "generated" and e.name.startswith("month-")
    }
    assert sorted(months) == [100, 500, 5_000, 20_000]
    assert all(e.days == 30 and not e.mix for e in months.values())
    assert len({e.seed for e in months.values()}) == 4
    named = set(suite.names())
    assert {targets.LATENCY_SCENARIO, targets.VOLUME_SCENARIO, targets.SPEED_SCENARIO} <= named
    assert {f"{name}" for name in HARD_CASES} <= named
    assert suite.select(quick=True) and all(e.quick for e in suite.select(quick=True))
    assert [e.name for e in suite.select(only=["month-100"])] == ["month-100"]
    with pytest.raises(SuiteError, match="no scenario named 'nope'"):
        suite.select(only=["nope"])


@pytest.mark.parametrize("name", sorted(HARD_CASES))
def test_committed_hard_cases_load_and_match_their_builders(name):
    path = SCENARIOS_DIR / "hard" / f"{name}.json"
    assert path.read_text(encoding="utf-8") == render(HARD_CASES[name]()), "run `python -m bench.hard_cases`"
    scenario = load_scenario(path)
    assert scenario.orders


def test_the_hard_cases_cover_what_issue_7_asks():
    burst = load_scenario(SCENARIOS_DIR / "hard" / "burst-1000-in-a-minute.json")
    created = sorted(order.created_at for order in burst.orders)
    assert len(created) == 1000 and (created[-1] - created[0]).total_seconds() < 60
    pending = load_scenario(SCENARIOS_DIR / "hard" / "pending-1-to-21-days.json")
    held = {round((o.timeline[1].at - o.timeline[0].at).total_seconds() / 86_400) for o in pending.orders}
    assert {1, 21} <= held
    kinds = {
        fault.kind
        for name in ("fault-hour-429", "fault-hour-timeouts")
        for fault in load_scenario(SCENARIOS_DIR / "hard" / f"{name}.json").faults
    }
    assert {"throttle", "timeout", "http_503"} <= kinds
    assert load_suite().get("fault-hour-429").injected_429


def test_generated_scenarios_are_cached_by_content_and_regenerated_identically(tmp_path):
    entry = ScenarioEntry(name="tiny", kind="generated", orders_per_day=20, days=2, seed=3)
    first = materialise(entry, cache_dir=tmp_path)
    content = first.read_bytes()
    assert materialise(entry, cache_dir=tmp_path) == first  # a cache hit
    first.unlink()
    assert materialise(entry, cache_dir=tmp_path).read_bytes() == content  # same seed, same bytes
    other_entry = ScenarioEntry(name="tiny", kind="generated", orders_per_day=20, days=2, seed=4)
    other = materialise(other_entry, cache_dir=tmp_path)
    assert other != first and first.exists()  # a fresh file may be in use by another harness: kept
    other.unlink()
    os.utime(first, (time.time() - 7200, time.time() - 7200))
    other = materialise(other_entry, cache_dir=tmp_path)
    assert not first.exists()  # an old version of the entry is removed
    assert len(load_scenario(other).orders) == 40


def test_builder_entries_reuse_the_simulate_hard_cases(tmp_path):
    entry = load_suite().get("pending-20-days")
    path = materialise(entry, cache_dir=tmp_path)
    from amzorders.simulate.hard_cases import pending_20_days

    assert json.loads(path.read_text(encoding="utf-8")) == pending_20_days()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('format = "x"\n', "field 'format' must be"),
        ('format = "amzorders-bench-suite/1"\n', "no [[scenario]]"),
        (
            'format = "amzorders-bench-suite/1"\n[[scenario]]\nname = "a"\nkind = "generated"\nspeed = 1\n',
            "unknown field 'speed'",
        ),
        ('format = "amzorders-bench-suite/1"\n[[scenario]]\nname = "a"\nkind = "magic"\n', "field 'kind'"),
        (
            'format = "amzorders-bench-suite/1"\n[[scenario]]\nname = "a"\nkind = "file"\n'
            'path = "none.json"\n',
            "names no file",
        ),
        (
            'format = "amzorders-bench-suite/1"\n[[scenario]]\nname = "a"\nkind = "generated"\ndays = 1\n'
            "mix = { colour = 1 }\n",
            "mix.colour",
        ),
    ],
)
def test_a_bad_manifest_is_refused_with_the_entry_and_field(tmp_path, text, problem):
    manifest = tmp_path / "suite.toml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError) as caught:
        load_suite(manifest)
    assert problem in str(caught.value)


def test_the_real_manifest_path_is_under_bench():
    assert MANIFEST.parent == SCENARIOS_DIR and Path(SCENARIOS_DIR / ".." / ".gitignore").exists()


def test_profiling_tools_take_a_suite_name_or_a_size(tmp_path):
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    manifest = tmp_path / "suite.toml"
    manifest.write_text(
        'format = "amzorders-bench-suite/1"\n[[scenario]]\nname = "tiny"\nkind = "file"\npath = "t.json"\n',
        encoding="utf-8",
    )
    sized = entry_named("5000x3", manifest)
    assert (sized.name, sized.kind, sized.orders_per_day, sized.days, sized.seed) == (
        "profile-5000x3", "generated", 5000, 3, 5000,
    )  # fmt: skip
    assert entry_named("tiny", manifest).path == "t.json"
    with pytest.raises(SuiteError, match="no scenario named '5000x'"):
        entry_named("5000x", manifest)
