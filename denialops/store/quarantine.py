"""Working the quarantine: list it, show a row's segments around the error, export the
set to repair, and close the row when the repaired set is ingested.

A row is one transaction set (or file tail) kept whole, keyed by file and position.
:func:`export_set` wraps the raw set in an interchange whose sender is
:data:`REPAIR_SENDER` and whose ISA13/GS06 carry the row's id; when such a set is
stored, :func:`resolve_repaired` links the new remittance back and closes the row.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from denialops.errors import StoreError
from denialops.store import schema

QUARANTINE = cast(Table, schema.Quarantine.__table__)

REPAIR_SENDER = "DENIALOPSQ"
"""ISA06 of an exported set: marks an interchange as a repair of a quarantine row."""
DEFAULT_DELIMITERS = "*:^~"  # element, component, repetition, segment
CONTEXT_SEGMENTS = 3


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """One quarantine row, without its raw bytes."""

    id: int
    path: str
    segment_number: int | None
    byte_offset: int | None
    st_control: str
    error: str
    error_segment: int | None
    error_element: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_remittance_id: int | None

    @property
    def status(self) -> str:
        return "resolved" if self.resolved_at is not None else "open"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file": self.path,
            "segment_number": self.segment_number,
            "byte_offset": self.byte_offset,
            "st_control": self.st_control,
            "error": self.error,
            "error_segment": self.error_segment,
            "error_element": self.error_element,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_by_remittance_id": self.resolved_by_remittance_id,
        }


_COLUMNS = [
    QUARANTINE.c.id,
    QUARANTINE.c.path,
    QUARANTINE.c.segment_number,
    QUARANTINE.c.byte_offset,
    QUARANTINE.c.st_control,
    QUARANTINE.c.error,
    QUARANTINE.c.error_segment,
    QUARANTINE.c.error_element,
    QUARANTINE.c.created_at,
    QUARANTINE.c.resolved_at,
    QUARANTINE.c.resolved_by_remittance_id,
]


def list_quarantine(conn: Connection, *, open_only: bool = False) -> list[QuarantineRow]:
    """Every quarantine row (or only the open ones), oldest first."""
    query = select(*_COLUMNS).order_by(QUARANTINE.c.id)
    if open_only:
        query = query.where(QUARANTINE.c.resolved_at.is_(None))
    return [QuarantineRow(*row) for row in conn.execute(query)]


def get_quarantine(conn: Connection, quarantine_id: int) -> tuple[QuarantineRow, bytes, str]:
    """A row, its raw bytes and its delimiters (element, component, repetition, segment)."""
    found = conn.execute(
        select(*_COLUMNS, QUARANTINE.c.raw_text, QUARANTINE.c.delimiters).where(
            QUARANTINE.c.id == quarantine_id
        )
    ).first()
    if found is None:
        raise StoreError(f"no quarantine row {quarantine_id}")
    values = tuple(found)
    raw = zlib.decompress(values[-2])
    delimiters = values[-1] or guess_delimiters(raw)
    return QuarantineRow(*values[:-2]), raw, delimiters


def guess_delimiters(raw: bytes) -> str:
    """Delimiters of a set stored without them: the element separator follows ``ST``,
    the segment terminator follows ST02; the component separator stays ``:``."""
    text = raw.decode("latin-1").lstrip()
    if len(text) < 4 or not text.startswith(("ST", "ISA")):
        return DEFAULT_DELIMITERS
    element = text[3] if text.startswith("ISA") else text[2]
    index = text.find(element, 3 if text.startswith("ST") else 4)
    index = text.find(element, index + 1) if index >= 0 else -1
    start = index + 1 if index >= 0 else len(text)
    terminator = next((ch for ch in text[start:] if not ch.isalnum()), "~")
    return f"{element}:^{terminator}"


@dataclass(frozen=True, slots=True)
class ShownSegment:
    """A segment as ``quarantine show`` prints it."""

    number: int | None
    """Its segment number in the file (None when the row's start is unknown)."""
    text: str
    at_fault: bool
    marked: str
    """The text with the failing element between ``>>>`` and ``<<<``."""


def split_segments(raw: bytes, delimiters: str) -> list[str]:
    """The raw set as segment texts (whitespace between segments dropped)."""
    terminator = delimiters[3]
    text = raw.decode("utf-8", errors="replace")
    return [part.strip() for part in text.split(terminator) if part.strip()]


def _element_index(segment: str, element_label: str | None) -> int | None:
    """``CLP03`` -> 3 when ``segment`` is a CLP; None when the label names no element."""
    if not element_label:
        return None
    digits = element_label[-2:]
    if not digits.isdigit():
        return None
    return int(digits)


def segments_around(
    row: QuarantineRow, raw: bytes, delimiters: str, context: int = CONTEXT_SEGMENTS
) -> list[ShownSegment]:
    """The segments around the error, the failing one marked (the first ones when the
    error names no segment)."""
    segments = split_segments(raw, delimiters)
    first = row.segment_number
    fault = None
    if first is not None and row.error_segment is not None:
        fault = row.error_segment - first
        if not 0 <= fault < len(segments):
            fault = None
    center = fault if fault is not None else 0
    start = max(0, center - context)
    end = min(len(segments), center + context + 1)
    element = delimiters[0]
    shown: list[ShownSegment] = []
    for index in range(start, end):
        text = segments[index]
        marked = text
        at_fault = index == fault
        position = _element_index(text, row.error_element) if at_fault else None
        if position is not None:
            parts = text.split(element)
            if position < len(parts):
                parts[position] = f">>>{parts[position]}<<<"
                marked = element.join(parts)
        number = None if first is None else first + index
        shown.append(ShownSegment(number, text, at_fault, marked))
    return shown


def export_set(row: QuarantineRow, raw: bytes, delimiters: str, *, now: datetime) -> bytes:
    """The raw set in an interchange of its own, ready to repair and ingest.

    ISA06 is :data:`REPAIR_SENDER` and ISA13/GS06 carry the row's id, so ingesting the
    repaired file closes the row. A file tail that holds whole interchanges is exported
    as it is.
    """
    body = raw.strip()
    if body.startswith(b"ISA"):
        return body + b"\n"
    element, component, repetition, terminator = (delimiters[i] for i in range(4))
    control = f"{row.id:09d}"
    if len(control) > 9:
        raise StoreError(f"quarantine row {row.id} is beyond ISA13's nine digits")
    isa = element.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            f"{REPAIR_SENDER:<15}",
            "ZZ",
            f"{'DENIALOPS':<15}",
            now.strftime("%y%m%d"),
            now.strftime("%H%M"),
            repetition,
            "00501",
            control,
            "0",
            "P",
            component,
        ]
    )
    gs = element.join(
        [
            "GS",
            "HP",
            REPAIR_SENDER,
            "DENIALOPS",
            now.strftime("%Y%m%d"),
            now.strftime("%H%M"),
            str(row.id),
            "X",
            "005010X221A1",
        ]
    )
    trailer = [element.join(["GE", "1", str(row.id)]), element.join(["IEA", "1", control])]
    segments = [isa, gs, *split_segments(raw, delimiters), *trailer]
    return "".join(f"{segment}{terminator}\n" for segment in segments).encode("utf-8")


def resolve_repaired(
    conn: Connection, repairs: Sequence[tuple[int, int]], *, now: datetime | None = None
) -> int:
    """Close open quarantine rows by (row id, remittance id) pairs; how many were closed."""
    closed = 0
    stamp = now or datetime.now(UTC)
    for quarantine_id, remittance_id in repairs:
        result = conn.execute(
            update(QUARANTINE)
            .where(QUARANTINE.c.id == quarantine_id, QUARANTINE.c.resolved_at.is_(None))
            .values(resolved_at=stamp, resolved_by_remittance_id=remittance_id)
        )
        closed += result.rowcount or 0
    return closed


def repaired_row_id(sender_id: str, isa_control: str) -> int | None:
    """The quarantine row an interchange repairs (see :func:`export_set`), if any."""
    if sender_id.strip() != REPAIR_SENDER or not isa_control.strip().isdigit():
        return None
    return int(isa_control)
