"""Server-rendered pages: dashboard, work queue, case page, and their form posts.

Forms post to the page routes below, which call the same library functions as the JSON
API and redirect back (post/redirect/get); a refused action shows the error page with
the reason.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from denialops.web.deps import Actor, Bulk, EngineDep, Viewer, Worker
from denialops.web.permissions import default_owner
from denialops.web.readmodel import (
    MAX_PAGE,
    case_detail,
    case_trail,
    query_items,
    queue_page,
    record_case_access,
    record_case_view,
)
from denialops.web.render import render_page
from denialops.web.routes.cases import CaseDep, FilterDep, Sort, day_field
from denialops.work import add_note, assign, move, set_owner
from denialops.work.cases import OWNERS
from denialops.work.queue import QueueFilters
from denialops.work.states import STATES
from denialops.work.views import list_views

router = APIRouter(include_in_schema=False)


def _own_queue(actor: Actor, flt: QueueFilters, request: Request) -> QueueFilters:
    """No filter asked for: the user's own queue (their department's owner queue)."""
    if request.query_params:
        return flt
    owner = default_owner(actor.user.role)
    return QueueFilters(owner=owner) if owner else flt


@router.get("/queue")
def queue_view(
    request: Request,
    actor: Viewer,
    engine: EngineDep,
    flt: FilterDep,
    sort: Sort = "priority",
    after: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Response:
    flt = _own_queue(actor, flt, request)
    page = queue_page(engine, flt, sort=sort, after=after, limit=limit)
    base = [*query_items(flt), ("sort", sort), ("limit", str(limit))]
    next_url = (
        f"/queue?{urlencode([*base, ('after', page.next_cursor)])}" if page.next_cursor else ""
    )
    return render_page(
        request,
        "queue.html",
        {
            "page": page,
            "flt": flt,
            "sort": sort,
            "next_url": next_url,
            "owners": OWNERS,
            "states": STATES,
            "here": f"/queue?{urlencode(base)}",
            "view_query": urlencode(base),
            "views": [v.to_json(actor.login) for v in list_views(engine, actor.login)],
        },
    )


@router.post("/queue/bulk")
async def queue_bulk(
    request: Request,
    actor: Bulk,
    engine: EngineDep,
    action: Annotated[str, Form(max_length=16)],
    value: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(max_length=2048)] = "/queue",
) -> Response:
    form = await request.form()
    ids = [int(v) for v in form.getlist("case_ids") if isinstance(v, str) and v.isdigit()]
    from denialops.web.routes.cases import BulkIn, bulk

    result = bulk(BulkIn(case_ids=ids, action=action, value=value or None), actor, engine)  # type: ignore[arg-type]
    if result["failed"]:
        return render_page(
            request,
            "error.html",
            {"status": 409, "message": "some cases were not changed", "errors": result["failed"]},
            status_code=409,
        )
    return RedirectResponse(_local(back), status_code=303)


def _local(url: str) -> str:
    """Only redirect within this site."""
    return url if url.startswith("/") and not url.startswith("//") else "/queue"


@router.get("/cases/{case_id}")
def case_view(request: Request, case: CaseDep, actor: Viewer, engine: EngineDep) -> Response:
    record_case_view(engine, case.id, actor.login)
    detail = case_detail(engine, case.id)
    return render_page(request, "case.html", {"d": detail, "owners": OWNERS})


@router.get("/cases/{case_id}/trail")
def case_trail_view(request: Request, case: CaseDep, actor: Viewer, engine: EngineDep) -> Response:
    """The whole audit trail of a case, every view included."""
    record_case_access(engine, case.id, actor.login, "view", "audit trail")
    return render_page(
        request, "trail.html", {"case_id": case.id, "events": case_trail(engine, case.id)}
    )


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/move")
def case_move(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    state: Annotated[str, Form(max_length=24)],
    note: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[int | None, Form()] = None,
    decided_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Choosing the state the case is in (appealed) files the next level; escalating
    needs the payer's decision date (the library refuses the move without it)."""
    move(
        engine,
        case.id,
        state,
        user=actor.login,
        note=note or None,
        expected_version=version,
        next_level=state == case.state,
        decided_on=day_field("decided_on", decided_on),
    )
    return _back(case.id)


@router.post("/cases/{case_id}/assign")
def case_assign(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    assignee: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    assign(engine, case.id, assignee.strip() or None, user=actor.login, expected_version=version)
    return _back(case.id)


@router.post("/cases/{case_id}/owner")
def case_owner(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    owner: Annotated[str, Form(max_length=32)],
) -> Response:
    set_owner(engine, case.id, owner, user=actor.login)
    return _back(case.id)


@router.post("/cases/{case_id}/notes")
def case_note(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    text: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    add_note(engine, case.id, text, user=actor.login)
    return _back(case.id)
