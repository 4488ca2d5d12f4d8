"""The `amzorders` command. Each command is a thin shell around a function that tests call directly."""

from __future__ import annotations

import typer

from amzorders.app.commands.backup import backup_command
from amzorders.app.commands.orders import orders_app
from amzorders.app.commands.retention import purge_pii_command
from amzorders.app.commands.runs import import_command, reconcile_command, status_command
from amzorders.app.commands.serve import demo_command, serve_command
from amzorders.app.commands.setup import init_command
from amzorders.sim.cli import simulator_app
from amzorders.simulate.cli import simulate_command

app = typer.Typer(
    name="amzorders",
    help="Import Amazon marketplace orders into your shop, and never lose one.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("demo")(demo_command)
app.command("init")(init_command)
app.command("import")(import_command)
app.command("reconcile")(reconcile_command)
app.command("status")(status_command)
app.add_typer(orders_app, name="orders")
app.command("backup")(backup_command)
app.command("purge-pii")(purge_pii_command)
app.command("serve")(serve_command)
app.add_typer(simulator_app, name="simulator")
app.command("simulate")(simulate_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
