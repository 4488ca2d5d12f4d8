"""Framework-neutral request and response, so the ASGI app and the in-process transport share one handler.

A `SimResponse` can also carry a transport-level fault (`timeout`, `reset`) or a latency (`delay_s`) that
the server or the transport acts out the way a real network would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"


@dataclass(slots=True)
class SimRequest:
    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""


@dataclass(slots=True)
class SimResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # "timeout" (no answer) or "reset" (connection closed)
    delay_s: float = 0.0  # latency before answering (or before giving up, for "timeout")


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return raw_json_response(status, body, headers)


def raw_json_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> SimResponse:
    all_headers = {"content-type": JSON}
    if headers:
        all_headers.update(headers)
    return SimResponse(status, body, all_headers)


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    """Amazon's `ErrorList` body."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


INVALID_INPUT = "InvalidInput"
QUOTA_EXCEEDED_BODY = error_body("QuotaExceeded", "You exceeded your quota for the requested resource.")
ACCESS_DENIED_MESSAGE = "Access to requested resource is denied."
