"""Uploads: checked before anything is stored (size, type, zip members), then ingested."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from denialops.web.config import WebSettings
from denialops.web.uploads import UploadRejected, check_upload, safe_name
from tests.web.conftest import Browser, WebDb

FIXTURES = Path(__file__).parents[1] / "fixtures" / "835"
X12 = (FIXTURES / "professional.835").read_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


SETTINGS = WebSettings(max_upload_bytes=1_000_000, max_zip_ratio=50, max_zip_members=3)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.835", "empty"),
        (b"x" * 1_000_001, "a.835", "over the upload limit"),
        (b"%PDF-1.4 not a remittance", "a.835", "not an X12 835 file"),
        (b"PK\x03\x04 broken", "a.zip", "not a readable zip"),
        (_zip({"../../etc/passwd.835": X12}), "a.zip", "unsafe path"),
        (_zip({"/abs/a.835": X12}), "a.zip", "unsafe path"),
        (_zip({"C:\\a.835": X12}), "a.zip", "unsafe path"),
        (_zip({"bomb.835": b"ISA" + b"0" * 900_000}), "a.zip", "zip bomb"),
        (_zip({f"{i}.835": X12 for i in range(4)}), "a.zip", "limit is 3"),
        (_zip({"readme.md": b"# hello"}), "a.zip", "no 835 files"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(UploadRejected, match=reason):
        check_upload(data, name, SETTINGS)


def test_good_uploads_pass() -> None:
    assert check_upload(X12, "remit.835", SETTINGS).kind == "x12"
    checked = check_upload(_zip({"a/one.835": X12, "two.txt": X12}), "batch.zip", SETTINGS)
    assert (checked.kind, checked.members) == ("zip", 2)


def test_client_file_names_are_reduced_to_a_safe_base_name() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\remit 1.835") == "remit_1.835"
    assert safe_name("...") == "upload"


def test_upload_api_ingests_and_opens_cases(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["analyst"]
    response = browser.client.post(
        "/api/v1/uploads",
        files={"file": ("institutional.835", (FIXTURES / "institutional.835").read_bytes())},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 201, response.text
    summary = response.json()["summary"]
    assert summary["files"] + summary["files_skipped"] == 1
    with web_db.engine.connect() as conn:
        audit = conn.execute(
            text("SELECT actor, target FROM web_audit WHERE action = 'upload'")
        ).all()
    assert ("analyst1", "institutional.835") in [tuple(a) for a in audit]


def test_malformed_upload_is_a_readable_422_and_stores_nothing(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    browser = as_role["manager"]
    with web_db.engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM source_file")).scalar_one()
    api = browser.client.post(
        "/api/v1/uploads",
        files={"file": ("notes.835", b"Dear payer, please pay.")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert api.status_code == 422
    assert "must begin with an ISA segment" in api.json()["message"]
    page = browser.client.post(
        "/upload",
        files={"file": ("evil.zip", _zip({"../x.835": X12}))},
        data={"csrf_token": browser.csrf},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 422
    assert "unsafe path" in page.text and "Traceback" not in page.text
    with web_db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM source_file")).scalar_one() == before


def test_quarantine_lists_and_downloads_the_raw_text(as_role: dict[str, Browser]) -> None:
    client = as_role["analyst"].client
    items = client.get("/api/v1/quarantine").json()["items"]
    assert items and "not a decimal amount" in items[-1]["error"]
    raw = client.get(f"/api/v1/quarantine/{items[-1]['id']}/raw")
    assert raw.content.startswith(b"ST*835") or b"BPR*I*NOT-A-NUMBER" in raw.content
    page = client.get(f"/quarantine/{items[-1]['id']}").text
    assert "BPR*I*NOT-A-NUMBER" in page
