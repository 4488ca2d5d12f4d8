"""Login with Amazon (LWA): the refresh-token grant that yields SP-API access tokens.

An access token lives an hour. One `AccessTokens` per seller account caches it and fetches a new one a
few minutes before it expires, under a lock, so threads sharing a client never refresh it twice nor use
an expired one. A refused grant becomes one `AuthError` with LWA's own `error`/`error_description`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from amzorders.clock import Clock

from .errors import AUTH_HINT, AuthError, ServerError, TransportError


@dataclass(frozen=True, slots=True)
class Credentials:
    """An app's LWA client id and secret with one seller's refresh token. Never printed."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, client_secret=***, refresh_token=***)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: datetime


class AccessTokens:
    """The cached LWA access token of one seller account."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        http: httpx.Client,
        token_url: str,
        clock: Clock,
        refresh_before: float = 300.0,
    ) -> None:
        self._credentials = credentials
        self._http = http
        self._token_url = token_url
        self._clock = clock
        self._refresh_before = timedelta(seconds=refresh_before)
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def get(self) -> str:
        """A valid access token, fetched from LWA only when the cached one is about to expire."""
        with self._lock:
            token = self._token
            if token is None or self._clock.now() >= token.expires_at - self._refresh_before:
                token = self._token = self._fetch()
            return token.value

    def invalidate(self) -> None:
        """Forget the cached token (after Amazon refused it), so the next call fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> AccessToken:
        requested_at = self._clock.now()
        try:
            response = self._http.post(
                self._token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self._credentials.refresh_token,
                    "client_id": self._credentials.client_id,
                    "client_secret": self._credentials.client_secret,
                },
                headers={"accept": "application/json"},
            )
        except httpx.TransportError as exc:
            raise TransportError(
                f"no answer from Login with Amazon at {self._token_url} ({exc.__class__.__name__})",
                operation="LWA token",
            ) from exc
        body = _json_or_none(response)
        if response.status_code >= 500:
            raise ServerError(
                f"Login with Amazon failed ({response.reason_phrase})",
                status=response.status_code,
                operation="LWA token",
            )
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise AuthError(
                f"Login with Amazon refused the credentials of client id {self._credentials.client_id!r}"
                + (f": {description}" if description else ""),
                status=response.status_code,
                code=str(error) if error else None,
                request_id=response.headers.get("x-amzn-requestid"),
                operation="LWA token",
                hint=AUTH_HINT,
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise TransportError(
                "Login with Amazon answered 200 without access_token/expires_in", operation="LWA token"
            )
        self.refreshes += 1
        return AccessToken(token, requested_at + timedelta(seconds=float(expires_in)))


def _json_or_none(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None
