"""Documents on a case (upload, download, audit) and appeal letters from the case page."""

from __future__ import annotations

from sqlalchemy import text

from tests.web.conftest import Browser, WebDb


def test_attach_and_download_a_document(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["coder"]
    case_id = web_db.case_ids[-7]
    attached = browser.client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("op-note.txt", b"Operative note, page 1.")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert attached.status_code == 201, attached.text
    doc = attached.json()["document"]
    download = browser.client.get(f"/api/v1/cases/{case_id}/documents/{doc['id']}")
    assert download.content == b"Operative note, page 1."
    assert "attachment" in download.headers["content-disposition"]
    with web_db.engine.connect() as conn:
        actions = (
            conn.execute(
                text("SELECT action FROM case_event WHERE case_id = :c AND actor = 'coder1'"),
                {"c": case_id},
            )
            .scalars()
            .all()
        )
    assert "attach" in actions and "download" in actions
    other = browser.client.get(f"/api/v1/cases/{web_db.case_ids[-8]}/documents/{doc['id']}")
    assert other.status_code == 404


def test_a_disguised_document_is_refused(as_role: dict[str, Browser], web_db: WebDb) -> None:
    browser = as_role["coder"]
    response = browser.client.post(
        f"/api/v1/cases/{web_db.case_ids[-7]}/documents",
        files={"file": ("scan.pdf", b"MZ\x90\x00 this is an executable")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 422
    assert "content is not" in response.json()["message"]


def test_generate_a_draft_letter_as_pdf_and_docx(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    browser = as_role["cdi"]
    case_id = web_db.case_ids[-8]
    pdf = browser.client.post(
        f"/api/v1/cases/{case_id}/letter", json={}, headers={"X-CSRF-Token": browser.csrf}
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    docx = browser.client.post(
        f"/cases/{case_id}/letter", data={"format": "docx", "csrf_token": browser.csrf}
    )
    assert docx.content.startswith(b"PK")
    final = browser.client.post(
        f"/api/v1/cases/{case_id}/letter",
        json={"draft": False},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert final.status_code == 422
    assert "placeholders still empty" in final.json()["message"]
