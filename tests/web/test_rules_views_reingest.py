"""Saved queue views, rule overrides edited in the browser (with history and reclassify)
and re-ingesting a repaired quarantined item: pages, JSON, CSRF, roles and audit."""

from __future__ import annotations

import html
import re

from denialops.classify.overrides import list_overrides
from denialops.work import events
from tests.web.conftest import Browser, WebDb, quarantine_broken, repaired_835


def _csrf(browser: Browser) -> dict[str, str]:
    return {"X-CSRF-Token": browser.csrf}


def _audit_actions(as_role: dict[str, Browser]) -> list[str]:
    entries = as_role["admin"].client.get("/api/v1/audit").json()["entries"]
    return [e["action"] for e in entries]


def test_saved_views_are_saved_picked_shared_and_deleted(as_role: dict[str, Browser]) -> None:
    analyst, manager = as_role["analyst"], as_role["manager"]
    saved = analyst.client.post(
        "/queue/views",
        data={"name": "Big CO-50", "query": "carc=50&sort=amount",
              "csrf_token": analyst.csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == "/queue?carc=50&sort=amount"
    shared = manager.client.post(
        "/api/v1/views",
        json={"name": "Team PAYER2", "query": "payer=PAYER2", "shared": True},
        headers=_csrf(manager),
    )
    assert shared.status_code == 201

    page = analyst.client.get("/queue").text
    assert 'href="/queue?carc=50&amp;sort=amount"' in page
    assert "Team PAYER2" in page and "by manager1" in page
    assert page.count('class="inline view-delete"') == 1  # only her own view
    picked = analyst.client.get("/queue?carc=50&sort=amount").text
    assert "PCN00" in picked and "ACC00" not in picked

    views = analyst.client.get("/api/v1/views").json()["views"]
    assert [(v["name"], v["mine"]) for v in views] == [("Big CO-50", True), ("Team PAYER2", False)]
    theirs = views[1]["id"]
    assert (
        analyst.client.delete(f"/api/v1/views/{theirs}", headers=_csrf(analyst)).status_code == 404
    )
    assert analyst.client.delete(f"/api/v1/views/{views[0]['id']}").status_code == 403  # no CSRF
    dup = analyst.client.post("/api/v1/views", json={"name": "Big CO-50"}, headers=_csrf(analyst))
    assert dup.status_code == 409
    bad = analyst.client.post(
        "/api/v1/views", json={"name": "x", "query": "after=abc"}, headers=_csrf(analyst)
    )
    assert bad.status_code == 422 and "after" in bad.json()["message"]
    deleted = analyst.client.post(
        f"/queue/views/{views[0]['id']}/delete",
        data={"csrf_token": analyst.csrf},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert [v["name"] for v in analyst.client.get("/api/v1/views").json()["views"]] == [
        "Team PAYER2"
    ]
    actions = _audit_actions(as_role)
    assert "view_save" in actions and "view_delete" in actions


def test_rule_overrides_are_edited_in_the_browser_with_history_and_reclassify(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    manager, viewer = as_role["manager"], as_role["viewer"]
    form = {"payer": "PAYER1", "group": "CO", "carc": "50", "category": "no_such_cause",
            "csrf_token": manager.csrf}  # fmt: skip
    refused = manager.client.post("/rules/overrides", data=form)
    assert refused.status_code == 422
    error = re.search(r'id="override-error" role="alert">([^<]*)<', refused.text)
    assert error and html.unescape(error.group(1)) == "unknown category 'no_such_cause'"

    form["category"] = "documentation"
    added = manager.client.post("/rules/overrides", data=form, follow_redirects=False)
    assert added.status_code == 303
    (override,) = [o for o in list_overrides(web_db.engine) if o.spec.payer == "PAYER1"]
    page = manager.client.get("/rules").text
    assert f'id="override-{override.id}"' in page and 'id="override-add"' in page
    assert "payer PAYER1 CO-50 -&gt; documentation" in page

    edit = {**form, "category": "medical_necessity", "owner": "billing", "version": "1"}
    edited = manager.client.post(f"/rules/overrides/{override.id}", data=edit)
    assert edited.status_code == 200  # followed to the page
    stale = manager.client.post(f"/rules/overrides/{override.id}", data=edit)
    assert stale.status_code == 422 and "override-row-error" in stale.text
    history = manager.client.get("/api/v1/rules/overrides/history").json()["history"]
    mine = [h for h in history if h["override_id"] == override.id]
    assert [(h["change"], h["actor"]) for h in mine] == [("edit", "manager1"), ("add", "manager1")]
    assert mine[0]["before"]["category"] == "documentation"
    assert mine[0]["after"]["owner"] == "billing"
    assert "manager1" in manager.client.get("/rules").text.split('id="override-history"')[1]

    # back to documentation through the API, then reclassify from the page
    put = manager.client.put(
        f"/api/v1/rules/overrides/{override.id}",
        json={"payer": "PAYER1", "group": "CO", "carc": "50", "category": "documentation",
              "version": 2},
        headers=_csrf(manager),
    )  # fmt: skip
    assert put.status_code == 200 and put.json()["override"]["version"] == 3
    case_id = web_db.case_ids[1]  # a PAYER1 CO-50 case
    before = viewer.client.get(f"/api/v1/cases/{case_id}").json()
    assert before["lines"][0]["adjustments"][0]["category"] == "medical_necessity"
    assert before["case"]["category"] == "medical_necessity"
    done = manager.client.post("/rules/reclassify", data={"csrf_token": manager.csrf})
    assert done.status_code == 200 and 'id="reclassified"' in done.text
    rerouted = re.search(r'id="reclassified-cases">(\d+)<', done.text)
    assert rerouted and int(rerouted.group(1)) >= 1
    after = viewer.client.get(f"/api/v1/cases/{case_id}").json()
    adjustment = after["lines"][0]["adjustments"][0]
    assert (adjustment["category"], adjustment["rule_id"]) == ("documentation", override.rule_id)
    # the open case follows (the queue routes by it), audited under the manager
    assert after["case"]["category"] == "documentation"
    assert after["case"]["version"] == before["case"]["version"] + 1
    assert ("reclassify", "manager1", "category") in {
        (e.action, e.actor, e.field) for e in events(web_db.engine, case_id)
    }
    tested = viewer.client.get(
        "/api/v1/rules/test", params={"carc": "50", "group": "CO", "payer": "PAYER1"}
    ).json()
    assert tested["classification"]["rule"] == override.rule_id

    # everyone else reads them; the API refuses their changes
    assert 'id="override-add"' not in viewer.client.get("/rules").text
    listed = viewer.client.get("/api/v1/rules/overrides").json()["overrides"]
    assert any(o["id"] == override.id for o in listed)
    for role in ("viewer", "analyst", "coder"):
        browser = as_role[role]
        assert browser.client.post(
            "/api/v1/rules/overrides", json={"carc": "16", "category": "documentation"},
            headers=_csrf(browser),
        ).status_code == 403  # fmt: skip
        assert (
            browser.client.post("/api/v1/rules/reclassify", headers=_csrf(browser)).status_code
            == 403
        )
    no_csrf = manager.client.delete(f"/api/v1/rules/overrides/{override.id}")
    assert no_csrf.status_code == 403
    gone = manager.client.delete(f"/api/v1/rules/overrides/{override.id}", headers=_csrf(manager))
    assert gone.status_code == 200
    actions = _audit_actions(as_role)
    assert {"rule_add", "rule_edit", "rule_delete", "reclassify"} <= set(actions)


def test_a_quarantined_item_is_re_ingested_from_its_page(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    analyst = as_role["analyst"]
    item = quarantine_broken(web_db.engine, web_db.folder)
    page = analyst.client.get(f"/quarantine/{item}").text
    assert 'id="reingest-form"' in page and "NOT-A-NUMBER" in page
    assert 'id="reingest-form"' not in as_role["viewer"].client.get("/quarantine/1").text

    broken = analyst.client.post(
        f"/quarantine/{item}/reingest", data={"text": "ST*835*0001~SE*2*0001~ST*835*2~",
                                              "csrf_token": analyst.csrf})  # fmt: skip
    assert broken.status_code == 422 and 'id="reingest-error"' in broken.text
    text = repaired_835("REPAIRED1").decode()
    segments = text[text.index("ST*") : text.index("GE*")]
    fixed = analyst.client.post(
        f"/quarantine/{item}/reingest",
        data={"text": segments, "csrf_token": analyst.csrf},
        follow_redirects=False,
    )
    assert fixed.status_code == 303
    shown = analyst.client.get(f"/quarantine/{item}").text
    assert 'id="quarantine-status">resolved<' in shown
    link = re.search(r'href="/cases/(\d+)" class="resolved-case"', shown)
    assert link, shown
    case = analyst.client.get(f"/api/v1/cases/{link.group(1)}").json()
    assert case["claim"]["patient_control_number"] == "REPAIRED1"
    listed = analyst.client.get("/api/v1/quarantine").json()["items"]
    assert [q["resolved_by_remittance_id"] for q in listed if q["id"] == item] != [None]

    again = analyst.client.post(
        f"/api/v1/quarantine/{item}/reingest",
        files={"file": ("r.835", repaired_835())},
        headers=_csrf(analyst),
    )
    assert again.status_code == 409
    other = quarantine_broken(web_db.engine, web_db.folder)
    assert (
        analyst.client.post(
            f"/api/v1/quarantine/{other}/reingest", files={"file": ("r.835", repaired_835())}
        ).status_code
        == 403
    )  # no CSRF token
    assert as_role["coder"].client.post(
        f"/api/v1/quarantine/{other}/reingest",
        files={"file": ("r.835", repaired_835())},
        headers=_csrf(as_role["coder"]),
    ).status_code == 403  # fmt: skip
    api = analyst.client.post(
        f"/api/v1/quarantine/{other}/reingest",
        files={"file": ("r.835", repaired_835("REPAIRED2"))},
        headers=_csrf(analyst),
    )
    assert api.status_code == 201, api.text
    body = api.json()
    assert body["resolved"] and body["remittance"]["claims"] == 1
    assert body["remittance"]["case_ids"]
    assert analyst.client.post(
        "/api/v1/quarantine/999999/reingest", data={"text": "ST*835*1~SE*2*1~"},
        headers=_csrf(analyst),
    ).status_code == 404  # fmt: skip
    actions = _audit_actions(as_role)
    assert actions.count("reingest") == 2  # the two repairs stored
    assert actions.count("reingest_refused") == 2  # two sets in one repair; resolved before


def test_the_new_routes_are_in_the_openapi_schema(as_role: dict[str, Browser]) -> None:
    paths = set(as_role["viewer"].client.get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/views",
        "/api/v1/views/{view_id}",
        "/api/v1/rules/overrides",
        "/api/v1/rules/overrides/{override_id}",
        "/api/v1/rules/overrides/history",
        "/api/v1/rules/reclassify",
        "/api/v1/quarantine/{item_id}/reingest",
    } <= paths
