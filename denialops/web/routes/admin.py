"""User administration (admin only): users, roles, activation, and the web audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from denialops.web import accounts
from denialops.web.deps import Admin, EngineDep
from denialops.web.permissions import ROLES
from denialops.web.readmodel import plain
from denialops.web.render import render_page

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["users"])

Login = Annotated[str, Path(min_length=1, max_length=64)]


def _user(u: accounts.User) -> dict[str, Any]:
    return {"login": u.login, "role": u.role, "display_name": u.display_name, "active": u.active}


@api.get("/users")
def list_users(actor: Admin, engine: EngineDep) -> dict[str, Any]:
    """Everyone who can log in, with role and whether they are active."""
    return {"ok": True, "users": [_user(u) for u in accounts.list_users(engine)]}


class UserIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=16)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str = Field(default="", max_length=128)


@api.post("/users", status_code=201)
def add_user(body: UserIn, actor: Admin, engine: EngineDep) -> dict[str, Any]:
    """Create a user (passwords of at least 10 characters; roles as in docs/web.md)."""
    user = accounts.add_user(
        engine,
        body.login,
        role=body.role,
        password=body.password,
        display_name=body.display_name,
        actor=actor.login,
    )
    return {"ok": True, "user": _user(user)}


class UserChange(BaseModel):
    role: str | None = Field(default=None, max_length=16)
    active: bool | None = None
    password: str | None = Field(default=None, max_length=1024)


@api.patch("/users/{login}")
def change_user(login: Login, body: UserChange, actor: Admin, engine: EngineDep) -> dict[str, Any]:
    """Change a role, deactivate (ends the user's sessions) or reset a password."""
    user = accounts.update_user(
        engine,
        login,
        actor=actor.login,
        role=body.role,
        active=body.active,
        password=body.password,
    )
    return {"ok": True, "user": _user(user)}


@api.get("/audit")
def audit(actor: Admin, engine: EngineDep) -> dict[str, Any]:
    """The newest web audit entries: logins, uploads, user and token administration."""
    return {"ok": True, "entries": plain(accounts.audit_entries(engine))}


@router.get("/admin/users")
def users_page(request: Request, actor: Admin, engine: EngineDep) -> Response:
    return render_page(
        request,
        "users.html",
        {
            "users": accounts.list_users(engine),
            "roles": ROLES,
            "audit": plain(accounts.audit_entries(engine, 30)),
        },
    )


@router.post("/admin/users")
def users_form(
    actor: Admin,
    engine: EngineDep,
    login: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    accounts.add_user(engine, login, role=role, password=password, actor=actor.login)
    return RedirectResponse("/admin/users", status_code=303)
