"""`python -m bench.run [--quick] [--only NAME] [--strategies amzorders,legacy-window] [--repeat N]`.

Runs every scenario of the suite with each strategy through `amzorders simulate` (one process per run, so
peak RSS is that run's), checks the targets of issue 7 and writes BENCHMARKS.md. The file is rewritten
after every run, so an interrupted benchmark still leaves what it measured.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from .machine import commit, machine, same_hardware
from .markdown import extract_section, machine_table, replace_section, results_table, table, targets_table
from .measure import PROJECT_ROOT, RunFailed, RunResult, display_command, run_repeated, simulate_command
from .micro import run_micro_benchmarks
from .suite import CACHE_DIR, MANIFEST, ScenarioEntry, SuiteError, file_digest, load_suite, materialise
from .targets import evaluate

STRATEGIES = ("amzorders", "legacy-window")
DEFAULT_OUTPUT = PROJECT_ROOT / "BENCHMARKS.md"
RESULTS_DIR = Path(__file__).parent / "results"
TITLE = """# Benchmarks

Written by the benchmark harness (`bench/`); rerun it rather than editing by hand.

- `make bench` (`python -m bench.run`): every scenario of `bench/scenarios/suite.toml`, both strategies;
  `make bench-quick` (`--quick`) runs the development subset; `--only NAME`, `--strategies`, `--repeat N`
  (medians), `--jobs N`, `--timeout S`.
- `make bench-ceiling` (`python -m bench.ceiling`): the theoretical and the measured ceiling of orders/day.
- `python -m bench.profile NAME|ORDERSxDAYS`: cProfile one run and print its hot spots.
- `make bench-split` (`python -m bench.split month-5000 --write`; any NAME or ORDERSxDAYS): the same run
  at full speed, its wall time split by component (cProfile's shares overstate Python-heavy code).

Generated scenarios are written on first use into `bench/scenarios/cache/` (git-ignored; same seed, same
file); the hand-written hard cases live in `bench/scenarios/hard/` and `amzorders.simulate.hard_cases`.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the development subset (about a minute)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only this scenario (repeatable)"
    )
    parser.add_argument("--strategies", default=",".join(STRATEGIES), help="comma-separated strategies")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario and strategy (medians)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at once (peak RSS stays per run; wall times suffer)"
    )
    parser.add_argument("--timeout", type=float, default=None, help="give up a run after this many seconds")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the markdown file to write")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take a (scenario, strategy) from bench/results/ when measured on a file of the same "
        "content, on this machine (same CPU model, cores and Python)",
    )
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help=argparse.SUPPRESS)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--no-micro", action="store_true", help="skip the governor/PrestaShop benchmarks")
    args = parser.parse_args(argv)
    args.strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in args.strategies if s not in STRATEGIES]
    if unknown or not args.strategies:
        parser.error(f"--strategies: unknown {unknown}; choose from {', '.join(STRATEGIES)}")
    if args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs must be >= 1")
    args.only = [name for value in args.only for name in value.split(",") if name]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m bench.run" + (" " + shlex.join(sys.argv[1:] if argv is None else argv)).rstrip()
    try:
        suite = load_suite(args.manifest)
        entries = suite.select(quick=args.quick, only=args.only)
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bench = Benchmark(args, command, entries)
    bench.run()
    return 1 if bench.failures else 0


class Benchmark:
    def __init__(self, args: argparse.Namespace, command: str, entries: list[ScenarioEntry]) -> None:
        self.args = args
        self.command = command
        self.entries = entries
        self.results: dict[tuple[str, str], RunResult | str] = {}
        self.files: dict[str, Path] = {}
        self.failures = 0
        self.started = datetime.now(UTC)
        self.machine = machine()
        self.commit = commit(PROJECT_ROOT)
        self.injected = frozenset(e.name for e in entries if e.injected_429)

    def run(self) -> None:
        runs = [(entry, strategy) for entry in self.entries for strategy in self.args.strategies]
        lock = threading.Lock()

        def measure(position: int) -> None:
            entry, strategy = runs[position]
            with lock:  # materialised just before use: a file is never replaced under a pending run
                path = self._materialise(entry)
            outcome = self._measure(entry, path, strategy, position + 1, len(runs))
            with lock:
                self.results[(entry.name, strategy)] = outcome
                self.write()

        with ThreadPoolExecutor(max_workers=self.args.jobs) as pool:
            list(pool.map(measure, range(len(runs))))
        if not (self.args.quick or self.args.only or self.args.no_micro):
            self.micro = run_micro_benchmarks()
        self.write()
        _say(f"wrote {self.args.output}")

    def _materialise(self, entry: ScenarioEntry) -> Path:
        if entry.name not in self.files:
            began = time.perf_counter()
            path = materialise(entry, root=self.args.manifest.parent, cache_dir=self.args.cache_dir)
            self.files[entry.name] = path
            if (elapsed := time.perf_counter() - began) > 1:
                _say(f"materialised {entry.name} in {elapsed:.1f} s: {path.name}")
        return self.files[entry.name]

    def _measure(
        self, entry: ScenarioEntry, path: Path, strategy: str, done: int, total: int
    ) -> RunResult | str:
        if self.args.reuse and (saved := self._load(entry.name, strategy, path)) is not None:
            _say(f"[{done}/{total}] {entry.name} / {strategy}: reused the run of {saved.reused_from}")
            return saved
        _say(f"[{done}/{total}] {entry.name} / {strategy} ...")
        try:
            result = run_repeated(
                path,
                strategy,
                name=entry.name,
                grace=entry.grace,
                repeat=self.args.repeat,
                timeout=self.args.timeout,
            )
        except RunFailed as exc:
            self.failures += 1
            _say(f"    FAILED: {exc}")
            return str(exc).splitlines()[0]
        r = result.report
        _say(
            f"    {'ok' if r['ok'] else 'LOSSES'}: {r['imported']}/{r['orders_expected']} imported, "
            f"{len(r['missing'])} missing, {len(r['wrong_status'])} wrong, {r['throttled']} x 429, "
            f"p99 {r['latency_s']['p99']} s, {result.process_wall_s:.1f} s wall, "
            f"{result.process_rss_mb:.0f} MB"
        )
        self._save(result, path)
        return result

    def _load(self, scenario: str, strategy: str, path: Path) -> RunResult | None:
        """A saved measurement of a scenario file with the same content."""
        try:
            record = json.loads((self.args.results_dir / f"{scenario}--{strategy}.json").read_text())
        except (OSError, ValueError):
            return None
        if record.get("scenario_sha256") != file_digest(path):
            return None
        if not same_hardware(record.get("machine") or {}, self.machine):
            # the table has one machine header: a row timed on another machine would be read as this one's
            _say(f"    {scenario} / {strategy}: the saved run is from another machine, measured again")
            return None
        return RunResult(
            scenario=scenario,
            strategy=strategy,
            command=record["command"].split(),
            exit_code=0 if record["report"].get("ok") else 1,
            report=record["report"],
            process_wall_s=record["process_wall_s"],
            process_rss_mb=record["process_rss_mb"],
            cpu_s=record.get("cpu_s", 0.0),
            repeats=record.get("repeats", []),
            reused_from=f"{record.get('date', 'an earlier run')[:16]}, commit {record.get('commit', '?')}",
        )

    def _save(self, result: RunResult, path: Path) -> None:
        results_dir: Path = self.args.results_dir
        results_dir.mkdir(parents=True, exist_ok=True)
        name = f"{result.scenario}--{result.strategy}.json"
        record = {
            "command": display_command(result.command),
            "scenario_file": path.name,
            "scenario_sha256": file_digest(path),
            "process_wall_s": result.process_wall_s,
            "process_rss_mb": result.process_rss_mb,
            "cpu_s": result.cpu_s,
            "repeats": result.repeats,
            "machine": self.machine,
            "commit": self.commit,
            "date": self.started.isoformat(timespec="seconds"),
            "report": result.report,
        }
        (results_dir / name).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    micro: str | None = None

    def document(self, previous: str) -> str:
        verdicts = evaluate(self.results, self.injected)
        subset = " (a subset of the suite: targets whose scenario did not run are 'not measured')"
        parts = [
            f"Command: `{self.command}`{subset if self.args.quick or self.args.only else ''}  ",
            f"Date: {self.started:%Y-%m-%d %H:%M} UTC · commit {self.commit} · {self._runs_per_row()}",
            "",
            "## Machine",
            "",
            machine_table(self.machine),
            "",
            "## Targets (issue 7)",
            "",
            targets_table(verdicts),
            "",
            "## Results",
            "",
            "Each row is one `amzorders simulate` process on the virtual clock (simulator + importer +"
            " built-in store, then the audit against the scenario's ground truth). Latency is virtual time"
            " from the moment Amazon made an order importable to its creation in the store; wall time is the"
            " simulation (report's `wall_s`) and the whole process (interpreter start included); peak RSS is"
            " the process's own high-water mark (`VmHWM`). *Other losses*: cancellations not propagated,"
            " amount mismatches, orders created though never importable. *calls / imported order*:"
            " searchOrders + getOrder. *reconciled*: days whose reconciliation (daily at 06:00 on spare"
            " quota, resumed hourly) listed the whole day, and the share of the scenario's orders it"
            " compared with the shop.",
            "",
            results_table(self._ordered(), self.injected),
            "",
            "Example command (one row): `"
            + display_command(simulate_command(Path("SCENARIO.json"), "amzorders", Path("REPORT.json"), "2d"))
            + "`",
            "",
            "## Scenarios",
            "",
            self._scenarios_table(),
        ]
        text = previous if previous.startswith("# Benchmarks") else TITLE
        text = replace_section(text, "run", "\n".join(parts))
        micro = self.micro or extract_section(previous, "micro") or _micro_placeholder()
        text = replace_section(text, "micro", micro)
        ceiling = extract_section(previous, "ceiling") or (
            "## Ceiling\n\nNot measured yet: `make bench-ceiling` (`python -m bench.ceiling`) writes it.\n"
        )
        return replace_section(text, "ceiling", ceiling)

    def _runs_per_row(self) -> str:
        """How many runs a row stands for (a reused row keeps the count it was measured with)."""
        counts = {len(r.repeats) or 1 for r in self.results.values() if isinstance(r, RunResult)}
        counts = counts or {self.args.repeat}
        if counts == {1}:
            return "1 run per scenario and strategy"
        if len(counts) == 1:
            return f"{counts.pop()} runs per scenario and strategy (medians of wall time and memory)"
        if 1 in counts:
            return "1 run per scenario and strategy, or the median of several where the row says so"
        return "the median of several runs per scenario and strategy, as each row says"

    def _ordered(self) -> dict[tuple[str, str], RunResult | str]:
        order = [(e.name, s) for e in self.entries for s in self.args.strategies]
        return {key: self.results[key] for key in order if key in self.results}

    def _scenarios_table(self) -> str:
        rows = []
        for entry in self.entries:
            if entry.kind == "generated":
                source = f"generated: {entry.orders_per_day:,}/day x {entry.days} d, seed {entry.seed}"
                if entry.mix:
                    source += ", mix " + ", ".join(f"{k}={v}" for k, v in entry.mix.items())
            elif entry.kind == "builder":
                source = f"`{entry.builder}`"
            else:
                source = f"`bench/scenarios/{entry.path}`"
            path = self.files.get(entry.name)
            shown = path.relative_to(PROJECT_ROOT) if path and path.is_relative_to(PROJECT_ROOT) else path
            rows.append((entry.name, entry.description, source, f"`{shown}`" if shown else "", entry.grace))
        return table(("scenario", "what it tests", "source", "file", "grace"), rows)

    def write(self) -> None:
        output: Path = self.args.output
        previous = output.read_text(encoding="utf-8") if output.exists() else ""
        output.write_text(self.document(previous), encoding="utf-8")


def _micro_placeholder() -> str:
    return "## Micro-benchmarks\n\nNot measured yet (full `make bench` runs them).\n"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
