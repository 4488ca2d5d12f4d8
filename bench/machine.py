"""The machine a benchmark ran on, read from /proc and `platform` (figures mean little without it)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, str]:
    memory = _proc_field("/proc/meminfo", "MemTotal")  # "24683972 kB"
    ram = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory else "unknown"
    try:
        load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count() or "unknown"),
        "ram": ram,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average_at_start": load,
    }


# What makes two machines' timings comparable: not the load, the RAM or the kernel's build string.
HARDWARE_KEYS = ("cpu", "cores", "python")


def same_hardware(saved: dict[str, str], current: dict[str, str]) -> bool:
    """Whether a saved measurement was timed on a machine like this one (the sandbox's CPU can change
    between sessions: the same month took 192 s on one 2-core VM and 419 s on another)."""
    return all(saved.get(key) == current.get(key) for key in HARDWARE_KEYS)


def commit(root: Path) -> str:
    """The checked-out commit (read-only git calls), with '+ uncommitted changes' when the tree is dirty
    (BENCHMARKS.md aside: the harness's own output, rewritten by every run, is not the code measured)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)BENCHMARKS.md"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} + uncommitted changes" if dirty else head
