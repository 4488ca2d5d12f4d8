"""The micro-benchmarks other engineers own (`bench/governor_backlog.py`, `bench/prestashop_calls.py`).

Contract for their authors: `python -m bench.NAME` prints a markdown fragment (tables, no top-level
heading) on stdout and exits 0. Each runs in its own process with a timeout; a missing, failing or hanging
one is reported as such and never hides the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

MICRO_BENCHMARKS = (
    ("governor_backlog", "Quota governor: draining a 5,000-order backlog"),
    ("prestashop_calls", "PrestaShop adapter: webservice calls per imported order"),
)
BENCH_DIR = Path(__file__).parent


def run_micro_benchmarks(
    benchmarks: Sequence[tuple[str, str]] = MICRO_BENCHMARKS,
    *,
    package: str = "bench",
    directory: Path = BENCH_DIR,
    timeout: float = 900.0,
) -> str:
    parts = ["## Micro-benchmarks", ""]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(directory.parent), os.environ.get("PYTHONPATH", "")]),
    }
    for module, title in benchmarks:
        name = f"{package}.{module}"
        parts += [f"### {title}", ""]
        if not (directory / f"{module}.py").exists():
            parts += [f"`{package}/{module}.py` is not there yet.", ""]
            continue
        print(f"micro-benchmark {name} ...", file=sys.stderr, flush=True)
        try:
            done = subprocess.run(
                [sys.executable, "-m", name],
                cwd=directory.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            parts += [f"`{name}` gave no result within {timeout:.0f} s.", ""]
            continue
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            parts += [f"`{name}` failed (exit {done.returncode}):", "", "```", tail, "```", ""]
            continue
        output = done.stdout.strip()
        parts += [output, ""]
        if "Command:" not in output:
            parts += [f"Command: `python -m {name}`", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.micro`: run only the micro-benchmarks and refresh their section of BENCHMARKS.md."""
    import argparse

    from .markdown import replace_section
    from .run import DEFAULT_OUTPUT, TITLE

    parser = argparse.ArgumentParser(prog="python -m bench.micro", description=main.__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else TITLE
    body = run_micro_benchmarks(timeout=args.timeout)
    args.output.write_text(replace_section(previous, "micro", body), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
