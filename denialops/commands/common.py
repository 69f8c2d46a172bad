"""What every command shares: the ``--db`` option, JSON output and error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from denialops.errors import DenialopsError
from denialops.store.db import ENV_VAR

if TYPE_CHECKING:
    from denialops.store.database import Database

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_VAR,
        help="Database URL (sqlite:///file.db or postgresql://...). "
        f"Default: ${ENV_VAR}, else sqlite:///denialops.db in the working directory.",
        show_default=False,
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

F = TypeVar("F", bound=Callable[..., Any])


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: object) -> None:
    """Write JSON to stdout (Decimals as strings, dates as ISO)."""
    sys.stdout.write(json.dumps(data, indent=2, default=_default) + "\n")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one readable error line on stderr and return the Exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the project's own errors into one line on stderr and exit code 2."""
    try:
        yield
    except DenialopsError as exc:
        raise fail(str(exc)) from None


@contextmanager
def migrated_database(db: str | None) -> Iterator[Database]:
    """The ``--db`` database, schema brought to the newest revision, closed afterwards."""
    from denialops.store.database import Database

    database = Database(db)
    try:
        database.migrate()
        yield database
    finally:
        database.close()
