"""The `amzorders` command. Each command is a thin shell around a function that tests call directly."""

from __future__ import annotations

import typer

from amzorders.sim.cli import simulator_app

app = typer.Typer(
    name="amzorders",
    help="Import Amazon marketplace orders into your shop, and never lose one.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(simulator_app, name="simulator")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
