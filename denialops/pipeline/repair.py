"""Re-ingesting a repaired quarantined transaction set.

The repair is either a whole file (an interchange holding the one repaired set, e.g. the
file ``denialops quarantine export`` wrote, edited) or the set's own segments (``ST`` ...
``SE``, as the web's quarantine page shows them for editing). Either way the set is put
in an interchange of its own that names the quarantine row
(:func:`denialops.store.quarantine.export_set`) and ingested by the one pipeline
(:func:`denialops.pipeline.ingest_paths`), which stores it, classifies it, opens its case
and closes the row with a link to the stored remittance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from denialops.errors import ConflictError, InputError, NotFoundError, StoreError, X12Error
from denialops.pipeline.run import ingest_paths
from denialops.pipeline.summary import IngestSummary
from denialops.store.quarantine import QuarantineRow, export_set, get_quarantine, split_segments
from denialops.x12.segments import ISA_LENGTH, detect_delimiters

MAX_REPAIR_BYTES = 16 << 20
_ENVELOPE = frozenset({"ISA", "GS", "GE", "IEA"})


@dataclass(frozen=True, slots=True)
class Reingested:
    """What re-ingesting a repair did: the row after it and the ingest summary."""

    row: QuarantineRow
    summary: IngestSummary
    file: Path

    @property
    def resolved(self) -> bool:
        return self.row.resolved_at is not None

    def reason(self) -> str:
        """Why the row is still open (empty when it was resolved)."""
        if self.resolved:
            return ""
        if self.summary.quarantined:
            first = self.summary.quarantined[0]
            return f"the repaired set was quarantined again: {first.get('reason', '')}"[:400]
        if self.summary.duplicates_skipped:
            return "the repaired set is a payment already stored (duplicate): nothing was stored"
        if self.summary.files_skipped:
            return "this repair was ingested before: nothing new was stored"
        return "the repair held no transaction set that could be stored"

    def to_json(self) -> dict[str, Any]:
        return {
            "quarantine": self.row.to_json(),
            "resolved": self.resolved,
            "remittance_id": self.row.resolved_by_remittance_id,
            "reason": self.reason(),
            "summary": self.summary.to_json(),
        }


def _one_set(segments: list[str], element: str) -> list[str]:
    """The ST ... SE segments of the repair; InputError unless there is exactly one set."""
    body = [s for s in segments if s.split(element, 1)[0] not in _ENVELOPE]
    ids = [s.split(element, 1)[0] for s in body]
    if ids.count("ST") != 1 or ids.count("SE") != 1 or ids[0] != "ST" or ids[-1] != "SE":
        raise InputError(
            "a repair holds exactly one transaction set, from its ST segment to its SE "
            f"segment ({ids.count('ST')} ST and {ids.count('SE')} SE found)"
        )
    return body


def repaired_interchange(
    row: QuarantineRow, delimiters: str, repaired: bytes, *, now: datetime
) -> bytes:
    """The repair as an interchange that closes ``row`` when it is stored."""
    text = repaired.strip()
    if not text:
        raise InputError("the repair is empty")
    if len(text) > MAX_REPAIR_BYTES:
        raise InputError(f"a repair is at most {MAX_REPAIR_BYTES:,} bytes")
    if text.startswith(b"ISA"):
        found = detect_delimiters(text[:ISA_LENGTH])
        delimiters = found.element + found.component + (found.repetition or "^") + found.segment
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the repair is not X12 text") from None
    body = _one_set(split_segments(text, delimiters), delimiters[0])
    joined = "".join(segment + delimiters[3] for segment in body).encode("utf-8")
    return export_set(row, joined, delimiters, now=now)


def reingest_quarantined(
    engine: Engine,
    quarantine_id: int,
    repaired: bytes,
    folder: Path,
    *,
    now: datetime | None = None,
) -> Reingested:
    """Ingest a repair of an open quarantine row (kept under ``folder``) through the
    pipeline; the row is resolved when the repaired set is stored.

    NotFoundError for no such row, ConflictError for a row already resolved, InputError
    for a repair that is not one transaction set, X12Error for an unreadable ISA.
    """
    stamp = now or datetime.now(UTC)
    with engine.connect() as conn:
        try:
            row, _raw, delimiters = get_quarantine(conn, quarantine_id)
        except StoreError:
            raise NotFoundError(f"no quarantined item {quarantine_id}") from None
    if row.resolved_at is not None:
        raise ConflictError(
            f"quarantined item {quarantine_id} was already resolved by remittance "
            f"{row.resolved_by_remittance_id}"
        )
    try:
        data = repaired_interchange(row, delimiters, repaired, now=stamp)
    except X12Error as exc:
        raise InputError(f"the repair's ISA segment cannot be read: {exc}") from None
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = folder / f"quarantine-{quarantine_id}-{digest}.835"
    if not path.exists():
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    summary = ingest_paths(engine, [path])
    with engine.connect() as conn:
        after, _raw, _delimiters = get_quarantine(conn, quarantine_id)
    return Reingested(after, summary, path)
