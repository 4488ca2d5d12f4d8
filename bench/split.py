"""`python -m bench.split NAME|ORDERSxDAYS [--write]`: where a simulation's wall time goes, by component.

cProfile charges every Python call its own overhead and leaves C calls (SQLite, JSON) as they are, so its
shares mislead: on the 3-day slice at 5,000/day it runs 1.8x slower than the real thing and shows SQLAlchemy
at 15 % of the time, when a prepared statement costs ~17 µs over the driver's ~1 µs (with its result
processing, at most 8 % of the run). Here the same in-process simulation runs at full speed, timed with
`perf_counter` at a few entry points only: each component's *own* time (a nested component's time is its
own, not its caller's), its calls, and the cost per order the shop received. `--write` puts the table into
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .machine import commit, machine
from .markdown import machine_table, replace_section, table
from .run import DEFAULT_OUTPUT
from .suite import CACHE_DIR, MANIFEST, NAME_OR_SIZE_HELP, entry_named, materialise

SECTION = "split"


@dataclass(frozen=True, slots=True)
class Component:
    """A timed entry point: `attribute` of `owner` (a module or a class, by dotted path)."""

    label: str
    group: str
    owner: str
    attribute: str


# Outermost first is not required: nesting is measured, not declared. Runs (`SyncEngine._run`) are timed
# apart, inclusively, as a second table.
COMPONENTS = (
    Component("load the scenario file", "harness", "amzorders.simulate.runner", "load_scenario"),
    Component("audit of the shop", "harness", "amzorders.simulate.runner", "audit_shop"),
    Component("marketplace behind the HTTP transport", "simulator", "amzorders.sim.transport.SimTransport",
              "handle_request"),
    Component("Amazon client: httpx, JSON decoding, governor, tokens", "product",
              "amazon.client.OrdersClient", "_attempt"),
    Component("ledger: record a page of Amazon orders", "product", "ledger.orders.OrderBook",
              "record_snapshots"),
    Component("ledger: sync state read", "product", "ledger.bookkeeping.Bookkeeping", "state"),
    Component("ledger: take the account lock", "product", "ledger.bookkeeping.Bookkeeping", "try_lock"),
    Component("ledger: release the lock, record the run", "product", "ledger.bookkeeping.Bookkeeping",
              "release_lock"),
    Component("ledger: anything due for the shop?", "product", "ledger.shop_work.ShopWork", "has_due"),
    Component("ledger: read the orders due", "product", "ledger.shop_work.ShopWork", "due_for_shop"),
    Component("ledger: record the shop's outcomes", "product", "ledger.shop_work.ShopWork",
              "record_shop_outcomes"),
    Component("ledger: pending orders due for a re-read", "product", "ledger.shop_work.ShopWork",
              "pending_to_watch"),
    Component("ledger: unfinished reconciliations", "product", "ledger.bookkeeping.Bookkeeping",
              "latest_reports"),
    Component("built-in store: create orders", "product", "shops.builtin.store.BuiltinStore",
              "create_orders"),
    Component("built-in store: move statuses", "product", "shops.builtin.store.BuiltinStore", "set_statuses"),
    Component("order drafts (rules)", "product", "sync.push", "build_draft"),
)  # fmt: skip
RUNS = Component("runs", "product", "sync.engine.SyncEngine", "_run")


@dataclass(slots=True)
class Tally:
    own_s: float = 0.0
    calls: int = 0


@dataclass(slots=True)
class Split:
    scenario: str
    wall_s: float
    created: int
    components: dict[Component, Tally]
    runs: dict[str, Tally] = field(default_factory=dict)

    @property
    def unattributed_s(self) -> float:
        return self.wall_s - sum(t.own_s for t in self.components.values())


class _Clock:
    """Own time per component: a call's elapsed time minus that of the timed calls made inside it."""

    def __init__(self) -> None:
        self.stack: list[float] = []  # time spent in timed callees, per open call

    def timed(self, tally: Tally, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            self.stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                tally.own_s += elapsed - self.stack.pop()
                tally.calls += 1
                if self.stack:
                    self.stack[-1] += elapsed

        return wrapper


def _owner(path: str):
    """A module or a class by dotted path; product paths are relative to `amzorders`."""
    dotted = path if path.startswith("amzorders.") else f"amzorders.{path}"
    module_path, _, name = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module_path), name)


@contextmanager
def _patched(owner, attribute: str, replacement) -> Iterator[None]:
    """`owner.attribute = replacement` for the block; an attribute a class inherited is inherited again."""
    original = vars(owner).get(attribute, _INHERITED)
    setattr(owner, attribute, replacement)
    try:
        yield
    finally:
        if original is _INHERITED:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)


_INHERITED = object()


@contextmanager
def instrumented(components: Sequence[Component] = COMPONENTS) -> Iterator[Split]:
    """Time `components` (and the engine's runs by kind) until the block ends; the originals come back
    afterwards. A component whose entry point is gone fails at once, naming it."""
    clock = _Clock()
    split = Split(scenario="", wall_s=0.0, created=0, components={c: Tally() for c in components})
    with ExitStack() as stack:
        for component in components:
            owner = _owner(component.owner)
            if not hasattr(owner, component.attribute):
                raise LookupError(
                    f"bench.split: {component.owner}.{component.attribute} is gone; update COMPONENTS"
                )
            original = getattr(owner, component.attribute)
            stack.enter_context(
                _patched(owner, component.attribute, clock.timed(split.components[component], original))
            )
        engine = _owner(RUNS.owner)
        run = getattr(engine, RUNS.attribute)

        def timed_run(self, kind, *args, **kwargs):
            tally = split.runs.setdefault(kind, Tally())
            started = time.perf_counter()
            try:
                return run(self, kind, *args, **kwargs)
            finally:
                tally.own_s += time.perf_counter() - started
                tally.calls += 1

        stack.enter_context(_patched(engine, RUNS.attribute, timed_run))
        yield split


def measure(path: Path, name: str, grace: timedelta) -> Split:
    """Simulate `path` with the product's strategy in this process, timed by component."""
    from amzorders.simulate.runner import SimulationOptions, run_simulation

    with instrumented() as split:
        report = run_simulation(path, SimulationOptions(grace=grace), name=name)
    split.scenario = name
    split.wall_s = report.wall_s
    split.created = report.imported
    return split


def render(split: Split, command: str) -> str:
    """The section of BENCHMARKS.md (or the terminal's table)."""
    wall, created = split.wall_s, max(split.created, 1)

    def row(label: str, group: str, seconds: float, calls: int | None) -> tuple[str, ...]:
        per_call = f"{seconds / calls * 1e6:,.0f}" if calls else "-"
        shown_calls = f"{calls:,}" if calls is not None else ""
        return (
            label,
            group,
            f"{seconds:.2f}",
            f"{100 * seconds / wall:.1f} %",
            shown_calls,
            per_call if calls is not None else "",
            f"{seconds / created * 1e6:,.0f}",
        )

    ordered = sorted(split.components.items(), key=lambda item: -item[1].own_s)
    rows = [row(c.label, c.group, t.own_s, t.calls) for c, t in ordered]
    rows.append(
        row(
            "everything else (scheduler, passes' own code, rules, governor waits)",
            "product",
            split.unattributed_s,
            None,
        )
    )
    groups: dict[str, float] = {}
    for component, tally in split.components.items():
        groups[component.group] = groups.get(component.group, 0.0) + tally.own_s
    groups["product"] = groups.get("product", 0.0) + split.unattributed_s
    run_rows = [
        (
            kind,
            f"{t.calls:,}",
            f"{t.own_s:.2f}",
            f"{100 * t.own_s / wall:.1f} %",
            f"{t.own_s / t.calls * 1e3:.2f}",
        )
        for kind, t in sorted(split.runs.items(), key=lambda item: -item[1].own_s)
    ]
    shares = ", ".join(f"{group} {100 * seconds / wall:.0f} %" for group, seconds in sorted(groups.items()))
    return "\n".join(
        [
            "## Where the time goes",
            "",
            f"Command: `{command}`  ",
            f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit(Path(__file__).parent.parent)}",
            "",
            f"Scenario `{split.scenario}`, simulated in one process at full speed (no profiler): "
            f"{wall:.1f} s wall, {split.created:,} orders created in the built-in store, "
            f"**{wall / created * 1e6:,.0f} µs per created order** all included ({shares}). Each row is the "
            "component's own time (time in the components nested in it is theirs).",
            "",
            table(("component", "part", "s", "share", "calls", "µs / call", "µs / created order"), rows),
            "",
            "By run (inclusive):",
            "",
            table(("run", "runs", "s", "share", "ms / run"), run_rows),
            "",
            machine_table(machine()),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.split", description=__doc__.splitlines()[0])
    parser.add_argument("name", help=NAME_OR_SIZE_HELP)
    parser.add_argument("--write", action="store_true", help="put the table into BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    entry = entry_named(args.name, args.manifest)
    path = materialise(entry, root=args.manifest.parent, cache_dir=args.cache_dir)
    split = measure(path, entry.name, _grace(entry.grace))
    command = "python -m bench.split " + " ".join(sys.argv[1:] if argv is None else argv)
    body = render(split, command.replace(" --write", "").strip())
    print(body)
    if args.write:
        previous = args.output.read_text(encoding="utf-8") if args.output.exists() else "# Benchmarks\n"
        args.output.write_text(replace_section(previous, SECTION, body), encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _grace(text: str) -> timedelta:
    from amzorders.simulate.cli import parse_duration

    return parse_duration(text)


if __name__ == "__main__":
    raise SystemExit(main())
