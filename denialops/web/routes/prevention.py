"""Scrubbing claims before submission and the prevention report (pages and JSON).

Thin shells over :mod:`denialops.scrub`: an uploaded 837 is scrubbed in memory (nothing
is stored: uploading for storage goes through /upload); the prevention report and the
rates over claims submitted read the claims ingest stored.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from denialops.scrub import Scrubber
from denialops.scrub.findings import ClaimResult
from denialops.scrub.stored import stored_prevention_report, submitted_measures
from denialops.scrub.tables import EditTables
from denialops.web.deps import EngineDep, SettingsDep, Viewer, Worker
from denialops.web.errors import WebError
from denialops.web.render import render_page
from denialops.web.routes.ingest import _read_limited
from denialops.x12.claim837 import SubmittedClaim
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse837 import iter_claims

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["prevention"])

TOP_EDITS = 10


def _scrub_bytes(data: bytes, name: str) -> dict[str, Any]:
    results: list[ClaimResult] = []
    unreadable: list[str] = []
    with EditTables() as tables:
        scrubber = Scrubber(tables=tables)
        for item in iter_claims(io.BytesIO(data), name=name):
            if isinstance(item, RejectedTransaction):
                unreadable.append(str(item.error))
            elif isinstance(item, SubmittedClaim):
                results.append(scrubber.scrub(item, source_file=name))
        version = scrubber.rules.version
    if not results and unreadable:
        raise WebError(422, f"{name}: no claim could be read ({unreadable[0]})")
    return {
        "ok": True,
        "file": name,
        "rules_version": version,
        "claims": [r.as_record() for r in results],
        "clean": sum(r.clean for r in results),
        "with_findings": sum(not r.clean for r in results),
        "unreadable": unreadable,
        "ptp_table_installed": _has_ptp(),
    }


def _has_ptp() -> bool:
    with EditTables() as tables:
        return tables.has_ptp


async def _scrub_upload(upload: UploadFile, settings: Any) -> dict[str, Any]:
    data = await _read_limited(upload, settings)
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA"):
        raise WebError(422, "not an X12 837 file (it must begin with an ISA segment)")
    return await run_in_threadpool(_scrub_bytes, data, upload.filename or "claims.837")


def _prevention(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        report = stored_prevention_report(conn)
        measures = submitted_measures(conn)
    return {"ok": True, "report": report.as_record(TOP_EDITS), "submitted": measures.as_record()}


@api.post("/scrub")
async def scrub_api(
    actor: Worker,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="An 837P or 837I file to check.")],
) -> dict[str, Any]:
    """Scrub an 837 before submission: findings per claim and line with edit id, severity,
    the CARC a payer would most likely return and the fix. Nothing is stored."""
    return await _scrub_upload(file, settings)


@api.get("/prevention")
def prevention_api(actor: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Which edits flagged the stored claims that were later denied, ranked; and the
    clean-claim rate, first-pass yield and denials per 1,000 over claims submitted."""
    return _prevention(engine)


@router.get("/prevention")
def prevention_page(request: Request, actor: Viewer, engine: EngineDep) -> Response:
    return render_page(request, "prevention.html", {"p": _prevention(engine), "scrub": None})


@router.post("/scrub")
async def scrub_page(
    request: Request,
    actor: Worker,
    engine: EngineDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    scrub = await _scrub_upload(file, settings)
    return render_page(request, "prevention.html", {"p": _prevention(engine), "scrub": scrub})
