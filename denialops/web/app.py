"""The FastAPI application: routes, error handling, security headers, request log.

:func:`create_app` takes the settings (database URL included) and builds everything;
``denialops serve`` runs it under uvicorn and the tests drive it with FastAPI's client.
"""

from __future__ import annotations

import json
import logging
import os
import time

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from denialops import __version__
from denialops.store.migrate import migrated_engine
from denialops.web import errors
from denialops.web.config import WebSettings
from denialops.web.dashboard import DashboardCache
from denialops.web.ratelimit import LoginLimiter
from denialops.web.render import STATIC_DIR
from denialops.web.routes import (
    admin,
    auth,
    cases,
    documents,
    ingest,
    insight,
    pages,
    plans,
    prevention,
    rules,
    views,
)

log = logging.getLogger("denialops.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def security_headers(secure: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class HeadersAndLog:
    """Security headers on every response, ``no-store`` outside /static, one log line.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
    runs each request in an extra task with a memory stream, a measurable share of a
    small request's CPU.
    """

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]
        self.names = {k for k, _ in self.headers}
        self.page_names = self.names | {b"cache-control"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        static = scope["path"].startswith("/static/")
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                names = self.names if static else self.page_names
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
                extra = [] if static else [(b"cache-control", b"no-store")]
                message = {**message, "headers": [*kept, *self.headers, *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # Route template only (``/cases/{case_id}``): never the query string, which
            # may hold a searched patient name or member id.
            route = scope.get("route")
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                getattr(route, "path", "-"),
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(settings: WebSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application over ``settings.db_url`` (or the given engine), schema migrated."""
    settings = settings or WebSettings()
    app = FastAPI(
        title="denialops",
        version=__version__,
        description="Claim denials: work queues, cases, uploads, analytics.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or migrated_engine(settings.db_url)
    app.state.login_limiter = LoginLimiter(
        settings.login_attempts, settings.login_window.total_seconds()
    )
    errors.install(app)
    headers = security_headers(settings.secure_cookies)

    app.add_middleware(HeadersAndLog, headers=headers)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.dashboard = DashboardCache()
    for router in (
        auth.router,
        cases.router,
        documents.api,
        ingest.api,
        insight.api,
        plans.api,
        admin.api,
        pages.router,
        documents.router,
        ingest.router,
        insight.router,
        plans.router,
        admin.router,
        prevention.api,
        prevention.router,
        views.api,
        views.router,
        rules.api,
        rules.router,
    ):
        app.include_router(router)
    return app


SETTINGS_ENV = "DENIALOPS_WEB_SETTINGS"
"""How ``denialops serve --workers N`` hands its settings to each worker process."""


def settings_json(settings: WebSettings) -> str:
    """The settings a worker needs (database URL, cookie security), as JSON."""
    return json.dumps({"db_url": settings.db_url, "secure_cookies": settings.secure_cookies})


def app_from_environment() -> FastAPI:
    """The application of one worker of ``denialops serve --workers N`` (a uvicorn factory)."""
    values = json.loads(os.environ.get(SETTINGS_ENV, "{}"))
    return create_app(
        WebSettings(db_url=values.get("db_url"), secure_cookies=values.get("secure_cookies", True))
    )
