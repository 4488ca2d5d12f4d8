"""The CLI through typer's runner: documented exit codes, one-line errors, tables and --json."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from amzorders.app import exit_codes
from amzorders.app.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", [["import"], ["status"], ["reconcile"], ["orders", "list"], ["serve"]])
def test_bad_config_exits_2_with_one_line(tmp_path, command):
    path = tmp_path / "amzorders.toml"
    path.write_text('[amazon]\nsimulator_scenario = "s.json"\n[[accounts]]\nname = "eu"\nseller_id = 7\n')
    result = runner.invoke(app, [*command, "--config", str(path)])
    assert result.exit_code == exit_codes.BAD_INPUT
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"config error: {path}: accounts[0].seller_id")
    assert result.stdout == ""


def test_missing_config_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == exit_codes.BAD_INPUT
    assert (
        result.stderr.strip()
        == "config error: amzorders.toml: (file): not found: run `amzorders init` to write one"
    )


def test_config_path_from_environment(tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text("[ledger\n")
    result = runner.invoke(app, ["status"], env={"AMZORDERS_CONFIG": str(path)})
    assert result.exit_code == exit_codes.BAD_INPUT
    assert f"{path}: (syntax): not valid TOML" in result.stderr


def test_demo_once_imports_from_a_simulator_into_the_builtin_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--once", "--orders-per-day", "10"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "simulated Amazon on http://127.0.0.1:" in out
    assert "First import" in out and "incremental" in out and "push" in out
    count = int(out.split("In the built-in store 'main': ")[1].split(" orders")[0])
    assert count > 10
    assert (tmp_path / "var" / "demo.toml").exists()
    assert (tmp_path / "var" / "secrets" / "dashboard-password").stat().st_mode & 0o777 == 0o600
    # the demo's config is a normal config: the other commands work on it (in-process simulator)
    status = runner.invoke(app, ["status", "--json", "-c", "var/demo.toml"])
    assert status.exit_code == 0, status.output
    assert '"imported": ' + str(count) in status.stdout


def test_init_writes_a_working_config_then_checks_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert "ok   credentials demo" in first.stdout and "ok   shop:main" in first.stdout
    text = (tmp_path / "amzorders.toml").read_text()
    assert text.startswith("# amzorders configuration") and 'simulator_scenario = "var/scenario.json"' in text
    password = (tmp_path / "var" / "secrets" / "dashboard-password").read_text().strip()
    assert password not in first.stdout  # secrets are never printed
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0 and "exists: checking it" in again.stdout
    refused = runner.invoke(app, ["init"], env={"AMZORDERS_REFRESH_TOKEN__DEMO": "Atzr|wrong"})
    assert refused.exit_code == exit_codes.AMAZON_REFUSED
    assert "FAIL credentials demo" in refused.stdout
    imported = runner.invoke(app, ["import", "--json"])
    assert imported.exit_code == 0, imported.output
