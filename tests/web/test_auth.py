"""Logging in and out, sessions, CSRF on the login form, rate limiting, API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text

from denialops.web import accounts
from tests.web.conftest import PASSWORD, WebDb, login


def test_login_sets_an_httponly_samesite_session_cookie(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "denialops_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_secure_settings_use_a_secure_host_cookie(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory(secure_cookies=True), base_url="https://testserver")
    page = client.get("/login")
    assert "__Host-denialops_login=" in page.headers["set-cookie"]
    assert "Secure" in page.headers["set-cookie"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-denialops_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert client.get("/api/v1/me").json()["login"] == "analyst1"
    assert "Strict-Transport-Security" in response.headers


def test_login_without_the_forms_csrf_token_is_refused(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_then_rate_limited(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory(login_attempts=3))
    statuses = []
    for _ in range(4):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        statuses.append(
            client.post(
                "/login",
                data={"username": "coder1", "password": "wrong password!", "csrf_token": token},
            ).status_code
        )
    assert statuses == [401, 401, 401, 429]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    # Even the right password waits until the window has passed.
    refused = client.post(
        "/login", data={"username": "coder1", "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_pages_redirect_to_login_and_api_says_401(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    page = client.get("/queue", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    api = client.get("/api/v1/cases")
    assert api.status_code == 401
    assert api.json()["error"] == "unauthenticated"


def test_logout_ends_the_session(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    csrf = login(client, "viewer1")
    refused = client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    done = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_idle_session_expires(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory(idle_timeout=timedelta(seconds=-1)))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
    assert client.get("/api/v1/me").status_code == 401


def test_api_token_is_hashed_at_rest_and_revocable(app_factory, web_db: WebDb) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    browser = TestClient(app)
    csrf = login(browser, "analyst1")
    created = browser.post(
        "/api/v1/tokens", json={"name": "nightly"}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201
    token = created.json()["token"]
    with web_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_token")).scalars().all()
    assert token not in stored
    script = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/me", headers=headers).json()["via"] == "token"
    # A script needs no CSRF token: it sends no cookie.
    case_id = web_db.case_ids[-1]
    noted = script.post(
        f"/api/v1/cases/{case_id}/notes", json={"text": "from a script"}, headers=headers
    )
    assert noted.status_code == 201
    revoked = browser.delete(
        f"/api/v1/tokens/{created.json()['id']}", headers={"X-CSRF-Token": csrf}
    )
    assert revoked.status_code == 200
    assert script.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_user_loses_the_session(app_factory, web_db: WebDb) -> None:  # type: ignore[no-untyped-def]
    accounts.add_user(web_db.engine, "leaver", role="analyst", password=PASSWORD)
    client = TestClient(app_factory())
    login(client, "leaver")
    accounts.update_user(web_db.engine, "leaver", actor="test", active=False)
    assert client.get("/api/v1/me").status_code == 401


def test_security_headers_on_every_response(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app_factory())
    for path in ("/login", "/api/v1/cases", "/static/app.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert "script-src 'self'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
