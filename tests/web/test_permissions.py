"""The role matrix, route by route: every route of the application with every role.

:data:`ROUTES` names, for every route the app has, the action it performs; a route added
without a line here fails :func:`test_every_route_is_in_the_matrix`. The expected status
comes from :data:`denialops.web.permissions.MATRIX` through ``allowed`` (the same check
the application makes), and the success status from the route line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from denialops.classify.overrides import OverrideSpec, add_override
from denialops.web.permissions import ROLES, Action, allowed
from denialops.work.views import save_view
from tests.web.conftest import Browser, WebDb, quarantine_broken, repaired_835


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the route template, as FastAPI has it
    action: Action
    ok: int
    url: str = ""  # concrete URL ({case} is replaced by a case id)
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    file: tuple[str, bytes] | None = None


X12 = (Path(__file__).parents[1] / "fixtures" / "835" / "professional.835").read_bytes()
NOTE = ("call.txt", b"Called the payer, reference 123.")
CLAIMS = (Path(__file__).parents[1] / "fixtures" / "837" / "professional.837").read_bytes()

ROUTES = [
    Route("GET", "/", Action.VIEW, 200),
    Route("GET", "/rules", Action.VIEW, 200),
    Route("GET", "/upload", Action.UPLOAD, 200),
    Route("POST", "/upload", Action.UPLOAD, 200, file=("remit.835", X12)),
    Route("GET", "/quarantine", Action.QUARANTINE, 200),
    Route("GET", "/quarantine/{item_id}", Action.QUARANTINE, 200, "/quarantine/1"),
    Route("POST", "/cases/{case_id}/documents", Action.WORK_CASE, 303,
          "/cases/{case}/documents", file=NOTE),
    Route("POST", "/cases/{case_id}/letter", Action.WORK_CASE, 200, "/cases/{case}/letter",
          form={"format": "pdf"}),
    Route("GET", "/plans", Action.VIEW, 200),
    Route("POST", "/plans", Action.PLANS, 303, form={
        "title": "Cut CO-16", "dimension": "carc", "value": "16", "owner": "manager1",
        "reduction_pct": "25", "due_date": "2026-12-31"}),
    Route("GET", "/api/v1/plans", Action.VIEW, 200),
    Route("POST", "/api/v1/plans", Action.PLANS, 201, json={
        "title": "Cut PAYER2", "dimension": "payer", "value": "PAYER2", "owner": "admin1",
        "reduction_pct": "10", "due_date": "2026-12-31"}),
    Route("GET", "/api/v1/plans/{plan_id}", Action.VIEW, 200, "/api/v1/plans/1"),
    Route("GET", "/admin/users", Action.MANAGE_USERS, 200),
    Route("POST", "/admin/users", Action.MANAGE_USERS, 303,
          form={"login": "formuser", "role": "viewer", "password": "a long password"}),
    Route("GET", "/api/v1/users", Action.MANAGE_USERS, 200),
    Route("POST", "/api/v1/users", Action.MANAGE_USERS, 201,
          json={"login": "apiuser", "role": "coder", "password": "a long password"}),
    Route("PATCH", "/api/v1/users/{login}", Action.MANAGE_USERS, 200, "/api/v1/users/viewer1",
          json={"role": "viewer"}),
    Route("GET", "/api/v1/audit", Action.MANAGE_USERS, 200),
    Route("GET", "/api/v1/kpis", Action.VIEW, 200),
    Route("GET", "/prevention", Action.VIEW, 200),
    Route("GET", "/api/v1/prevention", Action.VIEW, 200),
    Route("POST", "/scrub", Action.WORK_CASE, 200, file=("claims.837", CLAIMS)),
    Route("POST", "/api/v1/scrub", Action.WORK_CASE, 200, file=("claims.837", CLAIMS)),
    Route("GET", "/api/v1/rules", Action.VIEW, 200),
    Route("GET", "/api/v1/rules/test", Action.VIEW, 200, "/api/v1/rules/test?carc=50"),
    Route("POST", "/api/v1/uploads", Action.UPLOAD, 201, file=("remit.835", X12)),
    Route("GET", "/api/v1/quarantine", Action.QUARANTINE, 200),
    Route("GET", "/api/v1/quarantine/{item_id}/raw", Action.QUARANTINE, 200,
          "/api/v1/quarantine/1/raw"),
    Route("POST", "/api/v1/cases/{case_id}/documents", Action.WORK_CASE, 201,
          "/api/v1/cases/{case}/documents", file=NOTE),
    Route("GET", "/api/v1/cases/{case_id}/documents/{document_id}", Action.VIEW, 200,
          "/api/v1/cases/{first}/documents/1"),
    Route("POST", "/api/v1/cases/{case_id}/letter", Action.WORK_CASE, 200,
          "/api/v1/cases/{case}/letter", json={"format": "pdf"}),
    Route("GET", "/queue", Action.VIEW, 200),
    Route("GET", "/cases/{case_id}", Action.VIEW, 200, "/cases/{case}"),
    Route("GET", "/cases/{case_id}/trail", Action.VIEW, 200, "/cases/{case}/trail"),
    Route("POST", "/cases/{case_id}/notes", Action.WORK_CASE, 303, "/cases/{case}/notes",
          form={"text": "checked eligibility"}),
    Route("POST", "/cases/{case_id}/assign", Action.WORK_CASE, 303, "/cases/{case}/assign",
          form={"assignee": "coder1"}),
    Route("POST", "/cases/{case_id}/owner", Action.WORK_CASE, 303, "/cases/{case}/owner",
          form={"owner": "billing"}),
    Route("POST", "/cases/{case_id}/move", Action.WORK_CASE, 303, "/cases/{case}/move",
          form={"state": "triaged"}),
    Route("POST", "/queue/bulk", Action.BULK, 303, form={"action": "assign", "value": "cdi1"}),
    Route("POST", "/logout", Action.VIEW, 303),
    Route("GET", "/api/v1/me", Action.VIEW, 200),
    Route("GET", "/api/v1/cases", Action.VIEW, 200),
    Route("GET", "/api/v1/cases/{case_id}", Action.VIEW, 200, "/api/v1/cases/{case}"),
    Route("GET", "/api/v1/cases/{case_id}/events", Action.VIEW, 200,
          "/api/v1/cases/{case}/events"),
    Route("POST", "/api/v1/cases/{case_id}/transitions", Action.WORK_CASE, 200,
          "/api/v1/cases/{case}/transitions", json={"state": "triaged"}),
    Route("POST", "/api/v1/cases/{case_id}/assignment", Action.WORK_CASE, 200,
          "/api/v1/cases/{case}/assignment", json={"assignee": "analyst1"}),
    Route("POST", "/api/v1/cases/{case_id}/owner", Action.WORK_CASE, 200,
          "/api/v1/cases/{case}/owner", json={"owner": "coding_him"}),
    Route("POST", "/api/v1/cases/{case_id}/notes", Action.WORK_CASE, 201,
          "/api/v1/cases/{case}/notes", json={"text": "called the payer"}),
    Route("POST", "/api/v1/cases/bulk", Action.BULK, 200, json={"action": "assign", "value": "x"}),
    Route("POST", "/api/v1/tokens", Action.OWN_TOKENS, 201, json={"name": "t"}),
    Route("GET", "/api/v1/tokens", Action.OWN_TOKENS, 200),
    Route("DELETE", "/api/v1/tokens/{token_id}", Action.OWN_TOKENS, 400, "/api/v1/tokens/999999"),
    # saved views: everyone keeps their own ({view}: a view of the caller's, made first)
    Route("GET", "/api/v1/views", Action.VIEW, 200),
    Route("POST", "/api/v1/views", Action.VIEW, 201,
          json={"name": "api view", "query": "carc=50&sort=amount", "shared": True}),
    Route("DELETE", "/api/v1/views/{view_id}", Action.VIEW, 200, "/api/v1/views/{view}"),
    Route("POST", "/queue/views", Action.VIEW, 303,
          form={"name": "page view", "query": "owner=billing"}),
    Route("POST", "/queue/views/{view_id}/delete", Action.VIEW, 303,
          "/queue/views/{view}/delete"),
    # rule overrides ({override}: an override made first; {role} keeps matches apart)
    Route("GET", "/api/v1/rules/overrides", Action.VIEW, 200),
    Route("GET", "/api/v1/rules/overrides/history", Action.VIEW, 200),
    Route("POST", "/api/v1/rules/overrides", Action.EDIT_RULES, 201,
          json={"payer": "{role}-API", "carc": "50", "category": "medical_necessity"}),
    Route("PUT", "/api/v1/rules/overrides/{override_id}", Action.EDIT_RULES, 200,
          "/api/v1/rules/overrides/{override}",
          json={"payer": "{role}-PUT", "carc": "50", "category": "medical_necessity",
                "owner": "billing"}),
    Route("DELETE", "/api/v1/rules/overrides/{override_id}", Action.EDIT_RULES, 200,
          "/api/v1/rules/overrides/{override}"),
    Route("POST", "/api/v1/rules/reclassify", Action.EDIT_RULES, 200),
    Route("POST", "/rules/overrides", Action.EDIT_RULES, 303,
          form={"payer": "{role}-FORM", "carc": "16", "category": "missing_information"}),
    Route("POST", "/rules/overrides/{override_id}", Action.EDIT_RULES, 303,
          "/rules/overrides/{override}",
          form={"payer": "{role}-EDIT", "carc": "16", "category": "missing_information"}),
    Route("POST", "/rules/overrides/{override_id}/delete", Action.EDIT_RULES, 303,
          "/rules/overrides/{override}/delete"),
    Route("POST", "/rules/reclassify", Action.EDIT_RULES, 200),
    # re-ingest ({quarantined}: an item quarantined first; the file: a repair of it)
    Route("POST", "/api/v1/quarantine/{item_id}/reingest", Action.UPLOAD, 201,
          "/api/v1/quarantine/{quarantined}/reingest", file=("repaired.835", b"")),
    Route("POST", "/quarantine/{item_id}/reingest", Action.UPLOAD, 303,
          "/quarantine/{quarantined}/reingest", file=("repaired.835", b"")),
]  # fmt: skip

PUBLIC = {("GET", "/login"), ("POST", "/login")}


def _app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every API route, walking included routers."""
    found = set()
    pending = list(app.routes)
    while pending:
        route = pending.pop()
        if isinstance(route, APIRoute):
            found.update((method, route.path) for method in route.methods)
        elif hasattr(route, "original_router"):  # FastAPI's included router
            pending.extend(route.original_router.routes)
    return found


def test_every_route_is_in_the_matrix(app_factory) -> None:  # type: ignore[no-untyped-def]
    listed = {(r.method, r.path) for r in ROUTES} | PUBLIC
    assert _app_routes(app_factory()) == listed


_overrides = itertools.count(1)


def _fixtures(url: str, login: str, web_db: WebDb) -> str:
    """Make what the URL names ({view}, {override}, {quarantined}) and put its id in."""
    if "{view}" in url:
        view = save_view(web_db.engine, login, f"to delete {next(_overrides)}", "carc=16")
        url = url.replace("{view}", str(view.id))
    if "{override}" in url:
        spec = OverrideSpec(carc="50", category="medical_necessity", payer=f"FIX{next(_overrides)}")
        url = url.replace("{override}", str(add_override(web_db.engine, spec, actor="test").id))
    if "{quarantined}" in url:
        url = url.replace("{quarantined}", str(quarantine_broken(web_db.engine, web_db.folder)))
    return url


def _with_role(values: dict[str, Any], role: str) -> dict[str, Any]:
    return {k: v.replace("{role}", role) if isinstance(v, str) else v for k, v in values.items()}


def _call(browser: Browser, route: Route, case_id: int, first: int, web_db: WebDb) -> int:
    url = (route.url or route.path).replace("{case}", str(case_id))
    url = _fixtures(url.replace("{first}", str(first)), browser.login, web_db)
    headers = {"X-CSRF-Token": browser.csrf}
    role = browser.login.removesuffix("1")
    form = _with_role(route.form or {}, role)
    body = _with_role(route.json or {}, role)
    file = route.file
    if file is not None and "reingest" in route.path:
        file = (file[0], repaired_835())
    if route.path in ("/queue/bulk",):
        form["case_ids"] = str(case_id)
    if route.path == "/api/v1/cases/bulk":
        body["case_ids"] = [case_id]
    if route.method == "POST" and route.path == "/logout":
        return browser.client.post(
            url, data={"csrf_token": browser.csrf}, follow_redirects=False
        ).status_code
    response = browser.client.request(
        route.method,
        url,
        headers=headers,
        json=body if route.json is not None or route.path == "/api/v1/cases/bulk" else None,
        data=form if form else None,
        files={"file": file} if file else None,
        follow_redirects=False,
    )
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_route_by_route(role: str, as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role[role]
    seen = {}
    mine = ROLES.index(role)  # each role works its own cases, so moves do not collide
    for route in (r for r in ROUTES if r.path != "/logout"):
        offset = len(ROLES) if route.path == "/cases/{case_id}/move" else 0
        case_id = web_db.case_ids[mine + offset]
        status = _call(browser, route, case_id, web_db.case_ids[0], web_db)
        seen[(route.method, route.path)] = status
    expected = {
        (r.method, r.path): (r.ok if allowed(role, r.action) else 403)
        for r in ROUTES
        if r.path != "/logout"
    }
    assert seen == expected
