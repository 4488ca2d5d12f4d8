"""The operator's configuration: one TOML file, overridden by `AMZORDERS_*` environment variables.

`load_config(path)` returns a validated `AppConfig` or raises `ConfigError` whose message is one line
naming the file (or the environment variable), the key and what is expected. Secrets never live in the
TOML file: each is read from an environment variable or from a 0600 file (see `amzorders.app.secrets`).
Relative paths in the file (SQLite database, secret files, scenario) are relative to the file itself, so a
crontab line works from any directory. The sections' own models live in `amzorders.app.config_sections`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from amzorders.app.config_sections import (
    AccountConfig,
    AlertsConfig,
    AmazonConfig,
    BuiltinShopConfig,
    LedgerConfig,
    LogConfig,
    PrestaShopConfig,
    ScheduleConfig,
    Secrets,
    ServerConfig,
    ShopConfig,
    SyncConfig,
)
from amzorders.app.secrets import ConfigError, resolve_secrets

DEFAULT_CONFIG_PATH = Path("amzorders.toml")
ENV_CONFIG_PATH = "AMZORDERS_CONFIG"
SECRET_KEYS = (
    "client_secret",
    "refresh_token",
    "cron_token",
    "dashboard_password",
    "api_key",
    "smtp_password",
)


# The environment a load reads (tests pass their own); secrets and the file path are not settings.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("amzorders_config_environ", default=None)
_NOT_SETTINGS = (
    "AMZORDERS_CONFIG",
    "AMZORDERS_REFRESH_TOKEN__",
    "AMZORDERS_SHOP_KEY__",
    "AMZORDERS_PATH",
    "AMZORDERS_SECRETS",
)


def _is_setting(var: str) -> bool:
    if not var.startswith("AMZORDERS_") or var.startswith(_NOT_SETTINGS):
        return False
    return not any(var.endswith("__" + key.upper()) for key in (*SECRET_KEYS, "SESSION_SECRET"))


class _SettingsEnv(EnvSettingsSource):
    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = _ENVIRON.get()
        kept = {k: v for k, v in (os.environ if env is None else env).items() if _is_setting(k)}
        return parse_env_vars(kept, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class AppConfig(BaseSettings):
    """The whole configuration; the environment overrides the file (`AMZORDERS_SYNC__OVERLAP_MINUTES=5`)."""

    model_config = SettingsConfigDict(env_prefix="AMZORDERS_", env_nested_delimiter="__", extra="forbid")

    ledger: LedgerConfig = Field(default_factory=LedgerConfig)
    amazon: AmazonConfig
    accounts: Annotated[list[AccountConfig], Field(min_length=1)]
    shops: dict[str, ShopConfig] = Field(default_factory=lambda: {"main": BuiltinShopConfig()})
    sync: SyncConfig = Field(default_factory=SyncConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    log: LogConfig = Field(default_factory=LogConfig)
    # Filled by load_config, never read from the file or the environment.
    path: Path = Field(default=DEFAULT_CONFIG_PATH, exclude=True)
    secrets: Secrets = Field(default_factory=Secrets, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_SettingsEnv(settings_cls), init_settings)  # the environment beats the file

    @model_validator(mode="after")
    def _cross_checks(self) -> AppConfig:
        names = [a.name for a in self.accounts]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"account names must be unique ({', '.join(sorted(dup))} repeats)")
        for i, account in enumerate(self.accounts):
            if account.shop not in self.shops:
                known = ", ".join(sorted(self.shops)) or "none"
                raise ValueError(
                    f"accounts[{i}].shop: {account.shop!r} is not a [shops.*] section (known: {known})"
                )
        return self

    def account(self, name: str) -> AccountConfig:
        for account in self.accounts:
            if account.name == name:
                return account
        raise ConfigError(str(self.path), "--account", f"one of {', '.join(a.name for a in self.accounts)}")

    def resolve(self, relative: Path | str) -> Path:
        """A path from the file, relative to the file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else (self.path.parent / p)

    @property
    def ledger_url(self) -> str:
        """The ledger URL with a relative SQLite path made relative to the config file."""
        url = self.ledger.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve(url[len(prefix) :]).resolve())
        return url


def config_path(explicit: Path | str | None) -> Path:
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(ENV_CONFIG_PATH) or DEFAULT_CONFIG_PATH)


def load_config(path: Path | str | None = None, *, environ: dict[str, str] | None = None) -> AppConfig:
    """Read, validate and resolve the configuration; `ConfigError` (one line) on any problem."""
    path = config_path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "not found: run `amzorders init` to write one") from None
    except OSError as exc:
        raise ConfigError(source, "(file)", f"cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "(syntax)", f"not valid TOML: {exc}") from None
    _refuse_inline_secrets(data, source)
    env = dict(os.environ if environ is None else environ)
    try:
        config = _validate(data, env)
    except ValidationError as exc:
        raise _one_line(exc, source, env) from None
    except ValueError as exc:
        raise ConfigError(source, "(config)", str(exc)) from None
    config.path = path
    config.secrets = Secrets(**resolve_secrets(config, source, env))
    return config


def _validate(data: dict[str, Any], env: dict[str, str]) -> AppConfig:
    token = _ENVIRON.set(env)
    try:
        return AppConfig(**data)
    finally:
        _ENVIRON.reset(token)


def _refuse_inline_secrets(data: Any, source: str, prefix: str = "") -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{prefix}.{key}" if prefix else str(key)
            if key in SECRET_KEYS:
                raise ConfigError(
                    source,
                    where,
                    f"secrets never go in the config file: use {key}_file (mode 0600) or the environment",
                )
            _refuse_inline_secrets(value, source, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _refuse_inline_secrets(value, source, f"{prefix}[{i}]")


def _one_line(exc: ValidationError, source: str, env: dict[str, str]) -> ConfigError:
    err = exc.errors()[0]
    parts: list[str] = []
    for part in err["loc"]:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]"]
        elif len(parts) == 2 and parts[0] == "shops" and part in ("builtin", "prestashop"):
            continue  # the discriminator's tag is not a key of the file
        else:
            parts.append(str(part))
    key = ".".join(parts) or "(config)"
    message = err["msg"].removeprefix("Value error, ")
    nested = re.match(r"^([\w.\[\]]+): (.*)$", message)
    if key.endswith(".mapping") and nested:  # the adapter's own model names the key inside the mapping
        key, message = f"{key}.{nested.group(1)}", nested.group(2)
    if err["type"] == "missing" or message == "Field required":
        message = "is required"
    elif err["type"] == "extra_forbidden" or message == "Extra inputs are not permitted":
        message = "is not a known setting (check the spelling; see docs/operations.md)"
    var = "AMZORDERS_" + "__".join(str(p).upper() for p in err["loc"] if not isinstance(p, int))
    if var in env:
        return ConfigError(f"environment {var}", key, message)
    return ConfigError(source, key, message)


__all__ = [
    "AccountConfig",
    "AlertsConfig",
    "AmazonConfig",
    "AppConfig",
    "BuiltinShopConfig",
    "LedgerConfig",
    "LogConfig",
    "PrestaShopConfig",
    "ScheduleConfig",
    "Secrets",
    "ServerConfig",
    "ShopConfig",
    "SyncConfig",
    "config_path",
    "load_config",
]
