"""The targets of issue 7, checked against measured runs (never by timed unit tests).

Each verdict is "met", "NOT met" or "not measured" (the run did not include the scenario it needs), with
the measured figure beside it, so BENCHMARKS.md says exactly how far a target is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .measure import RunResult

# The suite entries the targets read (a test checks they exist in the manifest).
LATENCY_SCENARIO = "month-500"
VOLUME_SCENARIO = "month-20000"
SPEED_SCENARIO = "month-5000"
SUSTAINED_ORDERS_PER_DAY = 20_000
LATENCY_P50_S = 300.0
LATENCY_P99_S = 600.0
SUSTAINED_P99_S = 3600.0
SPEED_WALL_S = 60.0
SPEED_RSS_MB = 200.0

MET, NOT_MET, UNMEASURED = "met", "NOT met", "not measured"

Results = Mapping[tuple[str, str], RunResult | str]  # (scenario, strategy) -> result or failure text


@dataclass(frozen=True, slots=True)
class Verdict:
    target: str
    status: str
    measured: str


def losses(report: Mapping[str, Any], *, injected_429: bool = False) -> dict[str, int]:
    """What the zero-loss target counts, per kind; only non-zero kinds are kept."""
    found = {
        "missing": len(report["missing"]),
        "duplicates": int(report["duplicates"]),
        "wrong status": len(report["wrong_status"]),
        "cancel not propagated": len(report.get("cancel_not_propagated", [])),
        "amount mismatch": len(report.get("amount_mismatch", [])),
        "never importable but created": len(report.get("unexpected", [])),
        "429": 0 if injected_429 else int(report["throttled"]),
    }
    return {kind: n for kind, n in found.items() if n}


def duration(seconds: float | None) -> str:
    """A latency or a wall time as a reader takes it in: seconds, minutes or hours."""
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _describe(found: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in found.items())


def evaluate(results: Results, injected_429: frozenset[str] = frozenset()) -> list[Verdict]:
    return [
        _zero_loss(results, injected_429),
        _legacy_loses(results, injected_429),
        _sustained(results),
        _latency(results),
        _speed(results),
    ]


def _strategy_runs(results: Results, strategy: str) -> dict[str, RunResult | str]:
    return {scenario: result for (scenario, s), result in results.items() if s == strategy}


def _zero_loss(results: Results, injected: frozenset[str]) -> Verdict:
    target = "amzorders: missing = duplicates = wrong status = 429 = 0 on every scenario"
    runs = _strategy_runs(results, "amzorders")
    if not runs:
        return Verdict(target, UNMEASURED, "no amzorders run")
    bad = []
    for scenario, result in runs.items():
        if isinstance(result, str):
            bad.append(f"{scenario}: {result}")
        elif found := losses(result.report, injected_429=scenario in injected):
            bad.append(f"{scenario}: {_describe(found)}")
    if bad:
        return Verdict(target, NOT_MET, f"{len(bad)}/{len(runs)} scenarios fail: " + "; ".join(bad))
    return Verdict(target, MET, f"{len(runs)}/{len(runs)} scenarios clean")


def _legacy_loses(results: Results, injected: frozenset[str]) -> Verdict:
    target = "legacy-window shows its losses on the same files"
    runs = {k: v for k, v in _strategy_runs(results, "legacy-window").items() if not isinstance(v, str)}
    if not runs:
        return Verdict(target, UNMEASURED, "no legacy-window run")
    losing = {
        scenario: found
        for scenario, result in runs.items()
        if (found := losses(result.report, injected_429=scenario in injected))
    }
    missing = sum(len(r.report["missing"]) for r in runs.values())
    wrong = sum(len(r.report["wrong_status"]) for r in runs.values())
    measured = (
        f"loses or misstates orders on {len(losing)}/{len(runs)} scenarios"
        f" ({missing} missing, {wrong} wrong status in all)"
    )
    return Verdict(target, MET if losing else NOT_MET, measured)


def _judged_run(results: Results, scenario: str, target: str) -> RunResult | Verdict:
    """The amzorders run of `scenario`, or the verdict when there is no run to judge."""
    result = results.get((scenario, "amzorders"))
    if result is None:
        return Verdict(target, UNMEASURED, f"{scenario} not run")
    if isinstance(result, str):
        return Verdict(target, NOT_MET, f"{scenario}: {result}")
    return result


def _sustained(results: Results) -> Verdict:
    target = f"sustained >= {SUSTAINED_ORDERS_PER_DAY:,} orders/day per seller (no loss, no 429, p99 < 1 h)"
    result = _judged_run(results, VOLUME_SCENARIO, target)
    if isinstance(result, Verdict):
        return result
    found = losses(result.report)
    p99 = result.report["latency_s"]["p99"]
    ok = not found and p99 is not None and p99 < SUSTAINED_P99_S
    measured = f"{VOLUME_SCENARIO}: {_describe(found) or 'no loss'}, p99 latency {duration(p99)}"
    return Verdict(target, MET if ok else NOT_MET, measured)


def _latency(results: Results) -> Verdict:
    target = f"latency at 500/day: p50 <= {LATENCY_P50_S / 60:.0f} min, p99 <= {LATENCY_P99_S / 60:.0f} min"
    result = _judged_run(results, LATENCY_SCENARIO, target)
    if isinstance(result, Verdict):
        return result
    latency = result.report["latency_s"]
    p50, p99 = latency["p50"], latency["p99"]
    ok = p50 is not None and p99 is not None and p50 <= LATENCY_P50_S and p99 <= LATENCY_P99_S
    return Verdict(target, MET if ok else NOT_MET, f"p50 {duration(p50)}, p99 {duration(p99)}")


def _speed(results: Results) -> Verdict:
    target = f"150,000-order month: <= {SPEED_WALL_S:.0f} s wall, <= {SPEED_RSS_MB:.0f} MB peak RSS"
    result = _judged_run(results, SPEED_SCENARIO, target)
    if isinstance(result, Verdict):
        return result
    wall, rss = result.process_wall_s, result.process_rss_mb
    ok = wall <= SPEED_WALL_S and rss <= SPEED_RSS_MB
    measured = f"{wall:.1f} s wall (whole process), {rss:.0f} MB peak RSS"
    return Verdict(target, MET if ok else NOT_MET, measured)
