"""The ``denialops`` command: a thin shell over the library.

Each domain's commands live in :mod:`denialops.commands`; this module only assembles
them into one Typer application.
"""

from __future__ import annotations

import importlib

import typer

from denialops import __version__

app = typer.Typer(
    name="denialops",
    help="Find, understand, work, prevent and report claim denials from X12 835 remittances.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (
    "demo",
    "synth",
    "ingest",
    "classify",
    "work",
    "report",
    "scrub",
    "serve",
    "users",
    "plans",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"denialops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """denialops command line."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"denialops.commands.{_name}").register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
