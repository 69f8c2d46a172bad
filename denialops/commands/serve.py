"""Command: ``denialops serve``, the web application under uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from denialops.commands.common import DbOption, fail, user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEMO_USER = "demo-manager"
DEMO_PASSWORD = "demo-password"


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    insecure_http: Annotated[
        bool,
        typer.Option(
            "--insecure-http/--https-only",
            help="Send session cookies over plain HTTP (loopback addresses only; the "
            "default for 127.0.0.1). Behind a TLS proxy use --https-only.",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (uvicorn workers). Sessions, CSRF tokens and API tokens "
            "live in the database, so any worker serves any request; the login rate limit "
            "is counted per process. 1 for the demo; about one per core in production.",
        ),
    ] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help=f"Create the demo login {DEMO_USER!r} (role manager, password "
            f"{DEMO_PASSWORD!r}) if it is missing; loopback addresses only.",
        ),
    ] = False,
) -> None:
    """Serve the web application and its JSON API (log in with a user from `denialops user add`)."""
    import logging
    import os

    import uvicorn

    from denialops.web.app import SETTINGS_ENV, create_app, settings_json
    from denialops.web.config import LOOPBACK_HOSTS, for_host

    if insecure_http and host not in LOOPBACK_HOSTS:
        raise fail(f"{host} is not a loopback address: serve it over HTTPS with --https-only")
    try:
        settings = for_host(host, insecure_http=insecure_http, db_url=db)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with user_errors():
        app = create_app(settings)
        if demo:
            _ensure_demo_user(app.state.engine, host)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    typer.echo(f"denialops is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    if demo:
        typer.echo(f"log in as {DEMO_USER} with the password {DEMO_PASSWORD} (demo data only)")
    # uvicorn's access log prints query strings (a searched patient name); ours does not.
    if workers == 1:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
        return
    # Several processes: uvicorn imports the application in each worker (a factory),
    # with the settings passed through the environment.
    os.environ[SETTINGS_ENV] = settings_json(settings)
    uvicorn.run(
        "denialops.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
    )


def _ensure_demo_user(engine: Engine, host: str) -> None:
    """The clearly named demo login, for the demo database on this machine only."""
    from denialops.web.accounts import add_user, list_users
    from denialops.web.config import LOOPBACK_HOSTS

    if host not in LOOPBACK_HOSTS:
        raise fail("--demo is only for a server on a loopback address")
    if DEMO_USER not in {u.login for u in list_users(engine)}:
        add_user(engine, DEMO_USER, role="manager", password=DEMO_PASSWORD, actor="demo")
        typer.echo(f"created the demo user {DEMO_USER} (role manager)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("serve")(serve)
