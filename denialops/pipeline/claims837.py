"""Ingesting claims as submitted (837P/837I): store, scrub, keep the findings.

``denialops ingest`` hands a file whose first transaction set is an 837 here instead of
to the 835 path. Each claim batch (ST..SE) is stored under its own savepoint with its
raw bytes, its claims and lines, and what the scrubber finds on each claim as of the
day it was submitted (BHT04), so the clean-claim rate and "which edit would have
prevented which denial" are measured on what was really sent. A batch already stored
(same bytes) is skipped; an unreadable one is quarantined and the file goes on.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Connection, Table, select

from denialops.scrub import Scrubber
from denialops.scrub.edits import line_key, member_id
from denialops.scrub.findings import ClaimResult, Severity
from denialops.store import schema
from denialops.store.files import Source
from denialops.store.ingest import quarantine
from denialops.store.submitted import ScrubFinding, SubmittedBatch, SubmittedClaimRow, SubmittedLine
from denialops.x12.claim837 import ClaimBatch, SubmittedClaim
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse837 import read_837

BATCH = cast(Table, SubmittedBatch.__table__)
CLAIM = cast(Table, SubmittedClaimRow.__table__)
LINE = cast(Table, SubmittedLine.__table__)
FINDING = cast(Table, ScrubFinding.__table__)
REMITTED = cast(Table, schema.Claim.__table__)
REMITTED_LINE = cast(Table, schema.ServiceLine.__table__)
ZLIB_LEVEL = 6
SNIFF_BYTES = 4096


def is_claim_file(head: bytes) -> bool:
    """True when the first transaction set of the file is an 837 (claim)."""
    text = head[:SNIFF_BYTES].decode("latin-1")
    if len(text) < 106 or not text.lstrip("\ufeff\xef\xbb\xbf \t\r\n").startswith("ISA"):
        return False
    start = text.find("ISA")
    element, terminator = text[start + 3], text[start + 105]
    for segment in text.split(terminator):
        fields = segment.strip().split(element)
        if fields[0] == "ST":
            return len(fields) > 1 and fields[1] == "837"
    return False


def sniff(source: Source) -> bool:
    with source.open() as stream:
        return is_claim_file(stream.read(SNIFF_BYTES))


@dataclass
class ClaimsTally:
    """What storing one file's 837 batches did."""

    batches: int = 0
    claims: int = 0
    clean: int = 0
    with_errors: int = 0
    duplicates_skipped: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)


def _batches(source: Source, stream: BinaryIO) -> Iterator[ClaimBatch | RejectedTransaction]:
    target: Path | BinaryIO = source.path if source.member is None else stream
    yield from read_837(target, name=source.name)


def ingest_claim_file(
    conn: Connection, source: Source, file_id: int, scrubber: Scrubber | None = None
) -> ClaimsTally:
    """Store every batch of an 837 file in the open transaction, one savepoint each."""
    if scrubber is None:
        from denialops.scrub.stored import learned_history

        scrubber = Scrubber(history=learned_history(conn))
    tally = ClaimsTally()
    with source.open() as stream:
        for item in _batches(source, stream):
            if isinstance(item, RejectedTransaction):
                with conn.begin_nested():
                    quarantine(
                        conn,
                        file_id=file_id,
                        path=source.name,
                        segment_number=item.segment_number,
                        byte_offset=item.byte_offset,
                        st_control=item.st_control,
                        error=str(item.error),
                        raw=item.raw,
                    )
                tally.quarantined.append(
                    {
                        "file": source.name,
                        "segment": item.segment_number,
                        "error": str(item.error),
                    }
                )
                continue
            with conn.begin_nested():
                _store_batch(conn, item, file_id, scrubber, tally)
    return tally


def _store_batch(
    conn: Connection, batch: ClaimBatch, file_id: int, scrubber: Scrubber, tally: ClaimsTally
) -> None:
    fingerprint = hashlib.sha256(batch.raw).hexdigest()
    if conn.execute(select(BATCH.c.id).where(BATCH.c.fingerprint == fingerprint)).first():
        tally.duplicates_skipped += 1
        return
    batch_id = conn.execute(
        BATCH.insert().returning(BATCH.c.id),
        {
            "source_file_id": file_id,
            "fingerprint": fingerprint,
            "kind": batch.kind,
            "implementation": batch.envelope.implementation or batch.envelope.version,
            "st_control": batch.envelope.st_control,
            "reference": batch.reference[:64],
            "created": batch.created,
            "segment_number": batch.segment_number,
            "byte_offset": batch.byte_offset,
            "claims": len(batch.claims),
            "raw": zlib.compress(batch.raw, ZLIB_LEVEL),
        },
    ).scalar_one()
    tally.batches += 1
    remember_stored_lines(conn, batch.claims, scrubber)
    for claim in batch.claims:
        result = scrubber.scrub(claim, as_of=claim.submitted)
        claim_id = conn.execute(
            CLAIM.insert().returning(CLAIM.c.id), _claim_row(batch_id, claim, result, scrubber)
        ).scalar_one()
        lines = [_line_row(claim_id, claim, index) for index in range(len(claim.lines))]
        if lines:
            conn.execute(LINE.insert(), lines)
        findings = [
            {
                "claim_id": claim_id,
                "edit_id": f.edit_id,
                "edit_version": f.edit_version[:48],
                "severity": f.severity.value,
                "line_number": f.line,
                "carc": f.carc[:8],
                "rarc": f.rarc[:8],
                "message": f.message,
            }
            for f in result.findings
        ]
        if findings:
            conn.execute(FINDING.insert(), findings)
        tally.claims += 1
        tally.clean += result.clean
        tally.with_errors += any(f.severity == Severity.ERROR for f in result.findings)


def remember_stored_lines(
    conn: Connection, claims: Sequence[SubmittedClaim], scrubber: Scrubber
) -> None:
    """Let the duplicate edit see the lines already stored for these claims' members."""
    members = sorted({member_id(c) for c in claims if member_id(c)})
    seen = scrubber.context.seen
    for start in range(0, len(members), 500):
        rows = conn.execute(
            select(
                CLAIM.c.payer_id,
                CLAIM.c.member_id,
                LINE.c.procedure,
                LINE.c.revenue_code,
                LINE.c.modifiers,
                LINE.c.service_date,
                LINE.c.charge,
                CLAIM.c.patient_control_number,
                CLAIM.c.frequency,
            )
            .join(CLAIM, CLAIM.c.id == LINE.c.claim_id)
            .where(CLAIM.c.member_id.in_(members[start : start + 500]))
        )
        for payer, member, code, revenue, mods, on, charge, pcn, frequency in rows:
            if frequency in ("7", "8"):
                continue
            key = line_key(payer, member, code or revenue, mods, on, charge)
            seen.setdefault(key, pcn)
        # and the services payers already answered (835): a claim paid before denialops
        # stored its 837 is still a prior claim a resubmission would duplicate
        paid = conn.execute(
            select(
                REMITTED.c.payer_id,
                REMITTED.c.patient_id,
                REMITTED_LINE.c.code,
                REMITTED_LINE.c.modifier1,
                REMITTED_LINE.c.modifier2,
                REMITTED_LINE.c.modifier3,
                REMITTED_LINE.c.modifier4,
                REMITTED_LINE.c.service_date,
                REMITTED_LINE.c.charge,
                REMITTED.c.patient_control_number,
            )
            .join(REMITTED, REMITTED.c.id == REMITTED_LINE.c.claim_id)
            .where(
                REMITTED.c.patient_id.in_(members[start : start + 500]),
                REMITTED.c.status.not_in(("22", "23", "25")),
                REMITTED.c.frequency.not_in(("7", "8")),
            )
        )
        for payer, member, code, m1, m2, m3, m4, on, charge, pcn in paid:
            mods = " ".join(m for m in (m1, m2, m3, m4) if m)
            seen.setdefault(line_key(payer, member, code, mods, on, charge), pcn)


def _claim_row(
    batch_id: int, claim: SubmittedClaim, result: ClaimResult, scrubber: Scrubber
) -> dict[str, object]:
    return {
        "batch_id": batch_id,
        "kind": claim.kind,
        "patient_control_number": claim.patient_control_number[:64],
        "payer_id": claim.payer.payer_id[:80],
        "member_id": member_id(claim)[:80],
        "payer_name": claim.payer.name[:120],
        "filing_indicator": claim.payer.filing_indicator[:4],
        "frequency": claim.frequency[:2],
        "original_reference": claim.original_reference[:64],
        "total_charge": claim.total_charge,
        "place_of_service": claim.place_of_service[:4],
        "type_of_bill": claim.type_of_bill[:4],
        "prior_authorization": claim.prior_authorization[:64],
        "billing_npi": claim.billing_provider.npi[:16],
        "rendering_npi": claim.rendering_npi[:16],
        "diagnoses": claim.diagnosis_codes(),
        "submitted": claim.submitted,
        "first_service_date": claim.first_service_date(),
        "segment_number": claim.segment_number,
        "scrub_errors": sum(f.severity == Severity.ERROR for f in result.findings),
        "scrub_warnings": sum(f.severity == Severity.WARNING for f in result.findings),
        "rules_version": scrubber.rules.version[:32],
    }


def _line_row(claim_id: int, claim: SubmittedClaim, index: int) -> dict[str, object]:
    line = claim.lines[index]
    return {
        "claim_id": claim_id,
        "line_number": line.number,
        "procedure": line.procedure[:16],
        "modifiers": " ".join(line.modifiers)[:16],
        "revenue_code": line.revenue_code[:8],
        "charge": line.charge,
        "units": line.units,
        "service_date": line.service_date,
        "control_number": line.control_number[:64],
    }
