"""The simulator as an ASGI app: the wire shell around `Marketplace.handle`.

Network faults are acted out for real: "slow" answers late, "timeout" holds the connection without
answering, "reset" aborts the TCP connection (through the server's transport when it exposes one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .protocol import SimRequest
from .world import Marketplace

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ConnectionReset(Exception):
    """Raised when the server gives no way to abort the connection; it then drops it without an answer."""


def create_app(marketplace: Marketplace) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = SimRequest(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
            headers={
                name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
            },
            body=body,
        )
        response = marketplace.handle(request)
        if response.delay_s:
            await asyncio.sleep(response.delay_s)
        if response.fault in ("timeout", "reset"):
            _abort(send)
            return
        headers = [(name.encode(), value.encode()) for name, value in response.headers.items()]
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    return app


def _abort(send: Send) -> None:
    """Close the TCP connection without an answer (uvicorn's cycle exposes its transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionReset("connection reset by the simulator")
    transport.abort()
