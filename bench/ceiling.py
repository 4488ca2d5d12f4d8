"""`python -m bench.ceiling`: the highest orders/day per seller the default usage plan sustains.

Two figures side by side. The theoretical ceiling (`bench.ceiling_theory`, on `bench.ceiling_model`)
counts, on a generated sample with the realistic mix, what each order costs in searchOrders rows and
getOrder calls under several ways of reading, and divides the usage plans by it. The measured ceiling
searches over orders/day: each probe generates a scenario at that volume (fixed seed) and runs `amzorders
simulate` on it; a volume is sustained when nothing is lost, no 429 is seen and p99 latency stays under
an hour (a growing backlog shows up as latency). Doubling then bisection (geometric) until the bracket is
within the tolerance.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .ceiling_model import DAY
from .ceiling_theory import PRODUCT_AT_SATURATION, PRODUCT_PEAK_HOUR, TheoryRow, theoretical_rows, timelines
from .machine import commit, machine
from .markdown import machine_table, replace_section, table
from .measure import PROJECT_ROOT, RunFailed, run_once
from .run import DEFAULT_OUTPUT, RESULTS_DIR, TITLE
from .suite import ScenarioEntry, materialise
from .targets import SUSTAINED_P99_S, losses

# -------------------------------------------------------------------------------------- measured side


@dataclass(frozen=True, slots=True)
class Probe:
    orders_per_day: int
    sustained: bool | None  # None: undetermined (the run failed or timed out)
    detail: str
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SearchResult:
    best_sustained: int | None = None
    first_failing: int | None = None
    probes: list[Probe] = field(default_factory=list)
    stopped: str = ""


def search_ceiling(
    probe: Callable[[int], Probe],
    start: int,
    *,
    tolerance: float = 0.1,
    max_probes: int = 10,
    floor: int = 10,
    cap: int = 1_000_000,
) -> SearchResult:
    """Bracket the highest sustained volume: double (or halve) from `start` until the outcome flips,
    then bisect geometrically until high / low <= 1 + tolerance. Stops early on an undetermined probe."""
    result = SearchResult()

    def run(n: int) -> bool | None:
        outcome = probe(n)
        result.probes.append(outcome)
        if outcome.sustained is True:
            result.best_sustained = max(result.best_sustained or 0, n)
        elif outcome.sustained is False:
            result.first_failing = n if result.first_failing is None else min(result.first_failing, n)
        return outcome.sustained

    n = max(floor, min(start, cap))
    while len(result.probes) < max_probes:
        lo, hi = result.best_sustained, result.first_failing
        if lo is not None and hi is not None:
            if hi <= lo * (1 + tolerance) or hi - lo <= 1:
                result.stopped = "bracket within tolerance"
                return result
            n = _nice(math.sqrt(lo * hi), lo, hi)
        elif lo is not None:
            if lo >= cap:
                result.stopped = f"sustained at the cap ({cap:,}/day)"
                return result
            n = min(cap, lo * 2)
        elif hi is not None:
            if hi <= floor:
                result.stopped = f"not sustained even at {floor}/day"
                return result
            n = max(floor, hi // 2)
        if run(n) is None:
            result.stopped = f"probe at {n:,}/day undetermined"
            return result
    result.stopped = f"probe budget ({max_probes}) used"
    return result


def _nice(value: float, lo: int, hi: int) -> int:
    """Round to two significant digits when that stays strictly inside (lo, hi): reusable cache files."""
    digits = max(0, int(math.log10(value)) - 1)
    rounded = int(round(value, -digits))
    return rounded if lo < rounded < hi else max(lo + 1, min(hi - 1, int(value)))


def simulate_probe(days: int, seed: int, timeout: float | None) -> Callable[[int], Probe]:
    def probe(orders_per_day: int) -> Probe:
        entry = ScenarioEntry(
            name=f"ceiling-{orders_per_day}x{days}",
            kind="generated",
            orders_per_day=orders_per_day,
            days=days,
            seed=seed,
        )
        _say(f"probe {orders_per_day:,}/day x {days} d: generating ...")
        path = materialise(entry)
        _say(f"probe {orders_per_day:,}/day x {days} d: simulating ...")
        try:
            result = run_once(path, "amzorders", name=entry.name, timeout=timeout)
        except RunFailed as exc:
            _say(f"    undetermined: {exc}")
            return Probe(orders_per_day, None, str(exc).splitlines()[0])
        report = result.report
        found = losses(report)
        p99 = report["latency_s"]["p99"]
        sustained = not found and p99 is not None and p99 < SUSTAINED_P99_S
        detail = ", ".join(f"{n} {k}" for k, n in found.items()) or "no loss"
        detail += f", p99 {_minutes(p99)}, {result.process_wall_s:.0f} s wall"
        _say(f"    {'sustained' if sustained else 'NOT sustained'}: {detail}")
        return Probe(orders_per_day, sustained, detail, report)

    return probe


# ---------------------------------------------------------------------------------------------- output


def render(
    command: str,
    sample: str,
    theory: list[TheoryRow],
    search: SearchResult | None,
    days: int,
    *,
    measured: str | None = None,
    probe_machine: dict[str, str] | None = None,
) -> str:
    """The ceiling section. `probe_machine`: where reused probes ran (their wall times are that machine's)."""
    now = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit(PROJECT_ROOT)}"
    parts = [
        "## Ceiling",
        "",
        f"Command: `{command}`  ",
        f"Date: {now}" if measured is None else f"Probes measured {measured}; theory recomputed {now}",
        "",
        "### Theoretical (usage plans / cost per order)",
        "",
        f"Costs counted on {sample}. searchOrders 0.0056 req/s x 100 orders a page = 48,384 order rows a"
        " day; getOrder 0.5 req/s = 43,200 calls a day. *rows / order*: searchOrders rows an order costs"
        " over its life (each status change it is seen in, re-reads by overlapping windows, catch-up and"
        " reconciliation rows); each query also pays half a page of rounding.",
        "",
        table(
            ("reading", "rows / order", "getOrder / order", "ceiling orders/day", "binding"),
            [
                (
                    r.reading,
                    f"{r.rows_per_order:.2f}",
                    f"{r.gets_per_order:.3f}",
                    f"{r.orders_per_day:,.0f}",
                    r.binding,
                )
                for r in theory
            ],
        ),
        "",
        "### Measured (default usage plan, `amzorders simulate`)",
        "",
    ]
    if search is None:
        parts.append("Not run (`--no-search`).")
    else:
        parts += [
            f"Each probe: a generated scenario of {days} days at that volume (realistic mix), run by"
            " `amzorders simulate --strategy amzorders`; sustained = nothing missing, duplicated or wrong,"
            " no 429, p99 latency < 1 h.",
            "",
            table(
                ("orders/day", "sustained", "detail"),
                [
                    (
                        f"{p.orders_per_day:,}",
                        {True: "yes", False: "**no**", None: "undetermined"}[p.sustained],
                        p.detail,
                    )
                    for p in search.probes
                ],
            ),
            "",
            f"**Highest sustained: {_count(search.best_sustained)} orders/day** (first failing:"
            f" {_count(search.first_failing)}; search stopped: {search.stopped}).",
        ]
        product = next((r for r in theory if r.reading.startswith(PRODUCT_AT_SATURATION)), None)
        peak = next((r for r in theory if r.reading.startswith(PRODUCT_PEAK_HOUR)), None)
        if product and peak and search.best_sustained:
            parts.append(
                f"That is {search.best_sustained / product.orders_per_day:.0%} of the theoretical ceiling"
                f" of the product's reading under quota pressure ({product.orders_per_day:,.0f}/day, daily"
                f" totals) and {search.best_sustained / peak.orders_per_day:.0%} of the busiest-hour bound"
                f" ({peak.orders_per_day:,.0f}/day with full pages)."
            )
    if probe_machine is None:
        parts += ["", "Machine:", "", machine_table(machine())]
    else:
        parts += [
            "",
            "Machine the probes ran on (their wall times are its own):",
            "",
            machine_table(probe_machine),
        ]
    return "\n".join(parts) + "\n"


def _saved_search(path: Path) -> tuple[SearchResult, str, str, dict[str, str]]:
    """The last search's probes, the command that ran them, when and on which commit, and where."""
    record = json.loads(path.read_text(encoding="utf-8"))
    saved = record["search"]
    if saved is None:
        raise SystemExit(f"{path} holds no search (it was written with --no-search)")
    search = SearchResult(
        best_sustained=saved["best_sustained"],
        first_failing=saved["first_failing"],
        probes=[Probe(**probe) for probe in saved["probes"]],
        stopped=saved["stopped"],
    )
    where = record.get("machine") or {"cpu": "not recorded"}
    return search, record["command"], record.get("measured", "at an unrecorded date and commit"), where


def _count(value: int | None) -> str:
    return "none" if value is None else f"{value:,}"


def _minutes(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 60:.1f} min"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.splitlines()[0])
    parser.add_argument("--sample-orders-per-day", type=int, default=2000)
    parser.add_argument("--sample-days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="days of each probe scenario")
    parser.add_argument("--start", type=int, default=None, help="first probe (default: theoretical ceiling)")
    parser.add_argument("--tolerance", type=float, default=0.1)
    parser.add_argument("--max-probes", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=None, help="give up a probe after this many s")
    parser.add_argument("--no-search", action="store_true", help="theoretical figures only")
    parser.add_argument(
        "--reuse-search",
        action="store_true",
        help="take the probes of the last search (bench/results/ceiling.json) instead of simulating again",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    command = "python -m bench.ceiling" + (" " + shlex.join(sys.argv[1:] if argv is None else argv)).rstrip()

    from amzorders.sim.generate import generate

    began = time.perf_counter()
    scenario = generate(orders_per_day=args.sample_orders_per_day, days=args.sample_days, seed=args.seed)
    orders = timelines(scenario)
    start, horizon = scenario.start.timestamp(), scenario.end.timestamp() + 2 * DAY
    del scenario
    theory = theoretical_rows(orders, start, horizon)
    sample = (
        f"a generated sample of {len(orders):,} orders ({args.sample_orders_per_day:,}/day x"
        f" {args.sample_days} days, seed {args.seed})"
    )
    _say(f"theoretical ceilings computed in {time.perf_counter() - began:.1f} s:")
    for row in theory:
        _say(f"    {row.orders_per_day:>9,.0f}/day  {row.reading}")
    search, search_command, shown_command, measured, where = None, command, command, None, None
    if args.reuse_search:
        search, search_command, measured, where = _saved_search(RESULTS_DIR / "ceiling.json")
        shown_command = f"{search_command} (theory recomputed by {command})"
    elif not args.no_search:
        product = next(r for r in theory if r.reading.startswith(PRODUCT_AT_SATURATION))
        first = args.start or max(100, int(round(product.orders_per_day, -2)))
        search = search_ceiling(
            simulate_probe(args.days, args.seed, args.timeout),
            first,
            tolerance=args.tolerance,
            max_probes=args.max_probes,
        )
    body = render(shown_command, sample, theory, search, args.days, measured=measured, probe_machine=where)
    RESULTS_DIR.mkdir(exist_ok=True)
    record = {
        "command": search_command,
        "measured": measured or f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit(PROJECT_ROOT)}",
        "machine": where or machine(),
        "theory": [asdict(r) for r in theory],
        "search": None
        if search is None
        else {
            "best_sustained": search.best_sustained,
            "first_failing": search.first_failing,
            "stopped": search.stopped,
            "probes": [asdict(p) for p in search.probes],
        },
    }
    (RESULTS_DIR / "ceiling.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else TITLE
    args.output.write_text(replace_section(previous, "ceiling", body), encoding="utf-8")
    _say(f"wrote the ceiling section of {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
