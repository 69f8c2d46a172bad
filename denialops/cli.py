"""The ``denialops`` command: a thin shell over the library.

Each domain's commands live in :mod:`denialops.commands`; this module only assembles
them into one Typer application, takes the global options (``--db`` before the command
name) and turns every error a user can cause into one line on stderr and exit status 2,
never a traceback (:func:`denialops.commands.common.one_line`).
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from denialops import __version__
from denialops.commands.common import DB_HELP, ROOT_DB, one_line


class _Application(TyperGroup):
    """The root command group: the one place errors become one line."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            message = one_line(exc)
            if message is None:
                raise
            typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        finally:
            ROOT_DB.set(None)


app = typer.Typer(
    name="denialops",
    cls=_Application,
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
    "spark",
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
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP, show_default=False)] = None,
) -> None:
    """denialops command line."""
    ROOT_DB.set(db)


for _name in COMMAND_MODULES:
    importlib.import_module(f"denialops.commands.{_name}").register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
