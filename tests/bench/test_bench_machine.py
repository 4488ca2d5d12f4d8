"""The commit a benchmark row names: dirty code says so, the harness's own BENCHMARKS.md does not."""

from __future__ import annotations

import subprocess

from bench.machine import commit


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def test_a_rewritten_benchmarks_file_does_not_make_the_code_dirty(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "engine.py").write_text("SPEED = 1\n")
    (tmp_path / "BENCHMARKS.md").write_text("# old results\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "start")
    head = git(tmp_path, "rev-parse", "--short", "HEAD")
    (tmp_path / "BENCHMARKS.md").write_text("# new results\n")
    assert commit(tmp_path) == head
    (tmp_path / "engine.py").write_text("SPEED = 2\n")
    assert commit(tmp_path) == f"{head} + uncommitted changes"
