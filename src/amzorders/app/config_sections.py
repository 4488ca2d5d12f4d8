"""The configuration's sections, one model per TOML table (`[amazon]`, `[sync]`, `[schedule]`...), each
checking its own keys and values. `amzorders.app.config` assembles them into `AppConfig`, reads the file
and the environment, and resolves secrets and paths.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from amzorders.amazon.constants import MARKETPLACES
from amzorders.sync.rules import previous_imports

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_MARKETPLACE_ID = re.compile(r"^[A-Z0-9]{10,16}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # `inf` days: not a setting


class LedgerConfig(_Section):
    url: str = "sqlite:///var/amzorders.sqlite3"

    @field_validator("url")
    @classmethod
    def _ledger_url(cls, value: str) -> str:
        """A URL the ledger can open, checked before anything connects (a wrong one was reported as the
        database being unavailable, exit 4, as if it could come back by itself)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        shape = "sqlite:///PATH (three slashes: a path relative to the working folder) or postgresql://..."
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"{value!r} is not a database URL: {shape}") from None
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"{backend!r} is not supported: {shape}")
        if backend == "sqlite" and (url.host or url.port or url.username):
            raise ValueError(f"{value!r} names a host, which SQLite has not: {shape}")
        return value


class AmazonConfig(_Section):
    """Where Amazon is: a real region, an explicit endpoint (a simulator on loopback), or an in-process
    simulator fed by a scenario file (the embedded default)."""

    region: Literal["NA", "EU", "FE"] | None = None
    endpoint: str | None = None
    token_url: str | None = None
    simulator_scenario: Path | None = None
    client_id: str = "amzorders-sim"
    client_secret_file: Path | None = None

    @model_validator(mode="after")
    def _one_target(self) -> AmazonConfig:
        given = [k for k in ("region", "endpoint", "simulator_scenario") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of region, endpoint or simulator_scenario")
        if self.endpoint and not self.endpoint.startswith(("http://", "https://")):
            raise ValueError("endpoint must be an http:// or https:// URL")
        return self

    @property
    def is_simulator(self) -> bool:
        return self.region is None


class AccountConfig(_Section):
    name: str
    seller_id: str
    marketplaces: Annotated[list[str], Field(min_length=1)]
    shop: str = "main"
    refresh_token_file: Path | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("an account name is letters, digits, '-', '_' or '.' (at most 63)")
        return value

    @field_validator("marketplaces")
    @classmethod
    def _marketplaces(cls, values: list[str]) -> list[str]:
        resolved = []
        for value in values:
            mid = MARKETPLACES.get(value.upper(), value)
            if not _MARKETPLACE_ID.match(mid):
                raise ValueError(
                    f"{value!r} is neither a marketplace id nor one of {', '.join(MARKETPLACES)}"
                )
            resolved.append(mid)
        return resolved


class BuiltinShopConfig(_Section):
    type: Literal["builtin"] = "builtin"


class PrestaShopConfig(_Section):
    """A PrestaShop reached through its webservice; `mapping` is validated by the adapter's own model."""

    type: Literal["prestashop"]
    url: str
    api_key_file: Path | None = None
    timeout_s: float = 30.0
    mapping: dict[str, Any] = Field(default_factory=dict)

    @field_validator("mapping")
    @classmethod
    def _mapping(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Checked by the adapter's own model now; against the shop itself when the shop is opened."""
        try:
            from amzorders.shops.prestashop.mapping import PrestaShopMapping
        except ImportError:  # a build without the adapter: wiring says so when the shop is used
            return value
        try:
            PrestaShopMapping.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None
        return value


ShopConfig = Annotated[BuiltinShopConfig | PrestaShopConfig, Field(discriminator="type")]


class SyncConfig(_Section):
    # Upper bounds: beyond them a value is a typo (minutes for days), and some overflowed the clock.
    overlap_minutes: float = Field(2, ge=0, le=120)
    widest_overlap_minutes: float = Field(15, ge=0, le=24 * 60)
    visibility_delay_minutes: float = Field(2, ge=0, le=24 * 60)
    first_run_lookback_days: float = Field(1, gt=0, le=730)
    pending_watch_after_minutes: float = Field(60, gt=0, le=7 * 24 * 60)
    recheck_from_days: float = Field(15, gt=0, le=730)
    recheck_to_days: float = Field(2, ge=0, le=730)
    doublecheck_from_days: float = Field(7, gt=0, le=730)
    doublecheck_to_days: float = Field(1, ge=0, le=730)
    fba_import_at_unshipped: bool = False
    pii_retention_days: int = Field(90, gt=0, le=3650)
    # While a day's reconciliation waits for quota, the import calls only for fuller pages once fewer
    # searchOrders calls than this are left beyond what the reconciliation must leave (10 of the burst
    # of 20): more days reconciled in full, for minutes of latency on a busy shop. 0: no room kept.
    reconciliation_room_calls: float = Field(5, ge=0, le=10)
    # Switching from another importer: when it was stopped. An order Amazon created before this instant
    # and first seen already ready to import may be in the shop already: left to it, not created.
    switch_over_at: AwareDatetime | None = None
    # The statuses that importer created orders in ("UNSHIPPED", "AMAZON:UNSHIPPED", ...), when they
    # differ from amzorders' own (e.g. a module importing FBA orders before Amazon ships them).
    previous_importer_statuses: list[str] | None = None

    @field_validator("previous_importer_statuses")
    @classmethod
    def _previous_statuses(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            previous_imports(value)  # raises ValueError naming the item
        return value

    @model_validator(mode="after")
    def _catch_up_windows(self) -> SyncConfig:
        for kind in ("recheck", "doublecheck"):
            start, end = getattr(self, f"{kind}_from_days"), getattr(self, f"{kind}_to_days")
            if end >= start:
                raise ValueError(
                    f"{kind}_to_days ({end:g}) must be less than {kind}_from_days ({start:g}): the catch-up "
                    f"reads orders from {kind}_from_days ago to {kind}_to_days ago"
                )
        return self

    @model_validator(mode="after")
    def _previous_needs_a_switch(self) -> SyncConfig:
        if self.previous_importer_statuses is not None and self.switch_over_at is None:
            raise ValueError(
                "previous_importer_statuses is set without switch_over_at: set when the previous importer "
                "was stopped, or remove it"
            )
        return self


def _clock_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError("a time of day like 06:00") from None


class ScheduleConfig(_Section):
    enabled: bool = True
    timezone: str = "UTC"
    import_every_minutes: float = Field(5, gt=0)
    pending_watch_every_minutes: float = Field(60, gt=0)
    # The seed's catch-up passes: "spread" runs each every 3 hours over an 8th of its window, on quota the
    # incremental import does not need; "daily" runs the whole window at recheck_at / doublecheck_at, as
    # the seed's crons did; "off" leaves them to the cron URLs and the CLI.
    catch_ups: Literal["spread", "daily", "off"] = "spread"
    recheck_at: str = "03:15"
    doublecheck_at: str = "03:45"
    reconcile_at: str = "06:00"
    purge_pii_at: str = "04:30"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone like Europe/Paris") from None
        return value

    @field_validator("recheck_at", "doublecheck_at", "reconcile_at", "purge_pii_at")
    @classmethod
    def _at(cls, value: str) -> str:
        _clock_time(value)
        return value

    def time_of(self, key: str) -> time:
        return _clock_time(getattr(self, key))


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    cron_token_file: Path | None = None
    dashboard_user: str = "admin"
    dashboard_password_file: Path | None = None
    session_secret_file: Path | None = None
    secure_cookies: bool = False  # true behind an HTTPS reverse proxy: the session cookie never goes in clear


class LogConfig(_Section):
    # what `serve` writes to stderr: a line per run at info, problems at warning (`app.logs`)
    level: Literal["debug", "info", "warning", "error"] = "info"


class AlertsConfig(_Section):
    email_to: list[str] = Field(default_factory=list)
    email_from: str = "amzorders@localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password_file: Path | None = None
    webhook_url: str | None = None
    min_interval_minutes: float = Field(60, ge=0)
    failed_after_attempts: int = Field(5, ge=1)  # an order failing this many times is alerted
    # the import's cursor this far behind now: orders reach the shop this late (an outage, the quota)
    behind_after_minutes: float = Field(60, gt=0)


class Secrets(BaseModel):
    """Resolved secrets (never serialised in clear)."""

    client_secret: SecretStr | None = None
    refresh_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    shop_keys: dict[str, SecretStr] = Field(default_factory=dict)
    cron_token: SecretStr | None = None
    dashboard_password: SecretStr | None = None
    session_secret: SecretStr | None = None
    smtp_password: SecretStr | None = None
