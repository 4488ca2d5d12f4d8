"""A stateful fake PrestaShop 8.2.1 webservice, built from the recordings in shared/prestashop-ws.

Usage: `shop = FakePrestaShop()` (seeded like the recorded fresh install), then
`with serve_fake_prestashop(shop) as server:` serves it over real HTTP on 127.0.0.1 (ephemeral port);
the API is at `server.url + "/api/..."`, the key is `shop.api_key` (HTTP Basic user, empty password).
"""

from .app import create_app
from .server import FakePrestaShopServer, serve_fake_prestashop
from .shop import DEFAULT_KEY, FakePrestaShop, Stats

__all__ = [
    "DEFAULT_KEY",
    "FakePrestaShop",
    "FakePrestaShopServer",
    "Stats",
    "create_app",
    "serve_fake_prestashop",
]
