"""One error shape for the whole API, and the HTML error page for browsers.

Every JSON error is::

    {"ok": false, "status": 404, "error": "not_found", "message": "no case 12", "errors": []}

``errors`` lists field problems of a 422 (``{"field": "body.state", "message": ...}``);
it never echoes the submitted values, which may be patient data. A browser (a page
route, or an ``Accept: text/html`` request outside ``/api``) gets ``error.html``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from denialops.errors import (
    AccountError,
    ConflictError,
    DenialopsError,
    StateTransitionError,
    StoreError,
    X12Error,
)

log = logging.getLogger("denialops.web")

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
}


class WebError(Exception):
    """Raised by routes and dependencies: becomes the one error shape (or error page)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.headers = headers


class LoginRequired(Exception):
    """A page asked for without a session: the browser is sent to the login page."""


def error_body(
    status: int, message: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "ok": False,
        "status": status,
        "error": _CODES.get(status, "error"),
        "message": message,
        "errors": errors or [],
    }


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request,
    status: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        from denialops.web.render import render_page

        return render_page(
            request,
            "error.html",
            {"status": status, "message": message, "errors": errors or []},
            status_code=status,
            headers=headers,
        )
    return JSONResponse(error_body(status, message, errors), status_code=status, headers=headers)


def status_of(exc: DenialopsError) -> int:
    """The HTTP status of one of the project's own errors."""
    if isinstance(exc, ConflictError | StateTransitionError):
        return 409
    if isinstance(exc, X12Error):
        return 422
    if isinstance(exc, AccountError | StoreError):
        return 400
    return 422


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the one shape."""

    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError) -> Response:
        return error_response(request, exc.status, exc.message, exc.errors, exc.headers)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "")
        if exc.status_code == 404:
            message = "no such page or resource"
        return error_response(
            request, exc.status_code, message, headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())),
                "message": str(error.get("msg", "invalid")),
            }
            for error in exc.errors()
        ]
        return error_response(request, 422, "the request is not valid", problems)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # The driver's message may quote the value: say only what happened.
        return error_response(
            request, 422, "a value in the request cannot be stored (too long or invalid)"
        )

    @app.exception_handler(DenialopsError)
    async def _domain(request: Request, exc: DenialopsError) -> Response:
        return error_response(request, status_of(exc), str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # The type and the route only: the message may quote data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, _route(request))
        return error_response(request, 500, "internal error; the administrator can see the log")


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "?"))
