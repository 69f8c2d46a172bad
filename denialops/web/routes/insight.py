"""Dashboard (KPIs, Pareto, trend), as a page and JSON (the rules: :mod:`.rules`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from denialops.web.deps import EngineDep, Viewer
from denialops.web.render import render_page

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["analytics"])


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
