"""Logging in and out (pages), who am I, and a user's own API tokens (JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from denialops.web import accounts, security
from denialops.web.deps import Actor, EngineDep, PathId, SettingsDep, TokenOwner, Viewer, find_actor
from denialops.web.errors import WebError
from denialops.web.readmodel import plain
from denialops.web.render import render_page

router = APIRouter()


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_form(request: Request, settings: Any, message: str = "", status: int = 200) -> Response:
    token = security.new_token()
    response = render_page(
        request, "login.html", {"login_csrf": token, "message": message}, status_code=status
    )
    response.set_cookie(
        settings.login_cookie,
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        max_age=900,
        path="/",
    )
    return response


@router.get("/login", include_in_schema=False)
def login_page(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    if find_actor(request, engine, settings) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_form(request, settings)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    expected = request.cookies.get(settings.login_cookie, "")
    if not expected or not csrf_token or not security.same(expected, csrf_token):
        raise WebError(403, "the login form expired or was not sent by this site; try again")
    limiter = request.app.state.login_limiter
    address = _client(request)
    wait = limiter.retry_after(address, username)
    if wait:
        raise WebError(
            429,
            f"too many failed logins; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    user = accounts.authenticate(engine, username, password)
    if user is None:
        limiter.failed(address, username)
        accounts.record(engine, username[:64] or "-", "login_failed", None, None)
        return _login_form(request, settings, "Wrong username or password.", status=401)
    limiter.succeeded(username)
    token, _csrf = accounts.start_session(engine, user)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        settings.session_cookie,
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    response.delete_cookie(settings.login_cookie, path="/")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(
    request: Request, actor: Viewer, engine: EngineDep, settings: SettingsDep
) -> Response:
    cookie = request.cookies.get(settings.session_cookie)
    if cookie:
        accounts.end_session(engine, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings.session_cookie, path="/")
    return response


# ---------------------------------------------------------------------------- JSON


class MeOut(BaseModel):
    login: str
    role: str
    display_name: str
    via: str
    csrf_token: str | None


@router.get("/api/v1/me", response_model=MeOut, tags=["auth"])
def me(actor: Viewer) -> MeOut:
    """Who is calling, with the CSRF token a browser script must echo on writes."""
    return MeOut(
        login=actor.login,
        role=actor.user.role,
        display_name=actor.user.display_name,
        via=actor.via,
        csrf_token=actor.csrf_token,
    )


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str


@router.post("/api/v1/tokens", response_model=TokenCreated, status_code=201, tags=["auth"])
def create_token(body: TokenIn, actor: TokenOwner, engine: EngineDep) -> TokenCreated:
    """A new API token for yourself; shown once, stored hashed."""
    if actor.via == "token":
        raise WebError(403, "API tokens are created from a logged-in session, not with a token")
    token_id, token = accounts.create_token(engine, actor.login, body.name, actor=actor.login)
    return TokenCreated(id=token_id, name=body.name, token=token)


@router.get("/api/v1/tokens", tags=["auth"])
def list_tokens(actor: TokenOwner, engine: EngineDep) -> dict[str, Any]:
    """Your API tokens (never the secrets)."""
    tokens = accounts.list_tokens(engine, actor.login)
    return {"ok": True, "tokens": [plain(_token(t)) for t in tokens]}


@router.delete("/api/v1/tokens/{token_id}", tags=["auth"])
def revoke_token(token_id: PathId, actor: TokenOwner, engine: EngineDep) -> dict[str, Any]:
    accounts.revoke_token(engine, token_id, actor=actor.login, login=actor.login)
    return {"ok": True}


def _token(t: accounts.TokenInfo) -> dict[str, Any]:
    return {
        "id": t.id,
        "login": t.login,
        "name": t.name,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked": t.revoked_at is not None,
    }


__all__ = ["Actor", "router"]
