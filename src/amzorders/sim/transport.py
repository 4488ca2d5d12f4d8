"""`SimTransport`: httpx talks to the simulator in-process, through the same handler as the ASGI app.

No socket, no thread: a month of traffic runs in seconds. Network faults surface as the httpx exceptions
a real connection raises (`ReadTimeout` after the client's read timeout has elapsed on the marketplace's
clock, `RemoteProtocolError` for a dropped connection), and a slow answer costs its delay on that clock.
Use base URL `http://simulator` and token URL `http://simulator/auth/o2/token`.
"""

from __future__ import annotations

import httpx

from .protocol import SimRequest
from .world import Marketplace

BASE_URL = "http://simulator"
TOKEN_URL = f"{BASE_URL}/auth/o2/token"


class SimTransport(httpx.BaseTransport):
    def __init__(self, marketplace: Marketplace) -> None:
        self.marketplace = marketplace

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sim_request = SimRequest(
            method=request.method,
            path=request.url.path,
            query=list(request.url.params.multi_items()),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.read(),
        )
        response = self.marketplace.handle(sim_request)
        clock = self.marketplace.clock
        read_timeout = _read_timeout(request)
        if response.fault == "timeout" or (read_timeout is not None and response.delay_s > read_timeout):
            clock.sleep(read_timeout if read_timeout is not None else response.delay_s)
            raise httpx.ReadTimeout("timed out", request=request)
        if response.fault == "reset":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        if response.delay_s:
            clock.sleep(response.delay_s)
        return httpx.Response(
            status_code=response.status,
            headers=list(response.headers.items()),
            content=response.body,
            request=request,
        )


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None
