"""Commands: ``denialops user add|list|set|token`` for the web application's users."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from denialops.commands.common import DbOption, JsonOption, fail, print_json, user_errors
from denialops.web.permissions import ROLES

user_app = typer.Typer(help="Users who log in to the web application.", no_args_is_help=True)

PASSWORD_ENV = "DENIALOPS_PASSWORD"


def _password(given: str | None) -> str:
    if given:
        return given
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise fail("the passwords differ")
    return first


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    password: Annotated[
        str | None,
        typer.Option(
            help=f"Password (else ${PASSWORD_ENV}, else asked twice). At least 10 characters.",
            show_default=False,
        ),
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the application.")] = "",
    db: DbOption = None,
) -> None:
    """Create a user who can log in, with a role from the documented role matrix."""
    from denialops.store.migrate import migrated_engine
    from denialops.web.accounts import add_user

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    secret = _password(password)
    with user_errors():
        engine = migrated_engine(db)
        try:
            user = add_user(
                engine, name, role=role, password=secret, display_name=display_name, actor="cli"
            )
        finally:
            engine.dispose()
    typer.echo(f"user {user.login} added with role {user.role}")


@user_app.command("list")
def user_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Users who can log in, with role and whether they are active."""
    from denialops.store.migrate import migrated_engine
    from denialops.web.accounts import list_users

    with user_errors():
        engine = migrated_engine(db)
        try:
            users = list_users(engine)
        finally:
            engine.dispose()
    if as_json:
        print_json([{"login": u.login, "role": u.role, "active": u.active} for u in users])
        return
    for u in users:
        typer.echo(f"{u.login:<24} {u.role:<8} {'active' if u.active else 'inactive'}")


@user_app.command("set")
def user_set(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str | None, typer.Option(help=f"New role: {', '.join(ROLES)}.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Allow or stop logins.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Change a user's role or deactivate them (their sessions end at once)."""
    from denialops.store.migrate import migrated_engine
    from denialops.web.accounts import update_user

    with user_errors():
        engine = migrated_engine(db)
        try:
            user = update_user(engine, name, actor="cli", role=role, active=active)
        finally:
            engine.dispose()
    typer.echo(f"user {user.login}: role {user.role}, {'active' if user.active else 'inactive'}")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="Login name.")],
    token_name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "script",
    db: DbOption = None,
) -> None:
    """Create an API token for scripts (printed once; only its hash is stored)."""
    from denialops.store.migrate import migrated_engine
    from denialops.web.accounts import create_token

    with user_errors():
        engine = migrated_engine(db)
        try:
            token_id, token = create_token(engine, name, token_name, actor="cli")
        finally:
            engine.dispose()
    typer.echo(f"token {token_id} for {name}: {token}")
    typer.echo("send it as 'Authorization: Bearer <token>'; it is not shown again")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(user_app, name="user")
