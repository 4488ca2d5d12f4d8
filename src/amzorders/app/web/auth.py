"""Dashboard login: a signed, expiring session cookie and constant-time comparisons.

No server-side session store: the cookie carries the user and an expiry, signed with HMAC-SHA256 under
the session secret. Every comparison of something a client sent with a secret (password, cron token,
signature, CSRF token) goes through `hmac.compare_digest`, so response time tells nothing about how much
of it was right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

COOKIE = "amzorders_session"
SESSION_TTL_S = 12 * 3600


def same(given: str | None, expected: str | None) -> bool:
    """Constant-time equality; False when either side is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class SessionSigner:
    """Issues and checks session cookies. The signing key is bound to the dashboard's password
    (`bound_to`): a new password ends every session signed under the old one, even with a session
    secret kept on disk. A cookie logged out is refused until it expires (`revoke`; this process)."""

    def __init__(
        self, secret: bytes | None = None, ttl_s: int = SESSION_TTL_S, *, bound_to: str = ""
    ) -> None:
        base = secret or secrets.token_bytes(32)
        self._secret = hmac.new(base, b"session:" + bound_to.encode("utf-8"), hashlib.sha256).digest()
        self.ttl_s = ttl_s
        self._revoked: dict[str, float] = {}  # signature -> the cookie's expiry

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self, user: str, now: float | None = None) -> str:
        body = {"u": user, "exp": int((now or time.time()) + self.ttl_s), "n": secrets.token_hex(8)}
        payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode("ascii")
        return f"{payload}.{self._sign(payload)}"

    def user(self, cookie: str | None, now: float | None = None) -> str | None:
        """The user of a valid, unexpired cookie, else None."""
        verified = self._verified(cookie, now)
        return None if verified is None else str(verified[1].get("u"))

    def revoke(self, cookie: str | None, now: float | None = None) -> None:
        """Log a cookie out for good (its owner's copy could otherwise be replayed until it expires)."""
        now = now or time.time()
        self._revoked = {sig: exp for sig, exp in self._revoked.items() if exp >= now}
        verified = self._verified(cookie, now)
        if verified is not None:
            signature, body = verified
            self._revoked[signature] = body["exp"]

    def _verified(self, cookie: str | None, now: float | None) -> tuple[str, dict] | None:
        """(signature, body) of a cookie signed here, unexpired and not logged out; else None."""
        if not cookie or "." not in cookie:
            return None
        payload, signature = cookie.rsplit(".", 1)
        try:
            if not same(signature, self._sign(payload)):
                return None
            body = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
        except (ValueError, UnicodeError):
            return None
        if body.get("exp", 0) < (now or time.time()) or signature in self._revoked:
            return None
        return signature, body

    def csrf(self, cookie: str) -> str:
        """A token tied to the session: forms carry it so another site cannot post in the user's name."""
        return hmac.new(self._secret, b"csrf:" + cookie.encode("ascii"), hashlib.sha256).hexdigest()


class LoginThrottle:
    """At most `limit` failed logins per client address per `window_s`: guessing the password stays slow."""

    def __init__(self, limit: int = 10, window_s: float = 600.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, list[float]] = {}

    def blocked(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(client, []) if now - t < self.window_s]
        self._failures[client] = recent
        return len(recent) >= self.limit

    def failed(self, client: str, now: float | None = None) -> None:
        self._failures.setdefault(client, []).append(time.monotonic() if now is None else now)
