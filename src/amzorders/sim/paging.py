"""searchOrders pagination tokens: opaque, bound to the query, expiring after 24 h, tamper-proof.

A token carries the keyset position (timestamp, order id) of the last order served, the window's upper
bound fixed by the first page, a digest of the parameters it must come back with and its issue time,
signed with HMAC-SHA256. Anything else (edited, foreign, expired, other parameters) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

TOKEN_LIFETIME_S = 24 * 3600.0


class PageTokenError(ValueError):
    """A token that cannot be honoured; the message is what Amazon's 400 body says."""


@dataclass(frozen=True, slots=True)
class PagePosition:
    after_ts: float  # keyset: the last served order's filtered timestamp ...
    after_id: str  # ... and its id
    before_ts: float  # the window's effective upper bound (fixed by the first page)
    issued_at: float


def query_digest(params: Iterable[tuple[str, str]]) -> str:
    """A digest of the parameters a token is bound to (order-independent)."""
    canonical = "&".join(f"{name}={value}" for name, value in sorted(params))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, position: PagePosition, digest: str) -> str:
        body = [position.after_ts, position.after_id, position.before_ts, position.issued_at, digest]
        payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
        text = payload.decode().rstrip("=")
        return f"{text}.{self._sign(text.encode())}"

    def read(self, token: str, digest: str, now: float) -> PagePosition:
        text, _, signature = token.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(text.encode())):
            raise PageTokenError("Invalid paginationToken.")
        try:
            padded = text + "=" * (-len(text) % 4)
            after_ts, after_id, before_ts, issued_at, bound = json.loads(base64.urlsafe_b64decode(padded))
        except (ValueError, TypeError):
            raise PageTokenError("Invalid paginationToken.") from None
        if now - issued_at > TOKEN_LIFETIME_S:
            raise PageTokenError("The paginationToken has expired (tokens are valid for 24 hours).")
        if bound != digest:
            raise PageTokenError(
                "The paginationToken was issued for other parameters: send the same parameters with it."
            )
        return PagePosition(float(after_ts), str(after_id), float(before_ts), float(issued_at))
