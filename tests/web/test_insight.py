"""Dashboard KPIs with their links, the Pareto and trend charts, and the rules pages."""

from __future__ import annotations

from tests.web.conftest import Browser


def test_kpis_api_has_the_headline_numbers_and_links(as_role: dict[str, Browser]) -> None:
    data = as_role["viewer"].client.get("/api/v1/kpis").json()
    assert data["ok"] is True and data["empty"] is False
    ids = [k["id"] for k in data["kpis"]]
    assert ids[:3] == ["initial_denial_rate_claims", "denial_dollars", "first_pass_yield"]
    assert all(k["link"].startswith("/queue") for k in data["kpis"])
    assert data["pareto"]["chart"]["bars"]
    assert {p["payer"] for p in data["by_payer"]} >= {"PAYER1", "PAYER2"}


def test_dashboard_page_draws_svg_charts_without_scripts(as_role: dict[str, Browser]) -> None:
    html = as_role["viewer"].client.get("/").text
    assert 'id="kpi-denial_dollars"' in html
    assert "<svg" in html and "<polyline" in html
    assert 'href="/queue?payer=PAYER1' in html
    assert "<script>" not in html


def test_rules_search_and_test_a_code(as_role: dict[str, Browser]) -> None:
    client = as_role["coder"].client
    found = client.get("/api/v1/rules", params={"q": "CO-50"}).json()
    assert "medical-necessity" in [r["id"] for r in found["rules"]]
    assert all(any(" 50" in m or "-50" in m for m in r["matches"]) for r in found["rules"])
    tested = client.get("/api/v1/rules/test", params={"carc": "50"}).json()["classification"]
    assert tested["is_denial"] is True and tested["rule"]
    page = client.get("/rules", params={"carc": "16"}).text
    assert 'id="tested"' in page
