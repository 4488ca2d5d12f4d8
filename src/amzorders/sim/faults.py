"""Scenario faults: windows of time in which an operation fails in a given way with a probability.

The draws come from one seeded RNG, so the same scenario, seed and sequence of requests fail the same way
every run. A draw happens only when a fault's window and operation match the request.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .protocol import SimResponse, error_body, json_response
from .scenario import FaultSpec

TIMEOUT_HOLD_S = 60.0  # how long a "timeout" keeps the connection without answering, by default


class FaultInjector:
    def __init__(self, faults: Sequence[FaultSpec], seed: int) -> None:
        self._faults = [(f.from_.timestamp(), f.to.timestamp(), frozenset(f.operations), f) for f in faults]
        self._rng = random.Random(seed)

    def draw(self, operation: str, now: float) -> FaultSpec | None:
        """The fault this request suffers, if any (the first matching fault that fires)."""
        for start, end, operations, fault in self._faults:
            in_window = start <= now < end and operation in operations
            if in_window and (fault.probability >= 1.0 or self._rng.random() < fault.probability):
                return fault
        return None


def fault_response(fault: FaultSpec) -> SimResponse | None:
    """The response a fault produces, or None for `slow` (served normally, late) and `throttle`/
    `token_rejected` (answered by the caller with its usual 429/403 bodies)."""
    kind = fault.kind
    if kind == "http_500":
        return json_response(
            500, error_body("InternalFailure", "We encountered an internal error. Please try again.")
        )
    if kind == "http_503":
        return json_response(
            503, error_body("ServiceUnavailable", "Service temporarily unavailable. Try later.")
        )
    if kind == "timeout":
        return SimResponse(504, b"", {}, fault="timeout", delay_s=fault.delay_s or TIMEOUT_HOLD_S)
    if kind == "reset":
        return SimResponse(502, b"", {}, fault="reset")
    if kind == "malformed_json":
        return SimResponse(200, b'{"orders":[{"orderId":"', {"content-type": "application/json"})
    return None
