"""Command: ``denialops serve``, the web application under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from denialops.commands.common import DbOption, fail, user_errors


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
) -> None:
    """Serve the web application and its JSON API (log in with a user from `denialops user add`)."""
    import logging

    import uvicorn

    from denialops.web.app import create_app
    from denialops.web.config import LOOPBACK_HOSTS, for_host

    if insecure_http and host not in LOOPBACK_HOSTS:
        raise fail(f"{host} is not a loopback address: serve it over HTTPS with --https-only")
    try:
        settings = for_host(host, insecure_http=insecure_http, db_url=db)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with user_errors():
        app = create_app(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    typer.echo(f"denialops is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    # uvicorn's access log prints query strings (a searched patient name); ours does not.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("serve")(serve)
