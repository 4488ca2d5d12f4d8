"""The runner tunes the cyclic GC only while its schedule runs, and puts everything back afterwards."""

from __future__ import annotations

import gc

from amzorders.simulate.runner import SimulationOptions, run_simulation

from .conftest import GRACE, assert_nothing_lost, hard_case


def test_the_gc_settings_are_restored_after_a_simulation() -> None:
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    seen_during: list[tuple[int, ...]] = []

    def watch(phase: str, _info: dict) -> None:
        if phase == "start":
            seen_during.append(gc.get_threshold())

    gc.callbacks.append(watch)
    try:
        report = run_simulation(hard_case("same-second-burst"), SimulationOptions(grace=GRACE))
    finally:
        gc.callbacks.remove(watch)
    assert_nothing_lost(report)
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen
    assert any(seen[0] > thresholds[0] for seen in seen_during)  # spaced out while it ran
