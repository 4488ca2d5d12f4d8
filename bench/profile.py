"""`python -m bench.profile NAME [--strategy S] [--top N]`: cProfile one suite scenario, print the hot spots.

The run is the same `amzorders simulate` process as in `bench.run`, started under `python -m cProfile`;
the profile is kept in bench/results/NAME--STRATEGY.prof for snakeviz or pstats.
"""

from __future__ import annotations

import argparse
import io
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import PROJECT_ROOT, simulate_command
from .run import RESULTS_DIR
from .suite import NAME_OR_SIZE_HELP, entry_named, materialise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("name", help=NAME_OR_SIZE_HELP)
    parser.add_argument("--strategy", default="amzorders")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    entry = entry_named(args.name)
    path = materialise(entry)
    RESULTS_DIR.mkdir(exist_ok=True)
    profile = RESULTS_DIR / f"{entry.name}--{args.strategy}.prof"
    with tempfile.TemporaryDirectory(prefix="amzorders-profile-") as workdir:
        command = simulate_command(path, args.strategy, Path(workdir) / "report.json", entry.grace)
        command[1:3] = ["-m", "cProfile", "-o", str(profile), "-m", "amzorders.app.cli"]
        print(" ".join(command), file=sys.stderr)
        done = subprocess.run(command, cwd=PROJECT_ROOT)
    if done.returncode not in (0, 1):
        return done.returncode
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(str(profile), stream=out).sort_stats(order).print_stats(args.top)
        print(f"== by {order} ==\n{out.getvalue()}")
    print(f"profile kept in {profile}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
