"""The classification rules: the rules in force, "test a code", and the database's own
override rules (:mod:`denialops.classify.overrides`), which managers and admins add, edit
and delete in the browser, with their history, and re-apply on request (``reclassify``,
the same function as ``denialops reclassify``). Everyone else reads them.

Every change and every reclassification is also a ``web_audit`` row.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from denialops.classify import (
    FAMILIES,
    NEXT_ACTIONS,
    OWNERS,
    SOFT_OR_HARD,
    Rule,
    RuleSet,
    classify,
    is_well_formed_code,
)
from denialops.classify._rules import describe_key
from denialops.classify.apply import reclassify
from denialops.classify.overrides import (
    Override,
    OverrideSpec,
    add_override,
    delete_override,
    list_overrides,
    override_history,
    rules_in_force,
    update_override,
)
from denialops.errors import ConflictError, NotFoundError, RulesError
from denialops.web import accounts
from denialops.web.deps import Actor, EngineDep, PathId, RuleEditor, Viewer
from denialops.web.errors import WebError
from denialops.web.render import render_page

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["rules"])

Code = Annotated[str | None, Field(default=None, max_length=8)]
Choice = Annotated[str | None, Field(default=None, max_length=48)]


def _rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "matches": [describe_key(k) for k in rule.keys],
        **asdict(rule.outcome),
        "where": rule.where,
        "note": rule.note,
    }


def _rules(ruleset: RuleSet, search: str | None) -> list[dict[str, Any]]:
    needle = (search or "").strip().lower()
    code = needle.rsplit("-", 1)[-1].upper()
    by_code = bool(needle) and is_well_formed_code(code)
    out = []
    for rule in ruleset.rules:
        if by_code:
            if any(key[2] == code for key in rule.keys):
                out.append(_rule_record(rule))
            continue
        record = _rule_record(rule)
        if needle and needle not in " ".join(str(v) for v in record.values()).lower():
            continue
        out.append(record)
    return out


@api.get("/rules")
def rules_api(
    actor: Viewer, engine: EngineDep, q: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    """The classification rules in force (shipped, the user file, this database's
    overrides), searchable by code or text."""
    ruleset = rules_in_force(engine)
    return {"ok": True, "version": ruleset.version, "rules": _rules(ruleset, q)}


@api.get("/rules/test")
def rules_test_api(
    actor: Viewer,
    engine: EngineDep,
    carc: Annotated[str, Query(min_length=1, max_length=8)],
    group: Annotated[str, Query(min_length=1, max_length=2)] = "CO",
    rarc: Annotated[list[str] | None, Query(max_length=5)] = None,
    payer: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """How a group code, CARC and RARCs would be classified (the rule that decides)."""
    result = classify(
        group.upper(),
        carc.upper(),
        [r.upper() for r in rarc or []],
        payer=payer,
        rules=rules_in_force(engine),
    )
    return {"ok": True, "classification": asdict(result)}


class OverrideIn(BaseModel):
    """An override rule: what it matches (empty = any) and what it says."""

    carc: str = Field(min_length=1, max_length=8)
    category: str = Field(min_length=1, max_length=64, description="the root cause")
    payer: str | None = Field(default=None, max_length=64)
    group: str | None = Field(default=None, max_length=2)
    rarc: Code
    family: Choice
    soft_or_hard: Choice
    owner: Choice
    next_action: Choice
    note: str = Field(default="", max_length=500)
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the version you edit (edits only)"
    )

    def spec(self) -> OverrideSpec:
        return OverrideSpec(
            carc=self.carc,
            category=self.category,
            payer=self.payer,
            group=self.group,
            rarc=self.rarc,
            family=self.family,
            soft_or_hard=self.soft_or_hard,
            owner=self.owner,
            next_action=self.next_action,
            note=self.note,
        )


def _audit(engine: Any, actor: Actor, change: str, override: Override) -> None:
    accounts.record(
        engine, actor.login, f"rule_{change}", override.rule_id, override.spec.describe()[:500]
    )


def _add(engine: Any, actor: Actor, spec: OverrideSpec) -> Override:
    override = add_override(engine, spec, actor=actor.login)
    _audit(engine, actor, "add", override)
    return override


def _edit(
    engine: Any, actor: Actor, override_id: int, spec: OverrideSpec, version: int | None
) -> Override:
    try:
        override = update_override(
            engine, override_id, spec, actor=actor.login, expected_version=version
        )
    except NotFoundError as exc:
        raise WebError(404, str(exc)) from None
    _audit(engine, actor, "edit", override)
    return override


def _delete(engine: Any, actor: Actor, override_id: int, version: int | None) -> Override:
    try:
        override = delete_override(engine, override_id, actor=actor.login, expected_version=version)
    except NotFoundError as exc:
        raise WebError(404, str(exc)) from None
    _audit(engine, actor, "delete", override)
    return override


async def _reclassify(request: Request, engine: Any, actor: Actor) -> dict[str, Any]:
    summary = await run_in_threadpool(reclassify, engine, actor=actor.login)
    request.app.state.dashboard.clear()
    result = summary.to_json()
    accounts.record(
        engine,
        actor.login,
        "reclassify",
        summary.ruleset_version,
        f"{result['examined']} examined, {result['changed']} changed, "
        f"{result['cases_rerouted']} open cases re-routed",
    )
    return result


@api.get("/rules/overrides")
def overrides_api(actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """This database's override rules (they win over the shipped rules and the file)."""
    return {"ok": True, "overrides": [o.to_json() for o in list_overrides(engine)]}


@api.get("/rules/overrides/history")
def overrides_history_api(
    actor: Viewer,
    engine: EngineDep,
    override_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """Every change of the overrides, newest first: who, when, the rule before and after."""
    entries = override_history(engine, override_id=override_id)
    return {"ok": True, "history": [e.to_json() for e in entries]}


@api.post("/rules/overrides", status_code=201)
def add_override_api(body: OverrideIn, actor: RuleEditor, engine: EngineDep) -> dict[str, Any]:
    """Add an override (manager, admin): validated like a rules file (422 with the
    problem), 409 when an override has the same match. Takes effect for what is
    classified from now on; ``POST /rules/reclassify`` re-applies it to what is stored."""
    return {"ok": True, "override": _add(engine, actor, body.spec()).to_json()}


@api.put("/rules/overrides/{override_id}")
def edit_override_api(
    override_id: PathId, body: OverrideIn, actor: RuleEditor, engine: EngineDep
) -> dict[str, Any]:
    """Replace an override (409 when ``version`` is not the stored one)."""
    override = _edit(engine, actor, override_id, body.spec(), body.version)
    return {"ok": True, "override": override.to_json()}


@api.delete("/rules/overrides/{override_id}")
def delete_override_api(
    override_id: PathId,
    actor: RuleEditor,
    engine: EngineDep,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """Delete an override (its history stays)."""
    return {"ok": True, "deleted": _delete(engine, actor, override_id, version).to_json()}


@api.post("/rules/reclassify")
async def reclassify_api(request: Request, actor: RuleEditor, engine: EngineDep) -> dict[str, Any]:
    """Re-apply the rules in force to every stored adjustment (``denialops reclassify``);
    what changed, with earlier results kept in the classification history."""
    return {"ok": True, "summary": await _reclassify(request, engine, actor)}


# ---------------------------------------------------------------------------- pages


def _page(
    request: Request,
    engine: Any,
    *,
    q: str | None = None,
    tested: dict[str, Any] | None = None,
    carc: str = "",
    group: str = "CO",
    error: str | None = None,
    error_for: int | None = None,
    form: dict[str, Any] | None = None,
    reclassified: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ruleset = rules_in_force(engine)
    return render_page(
        request,
        "rules.html",
        {
            "rules": _rules(ruleset, q),
            "q": q or "",
            "carc": carc,
            "group": group,
            "tested": tested,
            "overrides": [o.to_json() for o in list_overrides(engine)],
            "history": [e.to_json() for e in override_history(engine, limit=50)],
            "categories": sorted(ruleset.categories),
            "families": FAMILIES,
            "soft_or_hard": SOFT_OR_HARD,
            "owners": OWNERS,
            "next_actions": NEXT_ACTIONS,
            "error": error,
            "error_for": error_for,
            "form": form or {},
            "reclassified": reclassified,
        },
        status_code=status_code,
    )


@router.get("/rules")
def rules_page(
    request: Request,
    actor: Viewer,
    engine: EngineDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    carc: Annotated[str | None, Query(max_length=8)] = None,
    group: Annotated[str, Query(max_length=2)] = "CO",
) -> Response:
    tested = None
    if carc:
        result = classify(group.upper() or "CO", carc.upper(), rules=rules_in_force(engine))
        tested = asdict(result)
    return _page(request, engine, q=q, tested=tested, carc=carc or "", group=group)


FormText = Annotated[str, Form(max_length=64)]


def override_form(
    carc: FormText = "",
    category: FormText = "",
    payer: FormText = "",
    group: FormText = "",
    rarc: FormText = "",
    family: FormText = "",
    soft_or_hard: FormText = "",
    owner: FormText = "",
    next_action: FormText = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> OverrideSpec:
    """The override the Rules page's form describes (empty fields: any / the category's)."""
    return OverrideSpec(
        carc=carc,
        category=category,
        payer=payer,
        group=group,
        rarc=rarc,
        family=family,
        soft_or_hard=soft_or_hard,
        owner=owner,
        next_action=next_action,
        note=note,
    )


FormSpec = Annotated[OverrideSpec, Depends(override_form)]
FormVersion = Annotated[int | None, Form(ge=1, le=2**31 - 1)]


@router.post("/rules/overrides")
def add_override_form(
    request: Request, spec: FormSpec, actor: RuleEditor, engine: EngineDep
) -> Response:
    try:
        _add(engine, actor, spec)
    except (RulesError, ConflictError) as exc:
        return _page(request, engine, error=str(exc), form=asdict(spec), status_code=422)
    return RedirectResponse("/rules#overrides", status_code=303)


@router.post("/rules/overrides/{override_id}")
def edit_override_form(
    request: Request,
    override_id: PathId,
    spec: FormSpec,
    actor: RuleEditor,
    engine: EngineDep,
    version: FormVersion = None,
) -> Response:
    try:
        _edit(engine, actor, override_id, spec, version)
    except (RulesError, ConflictError) as exc:
        return _page(request, engine, error=str(exc), error_for=override_id, status_code=422)
    return RedirectResponse("/rules#overrides", status_code=303)


@router.post("/rules/overrides/{override_id}/delete")
def delete_override_form(
    override_id: PathId,
    actor: RuleEditor,
    engine: EngineDep,
    version: FormVersion = None,
) -> Response:
    _delete(engine, actor, override_id, version)
    return RedirectResponse("/rules#overrides", status_code=303)


@router.post("/rules/reclassify")
async def reclassify_form(request: Request, actor: RuleEditor, engine: EngineDep) -> Response:
    return _page(request, engine, reclassified=await _reclassify(request, engine, actor))
