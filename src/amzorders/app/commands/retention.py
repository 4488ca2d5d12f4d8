"""`amzorders purge-pii`: buyers' personal data out of the ledger past `sync.pii_retention_days`.

`serve`'s scheduler runs it daily; a set-up driven by cron or systemd timers (`serve --no-scheduler`, or
the CLI alone) runs this command instead, or the personal data would stay for good."""

from __future__ import annotations

from amzorders.app.commands.common import ConfigOption, JsonOption, operator_for, out, print_json


def purge_pii_command(config: ConfigOption = None, json: JsonOption = False) -> None:
    """Remove buyer and recipient data from orders older than the retention (idempotent; daily)."""
    with operator_for(config) as operator:
        purged = operator.purge_pii()
        days = operator.runtime.config.sync.pii_retention_days
    if json:
        print_json({"purged": purged, "retention_days": days})
        return
    out.print(f"buyer data removed from {purged} order(s) created more than {days} days ago", markup=False)
