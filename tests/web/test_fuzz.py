"""Schema-based fuzzing of the JSON API (schemathesis): no input makes it answer 500.

Every operation of the served OpenAPI schema gets a few generated requests, sent as
the admin with an API token (no CSRF needed) so each reaches the code behind the
permission check. Kept small so the default run stays fast.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from denialops.web.accounts import create_token
from tests.web.conftest import WebDb

EXAMPLES = 4


def test_no_generated_request_gets_a_server_error(app_factory, web_db: WebDb) -> None:  # type: ignore[no-untyped-def]
    if not web_db.url.startswith("sqlite"):
        pytest.skip("the fuzz exercises the HTTP layer; it runs once, on SQLite")
    schemathesis = pytest.importorskip("schemathesis")
    app = app_factory()
    _id, token = create_token(web_db.engine, "admin1", "fuzz", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"ok", "status", "error", "message", "errors"}, body
                assert body["ok"] is False and body["status"] == response.status_code

        check()
    assert failures == []
