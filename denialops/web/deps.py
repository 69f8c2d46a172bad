"""Dependencies every route declares: the engine, the settings and the acting user.

``Allowed(Action.X)`` is how a route says what it does: it finds the user (a Bearer API
token, else the session cookie), asks :func:`denialops.web.permissions.allowed`, and for
a state-changing request made with a session cookie checks the CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``). A token-authenticated script sends no
cookie, so it cannot be the victim of cross-site request forgery and needs no CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from sqlalchemy import Engine

from denialops.web import accounts, security
from denialops.web.accounts import User
from denialops.web.config import WebSettings
from denialops.web.errors import LoginRequired, WebError
from denialops.web.permissions import Action, allowed

MAX_ID = 2**31 - 1
"""Ids in paths and bodies are positive 32-bit integers (what both databases store)."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class Actor:
    user: User
    via: Literal["session", "token"]
    csrf_token: str | None

    @property
    def login(self) -> str:
        return self.user.login


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def find_actor(request: Request, engine: Engine, settings: WebSettings) -> Actor | None:
    """The user behind this request, or None (bad, revoked or expired credentials too)."""
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor: Actor | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.token_user(engine, header[7:].strip())
        actor = Actor(user, "token", None) if user else None
    else:
        cookie = request.cookies.get(settings.session_cookie)
        if cookie:
            session = accounts.session_for(
                engine,
                cookie,
                idle=settings.idle_timeout,
                lifetime=settings.session_lifetime,
            )
            if session is not None:
                actor = Actor(session.user, "session", session.csrf_token)
    request.state.actor = actor
    return actor


async def check_csrf(request: Request, expected: str | None) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not security.same(sent, expected):
        raise WebError(403, "missing or wrong CSRF token; reload the page and try again")


def Allowed(action: Action) -> object:  # noqa: N802 - reads as a declaration in routes
    """A dependency: the acting user, who must be allowed ``action``."""

    async def dependency(request: Request, engine: EngineDep, settings: SettingsDep) -> Actor:
        actor = find_actor(request, engine, settings)
        if actor is None:
            if _is_page(request):
                raise LoginRequired()
            raise WebError(
                401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"}
            )
        if request.method not in SAFE_METHODS and actor.via == "session":
            await check_csrf(request, actor.csrf_token)
        if not allowed(actor.user.role, action):
            raise WebError(403, f"your role ({actor.user.role}) may not {action.value}")
        return actor

    return Depends(dependency)


Viewer = Annotated[Actor, Allowed(Action.VIEW)]
Worker = Annotated[Actor, Allowed(Action.WORK_CASE)]
Bulk = Annotated[Actor, Allowed(Action.BULK)]
Uploader = Annotated[Actor, Allowed(Action.UPLOAD)]
QuarantineReader = Annotated[Actor, Allowed(Action.QUARANTINE)]
RuleEditor = Annotated[Actor, Allowed(Action.EDIT_RULES)]
Planner = Annotated[Actor, Allowed(Action.PLANS)]
Admin = Annotated[Actor, Allowed(Action.MANAGE_USERS)]
TokenOwner = Annotated[Actor, Allowed(Action.OWN_TOKENS)]
