"""Action plans: list, create (manager, admin), and progress against the target."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from denialops.plans import DIMENSIONS, METRICS, Progress, add_plan, list_plans, progress
from denialops.web.deps import EngineDep, PathId, Planner, Viewer
from denialops.web.readmodel import plain
from denialops.web.render import render_page

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["action plans"])


def _chart(result: Progress, width: int = 560, height: int = 180) -> dict[str, Any]:
    values = [float(p.value) for p in result.points]
    top = max([*values, float(result.plan.baseline), float(result.plan.target), 1.0])
    step = width / max(len(values) - 1, 1)

    def y(v: float) -> float:
        return round(height - 10 - v / top * (height - 20), 1)

    return {
        "width": width,
        "height": height,
        "line": " ".join(f"{i * step:.1f},{y(v)}" for i, v in enumerate(values)),
        "target_y": y(float(result.plan.target)),
        "baseline_y": y(float(result.plan.baseline)),
    }


def _progress_json(result: Progress) -> dict[str, Any]:
    data: dict[str, Any] = plain(
        {
            "plan": asdict(result.plan),
            "points": [asdict(p) for p in result.points],
            "current": result.current,
            "on_track": result.on_track,
        }
    )
    return data


@api.get("/plans")
def plans_api(actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Every action plan."""
    return {"ok": True, "plans": [plain(asdict(p)) for p in list_plans(engine)]}


class PlanIn(BaseModel):
    title: str = Field(min_length=1, max_length=128)
    dimension: Literal["payer", "category", "family", "carc"]
    value: str = Field(min_length=1, max_length=64)
    metric: Literal["denied_dollars", "denied_claims"] = "denied_dollars"
    owner: str = Field(min_length=1, max_length=64)
    reduction_pct: Decimal = Field(gt=0, le=100)
    due_date: date


@api.post("/plans", status_code=201)
def create_plan_api(body: PlanIn, actor: Planner, engine: EngineDep) -> dict[str, Any]:
    """Create a plan; the baseline is measured from the data now."""
    plan = add_plan(
        engine,
        title=body.title,
        dimension=body.dimension,
        value=body.value,
        metric=body.metric,
        owner=body.owner,
        reduction_pct=body.reduction_pct,
        due=body.due_date,
        created_by=actor.login,
    )
    return {"ok": True, "plan": plain(asdict(plan))}


@api.get("/plans/{plan_id}")
def plan_api(plan_id: PathId, actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """A plan and its metric per 30-day window, measured now."""
    return {"ok": True, **_progress_json(progress(engine, plan_id))}


@router.get("/plans")
def plans_page(request: Request, actor: Viewer, engine: EngineDep) -> Response:
    results = [progress(engine, p.id) for p in list_plans(engine)]
    return render_page(
        request,
        "plans.html",
        {
            "results": [(r, _chart(r)) for r in results],
            "dimensions": DIMENSIONS,
            "metrics": METRICS,
        },
    )


@router.post("/plans")
def plans_form(
    actor: Planner,
    engine: EngineDep,
    title: Annotated[str, Form(min_length=1, max_length=128)],
    dimension: Annotated[str, Form(max_length=16)],
    value: Annotated[str, Form(min_length=1, max_length=64)],
    owner: Annotated[str, Form(min_length=1, max_length=64)],
    reduction_pct: Annotated[Decimal, Form(gt=0, le=100)],
    due_date: Annotated[date, Form()],
    metric: Annotated[str, Form(max_length=16)] = "denied_dollars",
) -> Response:
    add_plan(
        engine,
        title=title,
        dimension=dimension,
        value=value,
        metric=metric,
        owner=owner,
        reduction_pct=reduction_pct,
        due=due_date,
        created_by=actor.login,
    )
    return RedirectResponse("/plans", status_code=303)
