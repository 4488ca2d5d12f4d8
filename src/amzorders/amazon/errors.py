"""Typed errors of the SP-API client.

Each error carries what Amazon said (`code`, `message`, the `x-amzn-RequestId` to quote to Amazon support)
and reads as one line, so the CLI can print it as it is. The class decides what the caller does:
`InvalidInput`, `AccessDenied`, `NotFound` and `AuthError` are never retried (asking again cannot help);
`Throttled`, `ServerError` and `TransportError` are retried with backoff before they surface.
"""

from __future__ import annotations


class AmazonError(Exception):
    """Amazon (or the way to it) answered something other than what we asked for."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        operation: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.operation = operation
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{self.operation}: " if self.operation else ""
        what = f"HTTP {self.status}" if self.status is not None else "no HTTP answer"
        if self.code:
            what += f" {self.code}"
        text = f"{head}{what}: {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        if self.hint:
            text += f". {self.hint}"
        return text


class InvalidInput(AmazonError):
    """400: the request itself is wrong (bad window, expired page token...)."""


class AccessDenied(AmazonError):
    """403 (or 401): Amazon refused the access token for this call (credentials, roles or region)."""


class NotFound(AmazonError):
    """404: no such order for this seller."""


class Throttled(AmazonError):
    """429: the usage plan's bucket was empty (after the client's retries)."""

    retryable = True


class ServerError(AmazonError):
    """500/503 (and any other 5xx): Amazon failed; retried, then surfaced."""

    retryable = True


class TransportError(AmazonError):
    """No usable answer: timeout, connection reset, or a body that is not the expected JSON."""

    retryable = True


class AuthError(AmazonError):
    """Login with Amazon refused the refresh-token grant (wrong client id, secret or refresh token)."""


ACCESS_DENIED_HINT = (
    "Check the LWA client id, client secret and refresh token of this seller account, that the app is "
    "authorised with the roles this data needs (Inventory and Order Tracking; Direct-to-Consumer Delivery "
    "for buyer and address data), and that the region endpoint (NA, EU or FE) matches the seller's "
    "marketplace"
)

AUTH_HINT = (
    "Check the LWA client id and client secret of the app and the seller's refresh token "
    "(re-authorise the app in Seller Central if the refresh token was revoked)"
)

_BY_STATUS: dict[int, type[AmazonError]] = {
    400: InvalidInput,
    401: AccessDenied,
    403: AccessDenied,
    404: NotFound,
    429: Throttled,
}


def error_for_status(status: int) -> type[AmazonError]:
    """The exception class for an HTTP error status (5xx -> ServerError; other 4xx -> InvalidInput)."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return InvalidInput
