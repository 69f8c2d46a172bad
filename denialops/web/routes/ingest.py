"""Uploading remittances and looking at what was quarantined (pages and JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from denialops.web import accounts
from denialops.web.config import WebSettings
from denialops.web.deps import EngineDep, PathId, QuarantineReader, SettingsDep, Uploader
from denialops.web.errors import WebError
from denialops.web.readmodel import quarantine_items, quarantine_raw, segments_in_context
from denialops.web.render import render_page
from denialops.web.uploads import UploadRejected, ingest_upload

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["ingest"])

CHUNK = 1 << 20


async def _read_limited(upload: UploadFile, settings: WebSettings) -> bytes:
    """The uploaded bytes, refusing (413) as soon as they pass the limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > settings.max_upload_bytes:
            raise WebError(
                413, f"the upload is over the limit of {settings.max_upload_bytes:,} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _ingest(
    request: Request, upload: UploadFile, actor_login: str, engine: Any, settings: WebSettings
) -> dict[str, Any]:
    data = await _read_limited(upload, settings)
    name = upload.filename or "upload"
    try:
        checked, summary = await run_in_threadpool(ingest_upload, engine, data, name, settings)
    except UploadRejected as exc:
        accounts.record(engine, actor_login, "upload_rejected", None, str(exc)[:500])
        raise WebError(422, str(exc)) from None
    result = summary.to_json()
    request.app.state.dashboard.clear()
    accounts.record(
        engine,
        actor_login,
        "upload",
        checked.name,
        f"sha256 {checked.sha256}; {result['claims']} claims, "
        f"{len(result['quarantined'])} quarantined",
    )
    return {"ok": True, "file": checked.name, "kind": checked.kind, "summary": result}


@api.post("/uploads", status_code=201)
async def upload_api(
    request: Request,
    actor: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="An 835 file or a zip of 835 files.")],
) -> dict[str, Any]:
    """Ingest one 835 file or zip; the summary lists what was stored and quarantined."""
    return await _ingest(request, file, actor.login, engine, settings)


@api.get("/quarantine")
def quarantine_api(actor: QuarantineReader, engine: EngineDep) -> dict[str, Any]:
    """Quarantined transaction sets, newest first (without raw text)."""
    return {"ok": True, "items": quarantine_items(engine)}


@api.get("/quarantine/{item_id}/raw", response_class=Response)
def quarantine_download(item_id: PathId, actor: QuarantineReader, engine: EngineDep) -> Response:
    """The raw X12 of a quarantined item, as it was received."""
    raw = quarantine_raw(engine, item_id)
    if raw is None:
        raise WebError(404, f"no quarantined item {item_id}")
    accounts.record(engine, actor.login, "quarantine_download", str(item_id), None)
    return Response(
        raw,
        media_type="application/edi-x12",
        headers={"Content-Disposition": f'attachment; filename="quarantine-{item_id}.835"'},
    )


# ---------------------------------------------------------------------------- pages


@router.get("/upload", include_in_schema=False)
def upload_page(request: Request, actor: Uploader) -> Response:
    return render_page(request, "upload.html", {"result": None})


@router.post("/upload", include_in_schema=False)
async def upload_form(
    request: Request,
    actor: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    result = await _ingest(request, file, actor.login, engine, settings)
    return render_page(request, "upload.html", {"result": result})


@router.get("/quarantine", include_in_schema=False)
def quarantine_page(request: Request, actor: QuarantineReader, engine: EngineDep) -> Response:
    return render_page(request, "quarantine.html", {"items": quarantine_items(engine)})


@router.get("/quarantine/{item_id}", include_in_schema=False)
def quarantine_item_page(
    request: Request, item_id: PathId, actor: QuarantineReader, engine: EngineDep
) -> Response:
    raw = quarantine_raw(engine, item_id)
    if raw is None:
        raise WebError(404, f"no quarantined item {item_id}")
    item = next((i for i in quarantine_items(engine, limit=1000) if i["id"] == item_id), None)
    return render_page(
        request,
        "quarantine_item.html",
        {"item": item, "segments": segments_in_context(raw)},
    )
