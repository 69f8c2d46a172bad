"""Action plans (library, CLI, API) and user administration through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from denialops.errors import PlanError
from denialops.plans import add_plan, progress
from tests.web.conftest import Browser, WebDb


def test_plan_baseline_and_target_come_from_the_data(web_db: WebDb) -> None:
    plan = add_plan(
        web_db.engine,
        title="Fewer CO-16",
        dimension="carc",
        value="16",
        metric="denied_claims",
        owner="manager1",
        reduction_pct=Decimal(50),
        due=date(2026, 12, 31),
        created_by="test",
    )
    # CASES/2 = 8 claims denied with CO-16, all within the 90 days: 8 / 3 per 30 days.
    assert plan.baseline == (Decimal(8) / 3).quantize(Decimal("0.0001"))
    assert plan.target == (plan.baseline / 2).quantize(Decimal("0.0001"))
    result = progress(web_db.engine, plan.id)
    assert result.points and sum(p.value for p in result.points) >= 8
    with pytest.raises(PlanError, match="root cause"):
        add_plan(
            web_db.engine, title="x", dimension="planet", value="x", metric="denied_claims",
            owner="a", reduction_pct=Decimal(5), due=date(2026, 1, 1), created_by="t",
        )  # fmt: skip


def test_plan_cli_add_list_show(web_db: WebDb) -> None:
    if not web_db.url.startswith("sqlite"):
        pytest.skip("the CLI is exercised once, on SQLite")
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["plan", "add", "Cut CO-50", "--cause", "carc=50", "--owner", "manager1",
         "--reduce", "20", "--due", "2026-12-31", "--db", web_db.url],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "denied_dollars of carc 50" in added.output
    listed = runner.invoke(app, ["plan", "list", "--db", web_db.url])
    assert "Cut CO-50" in listed.output
    shown = runner.invoke(app, ["plan", "show", "1", "--db", web_db.url])
    assert shown.exit_code == 0 and "baseline" in shown.output


def test_plans_page_draws_progress_against_target(as_role: dict[str, Browser]) -> None:
    html = as_role["viewer"].client.get("/plans").text
    assert "Fewer medical-necessity denials" in html and "<polyline" in html
    assert 'id="plan-form"' not in html  # a viewer cannot create plans
    data = as_role["viewer"].client.get("/api/v1/plans/1").json()
    assert data["plan"]["dimension"] == "carc" and data["points"]


def test_admin_manages_users_and_a_deactivated_user_is_refused(
    as_role: dict[str, Browser],
    app_factory,  # type: ignore[no-untyped-def]
) -> None:
    admin = as_role["admin"]
    headers = {"X-CSRF-Token": admin.csrf}
    made = admin.client.post(
        "/api/v1/users",
        json={"login": "temp.worker", "role": "analyst", "password": "another long one"},
        headers=headers,
    )
    assert made.status_code == 201
    again = admin.client.post(
        "/api/v1/users",
        json={"login": "temp.worker", "role": "analyst", "password": "another long one"},
        headers=headers,
    )
    assert again.status_code == 400 and "already exists" in again.json()["message"]
    weak = admin.client.post(
        "/api/v1/users", json={"login": "weak", "role": "viewer", "password": "short"},
        headers=headers,
    )  # fmt: skip
    assert weak.status_code == 400 and "10 characters" in weak.json()["message"]
    changed = admin.client.patch(
        "/api/v1/users/temp.worker", json={"active": False}, headers=headers
    )
    assert changed.json()["user"]["active"] is False
    entries = admin.client.get("/api/v1/audit").json()["entries"]
    assert any(e["action"] == "user_add" and e["target"] == "temp.worker" for e in entries)
