"""Secrets come from the environment or from files only the owner can read; never from the config file.

A secret file readable by the group or by others is refused rather than used: a leaked refresh token lets
anybody read the seller's orders (buyers' names and addresses). Values are wrapped in `SecretStr` so a
stray log line or repr shows `**********`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from pydantic import SecretStr


class ConfigError(Exception):
    """A wrong or missing setting. `str()` is one line: file, key, what is expected."""

    def __init__(self, source: str, key: str, expected: str) -> None:
        super().__init__(f"{source}: {key}: {expected}")
        self.source = source
        self.key = key
        self.expected = expected


def read_secret_file(path: Path, *, source: str, key: str) -> SecretStr:
    """The secret stored in `path` (trailing newline removed); refuses files not private to the owner."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(source, key, f"secret file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(source, key, f"secret file {path} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(source, key, f"secret file {path} is not a regular file")
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigError(
            source,
            key,
            f"secret file {path} has mode {mode:04o}; secrets must be private: run `chmod 600 {path}`",
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:  # never quote the bytes: they are the secret
        raise ConfigError(source, key, f"secret file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(source, key, f"secret file {path} cannot be read ({exc.strerror})") from None
    if not value:
        raise ConfigError(source, key, f"secret file {path} is empty")
    return SecretStr(value)


def write_secret_file(path: Path, value: str) -> None:
    """Create (or replace) a secret file with mode 0600 from the start, never readable by others."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (value + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def resolve_secret(
    *,
    env_var: str,
    file: Path | None,
    source: str,
    key: str,
    required: bool,
    environ: dict[str, str] | None = None,
) -> SecretStr | None:
    """The environment wins over the file; `None` when neither is given and the secret is optional."""
    env = os.environ if environ is None else environ
    value = env.get(env_var)
    if value:
        return SecretStr(value)
    if file is not None:
        return read_secret_file(file, source=source, key=f"{key}_file")
    if required:
        raise ConfigError(
            source, f"{key}_file", f"a secret is required: set {key}_file (mode 0600) or {env_var}"
        )
    return None


def env_name(*parts: str) -> str:
    """`AMZORDERS_` + parts in upper case, non-alphanumerics as `_` (account and shop names are free text)."""
    cleaned = ["".join(c if c.isalnum() else "_" for c in p).upper() for p in parts]
    return "AMZORDERS_" + "__".join(cleaned)


# Optional secrets of the server and the alerts: (config section, setting); each is read from
# `<section>.<setting>_file` or the variable AMZORDERS_<SECTION>__<SETTING>, and is the `Secrets` field
# of the setting's name.
_OPTIONAL_SECRETS = (
    ("server", "cron_token"),
    ("server", "dashboard_password"),
    ("server", "session_secret"),
    ("alerts", "smtp_password"),
)


def resolve_secrets(config: Any, source: str, env: dict[str, str]) -> dict[str, Any]:
    """Every secret an `AppConfig` needs, as the fields of its `Secrets` (simulator defaults included)."""

    def secret(
        key: str, path: Path | None, *, env_var: str | None = None, required: bool = False
    ) -> SecretStr | None:
        return resolve_secret(
            env_var=env_var or env_name(*key.split(".")),
            file=None if path is None else config.resolve(path),
            source=source,
            key=key,
            required=required,
            environ=env,
        )

    amazon = config.amazon
    client_secret = secret(
        "amazon.client_secret", amazon.client_secret_file, required=not amazon.is_simulator
    )
    secrets: dict[str, Any] = dict(
        client_secret=client_secret or (SecretStr("sim-secret") if amazon.is_simulator else None),
        refresh_tokens={},
        shop_keys={},
    )
    for i, account in enumerate(config.accounts):
        token = secret(
            f"accounts[{i}].refresh_token",
            account.refresh_token_file,
            env_var=env_name("REFRESH_TOKEN", account.name),
            required=not amazon.is_simulator,
        )
        secrets["refresh_tokens"][account.name] = token or SecretStr(f"Atzr|sim-{account.seller_id}")
    for name, shop in config.shops.items():
        if getattr(shop, "type", None) == "prestashop":
            key = secret(
                f"shops.{name}.api_key", shop.api_key_file, env_var=env_name("SHOP_KEY", name), required=True
            )
            assert key is not None
            secrets["shop_keys"][name] = key
    for section, setting in _OPTIONAL_SECRETS:
        secrets[setting] = secret(
            f"{section}.{setting}", getattr(getattr(config, section), f"{setting}_file")
        )
    return secrets
