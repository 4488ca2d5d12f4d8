"""Serves a `FakePrestaShop` over real HTTP on loopback, in a background thread."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import create_app
from .shop import FakePrestaShop


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without this, Nagle + delayed ACK stall each answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # the fake is silent
        pass


@dataclass
class FakePrestaShopServer:
    """A running fake: `url` ("http://127.0.0.1:PORT"; the API is at url + "/api/"), `stop()`."""

    shop: FakePrestaShop
    url: str
    _server: WSGIServer
    _thread: threading.Thread

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakePrestaShopServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_fake_prestashop(
    shop: FakePrestaShop, host: str = "127.0.0.1", port: int = 0
) -> FakePrestaShopServer:
    server = make_server(
        host, port, create_app(shop), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"fake-prestashop-{server.server_port}",
        daemon=True,
    )
    thread.start()
    return FakePrestaShopServer(shop, f"http://{host}:{server.server_port}", server, thread)
