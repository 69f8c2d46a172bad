"""The cases API: the work queue, case detail, and working a case (JSON under /api/v1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from denialops.errors import DenialopsError, StoreError
from denialops.web.deps import MAX_ID, Bulk, EngineDep, PathId, Viewer, Worker
from denialops.web.errors import WebError
from denialops.web.readmodel import (
    MAX_PAGE,
    case_detail,
    case_trail,
    plain,
    queue_page,
    record_case_access,
    record_case_view,
)
from denialops.work import add_note, assign, get_case, move, set_owner
from denialops.work.cases import OWNERS, Case
from denialops.work.queue import QueueFilters
from denialops.work.states import STATES

router = APIRouter(prefix="/api/v1", tags=["cases"])

Sort = Literal["priority", "deadline", "amount", "age"]
Text = Annotated[str | None, Query(max_length=128)]


def queue_filter(
    owner: Text = None,
    assignee: Text = None,
    state: Annotated[list[str] | None, Query(max_length=16)] = None,
    payer: Text = None,
    family: Text = None,
    category: Text = None,
    carc: Annotated[str | None, Query(max_length=16)] = None,
    min_amount: Annotated[str | None, Query(max_length=16, description="dollars")] = None,
    max_amount: Annotated[str | None, Query(max_length=16, description="dollars")] = None,
    date_from: Annotated[
        str | None, Query(max_length=10, description="denial date from, YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None, Query(max_length=10, description="denial date to, YYYY-MM-DD")
    ] = None,
    overdue: bool = False,
    q: Annotated[
        str | None,
        Query(max_length=64, description="start of account, payer claim #, member id, name"),
    ] = None,
    include_closed: bool = False,
) -> QueueFilters:
    """The queue filters from the query string (the page and the API share them).

    Empty values mean "no filter" (an HTML form sends every field); owner, family and
    category are case-insensitive, the search and CARC too.
    """
    chosen_owner = (owner or "").strip().lower() or None
    if chosen_owner and not any(o.startswith(chosen_owner) for o in OWNERS):
        raise WebError(422, f"owner must be one of {', '.join(OWNERS)}")
    wanted_states = tuple(s.strip().lower() for s in state or () if s and s.strip())
    unknown = [s for s in wanted_states if s not in STATES]
    if unknown:
        raise WebError(422, f"state must be one of {', '.join(STATES)}")
    return QueueFilters(
        owner=chosen_owner,
        assignee=(assignee or "").strip() or None,
        states=wanted_states,
        payer=(payer or "").strip() or None,
        family=(family or "").strip().lower() or None,
        category=(category or "").strip().lower() or None,
        carc=(carc or "").strip() or None,
        min_amount=_amount("min_amount", min_amount),
        max_amount=_amount("max_amount", max_amount),
        date_from=day_field("date_from", date_from),
        date_to=day_field("date_to", date_to),
        overdue=overdue,
        search=(q or "").strip() or None,
        include_closed=include_closed,
    )


def _amount(name: str, text: str | None) -> Decimal | None:
    """An amount filter; empty means none (an HTML form sends empty fields)."""
    if not text or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", "").lstrip("$"))
    except ArithmeticError:
        raise WebError(422, f"{name} must be an amount such as 1500.00") from None
    if not value.is_finite() or value < 0:
        raise WebError(422, f"{name} must be an amount such as 1500.00")
    return value


def day_field(name: str, text: str | None) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WebError(422, f"{name} must be a date YYYY-MM-DD") from None


FilterDep = Annotated[QueueFilters, Depends(queue_filter)]


@router.get("/cases")
def list_cases(
    actor: Viewer,
    engine: EngineDep,
    flt: FilterDep,
    sort: Sort = "priority",
    after: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    """The work queue: filtered, sorted, one page after the ``after`` cursor."""
    page = queue_page(engine, flt, sort=sort, after=after, limit=limit)
    return {"ok": True, "next": page.next_cursor, "cases": page.rows}


def existing_case(case_id: PathId, engine: EngineDep) -> Case:
    """The case named in the path, else 404."""
    try:
        return get_case(engine, case_id)
    except StoreError:
        raise WebError(404, f"no case {case_id}") from None


CaseDep = Annotated[Case, Depends(existing_case)]


@router.get("/cases/{case_id}")
def show_case(case: CaseDep, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Everything about a case; the view is written to the case's audit trail."""
    record_case_view(engine, case.id, actor.login)
    return {"ok": True, **case_detail(engine, case.id)}


@router.get("/cases/{case_id}/events")
def show_case_trail(case: CaseDep, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """The case's whole audit trail (the case record shows every change and only the
    latest views); reading it is written to the trail too."""
    record_case_access(engine, case.id, actor.login, "view", "audit trail")
    return {"ok": True, "case_id": case.id, "events": case_trail(engine, case.id)}


class MoveIn(BaseModel):
    state: str = Field(min_length=1, max_length=24)
    note: str | None = Field(default=None, max_length=4000)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    next_level: bool = False
    """appealed -> appealed: file the next appeal level."""
    decided_on: date | None = None
    """The payer's decision date on the pending level: required when escalating."""


def _case_out(case: Case) -> dict[str, Any]:
    return {"ok": True, "case": plain({f: getattr(case, f) for f in case.__dataclass_fields__})}


@router.post("/cases/{case_id}/transitions")
def move_case(case: CaseDep, body: MoveIn, actor: Worker, engine: EngineDep) -> dict[str, Any]:
    """Move the case along an allowed edge (409 with the allowed moves otherwise)."""
    moved = move(
        engine,
        case.id,
        body.state,
        user=actor.login,
        note=body.note,
        expected_version=body.version,
        next_level=body.next_level,
        decided_on=body.decided_on,
    )
    return _case_out(moved)


class AssignIn(BaseModel):
    assignee: str | None = Field(default=None, max_length=64)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.post("/cases/{case_id}/assignment")
def assign_case(case: CaseDep, body: AssignIn, actor: Worker, engine: EngineDep) -> dict[str, Any]:
    """Give the case to a user (null: back to the owner queue)."""
    updated = assign(
        engine, case.id, body.assignee or None, user=actor.login, expected_version=body.version
    )
    return _case_out(updated)


class OwnerIn(BaseModel):
    owner: str = Field(min_length=1, max_length=32)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.post("/cases/{case_id}/owner")
def owner_case(case: CaseDep, body: OwnerIn, actor: Worker, engine: EngineDep) -> dict[str, Any]:
    """Send the case to another owner queue."""
    updated = set_owner(
        engine, case.id, body.owner, user=actor.login, expected_version=body.version
    )
    return _case_out(updated)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/cases/{case_id}/notes", status_code=201)
def note_case(case: CaseDep, body: NoteIn, actor: Worker, engine: EngineDep) -> dict[str, Any]:
    note_id = add_note(engine, case.id, body.text, user=actor.login)
    return {"ok": True, "note_id": note_id}


class BulkIn(BaseModel):
    case_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=500)
    action: Literal["assign", "move", "owner"]
    value: str | None = Field(default=None, max_length=64)


@router.post("/cases/bulk")
def bulk(body: BulkIn, actor: Bulk, engine: EngineDep) -> dict[str, Any]:
    """Assign, move or set the owner of many cases; each case succeeds or fails alone."""
    done: list[int] = []
    failed: list[dict[str, Any]] = []
    for case_id in dict.fromkeys(body.case_ids):
        try:
            if body.action == "assign":
                assign(engine, case_id, body.value or None, user=actor.login)
            elif body.action == "move":
                move(engine, case_id, body.value or "", user=actor.login)
            else:
                set_owner(engine, case_id, body.value or "", user=actor.login)
            done.append(case_id)
        except DenialopsError as exc:
            failed.append({"case_id": case_id, "message": str(exc)})
    return {"ok": not failed, "done": done, "failed": failed}
