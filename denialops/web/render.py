"""Server-rendered pages: one Jinja2 environment, autoescaped, with what every page needs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from denialops.money import fmt
from denialops.web.permissions import Action, allowed
from denialops.work.store import ACCESS_ACTIONS

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# Templates ship with the package: compiled once, never checked for changes per render.
templates.env.auto_reload = False


def _money(value: object) -> str:
    if value is None or value == "":
        return ""
    return fmt(value if isinstance(value, Decimal) else Decimal(str(value)))


templates.env.filters["money"] = _money
# Which audit events are reads (their note says what was read): the timeline partial.
templates.env.globals["ACCESS_ACTIONS"] = ACCESS_ACTIONS


def render_page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the user, their permissions and their CSRF token in context."""
    actor = getattr(request.state, "actor", None)
    role = actor.user.role if actor else ""
    base = {
        "actor": actor,
        "csrf_token": actor.csrf_token if actor else "",
        "can": {action.value: allowed(role, action) for action in Action},
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code, headers=headers
    )
