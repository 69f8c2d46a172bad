"""The FastAPI application: routes, error handling, security headers, request log.

:func:`create_app` takes the settings (database URL included) and builds everything;
``denialops serve`` runs it under uvicorn and the tests drive it with FastAPI's client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

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

    @app.middleware("http")
    async def _headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers.update(headers)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        # Route template only (``/cases/{case_id}``): never the query string, which may
        # hold a searched patient name or member id.
        route = request.scope.get("route")
        log.info(
            "%s %s %d %.1fms",
            request.method,
            getattr(route, "path", "-"),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

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
