"""Login with Amazon (LWA) as the simulator plays it: refresh-token grant -> 1-hour access token.

Access tokens are stateless: `Atza|<seller>.<expiry>.<hmac>`, so any number of them costs no memory and a
forged or edited one fails the constant-time signature check. The refresh token of a seller is
`Atzr|sim-<seller_id>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from .protocol import SimResponse, json_response

ACCESS_TOKEN_LIFETIME_S = 3600
REFRESH_PREFIX = "Atzr|sim-"


def refresh_token_for(seller_id: str) -> str:
    return f"{REFRESH_PREFIX}{seller_id}"


def lwa_error(error: str, description: str) -> SimResponse:
    return json_response(400, {"error": error, "error_description": description})


class AccessTokenError(ValueError):
    """Why a token is refused: missing, expired or unknown (the detail of Amazon's 403 body)."""


class Authority:
    def __init__(self, *, client_id: str, client_secret: str, sellers: set[str], secret: bytes) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._sellers = sellers
        self._secret = secret

    def _sign(self, text: str) -> str:
        mac = hmac.new(self._secret, text.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def token_grant(self, body: bytes, content_type: str, now: float) -> SimResponse:
        """`POST /auth/o2/token` with a form (or JSON) body."""
        form = _form(body, content_type)
        if form.get("grant_type") != "refresh_token":
            return lwa_error("unsupported_grant_type", "The authorization grant type is not supported.")
        client_ok = hmac.compare_digest(form.get("client_id", ""), self._client_id)
        secret_ok = hmac.compare_digest(form.get("client_secret", ""), self._client_secret)
        if not (client_ok and secret_ok):
            return lwa_error("invalid_client", "Client authentication failed")
        refresh = form.get("refresh_token", "")
        seller_id = refresh[len(REFRESH_PREFIX) :] if refresh.startswith(REFRESH_PREFIX) else ""
        if seller_id not in self._sellers:
            return lwa_error("invalid_grant", "The request has an invalid grant parameter : refresh_token")
        expires = int(now) + ACCESS_TOKEN_LIFETIME_S
        text = f"{seller_id}.{expires}"
        return json_response(
            200,
            {
                "access_token": f"Atza|{text}.{self._sign(text)}",
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": ACCESS_TOKEN_LIFETIME_S,
            },
        )

    def seller_of(self, token: str | None, now: float) -> str:
        """The seller an access token belongs to; raises `AccessTokenError` with Amazon's detail."""
        if not token:
            raise AccessTokenError("Access token is missing in the request header.")
        if not token.startswith("Atza|"):
            raise AccessTokenError("The access token you provided is revoked, malformed or invalid.")
        text, _, signature = token[5:].rpartition(".")
        if not hmac.compare_digest(signature, self._sign(text)):
            raise AccessTokenError("The access token you provided is revoked, malformed or invalid.")
        seller_id, _, expires = text.rpartition(".")
        if now >= int(expires):
            raise AccessTokenError("The access token you provided has expired.")
        return seller_id


def _form(body: bytes, content_type: str) -> Mapping[str, str]:
    text = body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))
