"""Dashboard (KPIs, Pareto, trend) and the classification rules, as pages and JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from denialops.classify import Rule, classify, is_well_formed_code, load_rules
from denialops.classify._rules import describe_key
from denialops.web.deps import EngineDep, Viewer
from denialops.web.render import render_page

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["analytics and rules"])


def _dashboard(request: Request, engine: Any) -> dict[str, Any]:
    data: dict[str, Any] = request.app.state.dashboard.get(engine)
    return data


@api.get("/kpis")
def kpis_api(request: Request, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """The dashboard's KPIs for the latest period, with period-over-period change,
    denial dollars by family and payer, the Pareto of categories and the weekly trend."""
    return {"ok": True, **_dashboard(request, engine)}


@router.get("/")
def dashboard_page(request: Request, actor: Viewer, engine: EngineDep) -> Response:
    return render_page(request, "dashboard.html", {"d": _dashboard(request, engine)})


def _rules(search: str | None) -> list[dict[str, Any]]:
    ruleset = load_rules()
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


def _rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "matches": [describe_key(k) for k in rule.keys],
        **asdict(rule.outcome),
        "where": rule.where,
        "note": rule.note,
    }


@api.get("/rules")
def rules_api(
    actor: Viewer, q: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    """The classification rules in force (shipped and the user's overrides), searchable."""
    return {"ok": True, "version": load_rules().version, "rules": _rules(q)}


@api.get("/rules/test")
def rules_test_api(
    actor: Viewer,
    carc: Annotated[str, Query(min_length=1, max_length=8)],
    group: Annotated[str, Query(min_length=1, max_length=2)] = "CO",
    rarc: Annotated[list[str] | None, Query(max_length=5)] = None,
    payer: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """How a group code, CARC and RARCs would be classified (the rule that decides)."""
    result = classify(group.upper(), carc.upper(), [r.upper() for r in rarc or []], payer=payer)
    return {"ok": True, "classification": asdict(result)}


@router.get("/rules")
def rules_page(
    request: Request,
    actor: Viewer,
    q: Annotated[str | None, Query(max_length=64)] = None,
    carc: Annotated[str | None, Query(max_length=8)] = None,
    group: Annotated[str, Query(max_length=2)] = "CO",
) -> Response:
    tested = None
    if carc:
        tested = asdict(classify(group.upper() or "CO", carc.upper()))
    return render_page(
        request,
        "rules.html",
        {"rules": _rules(q), "q": q or "", "carc": carc or "", "group": group, "tested": tested},
    )
