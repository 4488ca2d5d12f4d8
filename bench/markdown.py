"""BENCHMARKS.md: the tables a merchant reads, written from measured runs.

Two commands write the file (`bench.run`: scenarios, targets, micro-benchmarks; `bench.ceiling`: the
ceiling), each owning a section between `<!-- bench:NAME -->` markers and keeping the other's untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from amzorders.simulate.report import reconciled

from .measure import RunResult
from .targets import MET, NOT_MET, Verdict, duration, losses

START = "<!-- bench:{name} -->"
END = "<!-- /bench:{name} -->"


def section(name: str, body: str) -> str:
    return f"{START.format(name=name)}\n{body.rstrip()}\n{END.format(name=name)}\n"


def extract_section(text: str, name: str) -> str | None:
    pattern = re.escape(START.format(name=name)) + r"\n(.*?)" + re.escape(END.format(name=name))
    match = re.search(pattern, text, flags=re.S)
    return match.group(1) if match else None


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with section `name` replaced by `body` (appended when absent)."""
    block = section(name, body)
    pattern = re.escape(START.format(name=name)) + r"\n.*?" + re.escape(END.format(name=name)) + r"\n?"
    if re.search(pattern, text, flags=re.S):
        return re.sub(pattern, lambda _: block, text, count=1, flags=re.S)
    return text.rstrip() + "\n\n" + block


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def targets_table(verdicts: Sequence[Verdict]) -> str:
    mark = {MET: "**met**", NOT_MET: "**NOT met**"}
    return table(
        ("target", "verdict", "measured"),
        [(v.target, mark.get(v.status, v.status), v.measured) for v in verdicts],
    )


RESULT_HEADER = (
    "scenario",
    "strategy",
    "orders / expected / imported",
    "missing",
    "dup.",
    "wrong status",
    "other losses",
    "429",
    "searchOrders",
    "getOrder",
    "token",
    "calls / imported order",
    "latency p50 / p95 / p99",
    "reconciled",
    "wall (sim / process)",
    "peak RSS",
)


def results_table(
    results: Mapping[tuple[str, str], RunResult | str], injected_429: frozenset[str] = frozenset()
) -> str:
    rows = []
    for (scenario, strategy), result in results.items():
        if isinstance(result, str):
            rows.append((scenario, strategy, f"**run failed**: {result}", *[""] * (len(RESULT_HEADER) - 3)))
            continue
        r = result.report
        calls = r["api_calls"]
        amazon_calls = calls.get("searchOrders", 0) + calls.get("getOrder", 0)
        found = losses(r, injected_429=scenario in injected_429)
        other = {k: n for k, n in found.items() if k not in ("missing", "duplicates", "wrong status", "429")}
        latency = r["latency_s"]
        throttled = f"{r['throttled']} (injected)" if scenario in injected_429 else r["throttled"]
        rows.append(
            (
                scenario,
                f"{strategy} (measured {result.reused_from})" if result.reused_from else strategy,
                f"{r['orders_total']:,} / {r['orders_expected']:,} / {r['imported']:,}",
                _bold_if(len(r["missing"])),
                _bold_if(r["duplicates"]),
                _bold_if(len(r["wrong_status"])),
                ", ".join(f"{n} {k}" for k, n in other.items()) or "0",
                throttled,
                f"{calls.get('searchOrders', 0):,}",
                f"{calls.get('getOrder', 0):,}",
                f"{calls.get('token', 0):,}",
                f"{amazon_calls / r['imported']:.2f}" if r["imported"] else "n/a",
                " / ".join(duration(latency[k]) for k in ("p50", "p95", "p99")),
                reconciled(r.get("reconciliation")),
                f"{r['wall_s']:.1f} s / {result.process_wall_s:.1f} s{_spread(result.repeats)}",
                f"{result.process_rss_mb:.0f} MB",
            )
        )
    return table(RESULT_HEADER, rows)


def _spread(repeats: Sequence[Mapping[str, float]]) -> str:
    """What a median stands for: the number of runs and the range of their process wall times."""
    if len(repeats) < 2:
        return ""
    walls = [r["process_wall_s"] for r in repeats]
    return f", median of {len(walls)} ({min(walls):.1f}-{max(walls):.1f} s)"


def _bold_if(count: int) -> str:
    return f"**{count}**" if count else "0"


def machine_table(machine: Mapping[str, str]) -> str:
    return table(("", ""), [(key.replace("_", " "), value) for key, value in machine.items()])
