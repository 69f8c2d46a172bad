"""Uploading remittances and looking at what was quarantined (pages and JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from denialops.errors import DenialopsError, NotFoundError
from denialops.pipeline.repair import MAX_REPAIR_BYTES, Reingested, reingest_quarantined
from denialops.web import accounts
from denialops.web.config import WebSettings
from denialops.web.deps import Actor, EngineDep, PathId, QuarantineReader, SettingsDep, Uploader
from denialops.web.errors import WebError, status_of
from denialops.web.readmodel import (
    quarantine_items,
    quarantine_raw,
    segments_in_context,
    stored_remittance,
)
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


RepairFile = Annotated[
    UploadFile | None, File(description="the repaired file (one transaction set)")
]
RepairText = Annotated[
    str | None,
    Form(max_length=MAX_REPAIR_BYTES, description="or the repaired set's segments, ST to SE"),
]


async def _reingest(
    request: Request,
    item_id: int,
    upload: UploadFile | None,
    text: str | None,
    actor: Actor,
    engine: Any,
    settings: WebSettings,
) -> Reingested:
    """Run a repair of a quarantined item through the pipeline (audited either way)."""
    if upload is not None and upload.filename:
        data = await _read_limited(upload, settings)
    elif text and text.strip():
        data = text.encode("utf-8")
    else:
        raise WebError(422, "send the repaired file or the repaired segments")
    try:
        result = await run_in_threadpool(
            reingest_quarantined, engine, item_id, data, settings.upload_dir
        )
    except NotFoundError as exc:
        raise WebError(404, str(exc)) from None
    except DenialopsError as exc:  # refused before anything was ingested
        accounts.record(engine, actor.login, "reingest_refused", str(item_id), str(exc)[:500])
        raise
    request.app.state.dashboard.clear()
    detail = (
        f"resolved by remittance {result.row.resolved_by_remittance_id}"
        if result.resolved
        else f"not resolved: {result.reason()}"
    )
    accounts.record(engine, actor.login, "reingest", str(item_id), detail[:500])
    return result


@api.post("/quarantine/{item_id}/reingest", status_code=201)
async def reingest_api(
    request: Request,
    item_id: PathId,
    actor: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    file: RepairFile = None,
    text: RepairText = None,
) -> dict[str, Any]:
    """Re-ingest a repaired quarantined set (multipart ``file``, or ``text`` with its
    segments) through the pipeline; the item is resolved with a link to the stored
    remittance (422 saying why when the repair could not be stored, 409 when the item
    was resolved before)."""
    result = await _reingest(request, item_id, file, text, actor, engine, settings)
    if not result.resolved:
        raise WebError(422, result.reason())
    remittance_id = result.row.resolved_by_remittance_id
    return {
        "ok": True,
        **result.to_json(),
        "remittance": stored_remittance(engine, remittance_id) if remittance_id else None,
    }


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
    return _item_page(request, engine, item_id, raw)


def _item_page(
    request: Request, engine: Any, item_id: int, raw: bytes, error: str = "", status: int = 200
) -> Response:
    item = next((i for i in quarantine_items(engine, limit=1000) if i["id"] == item_id), None)
    remittance_id = item["resolved_by_remittance_id"] if item else None
    return render_page(
        request,
        "quarantine_item.html",
        {
            "item": item,
            "segments": segments_in_context(raw),
            "raw_text": raw.decode("utf-8", errors="replace"),
            "remittance": stored_remittance(engine, remittance_id) if remittance_id else None,
            "error": error,
        },
        status_code=status,
    )


@router.post("/quarantine/{item_id}/reingest", include_in_schema=False)
async def reingest_form(
    request: Request,
    item_id: PathId,
    actor: Uploader,
    engine: EngineDep,
    settings: SettingsDep,
    file: RepairFile = None,
    text: RepairText = None,
) -> Response:
    raw = quarantine_raw(engine, item_id)
    if raw is None:
        raise WebError(404, f"no quarantined item {item_id}")
    try:
        result = await _reingest(request, item_id, file, text, actor, engine, settings)
    except WebError as exc:
        if exc.status == 404:
            raise
        return _item_page(request, engine, item_id, raw, exc.message, exc.status)
    except DenialopsError as exc:  # shown on the page, next to the repair form
        return _item_page(request, engine, item_id, raw, str(exc), status_of(exc))
    if not result.resolved:
        return _item_page(request, engine, item_id, raw, result.reason(), 422)
    return RedirectResponse(f"/quarantine/{item_id}", status_code=303)
