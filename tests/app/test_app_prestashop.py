"""A PrestaShop shop in the configuration: its mapping checked at start-up against the fake PrestaShop
served on loopback, the importer filling it, health probing it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from app_support import write_config
from typer.testing import CliRunner

from amzorders.app import exit_codes
from amzorders.app.cli import app
from amzorders.app.secrets import write_secret_file

sys.path.insert(0, str(Path(__file__).parents[1] / "shops" / "prestashop"))
from ps_helpers import seed_catalogue

runner = CliRunner()


@pytest.fixture
def fake_prestashop():
    from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop

    shop = FakePrestaShop()
    seed_catalogue(shop)
    server = serve_fake_prestashop(shop)
    yield server
    server.stop()


def ps_config(tmp_path, simulator, fake_prestashop, mapping_extra: str = "") -> Path:
    write_secret_file(tmp_path / "secrets" / "ps-key", fake_prestashop.shop.api_key)
    accounts = """
[[accounts]]
name = "eu"
seller_id = "A1SIMSELLER"
marketplaces = ["FR"]
shop = "ps"
"""
    extra = f"""
[shops.ps]
type = "prestashop"
url = "{fake_prestashop.url}"
api_key_file = "secrets/ps-key"
[shops.ps.mapping]
check_payment_module = false
{mapping_extra}
[shops.ps.mapping.marketplaces.A13V1IB3VIYZZH]
language = "fr"
currency = "EUR"
"""
    return write_config(tmp_path, simulator.url, extra=extra, accounts=accounts)


def test_init_checks_the_prestashop_mapping_and_health(tmp_path, simulator, fake_prestashop):
    path = ps_config(tmp_path, simulator, fake_prestashop)
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok   credentials eu" in result.stdout
    assert f"ok   shop:ps: {fake_prestashop.url}" in result.stdout


def test_a_mapping_to_a_missing_state_is_a_start_up_error(tmp_path, simulator, fake_prestashop):
    path = ps_config(
        tmp_path, simulator, fake_prestashop, '[shops.ps.mapping.states]\nmerchant = "No such state"\n'
    )
    result = runner.invoke(app, ["import", "--config", str(path)])
    assert result.exit_code == exit_codes.BAD_INPUT
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"config error: {path}: shops.ps.mapping.states.merchant: ")


def test_a_mapping_key_the_model_does_not_know_is_named(tmp_path, simulator, fake_prestashop):
    path = ps_config(tmp_path, simulator, fake_prestashop, "payment_modul = 'x'\n")
    result = runner.invoke(app, ["status", "--config", str(path)])
    assert result.exit_code == exit_codes.BAD_INPUT
    assert result.stderr.strip() == (
        f"config error: {path}: shops.ps.mapping.payment_modul: "
        "is not a known setting (check the spelling; see docs/operations.md)"
    )


def test_a_marketplace_an_account_imports_without_a_mapping_is_a_start_up_error(
    tmp_path, simulator, fake_prestashop
):
    """The account imports FR (A13V1IB3VIYZZH) into the shop; a mapping keyed `FR` instead of the
    marketplace id passed every check, then parked every order (rejected: no mapping), one by one."""
    path = ps_config(tmp_path, simulator, fake_prestashop)
    path.write_text(path.read_text().replace("marketplaces.A13V1IB3VIYZZH]", "marketplaces.FR]"))
    result = runner.invoke(app, ["import", "--config", str(path)])
    assert result.exit_code == exit_codes.BAD_INPUT, result.output
    assert result.stderr.strip() == (
        f"config error: {path}: shops.ps.mapping.marketplaces.A13V1IB3VIYZZH: no mapping for this "
        "marketplace: add its id_shop, language and currency (account eu imports marketplace "
        "A13V1IB3VIYZZH into this shop)"
    )


def test_a_mapping_for_an_account_that_does_not_import_into_the_shop_is_a_start_up_error(
    tmp_path, simulator, fake_prestashop
):
    path = ps_config(tmp_path, simulator, fake_prestashop, "[shops.ps.mapping.accounts.europe]\n")
    result = runner.invoke(app, ["import", "--config", str(path)])
    assert result.exit_code == exit_codes.BAD_INPUT, result.output
    assert result.stderr.strip() == (
        f"config error: {path}: shops.ps.mapping.accounts.europe: no account 'europe' imports into this "
        "shop (accounts: eu): a typo, or a mapping left over"
    )


def test_import_fills_prestashop(tmp_path, simulator, fake_prestashop):
    path = ps_config(tmp_path, simulator, fake_prestashop)
    result = runner.invoke(app, ["import", "--json", "--config", str(path)])
    assert result.exit_code in (exit_codes.OK, exit_codes.INCOMPLETE), result.output
    listed = runner.invoke(app, ["orders", "list", "--json", "-n", "1000", "--config", str(path)])
    import json

    orders = json.loads(listed.stdout)["orders"]
    created = [o for o in orders if o["shop_state"] == "created"]
    parked = [o for o in orders if o["shop_state"] == "parked"]
    assert created, "no order reached PrestaShop"
    assert all("unknown SKU" in (o["last_error"] or "") for o in parked)  # the catalogue lacks some SKUs
