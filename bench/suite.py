"""The scenario suite: a manifest (bench/scenarios/suite.toml) and scenario files materialised on demand.

Generated months weigh hundreds of MB, so they are never committed: the manifest pins their seed and
generator parameters, and `materialise` writes them into a git-ignored cache the first time they are
needed. The cache key covers the parameters and the source of the generator and of the scenario writer,
so a changed generator never replays a stale file and an unchanged one is not regenerated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import os
import re
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUITE_FORMAT = "amzorders-bench-suite/1"
SCENARIOS_DIR = Path(__file__).parent / "scenarios"
MANIFEST = SCENARIOS_DIR / "suite.toml"
CACHE_DIR = SCENARIOS_DIR / "cache"
KINDS = ("generated", "builder", "file")


class SuiteError(ValueError):
    """A manifest the harness cannot use; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class ScenarioEntry:
    name: str
    kind: str
    description: str = ""
    quick: bool = False
    grace: str = "2d"
    injected_429: bool = False
    # kind = "generated"
    orders_per_day: int = 0
    days: int = 0
    seed: int = 0
    mix: Mapping[str, Any] = field(default_factory=dict)
    # kind = "builder"
    builder: str = ""
    # kind = "file" (relative to the manifest's folder)
    path: str = ""

    def params(self) -> dict[str, Any]:
        """What determines the file's content (the cache key's input)."""
        if self.kind == "generated":
            return {
                "orders_per_day": self.orders_per_day,
                "days": self.days,
                "seed": self.seed,
                "mix": dict(sorted(self.mix.items())),
            }
        if self.kind == "builder":
            return {"builder": self.builder}
        return {"path": self.path}


@dataclass(frozen=True, slots=True)
class Suite:
    entries: tuple[ScenarioEntry, ...]
    root: Path  # the manifest's folder

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def get(self, name: str) -> ScenarioEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise SuiteError(f"no scenario named {name!r} in the suite (known: {', '.join(self.names())})")

    def select(self, *, quick: bool = False, only: list[str] | None = None) -> list[ScenarioEntry]:
        if only:
            return [self.get(name) for name in only]
        return [entry for entry in self.entries if entry.quick or not quick]


_FIELDS = {f.name for f in dataclasses.fields(ScenarioEntry)}


NAME_OR_SIZE_HELP = "a scenario of bench/scenarios/suite.toml, or ORDERSxDAYS (e.g. 5000x3) to generate one"


def entry_named(name: str, manifest: Path = MANIFEST) -> ScenarioEntry:
    """A suite scenario by name, or `ORDERSxDAYS`: that many orders a day for that many days, generated
    with the realistic mix (seed = orders a day), as the profiling tools take them."""
    size = re.fullmatch(r"(\d+)x(\d+)", name)
    if size is None:
        return load_suite(manifest).get(name)
    per_day, days = int(size.group(1)), int(size.group(2))
    return ScenarioEntry(
        name=f"profile-{name}", kind="generated", orders_per_day=per_day, days=days, seed=per_day
    )


def load_suite(path: Path = MANIFEST) -> Suite:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the suite manifest: {exc}") from None
    if data.get("format") != SUITE_FORMAT:
        raise SuiteError(f"{path}: field 'format' must be {SUITE_FORMAT!r}, got {data.get('format')!r}")
    entries: list[ScenarioEntry] = []
    for position, raw in enumerate(data.get("scenario", [])):
        where = f"{path.name}: scenario[{position}] ({raw.get('name', '?')})"
        unknown = sorted(set(raw) - _FIELDS)
        if unknown:
            raise SuiteError(f"{where}: unknown field {unknown[0]!r}")
        try:
            entry = ScenarioEntry(**raw)
        except TypeError as exc:
            raise SuiteError(f"{where}: {exc}") from None
        _check(entry, where, path.parent)
        if entry.name in {e.name for e in entries}:
            raise SuiteError(f"{where}: field 'name' is a duplicate")
        entries.append(entry)
    if not entries:
        raise SuiteError(f"{path}: the suite has no [[scenario]] entry")
    return Suite(tuple(entries), path.parent)


def _check(entry: ScenarioEntry, where: str, root: Path) -> None:
    if not entry.name or not all(c.isalnum() or c in "-_" for c in entry.name):
        raise SuiteError(f"{where}: field 'name' must be letters, digits, '-' or '_'")
    if entry.kind not in KINDS:
        raise SuiteError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}, got {entry.kind!r}")
    if entry.kind == "generated":
        if entry.orders_per_day < 0 or entry.days < 1:
            raise SuiteError(f"{where}: needs orders_per_day >= 0 and days >= 1")
        from amzorders.sim.generate import Mix

        known = {f.name for f in dataclasses.fields(Mix)}
        bad = sorted(set(entry.mix) - known)
        if bad:
            raise SuiteError(f"{where}: field 'mix.{bad[0]}' is not a field of amzorders.sim.generate.Mix")
    elif entry.kind == "builder":
        if ":" not in entry.builder:
            raise SuiteError(f"{where}: field 'builder' must be 'module:function', got {entry.builder!r}")
    elif not (root / entry.path).is_file():
        raise SuiteError(f"{where}: field 'path' names no file: {root / entry.path}")


# ------------------------------------------------------------------------------------------ materialising


def _source_fingerprint(*modules: str) -> str:
    digest = hashlib.sha256()
    for name in modules:
        module = importlib.import_module(name)
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a scenario file (what `--reuse` compares: same bytes, same measurement)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(entry: ScenarioEntry) -> str:
    """12 hex digits from the parameters and the code that turns them into a file."""
    if entry.kind == "generated":
        code = _source_fingerprint("amzorders.sim.generate", "amzorders.sim.scenario")
    else:
        # the builder's module and the shared builder it composes orders with
        code = _source_fingerprint(entry.builder.partition(":")[0], "amzorders.simulate.builder")
    text = json.dumps({"kind": entry.kind, **entry.params(), "code": code}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def materialise(entry: ScenarioEntry, root: Path = SCENARIOS_DIR, cache_dir: Path = CACHE_DIR) -> Path:
    """The scenario file of `entry`, written into the cache when absent (atomically; versions older than
    an hour removed)."""
    if entry.kind == "file":
        return root / entry.path
    key = cache_key(entry)
    target = cache_dir / f"{entry.name}-{key}.json"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    if entry.kind == "generated":
        from amzorders.sim.generate import Mix, generate
        from amzorders.sim.scenario import dump_scenario

        mix = Mix(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.mix.items()})
        scenario = generate(orders_per_day=entry.orders_per_day, days=entry.days, seed=entry.seed, mix=mix)
        dump_scenario(scenario, partial)
        del scenario
    else:
        module, _, function = entry.builder.partition(":")
        data = getattr(importlib.import_module(module), function)()
        partial.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(target)
    _prune(cache_dir, entry.name, target)
    return target


def _prune(cache_dir: Path, name: str, keep: Path, min_age_s: float = 3600.0) -> None:
    """Remove older versions of the entry's file, but not fresh ones another harness may be replaying."""
    now = time.time()
    for stale in cache_dir.glob(f"{name}-*.json"):
        if stale != keep and len(stale.stem) == len(keep.stem):
            with contextlib.suppress(OSError):
                if now - stale.stat().st_mtime > min_age_s:
                    stale.unlink()
