"""Saved views of the work queue (:mod:`denialops.work.views`): JSON and the queue page's
forms. Everyone who may see the queue keeps their own views; only the owner deletes one.
Saving and deleting are written to ``web_audit`` (the view's id and name, never its
filters: a search may be a patient's name)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from denialops.errors import NotFoundError
from denialops.web import accounts
from denialops.web.deps import Actor, EngineDep, PathId, Viewer
from denialops.web.errors import WebError
from denialops.work.views import MAX_NAME, MAX_QUERY, View, delete_view, list_views, save_view

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["saved views"])


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    query: str = Field(
        default="",
        max_length=MAX_QUERY,
        description="the queue's query string, e.g. owner=coding_him&carc=50&sort=amount",
    )
    shared: bool = Field(default=False, description="show it to everyone (read only)")


def _save(engine: Any, actor: Actor, name: str, query: str, shared: bool) -> View:
    view = save_view(engine, actor.login, name, query, shared=shared)
    accounts.record(engine, actor.login, "view_save", str(view.id), "shared" if shared else None)
    return view


def _delete(engine: Any, actor: Actor, view_id: int) -> View:
    try:
        view = delete_view(engine, actor.login, view_id)
    except NotFoundError as exc:
        raise WebError(404, str(exc)) from None
    accounts.record(engine, actor.login, "view_delete", str(view.id), None)
    return view


@api.get("/views")
def views_api(actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Your saved queue views and the ones others share (``url`` opens the queue)."""
    return {"ok": True, "views": [v.to_json(actor.login) for v in list_views(engine, actor.login)]}


@api.post("/views", status_code=201)
def save_view_api(body: ViewIn, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Save queue filters under a name (409 when you have a view of that name)."""
    view = _save(engine, actor, body.name, body.query, body.shared)
    return {"ok": True, "view": view.to_json(actor.login)}


@api.delete("/views/{view_id}")
def delete_view_api(view_id: PathId, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Delete one of your views (404 for a view that is not yours)."""
    return {"ok": True, "deleted": _delete(engine, actor, view_id).to_json(actor.login)}


@router.post("/queue/views")
def save_view_form(
    actor: Viewer,
    engine: EngineDep,
    name: Annotated[str, Form(min_length=1, max_length=MAX_NAME)],
    query: Annotated[str, Form(max_length=MAX_QUERY)] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    view = _save(engine, actor, name, query, shared)
    return RedirectResponse(f"/queue?{view.query}", status_code=303)


@router.post("/queue/views/{view_id}/delete")
def delete_view_form(view_id: PathId, actor: Viewer, engine: EngineDep) -> Response:
    _delete(engine, actor, view_id)
    return RedirectResponse("/queue", status_code=303)
