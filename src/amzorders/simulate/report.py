"""The simulation report: a JSON document with stable keys (benchmarks and CI read it) and a summary table.

Keys of issue 4 come first and never change meaning; extra keys (`unexpected`, `runs`, ...) only add
detail. Latency is virtual time, in seconds, from the instant Amazon made an order importable to its
creation in the shop.
"""

from __future__ import annotations

import json
import math
import resource
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from amzorders.app import exit_codes

from .audit import Audit

REPORT_FORMAT = "amzorders-simulation-report/1"


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99 (nearest rank) and max of `values`, rounded to 0.1 s; None when there are none."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": round(ordered[-1], 1)}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Linux's `VmHWM` counts from this program's start; `ru_maxrss` (the fallback elsewhere) also keeps
    what the parent held when it forked us, so a benchmark harness holding a generated month would
    appear in every run it starts."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except (OSError, ValueError, IndexError):
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass(slots=True, kw_only=True)
class SimulationReport(Audit):
    """The audit's findings (`Audit`: counts, ids and latencies) and what the run cost."""

    strategy: str
    scenario: str
    api_calls: dict[str, int] = field(default_factory=lambda: {"searchOrders": 0, "getOrder": 0, "token": 0})
    throttled: int = 0
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    # Extra detail (additive keys).
    cpu_s: float = 0.0  # process CPU time: wall time on a busy machine overstates the cost
    runs: dict[str, dict[str, int]] = field(default_factory=dict)  # job -> outcome -> count
    shop: str = "builtin"
    start: str = ""
    end: str = ""
    grace_s: float = 0.0
    virtual_s: float = 0.0
    # How much of the scenario's days the daily reconciliation compared (amzorders only): days with
    # orders, of which listed in full, and orders created on them, of which compared.
    reconciliation: dict[str, int] | None = None

    @property
    def latency_s(self) -> dict[str, float | None]:
        return percentiles(self.latencies)

    @property
    def ok(self) -> bool:
        """Nothing missing, duplicated or wrong."""
        return not (
            self.missing
            or self.duplicates
            or self.wrong_status
            or self.amount_mismatch
            or self.cancel_not_propagated
            or self.unexpected
        )

    @property
    def exit_code(self) -> int:
        return exit_codes.OK if self.ok else exit_codes.INCOMPLETE

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "scenario": self.scenario,
            "orders_total": self.orders_total,
            "orders_expected": self.orders_expected,
            "imported": self.imported,
            "missing": sorted(self.missing),
            "duplicates": self.duplicates,
            "wrong_status": sorted(self.wrong_status),
            "amount_mismatch": sorted(self.amount_mismatch),
            "cancel_not_propagated": sorted(self.cancel_not_propagated),
            "api_calls": dict(self.api_calls),
            "throttled": self.throttled,
            "latency_s": dict(self.latency_s),
            "wall_s": round(self.wall_s, 2),
            "peak_rss_mb": self.peak_rss_mb,
            "format": REPORT_FORMAT,
            "ok": self.ok,
            "cpu_s": round(self.cpu_s, 2),
            "unexpected": sorted(self.unexpected),
            "runs": {job: dict(sorted(outcomes.items())) for job, outcomes in sorted(self.runs.items())},
            "shop": self.shop,
            "start": self.start,
            "end": self.end,
            "grace_s": self.grace_s,
            "virtual_s": self.virtual_s,
            "reconciliation": self.reconciliation,
        }

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def _ids(ids: list[str], shown: int = 3) -> str:
    if not ids:
        return "0"
    head = ", ".join(sorted(ids)[:shown])
    return f"{len(ids)} ({head}{', ...' if len(ids) > shown else ''})"


def render_summary(report: SimulationReport, console: Console) -> None:
    """A table a human reads at a glance; the JSON file carries the details."""
    verdict = "[green]nothing lost[/green]" if report.ok else "[red]orders lost or wrong[/red]"
    table = Table(title=f"simulate {report.scenario} · strategy {report.strategy} · {verdict}")
    table.add_column("measure")
    table.add_column("value", overflow="fold")
    latency = report.latency_s
    rows = [
        ("orders in scenario", str(report.orders_total)),
        ("expected in shop", str(report.orders_expected)),
        ("imported", str(report.imported)),
        ("missing", _ids(report.missing)),
        ("duplicates", str(report.duplicates)),
        ("wrong status", _ids(report.wrong_status)),
        ("amount mismatch", _ids(report.amount_mismatch)),
        ("cancellation not propagated", _ids(report.cancel_not_propagated)),
        ("in shop but never importable", _ids(report.unexpected)),
        ("API calls", ", ".join(f"{op} {n}" for op, n in report.api_calls.items())),
        ("throttled (429)", str(report.throttled)),
        (
            "latency p50/p95/p99/max",
            "n/a" if latency["max"] is None else " / ".join(_duration(latency[k]) for k in latency),
        ),
        ("reconciled", reconciled(report.reconciliation)),
        ("wall time (CPU)", f"{report.wall_s:.2f} s ({report.cpu_s:.2f} s)"),
        ("peak RSS", f"{report.peak_rss_mb:.0f} MB"),
    ]
    for measure, value in rows:
        table.add_row(measure, value)
    console.print(table)


def reconciled(coverage: Mapping[str, int] | None) -> str:
    """'29 / 30 days in full, 98.2 % of orders': what the reconciliation compared (n/a: a strategy
    without one)."""
    if not coverage or not coverage["days"]:
        return "n/a"
    created = coverage["orders_created"]
    share = f"{100 * coverage['orders_compared'] / created:.1f} %" if created else "n/a"
    return f"{coverage['days_complete']} / {coverage['days']} days in full, {share} of orders"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"
