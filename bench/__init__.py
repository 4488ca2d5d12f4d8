"""Benchmarks: the scenario suite, `python -m bench.run` (BENCHMARKS.md) and `python -m bench.ceiling`."""
