"""Tables for claims as submitted (837P/837I) and what the scrubber found on them.

A claim batch (ST..SE) keeps its raw bytes (zlib) like a remittance does, so ingest is
lossless; claims and lines keep what matching and measuring need. The link to the
payer's answer is by patient control number (and payer), made at query time: a claim
submitted before or after its remittance arrives is matched all the same.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from denialops.store.schema import Base, Money, Quantity


class SubmittedBatch(Base):
    """One 837 transaction set: a batch of claims sent together (BHT)."""

    __tablename__ = "submitted_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_file.id"))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    implementation: Mapped[str] = mapped_column(String(16))
    st_control: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    created: Mapped[date | None] = mapped_column(Date)
    segment_number: Mapped[int] = mapped_column(Integer)
    byte_offset: Mapped[int] = mapped_column(Integer)
    claims: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class SubmittedClaimRow(Base):
    """One claim (CLM) as submitted, with the scrub outcome at ingest."""

    __tablename__ = "submitted_claim"
    __table_args__ = (
        Index("ix_submitted_claim_pcn", "patient_control_number", "payer_id"),
        Index("ix_submitted_claim_submitted", "submitted"),
        Index("ix_submitted_claim_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("submitted_batch.id"))
    kind: Mapped[str] = mapped_column(String(16))
    patient_control_number: Mapped[str] = mapped_column(String(64))
    payer_id: Mapped[str] = mapped_column(String(80))
    member_id: Mapped[str] = mapped_column(String(80))
    payer_name: Mapped[str] = mapped_column(String(120))
    filing_indicator: Mapped[str] = mapped_column(String(4))
    frequency: Mapped[str] = mapped_column(String(2))
    original_reference: Mapped[str] = mapped_column(String(64))
    total_charge: Mapped[Decimal] = mapped_column(Money)
    place_of_service: Mapped[str] = mapped_column(String(4))
    type_of_bill: Mapped[str] = mapped_column(String(4))
    prior_authorization: Mapped[str] = mapped_column(String(64))
    billing_npi: Mapped[str] = mapped_column(String(16))
    rendering_npi: Mapped[str] = mapped_column(String(16))
    diagnoses: Mapped[list[str]] = mapped_column(JSON)
    submitted: Mapped[date | None] = mapped_column(Date)
    first_service_date: Mapped[date | None] = mapped_column(Date)
    segment_number: Mapped[int] = mapped_column(Integer)
    scrub_errors: Mapped[int] = mapped_column(Integer)
    scrub_warnings: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(32))


class SubmittedLine(Base):
    """One service line (SV1/SV2) as submitted."""

    __tablename__ = "submitted_line"
    __table_args__ = (
        Index("ix_submitted_line_claim", "claim_id"),
        Index("ix_submitted_line_control", "control_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("submitted_claim.id"))
    line_number: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(16))
    modifiers: Mapped[str] = mapped_column(String(16))
    revenue_code: Mapped[str] = mapped_column(String(8))
    charge: Mapped[Decimal] = mapped_column(Money)
    units: Mapped[Decimal | None] = mapped_column(Quantity)
    service_date: Mapped[date | None] = mapped_column(Date)
    control_number: Mapped[str] = mapped_column(String(64))


class ScrubFinding(Base):
    """A finding of the scrubber on a submitted claim, kept to measure prevention."""

    __tablename__ = "scrub_finding"
    __table_args__ = (Index("ix_scrub_finding_claim", "claim_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("submitted_claim.id"))
    edit_id: Mapped[str] = mapped_column(String(32))
    edit_version: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(8))
    line_number: Mapped[int | None] = mapped_column(Integer)
    carc: Mapped[str] = mapped_column(String(8))
    rarc: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
