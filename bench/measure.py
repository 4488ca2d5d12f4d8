"""One measured run: `amzorders simulate` in its own process, its JSON report, and the process's own costs.

Each run gets a fresh interpreter, so its peak RSS covers the simulator, the importer and the store of that
run only: the figure is the child's own high-water mark (`VmHWM`, in its report), not wait4's `ru_maxrss`,
which on Linux also carries what this process held when it forked the child (a materialised month). The
command is the product's own CLI, exactly as a reader of BENCHMARKS.md would type it; `os.wait4` gives the
child's CPU time as the kernel saw it.
"""

from __future__ import annotations

import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RunFailed(RuntimeError):
    """The simulation crashed or wrote no report (exit codes 0 and 1 are results, not failures)."""


@dataclass(slots=True)
class RunResult:
    scenario: str
    strategy: str
    command: list[str]
    exit_code: int
    report: dict[str, Any]
    process_wall_s: float  # interpreter start, imports, simulation and audit
    process_rss_mb: float  # the child's own peak (VmHWM from its report; wait4's ru_maxrss when absent)
    cpu_s: float
    repeats: list[dict[str, float]] = field(default_factory=list)  # per-repeat timings when --repeat > 1
    reused_from: str = ""  # the date of an earlier measurement replayed by `--reuse`

    @property
    def ok(self) -> bool:
        return bool(self.report.get("ok"))


def simulate_command(scenario_path: Path, strategy: str, report_path: Path, grace: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "amzorders.app.cli",
        "simulate",
        str(scenario_path),
        "--strategy",
        strategy,
        "--grace",
        grace,
        "--report",
        str(report_path),
        "--quiet",
    ]


def display_command(command: list[str]) -> str:
    """The command as a reader types it from the project root."""
    words = ["python" if word == sys.executable else word for word in command]
    shown = []
    for word in words:
        if word.startswith("/") and Path(word).is_relative_to(PROJECT_ROOT):
            word = str(Path(word).relative_to(PROJECT_ROOT))
        shown.append(word)
    return shlex.join(shown)


def run_once(
    scenario_path: Path, strategy: str, *, name: str, grace: str = "2d", timeout: float | None = None
) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="amzorders-bench-") as workdir:
        report_path = Path(workdir) / "report.json"
        stderr_path = Path(workdir) / "stderr.txt"
        command = simulate_command(scenario_path, strategy, report_path, grace)
        started = time.perf_counter()
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        killer = threading.Timer(timeout, process.kill) if timeout else None
        if killer:
            killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage, not a cumulative one
        finally:
            if killer:
                killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if process.returncode < 0 and timeout and wall >= timeout:
            raise RunFailed(f"{name} / {strategy}: no result after {timeout:.0f} s (killed)")
        if process.returncode not in (0, 1) or not report_path.exists():
            tail = "\n".join(stderr_path.read_text(errors="replace").strip().splitlines()[-15:])
            raise RunFailed(f"{name} / {strategy}: exit code {process.returncode}\n{tail}")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    return RunResult(
        scenario=name,
        strategy=strategy,
        command=[*command[:-3], "--report", "REPORT.json", "--quiet"],
        exit_code=process.returncode,
        report=report,
        process_wall_s=round(wall, 2),
        process_rss_mb=report.get("peak_rss_mb") or round(usage.ru_maxrss / 1024, 1),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
    )


def run_repeated(
    scenario_path: Path,
    strategy: str,
    *,
    name: str,
    grace: str,
    repeat: int = 1,
    timeout: float | None = None,
) -> RunResult:
    """Run `repeat` times; timings and memory are the medians, counts come from the first run (the
    simulation is deterministic, so they must agree: a disagreement is flagged in the report)."""
    results = [
        run_once(scenario_path, strategy, name=name, grace=grace, timeout=timeout) for _ in range(repeat)
    ]
    first = results[0]
    if repeat == 1:
        return first
    first.repeats = [
        {
            "wall_s": r.report["wall_s"],
            "peak_rss_mb": r.report["peak_rss_mb"],
            "process_wall_s": r.process_wall_s,
        }
        for r in results
    ]
    first.report = dict(first.report)
    first.report["wall_s"] = round(statistics.median(r.report["wall_s"] for r in results), 2)
    first.report["peak_rss_mb"] = round(statistics.median(r.report["peak_rss_mb"] for r in results), 1)
    first.process_wall_s = round(statistics.median(r.process_wall_s for r in results), 2)
    first.cpu_s = round(statistics.median(r.cpu_s for r in results), 2)
    counts = ("imported", "missing", "duplicates", "wrong_status", "throttled", "api_calls", "latency_s")
    if any(r.report[k] != first.report[k] for r in results[1:] for k in counts):
        first.report["nondeterministic"] = True
    return first
