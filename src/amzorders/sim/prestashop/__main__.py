"""`python -m amzorders.sim.prestashop`: serve a fake PrestaShop on loopback until interrupted."""

from __future__ import annotations

import argparse
import threading

from .server import serve_fake_prestashop
from .shop import DEFAULT_KEY, FakePrestaShop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake PrestaShop 8.2.1 webservice (in memory).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the webservice key (HTTP Basic user)")
    parser.add_argument("--no-demo", action="store_true", help="leave the demo catalogue out")
    args = parser.parse_args(argv)
    server = serve_fake_prestashop(FakePrestaShop(args.key, demo=not args.no_demo), args.host, args.port)
    print(f"fake PrestaShop at {server.url}/api/ (key {args.key}); Ctrl-C stops it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
