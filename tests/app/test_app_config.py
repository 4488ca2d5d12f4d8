"""Configuration: TOML + environment, secrets from env or 0600 files, one-line errors naming file and key."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from amzorders.app.config import load_config
from amzorders.app.secrets import ConfigError, write_secret_file

MINIMAL = """
[amazon]
simulator_scenario = "scenario.json"

[[accounts]]
name = "eu"
seller_id = "A1SELLER"
marketplaces = ["FR", "A1PA6795UKMFR9"]
"""


def write(tmp_path: Path, text: str, name: str = "amzorders.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_gets_defaults_and_paths_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), environ={})
    assert config.accounts[0].marketplaces == ["A13V1IB3VIYZZH", "A1PA6795UKMFR9"]
    assert config.shops["main"].type == "builtin"
    assert config.ledger_url == f"sqlite:///{tmp_path.resolve() / 'var' / 'amzorders.sqlite3'}"
    assert config.sync.overlap_minutes == 2
    assert config.sync.widest_overlap_minutes == 15
    assert config.schedule.reconcile_at == "06:00"
    # the simulator's well-known credentials when nothing else is given
    assert config.secrets.refresh_tokens["eu"].get_secret_value() == "Atzr|sim-A1SELLER"


def test_environment_overrides_the_file(tmp_path):
    env = {"AMZORDERS_SYNC__OVERLAP_MINUTES": "5", "AMZORDERS_SCHEDULE__TIMEZONE": "Europe/Paris"}
    config = load_config(write(tmp_path, MINIMAL + "\n[sync]\noverlap_minutes = 30\n"), environ=env)
    assert config.sync.overlap_minutes == 5
    assert config.schedule.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        ('[sync]\noverlap_minutes = "soon"\n', "sync.overlap_minutes", "valid number"),
        ("[sync]\noverlaps = 3\n", "sync.overlaps", "not a known setting"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone", "IANA time zone"),
        ('[schedule]\nreconcile_at = "6 am"\n', "schedule.reconcile_at", "time of day like 06:00"),
        ('[shops.main]\ntype = "magento"\n', "shops.main", "'builtin', 'prestashop'"),
        ("[alerts]\nbehind_after_minutes = 0\n", "alerts.behind_after_minutes", "greater than 0"),
        (
            "[sync]\nreconciliation_room_calls = 12\n",
            "sync.reconciliation_room_calls",
            "less than or equal to 10",
        ),
        ('[log]\nlevel = "loud"\n', "log.level", "'debug', 'info', 'warning' or 'error'"),
        ('[sync]\nswitch_over_at = "2026-11-28T10:00:00"\n', "sync.switch_over_at", "timezone info"),
        (
            '[sync]\nswitch_over_at = 2026-11-28T10:00:00Z\nprevious_importer_statuses = ["FBA:SHIPPED"]\n',
            "sync.previous_importer_statuses",
            "'FBA:SHIPPED' is not a status, optionally with its channel",
        ),
        ('[sync]\nprevious_importer_statuses = ["SHIPPED"]\n', "sync", "without switch_over_at"),
        ("[sync]\nfirst_run_lookback_days = inf\n", "sync.first_run_lookback_days", "finite number"),
        (
            "[sync]\nfirst_run_lookback_days = 800000\n",
            "sync.first_run_lookback_days",
            "less than or equal to 730",
        ),
        (
            "[sync]\nvisibility_delay_minutes = 1e8\n",
            "sync.visibility_delay_minutes",
            "less than or equal to 1440",
        ),
        (
            "[sync]\nrecheck_to_days = 30\n",
            "sync",
            "recheck_to_days (30) must be less than recheck_from_days (15)",
        ),
        ('[ledger]\nurl = "mysql://localhost/x"\n', "ledger.url", "'mysql' is not supported: sqlite:///PATH"),
        ('[ledger]\nurl = "not a url"\n', "ledger.url", "'not a url' is not a database URL"),
        ('[ledger]\nurl = "sqlite://var/x.sqlite3"\n', "ledger.url", "names a host, which SQLite has not"),
    ],
)
def test_a_wrong_setting_names_file_key_and_expectation(tmp_path, extra, key, expected):
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}")
    assert expected in message


@pytest.mark.parametrize(
    ("written", "room"),
    [("", 5.0), ("reconciliation_room_calls = 2.5", 2.5), ("reconciliation_room_calls = 0", None)],
)
def test_the_room_kept_for_a_waiting_reconciliation_reaches_the_engine(tmp_path, written, room):
    """0 keeps none: the import reads every run whatever the reconciliation waits for (the lowest
    latency), rather than keeping room for it as soon as the bucket nears its reserve."""
    from amzorders.app.wiring import sync_settings

    config = load_config(write(tmp_path, MINIMAL + f"\n[sync]\n{written}\n"), environ={})
    assert sync_settings(config.sync).reconciliation_room_tokens == room


@pytest.mark.parametrize(
    "written", ['"2026-11-28T11:00:00+01:00"', "2026-11-28T10:00:00Z", '"2026-11-28T10:00:00Z"']
)
def test_the_switch_from_a_previous_importer_reaches_the_engine_in_utc(tmp_path, written):
    from amzorders.app.wiring import sync_settings

    config = load_config(write(tmp_path, MINIMAL + f"\n[sync]\nswitch_over_at = {written}\n"), environ={})
    assert sync_settings(config.sync).switch_over_at == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert sync_settings(load_config(write(tmp_path, MINIMAL), environ={}).sync).switch_over_at is None


def test_what_the_previous_importer_imported_reaches_the_engine(tmp_path):
    from amzorders.app.wiring import sync_settings

    written = (
        'switch_over_at = 2026-11-28T10:00:00Z\nprevious_importer_statuses = ["UNSHIPPED", "AMAZON:PENDING"]'
    )
    config = load_config(write(tmp_path, MINIMAL + f"\n[sync]\n{written}\n"), environ={})
    assert sync_settings(config.sync).previous_importer_took == {
        ("MERCHANT", "UNSHIPPED"),
        ("AMAZON", "UNSHIPPED"),
        ("AMAZON", "PENDING"),
    }
    assert (
        sync_settings(load_config(write(tmp_path, MINIMAL), environ={}).sync).previous_importer_took is None
    )


def test_list_items_are_named_by_index(tmp_path):
    path = write(tmp_path, MINIMAL.replace('["FR", "A1PA6795UKMFR9"]', '["FR", "narnia"]'))
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.marketplaces: .*'narnia' is neither"):
        load_config(path, environ={})


def test_account_must_name_a_known_shop(tmp_path):
    path = write(tmp_path, MINIMAL + 'shop = "elsewhere"\n')
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.shop: 'elsewhere' is not a \[shops\.\*\] section"):
        load_config(path, environ={})


def test_a_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL), environ={"AMZORDERS_SERVER__PORT": "eighty"})
    assert str(caught.value).startswith("environment AMZORDERS_SERVER__PORT: server.port")


def test_missing_file_and_bad_toml_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match="not found: run `amzorders init`"):
        load_config(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match=r"\(syntax\): not valid TOML"):
        load_config(write(tmp_path, "[amazon\n"), environ={})


def test_secrets_are_refused_inline(tmp_path):
    path = write(tmp_path, MINIMAL + 'refresh_token = "Atzr|leak"\n')
    with pytest.raises(
        ConfigError, match=r"accounts\[0\]\.refresh_token: secrets never go in the config file"
    ):
        load_config(path, environ={})


REAL = """
[amazon]
region = "EU"
client_id = "amzn1.application-oa2-client.x"
client_secret_file = "secrets/lwa"

[[accounts]]
name = "eu-main"
seller_id = "A1SELLER"
marketplaces = ["FR"]
refresh_token_file = "secrets/eu-main"
"""


def test_real_amazon_needs_private_secret_files(tmp_path):
    path = write(tmp_path, REAL)
    with pytest.raises(ConfigError, match=r"amazon\.client_secret_file: secret file .*lwa does not exist"):
        load_config(path, environ={})
    write_secret_file(tmp_path / "secrets" / "lwa", "lwa-secret")
    (tmp_path / "secrets" / "eu-main").write_text("Atzr|real\n")
    os.chmod(tmp_path / "secrets" / "eu-main", 0o644)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "has mode 0644; secrets must be private: run `chmod 600" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: accounts[0].refresh_token_file")
    os.chmod(tmp_path / "secrets" / "eu-main", 0o600)
    (tmp_path / "secrets" / "eu-main").write_bytes(b"Atzr|\xff\xfe\n")  # saved in another encoding
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).endswith("eu-main is not UTF-8 text") and "xff" not in str(caught.value)
    (tmp_path / "secrets" / "eu-main").write_text("Atzr|real\n")
    config = load_config(path, environ={})
    assert config.secrets.refresh_tokens["eu-main"].get_secret_value() == "Atzr|real"
    assert "Atzr" not in repr(config.secrets) and "lwa-secret" not in repr(config)


def test_environment_secrets_win_and_are_not_settings(tmp_path):
    path = write(tmp_path, REAL.replace('client_secret_file = "secrets/lwa"\n', ""))
    env = {"AMZORDERS_AMAZON__CLIENT_SECRET": "from-env", "AMZORDERS_REFRESH_TOKEN__EU_MAIN": "Atzr|env"}
    config = load_config(path, environ=env)
    assert config.secrets.client_secret.get_secret_value() == "from-env"
    assert config.secrets.refresh_tokens["eu-main"].get_secret_value() == "Atzr|env"


def test_exactly_one_amazon_target(tmp_path):
    path = write(
        tmp_path,
        MINIMAL.replace('simulator_scenario = "scenario.json"', 'region = "EU"\nendpoint = "http://x"'),
    )
    with pytest.raises(
        ConfigError, match="amazon: give exactly one of region, endpoint or simulator_scenario"
    ):
        load_config(path, environ={})


def test_written_secret_files_are_0600(tmp_path):
    target = tmp_path / "s" / "token"
    write_secret_file(target, "x")
    assert (target.stat().st_mode & 0o777) == 0o600


def test_several_accounts_marketplaces_and_shops(tmp_path):
    path = write(
        tmp_path,
        """
[amazon]
simulator_scenario = "scenario.json"

[[accounts]]
name = "eu"
seller_id = "A1EU"
marketplaces = ["FR", "DE", "IT"]
shop = "fr-shop"

[[accounts]]
name = "us"
seller_id = "A1US"
marketplaces = ["US"]
shop = "us-shop"

[shops.fr-shop]
type = "builtin"

[shops.us-shop]
type = "builtin"
""",
    )
    config = load_config(path, environ={})
    assert [(a.name, a.shop, len(a.marketplaces)) for a in config.accounts] == [
        ("eu", "fr-shop", 3),
        ("us", "us-shop", 1),
    ]
    assert set(config.shops) == {"fr-shop", "us-shop"}
    duplicate = path.read_text().replace('name = "us"', 'name = "eu"')
    with pytest.raises(ConfigError, match=r"account names must be unique \(eu repeats\)"):
        load_config(write(tmp_path, duplicate), environ={})


def test_the_config_init_writes_shows_the_defaults_it_does_not_choose(tmp_path):
    """`amzorders init` writes the settings out so that they can be read and changed; each must be what
    the product does when the key is absent (a 15-minute base overlap in the template re-read a quarter
    of an hour on every run of every shop set up with it)."""
    import tomllib

    from amzorders.app.commands.setup import write_default_config
    from amzorders.app.config import AlertsConfig, ScheduleConfig, SyncConfig

    write_default_config(tmp_path / "amzorders.toml")
    written = tomllib.loads((tmp_path / "amzorders.toml").read_text(encoding="utf-8"))
    chosen = {"sync": {"first_run_lookback_days"}, "schedule": {"timezone"}, "alerts": set()}
    for section, model in (("sync", SyncConfig), ("schedule", ScheduleConfig), ("alerts", AlertsConfig)):
        defaults = model().model_dump()
        differing = {
            key: (value, defaults[key])
            for key, value in written[section].items()
            if key not in chosen[section] and value != defaults[key]
        }
        assert differing == {}, section
