"""`amzorders simulator ...` commands (placeholder until the simulator lands)."""

import typer

simulator_app = typer.Typer(help="The Amazon marketplace simulator.", no_args_is_help=True)
