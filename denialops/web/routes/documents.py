"""Documents attached to a case (upload, download) and letters generated from it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from denialops.web.config import WebSettings
from denialops.web.deps import EngineDep, PathId, SettingsDep, Viewer, Worker
from denialops.web.errors import WebError
from denialops.web.readmodel import record_case_access
from denialops.web.routes.cases import CaseDep
from denialops.web.uploads import safe_name
from denialops.work.cases import Case
from denialops.work.documents import MAX_BYTES, attach_document, case_documents, verified_path
from denialops.work.letters import (
    case_facts,
    load_template,
    render_letter,
    template_for,
    write_letter,
)

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["documents and letters"])

MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


async def _attach(
    upload: UploadFile, case: Case, login: str, engine: Any, settings: WebSettings
) -> dict[str, Any]:
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise WebError(413, f"a document may be at most {MAX_BYTES:,} bytes")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / safe_name(upload.filename or "document")
        path.write_bytes(data)
        doc = attach_document(engine, case.id, path, user=login, store_dir=settings.documents_dir)
    return {
        "id": doc.id,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "size_bytes": doc.size_bytes,
        "sha256": doc.sha256,
    }


@api.post("/cases/{case_id}/documents", status_code=201)
async def attach_api(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or plain text.")],
) -> dict[str, Any]:
    """Attach a document to the case (type checked by name and content, size limited)."""
    return {"ok": True, "document": await _attach(file, case, actor.login, engine, settings)}


@api.get("/cases/{case_id}/documents/{document_id}", response_class=FileResponse)
def download_document(
    case: CaseDep, document_id: PathId, actor: Viewer, engine: EngineDep
) -> FileResponse:
    """The document's bytes, after checking they still hash to what was attached."""
    doc = next((d for d in case_documents(engine, case.id) if d.id == document_id), None)
    if doc is None:
        raise WebError(404, f"no document {document_id} on case {case.id}")
    path = verified_path(doc)
    record_case_access(engine, case.id, actor.login, "download", f"document {doc.id}")
    return FileResponse(path, media_type=doc.media_type, filename=doc.filename)


class LetterIn(BaseModel):
    template: str | None = Field(default=None, max_length=64)
    fills: dict[str, Annotated[str, Field(max_length=4000)]] = Field(
        default_factory=dict, max_length=50
    )
    draft: bool = True
    format: Literal["pdf", "docx"] = "pdf"


def _letter(case: Case, body: LetterIn, login: str, engine: Any) -> Response:
    loaded = load_template(body.template or template_for(case.category))
    letter = render_letter(case_facts(engine, case.id), loaded, body.fills, final=not body.draft)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"letter.{body.format}"
        write_letter(letter, path)
        content = path.read_bytes()
    record_case_access(engine, case.id, login, "letter", f"{letter.template} {body.format}")
    return Response(
        content,
        media_type=MEDIA[body.format],
        headers={
            "Content-Disposition": (
                f'attachment; filename="appeal-case-{case.id}-{letter.template}.{body.format}"'
            ),
            "X-Placeholders-Left": str(len(letter.missing)),
        },
    )


@api.post("/cases/{case_id}/letter", response_class=Response)
def letter_api(case: CaseDep, body: LetterIn, actor: Worker, engine: EngineDep) -> Response:
    """The appeal letter for the case as PDF or DOCX (a draft keeps [[FILL ...]] marks)."""
    return _letter(case, body, actor.login, engine)


# ---------------------------------------------------------------------------- pages


@router.post("/cases/{case_id}/documents", include_in_schema=False)
async def attach_form(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    await _attach(file, case, actor.login, engine, settings)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{case_id}/letter", include_in_schema=False)
def letter_form(
    case: CaseDep,
    actor: Worker,
    engine: EngineDep,
    format: Annotated[Literal["pdf", "docx"], Form()] = "pdf",
) -> Response:
    return _letter(case, LetterIn(format=format), actor.login, engine)


__all__ = ["api", "router"]
