"""What every command shares: the ``--db`` option, opening the database, JSON output and
error reporting."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from denialops.errors import DenialopsError
from denialops.store.database import ENV_VAR

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from denialops.store.database import Database

ROOT_DB: ContextVar[str | None] = ContextVar("denialops_root_db", default=None)
"""A ``--db`` given before the command name (set by the root callback in ``cli``)."""

DB_HELP = (
    "Database: a SQLite file path, sqlite:///FILE or postgresql://USER@HOST/NAME. "
    f"Default: ${ENV_VAR}, else denialops.db in the working directory. "
    "May also come before the command name."
)

DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP, show_default=False)]

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def who(user: str | None) -> str:
    """--user, else $DENIALOPS_USER (typer reads it), else the OS login name."""
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="DENIALOPS_USER",
        help="Who is acting (recorded in the audit trail). Default: $DENIALOPS_USER, "
        "else your login name.",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def db_url(db: str | None) -> str | None:
    """The command's ``--db``, else one given before the command name, else None
    (then :func:`denialops.store.database.resolve_url` uses the environment or default)."""
    return db or ROOT_DB.get()


@contextmanager
def open_database(db: str | None, *, create: bool = False) -> Iterator[Database]:
    """The command's database, checked and at the newest schema, closed afterwards.

    ``create=False`` for every command that works on data already stored: a database
    that does not exist is an error (one line, exit 2), never created empty.
    """
    from denialops.store.database import Database

    with user_errors():
        database = Database.open(db_url(db), create=create)
    try:
        yield database
    finally:
        database.close()


@contextmanager
def open_engine(db: str | None, *, create: bool = False) -> Iterator[Engine]:
    """:func:`open_database`, for library functions that still take an Engine."""
    with open_database(db, create=create) as database:
        yield database.engine


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


def one_line(exc: BaseException) -> str | None:
    """The one line a user gets for an error they can cause, None for a bug.

    The project's own errors, database errors (unreachable server, locked or read-only
    file, disk full) and operating-system errors (missing or unwritable paths).
    """
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DenialopsError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        original = exc.orig if exc.orig is not None else exc
        lines = str(original).strip().splitlines()
        return f"database: {lines[0] if lines else type(original).__name__}"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return f"{reason}: {exc.filename}" if exc.filename else reason
    return None


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
