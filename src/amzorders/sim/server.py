"""Serve a marketplace over real HTTP on loopback, in a background thread (tests, demo, `serve`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from .app import create_app
from .world import Marketplace


@dataclass
class ServerHandle:
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    marketplace: Marketplace

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(marketplace: Marketplace, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start uvicorn on `host:port` (0: an ephemeral port) and return once it accepts connections."""
    config = uvicorn.Config(
        create_app(marketplace),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"amzorders-sim-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the simulator could not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return ServerHandle(f"http://{host}:{bound_port}", server, thread, marketplace)
