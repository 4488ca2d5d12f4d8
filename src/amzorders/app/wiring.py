"""Builds the concrete objects from the configuration: the only module that knows every concrete class.

Ledger (SQLite or PostgreSQL), shops (built-in store or PrestaShop), the quota governor on the ledger's
bucket table (shared by every process using the database: cron runs, `serve`, the dashboard), one
`SyncEngine` per shop, and where Amazon is: a region, an explicit endpoint (a simulator on loopback), or an
in-process simulator fed by a scenario file (the embedded default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from amzorders.amazon.auth import Credentials
from amzorders.amazon.governor import QuotaGovernor
from amzorders.amazon.regions import ENDPOINTS, LWA_TOKEN_URL
from amzorders.app.alerts import Alerter, EmailChannel, FileSentLog, WebhookChannel
from amzorders.app.config import AppConfig, BuiltinShopConfig, PrestaShopConfig, SyncConfig
from amzorders.app.secrets import ConfigError
from amzorders.clock import Clock, WallClock, ensure_utc
from amzorders.ledger.db import open_ledger
from amzorders.ledger.quota_store import SqlBucketStore
from amzorders.shops.builtin import BuiltinStore
from amzorders.shops.port import Shop
from amzorders.sync.rules import previous_imports
from amzorders.sync.settings import AccountSettings, SyncSettings

SIM_BASE_URL = "http://simulator"


@dataclass
class Runtime:
    """Everything a command needs, built once; `close()` releases connections and clients."""

    config: AppConfig
    clock: Clock
    ledger: Engine
    governor: QuotaGovernor
    shops: dict[str, Shop]
    accounts: dict[str, AccountSettings]
    engines: dict[str, Any]  # shop name -> SyncEngine
    transport: httpx.BaseTransport | None = None
    marketplace: Any = None  # the in-process simulator, when the config says so
    extras: list[Any] = field(default_factory=list)

    def engine_for(self, account: str):
        return self.engines[self.config.account(account).shop]

    def shop_for(self, account: str) -> Shop:
        return self.shops[self.config.account(account).shop]

    @property
    def account_names(self) -> list[str]:
        return [a.name for a in self.config.accounts]

    @property
    def sellers(self) -> list[tuple[str, str]]:
        return [(a.name, a.seller_id) for a in self.config.accounts]

    def close(self) -> None:
        for engine in self.engines.values():
            engine.close()
        for extra in self.extras:
            close = getattr(extra, "close", None)
            if close:
                close()
        self.ledger.dispose()


def sync_settings(sync: SyncConfig, *, day_timezone: str = "UTC") -> SyncSettings:
    from datetime import timedelta

    return SyncSettings(
        overlap=timedelta(minutes=sync.overlap_minutes),
        widest_overlap=timedelta(minutes=max(sync.widest_overlap_minutes, sync.overlap_minutes)),
        visibility_delay=timedelta(minutes=sync.visibility_delay_minutes),
        first_run_lookback=timedelta(days=sync.first_run_lookback_days),
        pending_watch_after=timedelta(minutes=sync.pending_watch_after_minutes),
        recheck_window=(timedelta(days=sync.recheck_from_days), timedelta(days=sync.recheck_to_days)),
        doublecheck_window=(
            timedelta(days=sync.doublecheck_from_days),
            timedelta(days=sync.doublecheck_to_days),
        ),
        fba_import_at_unshipped=sync.fba_import_at_unshipped,
        switch_over_at=ensure_utc(sync.switch_over_at) if sync.switch_over_at else None,
        previous_importer_took=(
            None
            if sync.previous_importer_statuses is None
            else previous_imports(sync.previous_importer_statuses)
        ),
        pii_retention_days=sync.pii_retention_days,
        reconciliation_room_tokens=sync.reconciliation_room_calls or None,
        day_timezone=day_timezone,
    )


def amazon_target(config: AppConfig, clock: Clock, endpoint_override: str | None = None):
    """(endpoint, token URL, transport, in-process marketplace or None)."""
    amazon = config.amazon
    if endpoint_override:
        return endpoint_override, endpoint_override.rstrip("/") + "/auth/o2/token", None, None
    if amazon.region:
        return ENDPOINTS[amazon.region], amazon.token_url or LWA_TOKEN_URL, None, None
    if amazon.endpoint:
        token_url = amazon.token_url or amazon.endpoint.rstrip("/") + "/auth/o2/token"
        return amazon.endpoint, token_url, None, None
    from amzorders.sim.scenario import ScenarioError, load_scenario
    from amzorders.sim.transport import SimTransport
    from amzorders.sim.world import Marketplace

    assert amazon.simulator_scenario is not None
    path = config.resolve(amazon.simulator_scenario)
    try:
        scenario = load_scenario(path)
    except FileNotFoundError:
        raise ConfigError(str(config.path), "amazon.simulator_scenario", f"{path} does not exist") from None
    except (ScenarioError, ValueError) as exc:
        raise ConfigError(str(config.path), "amazon.simulator_scenario", f"{path}: {exc}") from None
    secret = config.secrets.client_secret.get_secret_value() if config.secrets.client_secret else "sim-secret"
    marketplace = Marketplace(scenario, clock, client_id=amazon.client_id, client_secret=secret)
    return SIM_BASE_URL, SIM_BASE_URL + "/auth/o2/token", SimTransport(marketplace), marketplace


def build_shop(config: AppConfig, name: str, ledger: Engine, clock: Clock) -> Shop:
    shop = config.shops[name]
    if isinstance(shop, BuiltinShopConfig):
        return BuiltinStore(ledger, clock, name=name)
    if isinstance(shop, PrestaShopConfig):
        return _prestashop(config, name, shop, clock)
    raise ConfigError(str(config.path), f"shops.{name}.type", "builtin or prestashop")


def _prestashop(config: AppConfig, name: str, shop: PrestaShopConfig, clock: Clock) -> Shop:
    """The PrestaShop adapter, connected and its mapping checked against the shop (a mapping to a state,
    carrier, language, currency or payment module the shop lacks is a start-up error naming the key)."""
    try:
        from amzorders.shops.prestashop import (
            MappingError,
            PrestaShopAuthError,
            PrestaShopMapping,
            PrestaShopShop,
        )
    except ImportError:
        raise ConfigError(
            str(config.path), f"shops.{name}.type", "prestashop is not available in this build"
        ) from None
    source = str(config.path)
    mapping = PrestaShopMapping.model_validate({"shop_name": name, **shop.mapping})
    imports = [(a.name, mid) for a in config.accounts if a.shop == name for mid in a.marketplaces]
    unknown = sorted(set(mapping.accounts) - {account for account, _ in imports})
    if unknown:
        raise ConfigError(
            source,
            f"shops.{name}.mapping.accounts.{unknown[0]}",
            f"no account {unknown[0]!r} imports into this shop (accounts: "
            f"{', '.join(sorted({a for a, _ in imports})) or 'none'}): a typo, or a mapping left over",
        )
    try:
        connected = PrestaShopShop.connect(
            shop.url, config.secrets.shop_keys[name].get_secret_value(), mapping, timeout=shop.timeout_s
        )
        try:
            for account, marketplace_id in imports:  # every order's channel, checked against the shop now
                connected.catalog.resolve(account, marketplace_id)
        except MappingError as exc:
            connected.close()
            raise ConfigError(
                source,
                f"shops.{name}.mapping.{exc.key}",
                f"{exc.problem} (account {account} imports marketplace {marketplace_id} into this shop)",
            ) from None
        return connected
    except MappingError as exc:
        raise ConfigError(source, f"shops.{name}.mapping.{exc.key}", exc.problem) from None
    except PrestaShopAuthError as exc:
        raise ConfigError(source, f"shops.{name}.api_key_file", f"the shop refused the key ({exc})") from None


def build_runtime(
    config: AppConfig,
    *,
    clock: Clock | None = None,
    endpoint_override: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Runtime:
    from amzorders.app.scheduler import plan
    from amzorders.sync.engine import SyncEngine

    clock = clock or WallClock()
    switch = config.sync.switch_over_at
    if switch is not None and ensure_utc(switch) > clock.now():
        raise ConfigError(
            str(config.path),
            "sync.switch_over_at",
            f"{switch.isoformat()} is later than now: the moment the previous importer was stopped (every "
            "order created before it and already importable would be left to that importer)",
        )
    # `serve` runs each job of the schedule on a thread of its own: the pool has a connection for each
    concurrent_runs = len(plan(config.schedule, [a.name for a in config.accounts]))
    ledger = open_ledger(config.ledger_url, concurrent_runs=concurrent_runs)
    governor = QuotaGovernor(SqlBucketStore(ledger), clock)
    endpoint, token_url, sim_transport, marketplace = amazon_target(config, clock, endpoint_override)
    transport = transport or sim_transport
    client_id = config.amazon.client_id
    client_secret = config.secrets.client_secret.get_secret_value() if config.secrets.client_secret else ""
    accounts = {
        a.name: AccountSettings(
            name=a.name,
            seller_id=a.seller_id,
            marketplace_ids=tuple(a.marketplaces),
            endpoint=endpoint,
            token_url=token_url,
            credentials=Credentials(
                client_id, client_secret, config.secrets.refresh_tokens[a.name].get_secret_value()
            ),
        )
        for a in config.accounts
    }
    shops = {name: build_shop(config, name, ledger, clock) for name in config.shops}
    settings = sync_settings(config.sync, day_timezone=config.schedule.timezone)
    engines = {}
    for shop_name, shop in shops.items():
        members = [accounts[a.name] for a in config.accounts if a.shop == shop_name]
        if members:
            engines[shop_name] = SyncEngine(
                ledger=ledger,
                shop=shop,
                accounts=members,
                governor=governor,
                clock=clock,
                settings=settings,
                transport=transport,
            )
    return Runtime(config, clock, ledger, governor, shops, accounts, engines, transport, marketplace)


def build_alerter(config: AppConfig, clock: Clock) -> Alerter:
    alerts = config.alerts
    channels: list[Any] = []
    if alerts.email_to:
        password = config.secrets.smtp_password.get_secret_value() if config.secrets.smtp_password else None
        channels.append(
            EmailChannel(
                host=alerts.smtp_host,
                port=alerts.smtp_port,
                sender=alerts.email_from,
                recipients=alerts.email_to,
                starttls=alerts.smtp_starttls,
                user=alerts.smtp_user,
                password=password,
            )
        )
    if alerts.webhook_url:
        channels.append(WebhookChannel(alerts.webhook_url))
    from datetime import timedelta

    sent_log = FileSentLog(state_dir(config) / "alerts-sent.json")
    return Alerter(
        channels, clock, min_interval=timedelta(minutes=alerts.min_interval_minutes), sent_log=sent_log
    )


def state_dir(config: AppConfig) -> Path:
    """Where small state files go: beside the SQLite ledger, else beside the config file."""
    url = config.ledger_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :]).parent
    return config.path.parent


def account_names(config: AppConfig, only: str | None) -> Sequence[str]:
    return [config.account(only).name] if only else [a.name for a in config.accounts]
