"""One cost model (issue 14): the priority score's cost to work a case and the KPI cost
per worked appeal both come from ``PrioritySettings.work_cost``; changing the settings
file changes both."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.analytics.engine import open_analytics
from denialops.analytics.metrics import compute_kpis
from denialops.cli import app
from denialops.work.priority import DEFAULT_SETTINGS, PRIORITY_ENV, load_settings
from denialops.work.scoring import refresh
from denialops.work.store import case_t
from tests.analytics import factory

D = Decimal
AS_OF = date(2026, 4, 15)
# The factory's appeals, all on billing's desk: two appeals and one peer-to-peer.
APPEALS = {"appeal": 2, "peer_to_peer": 1}


def _settings_file(folder: Path, minutes: int, hourly: str, peer_effort: str) -> Path:
    data = yaml.safe_load(DEFAULT_SETTINGS.read_text("utf-8"))
    data["cost_by_owner"]["billing"] = {"minutes": minutes, "hourly_cost": hourly}
    data["effort_by_kind"]["peer_to_peer"] = peer_effort
    path = folder / "priority.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


@pytest.mark.parametrize(
    ("minutes", "hourly", "peer_effort", "per_appeal", "per_worked_appeal"),
    [
        # shipped: 15 min at $35 = 8.75; (2 x 8.75 + 0.75 x 8.75) / 3 = 8.0208
        (15, "35.00", "0.75", "8.75", "8.02"),
        # 60 min at $60 = 60.00; (2 x 60 + 0.5 x 60) / 3 = 50.00
        (60, "60.00", "0.5", "60.00", "50.00"),
        # 30 min at $45 = 22.50; (2 x 22.5 + 2 x 22.5) / 3 = 30.00
        (30, "45.00", "2", "22.50", "30.00"),
    ],
)
def test_changing_the_settings_changes_the_score_and_the_kpi_alike(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    minutes: int,
    hourly: str,
    peer_effort: str,
    per_appeal: str,
    per_worked_appeal: str,
) -> None:
    factory.load(engine, with_work=True)
    monkeypatch.setenv(PRIORITY_ENV, str(_settings_file(tmp_path, minutes, hourly, peer_effort)))
    settings = load_settings()
    assert settings.work_cost("billing") == D(per_appeal)

    with engine.begin() as conn:
        refresh(conn, today=AS_OF, include_closed=True)  # the priority score, stored
        stored = set(conn.execute(select(case_t.c.cost_to_work)).scalars())
    assert stored == {D(per_appeal)}

    analytics = open_analytics(engine)
    try:
        kpis = compute_kpis(analytics, as_of=AS_OF).to_json()["metrics"]
    finally:
        analytics.close()
    worked = sum(
        (settings.work_cost("billing", kind) * n for kind, n in APPEALS.items()), start=D(0)
    )
    assert kpis["cost_per_worked_appeal"] == per_worked_appeal
    assert per_worked_appeal == str((worked / 3).quantize(D("0.01"), rounding=ROUND_HALF_UP))


def test_the_removed_hourly_rate_option_says_where_the_costs_are(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", "kpis", "--db", url, "--hourly-rate", "50"])
    assert result.exit_code == 2
    assert "--hourly-rate was removed" in result.stderr and "priority.yaml" in result.stderr
