"""Helpers of the operator tests (a unique module name: every tests/ folder has its own conftest)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from amzorders.app.secrets import write_secret_file
from amzorders.app.service import HttpHandle, Service
from amzorders.app.wiring import Runtime
from amzorders.shops.port import OrderDraft, ShopOrder, ShopOrderStatus, ShopUnavailable
from amzorders.sim.generate import generate
from amzorders.sim.scenario import Scenario

SELLER = "A1SIMSELLER"
CRON_TOKEN = "cron-token-for-tests-0123456789"
PASSWORD = "dashboard-password-for-tests"


def wall_scenario(orders_per_day: int = 20, days_back: int = 4, seed: int = 11) -> Scenario:
    start = (datetime.now(UTC) - timedelta(days=days_back)).replace(hour=0, minute=0, second=0, microsecond=0)
    return generate(
        orders_per_day=orders_per_day, days=days_back + 2, seed=seed, start=start, seller_id=SELLER
    )


def write_config(directory: Path, endpoint: str, *, extra: str = "", accounts: str | None = None) -> Path:
    """A config for the simulator at `endpoint`, SQLite ledger, built-in store, 0600 secrets."""
    write_secret_file(directory / "secrets" / "cron-token", CRON_TOKEN)
    write_secret_file(directory / "secrets" / "dashboard-password", PASSWORD)
    accounts = (
        accounts
        or f"""
[[accounts]]
name = "eu"
seller_id = "{SELLER}"
marketplaces = ["FR", "DE", "IT", "ES", "UK", "US"]
"""
    )
    path = directory / "amzorders.toml"
    path.write_text(
        f"""
[ledger]
url = "sqlite:///ledger.sqlite3"

[amazon]
endpoint = "{endpoint}"
{accounts}
[sync]
first_run_lookback_days = 6

[server]
cron_token_file = "secrets/cron-token"
dashboard_password_file = "secrets/dashboard-password"
{extra}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Served:
    url: str
    service: Service
    runtime: Runtime
    handle: HttpHandle

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=60)


class BreakableShop:
    """The real shop behind a switch: while `broken`, creations fail as an unreachable shop would."""

    def __init__(self, shop) -> None:
        self._shop = shop
        self.name = shop.name
        self.broken = False
        self.fail_if = None  # or draft -> exception to raise (None: that order goes through)

    def find_by_amazon_id(self, amazon_order_id: str) -> ShopOrder | None:
        return self._shop.find_by_amazon_id(amazon_order_id)

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        if self.broken:
            raise ShopUnavailable("shop answered HTTP 503 (maintenance)")
        if self.fail_if is not None:
            problem = self.fail_if(draft)
            if problem is not None:
                raise problem
        return self._shop.create_order(draft)

    def set_status(self, reference: str, status: ShopOrderStatus) -> None:
        if self.broken:
            raise ShopUnavailable("shop answered HTTP 503 (maintenance)")
        self._shop.set_status(reference, status)

    def count_orders(self, **kwargs) -> int:
        return self._shop.count_orders(**kwargs)

    def list_orders(self, **kwargs):
        return self._shop.list_orders(**kwargs)


def breakable(runtime: Runtime, shop_name: str = "main") -> BreakableShop:
    shop = BreakableShop(runtime.shops[shop_name])
    runtime.shops[shop_name] = shop
    runtime.engines[shop_name].shop = shop
    return shop


class GatedTransport(httpx.HTTPTransport):
    """Real HTTP, except that the first searchOrders waits for `release`: a run that is surely running."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self._first = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/orders/" in request.url.path and self._first:
            self._first = False
            self.entered.set()
            self.release.wait(30)
        return super().handle_request(request)
