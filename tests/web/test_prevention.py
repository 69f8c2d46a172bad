"""Scrub and prevention in the web app: 837 upload scrubbed in memory, the report from stored
claims, and the page, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from denialops.synth.claims837 import generate_claims, write_claim_files
from tests.web.conftest import Browser

CLAIMS = (Path(__file__).parents[1] / "fixtures" / "837" / "professional.837").read_bytes()


@pytest.fixture(autouse=True)
def _refdata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(tmp_path / "refdata"))


def test_scrub_api_returns_findings_and_stores_nothing(as_role: dict[str, Browser]) -> None:
    browser = as_role["coder"]
    response = browser.client.post(
        "/api/v1/scrub",
        files={"file": ("claims.837", CLAIMS)},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    (claim,) = data["claims"]
    assert claim["patient_control_number"] == "26463774"
    assert {f["edit"] for f in claim["findings"]} >= {"ICD-VALID"}
    assert data["ptp_table_installed"] is False


def test_scrub_refuses_what_is_not_x12_and_needs_csrf(as_role: dict[str, Browser]) -> None:
    browser = as_role["analyst"]
    bad = browser.client.post(
        "/api/v1/scrub",
        files={"file": ("claims.837", b"not a claim")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert bad.status_code == 422 and "ISA segment" in bad.json()["message"]
    forged = browser.client.post("/api/v1/scrub", files={"file": ("claims.837", CLAIMS)})
    assert forged.status_code == 403
    viewer = as_role["viewer"]
    refused = viewer.client.post(
        "/api/v1/scrub",
        files={"file": ("claims.837", CLAIMS)},
        headers={"X-CSRF-Token": viewer.csrf},
    )
    assert refused.status_code == 403


def test_prevention_report_after_uploading_claims_and_answers(
    as_role: dict[str, Browser], tmp_path: Path
) -> None:
    planted = list(generate_claims(seed=5, claims=60))
    claim_files, remit_files = write_claim_files(tmp_path, planted, seed=5, claims_per_batch=60)
    browser = as_role["analyst"]
    for path in (*claim_files, *remit_files):
        uploaded = browser.client.post(
            "/api/v1/uploads",
            files={"file": (path.name, path.read_bytes())},
            headers={"X-CSRF-Token": browser.csrf},
        )
        assert uploaded.status_code == 201, uploaded.text
    report = as_role["viewer"].client.get("/api/v1/prevention").json()
    assert report["submitted"]["claims_submitted"] >= 60
    denied = sum(1 for p in planted if p.denial is not None)
    assert report["report"]["denials"] >= denied > 0
    page = as_role["viewer"].client.get("/prevention")
    assert page.status_code == 200
    assert 'id="clean-claim-rate"' in page.text and "Which edits would have prevented" in page.text
    assert 'id="scrub-form"' not in page.text  # a viewer reads, does not scrub
    worker_page = browser.client.get("/prevention")
    assert 'id="scrub-form"' in worker_page.text
