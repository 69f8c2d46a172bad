"""A case read many times: its page and record show every change and the latest reads,
and say so; the whole audit trail has its own page and API route, itself audited."""

from __future__ import annotations

from denialops.work import events
from denialops.work.store import ACCESS_ACTIONS, RECENT_ACCESS
from tests.web.conftest import Browser, WebDb


def test_the_whole_trail_is_one_link_away(as_role: dict[str, Browser], web_db: WebDb) -> None:
    viewer = as_role["viewer"].client
    case_id = web_db.case_ids[-1]
    for _ in range(RECENT_ACCESS + 5):
        assert viewer.get(f"/api/v1/cases/{case_id}").status_code == 200

    record = viewer.get(f"/api/v1/cases/{case_id}").json()
    whole = events(web_db.engine, case_id)
    reads = [e for e in whole if e.action in ACCESS_ACTIONS]
    assert record["access"] == {"total": len(reads), "shown": RECENT_ACCESS}
    assert sum(e["action"] in ACCESS_ACTIONS for e in record["events"]) == RECENT_ACCESS
    assert len(record["events"]) == len(whole) - len(reads) + RECENT_ACCESS

    page = viewer.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}/trail"' in page and 'id="trail-note"' in page

    full = viewer.get(f"/api/v1/cases/{case_id}/events").json()
    assert len(full["events"]) == len(whole) + 2  # the page view above; this read itself
    latest = events(web_db.engine, case_id)[-1]
    assert (latest.actor, latest.action, latest.note) == ("viewer1", "view", "audit trail")

    trail_page = viewer.get(f"/cases/{case_id}/trail")
    assert trail_page.status_code == 200
    assert trail_page.text.count("<tr><td>") == len(whole) + 3


def test_a_case_seldom_read_shows_no_trail_note(as_role: dict[str, Browser], web_db: WebDb) -> None:
    page = as_role["analyst"].client.get(f"/cases/{web_db.case_ids[1]}").text
    assert 'id="trail-note"' not in page
