"""Server-rendered pages: the queue and the case page show the case, forms work (PRG)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import Browser, WebDb, login


def test_queue_page_shows_rows_with_names_codes_and_bulk_controls(
    as_role: dict[str, Browser],
) -> None:
    page = as_role["analyst"].client.get("/queue", params={"q": "PCN00"})
    assert page.status_code == 200
    html = page.text
    assert "TESTPATIENT, ALEX" in html and "TEST PAYER" in html and "CO-50" in html
    assert 'id="bulk-apply"' in html
    assert "<script>" not in html and "onclick" not in html  # CSP: no inline script
    viewer = as_role["viewer"].client.get("/queue").text
    assert 'id="bulk-apply"' not in viewer


def test_a_coder_sees_the_coding_queue_by_default(as_role: dict[str, Browser]) -> None:
    html = as_role["coder"].client.get("/queue").text
    assert re.search(r'<option value="coding_him" selected>', html)


def test_case_page_shows_claim_codes_rule_and_allowed_moves(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    case_id = web_db.case_ids[-5]
    html = as_role["viewer"].client.get(f"/cases/{case_id}").text
    assert f"Case #{case_id}" in html
    assert "CO-" in html and "Timeline" in html
    assert 'id="move-form"' not in html  # a viewer is offered no changes
    worker = as_role["coder"].client.get(f"/cases/{case_id}").text
    assert 'id="move-form"' in worker and '<option value="triaged">' in worker


def test_forms_post_redirect_get(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["access"]
    case_id = web_db.case_ids[-6]
    posted = browser.client.post(
        f"/cases/{case_id}/notes",
        data={"text": "insurance card rescanned", "csrf_token": browser.csrf},
        follow_redirects=False,
    )
    assert posted.status_code == 303 and posted.headers["location"] == f"/cases/{case_id}"
    assert "insurance card rescanned" in browser.client.get(f"/cases/{case_id}").text


def test_refused_move_is_an_error_page_not_a_traceback(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    browser = as_role["cdi"]
    case_id = web_db.case_ids[-6]
    response = browser.client.post(
        f"/cases/{case_id}/move",
        data={"state": "won", "csrf_token": browser.csrf},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 409
    assert "cannot move a case from &#39;new&#39; to &#39;won&#39;" in response.text
    assert "Traceback" not in response.text


def test_unknown_page_is_a_404_page(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    login(client, "viewer1")
    response = client.get("/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<html" in response.text
