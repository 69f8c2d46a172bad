"""The web's move (API and case page) escalates only with the payer's decision date:
the same library rule as the CLI (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from denialops.work import get_case, move
from denialops.work.cases import appeal_t
from tests.web.conftest import Browser, WebDb

TODAY = datetime.now(UTC).date()


def _appealed(web_db: WebDb, index: int) -> int:
    case_id = web_db.case_ids[index]
    for state in ("triaged", "in_progress", "appealed"):
        move(web_db.engine, case_id, state, user="setup")
    return case_id


def _levels(web_db: WebDb, case_id: int) -> list[tuple[object, ...]]:
    with web_db.engine.connect() as conn:
        rows = conn.execute(
            select(appeal_t.c.level, appeal_t.c.outcome, appeal_t.c.decided_on)
            .where(appeal_t.c.case_id == case_id)
            .order_by(appeal_t.c.level)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("index", "body", "status", "message"),
    [
        (9, {"state": "appealed", "next_level": True}, 422, "decision date on level 1"),
        (10, {"state": "external_review"}, 422, "decision date on level 1"),
        (
            11,
            {"state": "appealed", "next_level": True, "decided_on": "2001-01-01"},
            422,
            "before level 1 was filed",
        ),
    ],  # fmt: skip
    ids=["next-level", "external-review", "before-filing"],
)
def test_api_refuses_to_escalate_without_the_decision_date(
    as_role: dict[str, Browser],
    web_db: WebDb,
    index: int,
    body: dict[str, object],
    status: int,
    message: str,
) -> None:
    browser = as_role["analyst"]
    case_id = _appealed(web_db, index)
    response = browser.client.post(
        f"/api/v1/cases/{case_id}/transitions", json=body, headers={"X-CSRF-Token": browser.csrf}
    )
    assert response.status_code == status
    assert message in response.json()["message"]
    assert get_case(web_db.engine, case_id).appeal_level == 1


def test_api_escalates_with_the_decision_date(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["analyst"]
    case_id = _appealed(web_db, 13)
    response = browser.client.post(
        f"/api/v1/cases/{case_id}/transitions",
        json={"state": "appealed", "next_level": True, "decided_on": TODAY.isoformat()},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 200, response.text
    assert response.json()["case"]["appeal_level"] == 2
    assert _levels(web_db, case_id) == [(1, "upheld", TODAY), (2, None, None)]


def test_case_page_escalates_only_with_the_decision_date(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    browser = as_role["analyst"]
    case_id = _appealed(web_db, 14)
    page = browser.client.get(f"/cases/{case_id}").text
    assert 'name="decided_on"' in page
    refused = browser.client.post(
        f"/cases/{case_id}/move",
        data={"state": "appealed", "csrf_token": browser.csrf},
        headers={"Accept": "text/html"},
    )
    assert refused.status_code == 422
    assert "decision date on level 1" in refused.text
    assert get_case(web_db.engine, case_id).appeal_level == 1
    done = browser.client.post(
        f"/cases/{case_id}/move",
        data={"state": "appealed", "decided_on": TODAY.isoformat(), "csrf_token": browser.csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert _levels(web_db, case_id) == [(1, "upheld", TODAY), (2, None, None)]
