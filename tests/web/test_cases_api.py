"""The cases API: queue filters, sort, keyset pagination, detail, working a case, CSRF."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.web.conftest import CASES, Browser, WebDb


def _csrf(browser: Browser) -> dict[str, str]:
    return {"X-CSRF-Token": browser.csrf}


def test_queue_lists_open_cases_with_what_an_analyst_needs(as_role: dict[str, Browser]) -> None:
    body = as_role["viewer"].client.get("/api/v1/cases", params={"limit": 200}).json()
    assert body["ok"] is True
    assert len(body["cases"]) >= CASES - 2  # other tests of the module may close a few
    row = next(r for r in body["cases"] if r["claim"] == "PCN000")
    assert row["patient_name"] == "TESTPATIENT, ALEX"
    assert row["member_id"] == "M1"
    assert row["payer_name"] == "TEST PAYER"
    # at risk is the expected payment: no allowed amount and no paid history for the
    # service yet, so billed x the default paid-to-charge ratio (0.40, priority.yaml)
    assert row["billed"] == "500.00" and row["at_risk"] == "200.00"
    assert row["codes"][0]["code"] == "CO-50"
    assert "medical necessity" in row["codes"][0]["text"].lower() or row["codes"][0]["text"]
    assert row["service_from"] == "2026-01-05"


def test_filters_are_case_insensitive(as_role: dict[str, Browser]) -> None:
    client = as_role["analyst"].client
    by_payer = client.get("/api/v1/cases", params={"payer": "PAYER2"}).json()
    assert {r["payer_id"] for r in by_payer["cases"]} == {"PAYER2"}
    by_carc = client.get("/api/v1/cases", params={"carc": "co-16", "limit": 200}).json()
    assert len(by_carc["cases"]) == CASES - CASES // 2
    assert all(r["codes"][0]["code"] == "CO-16" for r in by_carc["cases"])
    every = client.get("/api/v1/cases", params={"limit": 200}).json()["cases"]
    low, high = sorted(Decimal(r["at_risk"]) for r in every)[1:3]
    expected = sorted(r["at_risk"] for r in every if low <= Decimal(r["at_risk"]) <= high)
    amount = client.get("/api/v1/cases", params={"min_amount": str(low), "max_amount": str(high)})
    assert sorted(r["at_risk"] for r in amount.json()["cases"]) == expected
    assert len(expected) >= 2


def test_search_by_claim_number_member_id_and_patient_name(as_role: dict[str, Browser]) -> None:
    client = as_role["coder"].client
    found = client.get("/api/v1/cases", params={"q": "acc003", "include_closed": True}).json()
    assert [r["claim"] for r in found["cases"]] == ["ACC003"]
    by_icn = client.get("/api/v1/cases", params={"q": "ICNPCN001", "include_closed": True}).json()
    assert [r["claim"] for r in by_icn["cases"]] == ["PCN001"]
    by_name = client.get("/api/v1/cases", params={"q": "testpatient", "limit": 200}).json()
    assert len(by_name["cases"]) >= CASES - 2


def test_keyset_pagination_walks_every_case_once(as_role: dict[str, Browser]) -> None:
    client = as_role["viewer"].client
    for sort in ("priority", "deadline", "amount", "age"):
        whole = client.get("/api/v1/cases", params={"sort": sort, "limit": 200}).json()
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, object] = {"sort": sort, "limit": 5}
            if cursor:
                params["after"] = cursor
            page = client.get("/api/v1/cases", params=params).json()
            seen += [r["case_id"] for r in page["cases"]]
            cursor = page["next"]
            if not cursor:
                break
        assert seen == [r["case_id"] for r in whole["cases"]], sort


def test_a_bad_cursor_is_a_readable_422(as_role: dict[str, Browser]) -> None:
    response = as_role["viewer"].client.get("/api/v1/cases", params={"after": "garbage"})
    assert response.status_code == 400
    assert "cursor" in response.json()["message"]


def test_case_detail_is_audited_as_a_view(as_role: dict[str, Browser], web_db: WebDb) -> None:
    case_id = web_db.case_ids[-2]
    browser = as_role["cdi"]
    detail = browser.client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["case"]["id"] == case_id
    assert detail["claim"]["patient_name"] == "TESTPATIENT, ALEX"
    assert detail["lines"][0]["adjustments"][0]["reason_text"]
    assert detail["lines"][0]["adjustments"][0]["rule_id"]
    assert detail["allowed_moves"] == ["triaged"]
    with web_db.engine.connect() as conn:
        views = (
            conn.execute(
                text("SELECT actor FROM case_event WHERE case_id = :c AND action = 'view'"),
                {"c": case_id},
            )
            .scalars()
            .all()
        )
    assert "cdi1" in views


def test_missing_case_is_404_in_the_one_shape(as_role: dict[str, Browser]) -> None:
    response = as_role["viewer"].client.get("/api/v1/cases/987654")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "status": 404,
        "error": "not_found",
        "message": "no case 987654",
        "errors": [],
    }


def test_work_a_case_through_the_api(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["analyst"]
    case_id = web_db.case_ids[-3]
    moved = browser.client.post(
        f"/api/v1/cases/{case_id}/transitions", json={"state": "triaged"}, headers=_csrf(browser)
    )
    assert moved.status_code == 200
    version = moved.json()["case"]["version"]
    refused = browser.client.post(
        f"/api/v1/cases/{case_id}/transitions", json={"state": "won"}, headers=_csrf(browser)
    )
    assert refused.status_code == 409
    assert "allowed from 'triaged'" in refused.json()["message"]
    stale = browser.client.post(
        f"/api/v1/cases/{case_id}/assignment",
        json={"assignee": "coder1", "version": version - 1},
        headers=_csrf(browser),
    )
    assert stale.status_code == 409
    assigned = browser.client.post(
        f"/api/v1/cases/{case_id}/assignment",
        json={"assignee": "coder1", "version": version},
        headers=_csrf(browser),
    )
    assert assigned.json()["case"]["assignee"] == "coder1"
    noted = browser.client.post(
        f"/api/v1/cases/{case_id}/notes", json={"text": "records requested"}, headers=_csrf(browser)
    )
    assert noted.status_code == 201
    detail = browser.client.get(f"/api/v1/cases/{case_id}").json()
    actions = [(e["actor"], e["action"]) for e in detail["events"]]
    assert ("analyst1", "move") in actions and ("analyst1", "assign") in actions
    assert ("analyst1", "note") in actions
    assert detail["notes"][-1]["text"] == "records requested"


def test_bulk_assign_reports_each_case(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["manager"]
    ids = web_db.case_ids[8:11]
    response = browser.client.post(
        "/api/v1/cases/bulk",
        json={"case_ids": [*ids, 999999], "action": "assign", "value": "access1"},
        headers=_csrf(browser),
    )
    body = response.json()
    assert body["done"] == ids
    assert body["failed"][0]["case_id"] == 999999
    assigned = browser.client.get("/api/v1/cases", params={"assignee": "access1"}).json()
    assert set(ids) <= {r["case_id"] for r in assigned["cases"]}


def test_state_changes_need_the_csrf_token(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["admin"]
    case_id = web_db.case_ids[-4]
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = browser.client.post(
            f"/api/v1/cases/{case_id}/notes", json={"text": "x"}, headers=headers
        )
        assert response.status_code == 403
        assert "CSRF" in response.json()["message"]
    page = browser.client.post(
        f"/cases/{case_id}/notes", data={"text": "x"}, follow_redirects=False
    )
    assert page.status_code == 403


def test_validation_errors_name_the_field_not_the_value(as_role: dict[str, Browser]) -> None:
    browser = as_role["admin"]
    response = browser.client.post(
        "/api/v1/cases/bulk",
        json={"case_ids": [], "action": "explode", "value": "SMITH, JOHN"},
        headers=_csrf(browser),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert {e["field"] for e in body["errors"]} >= {"body.case_ids", "body.action"}
    assert "SMITH" not in response.text


def test_openapi_schema_is_served_and_lists_the_api(app_factory) -> None:  # type: ignore[no-untyped-def]
    schema = TestClient(app_factory()).get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "denialops"
    paths = set(schema["paths"])
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/bulk"} <= paths
    assert all(p.startswith("/api/v1/") for p in paths)


def test_empty_form_fields_mean_no_filter_and_bad_ones_are_named(
    as_role: dict[str, Browser],
) -> None:
    client = as_role["viewer"].client
    empty = {"min_amount": "", "max_amount": "", "date_from": "", "q": "", "owner": "", "state": ""}
    assert client.get("/api/v1/cases", params=empty).status_code == 200
    assert client.get("/queue", params=empty).status_code == 200
    bad = client.get("/api/v1/cases", params={"min_amount": "lots"})
    assert bad.status_code == 422 and "min_amount" in bad.json()["message"]
    bad_day = client.get("/api/v1/cases", params={"date_to": "2026-13-01"})
    assert bad_day.status_code == 422 and "date_to" in bad_day.json()["message"]


def test_out_of_range_ids_and_nul_characters_are_client_errors(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    browser = as_role["admin"]
    huge = browser.client.post(
        f"/api/v1/cases/{2**63}/transitions", json={"state": "triaged"}, headers=_csrf(browser)
    )
    assert huge.status_code == 422
    bulk = browser.client.post(
        "/api/v1/cases/bulk",
        json={"case_ids": [2**63], "action": "assign", "value": "x"},
        headers=_csrf(browser),
    )
    assert bulk.status_code == 422
    nul = browser.client.post(
        f"/api/v1/cases/{web_db.case_ids[-4]}/notes",
        json={"text": "bad\u0000byte"},
        headers=_csrf(browser),
    )
    assert nul.status_code in (201, 422)  # SQLite stores it; PostgreSQL refuses it cleanly
    assert browser.client.get("/api/v1/cases", params={"q": "a\u0000b"}).status_code in (200, 422)
