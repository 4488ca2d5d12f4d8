"""The benchmark's own hand-written hard cases, committed as JSON under bench/scenarios/hard/.

They complete the SIMULATE engineer's cases (`amzorders.simulate.hard_cases`, referenced by the suite
rather than copied) with wider spreads and the fault kinds those do not cover: holds of 1 to 21 days, FBA
shipping 1 to 5 days after purchase, mixed indexing delays, a 1,000-order burst within one minute, and
fault hours of 429 and timeouts. Both sets use one scenario builder (`amzorders.simulate.builder`), so
they share one order shape. `python -m bench.hard_cases` rewrites the files; a test checks they match
the builders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from amzorders.simulate.builder import ScenarioBuilder, span

HARD_DIR = Path(__file__).parent / "scenarios" / "hard"


def pending_1_to_21_days() -> dict[str, Any]:
    b = ScenarioBuilder(days=25)
    for k, days in enumerate((1, 2, 3, 5, 8, 13, 21)):
        created = span(hours=8 + k, minutes=7 * k + 3, seconds=11 * k + 5)
        b.merchant_flow(created, span(days=days, minutes=13), span(days=days + 1, hours=3))
        # FBA orders held for documents too: PENDING for days, then Amazon ships within hours.
        b.order(
            "AMAZON",
            [
                (created + span(minutes=17), "PENDING"),
                (created + span(days=days, minutes=41), "UNSHIPPED"),
                (created + span(days=days, hours=9, minutes=2), "SHIPPED"),
            ],
        )
    return b.build()


def fba_shipped_1_to_5_days() -> dict[str, Any]:
    b = ScenarioBuilder(days=9)
    for k, days in enumerate((1, 2, 3, 4, 5)):
        created = span(hours=7 + 2 * k, minutes=13 + 5 * k, seconds=29)
        b.fba_flow(created, span(days=days, hours=k, minutes=19))
        b.fba_flow(created + span(days=1, hours=3), span(days=days, minutes=47))
        # Straight from PENDING to SHIPPED days later (the importable version is the shipped one).
        b.order(
            "AMAZON",
            [
                (created + span(hours=1, minutes=1), "PENDING"),
                (created + span(days=days, hours=2), "SHIPPED"),
            ],
        )
    return b.build()


def visibility_delays_0_to_15_min() -> dict[str, Any]:
    b = ScenarioBuilder(days=3)
    delays = (0, 60, 120, 300, 600, 900)
    for k in range(18):
        created = span(hours=9, minutes=6 * k + 1, seconds=(13 * k) % 60 + 1)
        delay = delays[k % len(delays)]
        if k % 3 == 2:
            b.fba_flow(created, span(hours=22, minutes=k), indexing_delay_s=delay)
        else:
            b.merchant_flow(created, span(minutes=2, seconds=30), span(hours=19), indexing_delay_s=delay)
    return b.build()


def burst_1000_in_a_minute(count: int = 1000) -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    start = span(hours=19, minutes=31, seconds=2)
    for k in range(count):
        created = start + timedelta(seconds=k * 58 // count)  # ~17 orders share each second
        if k % 5 == 4:
            b.fba_flow(created, span(hours=20, minutes=k % 50))
        else:
            b.merchant_flow(created, span(minutes=3 + k % 4), span(hours=26, minutes=k % 45))
    return b.build()


def fault_hour_429() -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    b.fault(span(hours=10, minutes=10), span(hours=11, minutes=10), "throttle")
    _steady_orders(b)
    return b.build()


def fault_hour_timeouts() -> dict[str, Any]:
    b = ScenarioBuilder(days=2)
    b.fault(span(hours=10, minutes=10), span(hours=11, minutes=10), "timeout", operations=("searchOrders",))
    b.fault(span(hours=11, minutes=10), span(hours=11, minutes=40), "http_503", operations=("getOrder",))
    b.fault(span(hours=11, minutes=10), span(hours=11, minutes=40), "timeout", operations=("searchOrders",))
    _steady_orders(b)
    return b.build()


def _steady_orders(b: ScenarioBuilder) -> None:
    """Orders every 7 minutes or so from 08:00 to 14:00, some held pending an hour, a quarter FBA."""
    for k in range(50):
        created = span(hours=8, minutes=7 * k + 2, seconds=(17 * k) % 60)
        if k % 4 == 3:
            b.fba_flow(created, span(hours=4, minutes=k))
        elif k % 7 == 5:
            b.merchant_flow(created, span(hours=1, minutes=5), span(hours=25))
        else:
            b.merchant_flow(created, span(minutes=3, seconds=10), span(hours=26))


HARD_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "pending-1-to-21-days": pending_1_to_21_days,
    "fba-shipped-1-to-5-days": fba_shipped_1_to_5_days,
    "visibility-delays-0-to-15-min": visibility_delays_0_to_15_min,
    "burst-1000-in-a-minute": burst_1000_in_a_minute,
    "fault-hour-429": fault_hour_429,
    "fault-hour-timeouts": fault_hour_timeouts,
}


def render(data: dict[str, Any]) -> str:
    """One order per line: small diffs, and a byte-stable file for a given builder."""
    head = {key: value for key, value in data.items() if key != "orders"}
    lines = ["  " + json.dumps(order, ensure_ascii=False, separators=(",", ":")) for order in data["orders"]]
    body = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    return body + ',\n "orders": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def write_all(directory: Path = HARD_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in HARD_CASES.items():
        path = directory / f"{name}.json"
        path.write_text(render(build()), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
