"""Micro-benchmarks written by others are run in their own process and their markdown is kept as is."""

from __future__ import annotations

from bench.micro import run_micro_benchmarks


def test_present_failing_and_missing_micro_benchmarks(tmp_path):
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "with_table.py").write_text("print('| a | b |')\nprint('|---|---|')\nprint('| 1 | 2 |')\n")
    (package / "as_script.py").write_text("if __name__ == '__main__':\n    print('script table')\n")
    (package / "broken.py").write_text("raise RuntimeError('no simulator today')\n")
    text = run_micro_benchmarks(
        [("with_table", "F"), ("as_script", "S"), ("broken", "B"), ("absent", "A")],
        package="fakebench",
        directory=package,
        timeout=60,
    )
    assert "### F\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nCommand: `python -m fakebench.with_table`" in text
    assert "### S\n\nscript table" in text
    assert "`fakebench.broken` failed (exit 1)" in text and "RuntimeError: no simulator today" in text
    assert "`fakebench/absent.py` is not there yet." in text
