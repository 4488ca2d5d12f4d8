"""`amzorders init`: write a commented configuration for the embedded default, then check it.

The default runs out of the box: SQLite ledger under ./var/, an in-process simulator fed by a generated
scenario, the built-in store. Secrets (cron token, dashboard password, session key) are generated into
0600 files under ./var/secrets/. On an existing file, `init` only checks it: credentials against Amazon
(or the simulator) through a Login-with-Amazon token exchange (no quota spent), each shop and its mapping.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import httpx
import typer

from amzorders.amazon.auth import AccessTokens
from amzorders.amazon.errors import AmazonError
from amzorders.app import exit_codes
from amzorders.app.commands.common import err, fail, load, open_runtime, out
from amzorders.app.config import config_path
from amzorders.app.health import check_health
from amzorders.app.secrets import write_secret_file
from amzorders.app.wiring import Runtime

TEMPLATE = """\
# amzorders configuration ({kind}).
# Every key can be overridden from the environment: AMZORDERS_<SECTION>__<KEY>, e.g.
#   AMZORDERS_SYNC__OVERLAP_MINUTES=20   AMZORDERS_LEDGER__URL=postgresql://amz@db/amzorders
# Secrets never go in this file: each one is a file readable by its owner only (chmod 600) or an
# environment variable (named beside it). Relative paths are relative to this file.
# Reference: docs/operations.md

[ledger]
# SQLite (embedded default) or PostgreSQL: postgresql://user@host/db
url = "sqlite:///{var}amzorders.sqlite3"

[amazon]
# Where Amazon is. Exactly one of:
#   region = "EU"                          # the real SP-API (NA, EU or FE)
#   endpoint = "http://127.0.0.1:8765"     # a simulator served by `amzorders simulator serve`
#   simulator_scenario = "var/scenario.json"  # an in-process simulator (the embedded default)
simulator_scenario = "{scenario}"
# Your app's Login-with-Amazon client id; its secret in client_secret_file or AMZORDERS_AMAZON__CLIENT_SECRET.
client_id = "amzorders-sim"
# client_secret_file = "var/secrets/lwa-client-secret"

# One [[accounts]] block per seller account (several marketplaces each). The refresh token comes from
# refresh_token_file or AMZORDERS_REFRESH_TOKEN__<ACCOUNT NAME IN CAPITALS>.
[[accounts]]
name = "{account}"
seller_id = "{seller_id}"
marketplaces = [{marketplaces}]   # country codes (FR DE IT ES UK US JP) or marketplace ids
shop = "main"
# refresh_token_file = "{var}secrets/refresh-token-{account}"

# Shops: type "builtin" (tables in the ledger's database) or "prestashop":
# [shops.main]
# type = "prestashop"
# url = "https://shop.example.com"
# api_key_file = "var/secrets/prestashop-key"       # or AMZORDERS_SHOP_KEY__MAIN
# [shops.main.mapping]                               # see docs/prestashop.md
[shops.main]
type = "builtin"

[sync]
overlap_minutes = 2             # incremental window starts at least this much before the cursor
widest_overlap_minutes = 15     # ... up to this much while the window still fits in one page (no call)
visibility_delay_minutes = 2    # and ends this much before now (Amazon's own floor)
first_run_lookback_days = {lookback}
pending_watch_after_minutes = 60
recheck_from_days = 15          # --recheck: FBA orders SHIPPED, created 15..2 days ago
recheck_to_days = 2
doublecheck_from_days = 7       # --doublecheck: merchant orders UNSHIPPED, created 7..1 days ago
doublecheck_to_days = 1
fba_import_at_unshipped = false
pii_retention_days = 90
reconciliation_room_calls = 5   # quota left to a waiting reconciliation (0: none, lowest latency)
# switch_over_at = 2026-11-28T10:00:00+01:00   # when the previous importer was stopped: docs/operations.md
# previous_importer_statuses = ["UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"]   # what it imported at

[schedule]                      # the built-in scheduler of `amzorders serve`
enabled = true
timezone = "{timezone}"         # shop time: daily jobs run at these local times
import_every_minutes = 5
pending_watch_every_minutes = 60
recheck_at = "03:15"
doublecheck_at = "03:45"
reconcile_at = "06:00"
purge_pii_at = "04:30"          # buyer data older than sync.pii_retention_days leaves the ledger

[server]
host = "127.0.0.1"
port = {port}
cron_token_file = "{var}secrets/cron-token"               # GET /cron/import?token=...
dashboard_user = "admin"
dashboard_password_file = "{var}secrets/dashboard-password"
session_secret_file = "{var}secrets/session-secret"

[alerts]                        # e-mail and/or webhook; at most one alert per cause per hour
# email_to = ["ops@example.com"]
# email_from = "amzorders@example.com"
# smtp_host = "127.0.0.1"
# smtp_port = 25
# smtp_user = "amzorders"       # password in smtp_password_file or AMZORDERS_ALERTS__SMTP_PASSWORD
# webhook_url = "https://hooks.example.com/amzorders"
min_interval_minutes = 60
failed_after_attempts = 5       # alert when an order has failed this many times in a row
behind_after_minutes = 60       # alert when the import has read Amazon only up to this long ago

[log]                           # what `amzorders serve` writes to stderr (journald under systemd)
level = "info"                  # a line per run; "warning": problems only; "debug": idle runs too
"""


def write_default_config(
    path: Path,
    *,
    kind: str = "embedded default: simulator, SQLite, built-in store",
    orders_per_day: int = 40,
    days_back: int = 4,
    days_ahead: int = 1,
    seed: int | None = None,
    port: int = 8080,
    timezone: str = "UTC",
    now: datetime | None = None,
    var: str = "var/",
) -> dict[str, str]:
    """Write the config, a fresh scenario spanning `days_back` days ago to `days_ahead` ahead, and the
    secrets; returns the generated secrets the caller must show once (the dashboard password)."""
    from amzorders.amazon.constants import MARKETPLACES
    from amzorders.sim.generate import generate
    from amzorders.sim.scenario import dump_scenario

    now = now or datetime.now(UTC)
    base = path.parent
    var_dir = base / var
    var_dir.mkdir(parents=True, exist_ok=True)
    start = (now - timedelta(days=days_back)).replace(hour=0, minute=0, second=0, microsecond=0)
    scenario = generate(
        orders_per_day=orders_per_day,
        days=days_back + days_ahead + 1,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        start=start,
    )
    dump_scenario(scenario, var_dir / "scenario.json")
    seller = scenario.sellers[0]
    by_id = {v: k for k, v in MARKETPLACES.items()}
    codes = ", ".join(f'"{by_id.get(m, m)}"' for m in seller.marketplace_ids)
    path.write_text(
        TEMPLATE.format(
            kind=kind,
            scenario=f"{var}scenario.json",
            var=var,
            account="demo",
            seller_id=seller.seller_id,
            marketplaces=codes,
            lookback=days_back + 1,
            timezone=timezone,
            port=port,
        ),
        encoding="utf-8",
    )
    generated = {
        "cron-token": secrets.token_urlsafe(24),
        "dashboard-password": secrets.token_urlsafe(12),
        "session-secret": secrets.token_urlsafe(32),
    }
    for name, value in generated.items():
        path_of_secret = var_dir / "secrets" / name
        if not path_of_secret.exists():  # keep the operator's password across re-inits
            write_secret_file(path_of_secret, value)
        else:
            generated[name] = path_of_secret.read_text(encoding="utf-8").strip()
    return generated


def check_runtime(runtime: Runtime) -> list[tuple[str, bool, str]]:
    """(what, ok, detail): each account's credentials, then the database and each shop."""
    results = []
    for name, account in runtime.accounts.items():
        try:
            with httpx.Client(transport=runtime.transport, timeout=15) as http:
                AccessTokens(
                    account.credentials, http=http, token_url=account.token_url, clock=runtime.clock
                ).get()
            results.append((f"credentials {name}", True, f"accepted by {account.token_url}"))
        except AmazonError as exc:
            results.append((f"credentials {name}", False, str(exc)))
        except httpx.HTTPError as exc:
            results.append((f"credentials {name}", False, f"{account.token_url} unreachable: {exc}"))
    for key, check in check_health(runtime).items():
        if key != "amazon" or runtime.marketplace is None:
            results.append((key, check.ok, check.detail))
    return results


def init_command(
    path: Annotated[
        Path | None, typer.Argument(help="Where to write the configuration (default ./amzorders.toml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Check credentials and shops.")] = True,
) -> None:
    """Write a commented configuration for the embedded default (or check an existing one)."""
    target = config_path(path)
    if not target.exists() or force:
        write_default_config(target)
        out.print(
            f"wrote {target} (simulator + SQLite + built-in store) and secrets under {target.parent / 'var'}"
        )
        secrets_dir = target.parent / "var" / "secrets"
        out.print(f"dashboard login: admin, password in {secrets_dir / 'dashboard-password'} (never printed)")
    else:
        out.print(f"{target} exists: checking it (use --force to overwrite)")
    if not check:
        return
    config = load(target)
    runtime = open_runtime(config)
    try:
        results = check_runtime(runtime)
    finally:
        runtime.close()
    for what, ok, detail in results:
        out.print(f"{'[green]ok[/]  ' if ok else '[red]FAIL[/]'} {what}: {detail}")
    failed = [what for what, ok, _ in results if not ok]
    if any(w.startswith("credentials") for w in failed):
        raise fail("Amazon refused the credentials (see above)", exit_codes.AMAZON_REFUSED)
    if failed:
        err.print(f"unavailable: {', '.join(failed)}")
        raise typer.Exit(exit_codes.UNAVAILABLE)
