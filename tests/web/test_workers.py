"""``denialops serve --workers N``: each worker builds its own application from the
environment, and a session, its CSRF token and an API token made on one worker are
honoured by another (they live in the database, not in a process)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from denialops.web import app as web_app
from denialops.web.accounts import create_token
from denialops.web.config import WebSettings
from tests.web.conftest import WebDb, login


def test_worker_settings_round_trip(monkeypatch: pytest.MonkeyPatch, web_db: WebDb) -> None:
    settings = WebSettings(db_url=web_db.url, secure_cookies=False)
    monkeypatch.setenv(web_app.SETTINGS_ENV, web_app.settings_json(settings))
    worker = web_app.app_from_environment()
    assert worker.state.settings.db_url == web_db.url
    assert worker.state.settings.secure_cookies is False
    worker.state.engine.dispose()


def test_session_csrf_and_token_work_on_another_worker(app_factory: Any, web_db: WebDb) -> None:
    first, second = app_factory(), app_factory()  # two workers, one database
    case_id = web_db.case_ids[5]
    with TestClient(first) as one, TestClient(second) as two:
        csrf = login(one, "analyst1")
        two.cookies.update(one.cookies)
        me = two.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["login"] == "analyst1"
        refused = two.post(f"/api/v1/cases/{case_id}/notes", json={"text": "no token"})
        assert refused.status_code == 403
        added = two.post(
            f"/api/v1/cases/{case_id}/notes",
            json={"text": "written on the second worker"},
            headers={"X-CSRF-Token": csrf},
        )
        assert added.status_code == 201, added.text
        detail = one.get(f"/api/v1/cases/{case_id}").json()
        assert detail["notes"][-1]["text"] == "written on the second worker"
        assert [e["actor"] for e in detail["events"] if e["action"] == "view"][-1] == "analyst1"
    _id, token = create_token(web_db.engine, "viewer1", "workers-test", actor="test")
    bearer = {"Authorization": f"Bearer {token}"}
    for app in (first, second):
        with TestClient(app) as client:
            shown = client.get(f"/api/v1/cases/{case_id}", headers=bearer)
            assert shown.status_code == 200 and shown.json()["case"]["id"] == case_id
