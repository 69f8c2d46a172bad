"""Database tables (SQLAlchemy 2 declarative models).

The schema mirrors :mod:`denialops.x12.remittance`: file -> remittance -> claim ->
service line, with every CAS triplet as one ``adjustment`` row (claim- or line-level)
and every PLB pair as one ``provider_adjustment`` row. Money is :data:`Money`: integer
cents on SQLite, ``NUMERIC(18, 2)`` on PostgreSQL, :class:`~decimal.Decimal` in Python, so
stored amounts and SQL sums are exact on both (revision 0003 converted older databases).

The current classification of an adjustment lives on the adjustment row itself so that
analytics never needs a join to know whether a dollar is denied; its earlier results
move to ``classification_history`` when rules change.

Schema changes are Alembic revisions under ``denialops/store/migrations``; this module
and the newest revision must describe the same tables (a test checks it).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator, TypeEngine

from denialops.money import CENT

_SCALING_OPERATORS = frozenset(
    {operators.mul, operators.truediv, operators.floordiv, operators.mod}
)


class MoneyType(TypeDecorator[Decimal]):
    """Exact money: integer cents on SQLite, ``NUMERIC(18, 2)`` elsewhere, Decimal in Python.

    SQLite has no exact decimal type (``NUMERIC`` columns hold REAL), so amounts are
    whole cents there: stored, compared, ordered and summed exactly as integers. Core
    statements on these columns (``select(claim.c.paid)``, ``func.sum(...)``) convert
    both ways by themselves; raw SQL uses :meth:`denialops.store.database.SQLDialect.money_sql`
    and ``money_value`` (docs/architecture.md, "Money in the database").
    """

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        return int(amount.scaleb(2).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, int):
                return Decimal(value).scaleb(-2)
            # AVG and friends come back as floats of cents
            return Decimal(repr(value)).scaleb(-2).quantize(CENT, ROUND_HALF_UP)
        return value if isinstance(value, Decimal) else Decimal(str(value))

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        # ``paid * 2`` or ``at_risk / 3``: the factor is a number, not an amount of money.
        if op in _SCALING_OPERATORS:
            return Numeric() if not isinstance(value, int) else Integer()
        return self


Money = MoneyType()
"""The column type of every amount of money."""
Quantity = Numeric(15, 4, asdecimal=True)


class Base(DeclarativeBase):
    pass


class SourceFile(Base):
    """A file as it was ingested: identity by content hash, so a renamed copy is known."""

    __tablename__ = "source_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set when every transaction set of the file is stored or quarantined; a file row
    without it was interrupted (e.g. killed) and is resumed by the next ingest."""


class Remittance(Base):
    """One 835 transaction set: one payment (BPR/TRN) from one payer to one payee."""

    __tablename__ = "remittance"
    __table_args__ = (UniqueConstraint("fingerprint", name="uq_remittance_fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("source_file.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """sha256 of payer id, trace number, payment amount, date and claim count/sums."""
    segment_number: Mapped[int] = mapped_column(Integer)
    isa_control: Mapped[str] = mapped_column(String(16))
    gs_control: Mapped[str] = mapped_column(String(16))
    st_control: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    handling_code: Mapped[str] = mapped_column(String(4))
    payment_amount: Mapped[Decimal] = mapped_column(Money)
    credit_debit: Mapped[str] = mapped_column(String(2))
    payment_method: Mapped[str] = mapped_column(String(4))
    payment_date: Mapped[date | None] = mapped_column(Date)
    trace_number: Mapped[str] = mapped_column(String(64), index=True)
    trace_originator: Mapped[str] = mapped_column(String(32))
    production_date: Mapped[date | None] = mapped_column(Date)
    payer_id: Mapped[str] = mapped_column(String(64), index=True)
    payer_name: Mapped[str] = mapped_column(String(128))
    payee_name: Mapped[str] = mapped_column(String(128))
    payee_id_qualifier: Mapped[str] = mapped_column(String(4))
    payee_id: Mapped[str] = mapped_column(String(64))
    claim_count: Mapped[int] = mapped_column(Integer)
    total_charge: Mapped[Decimal] = mapped_column(Money)
    total_paid: Mapped[Decimal] = mapped_column(Money)
    plb_total: Mapped[Decimal] = mapped_column(Money)
    balanced: Mapped[bool] = mapped_column(Boolean)
    balance_errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    """Everything else of the header, verbatim: payer/payee loops, refs, envelope."""
    raw_x12: Mapped[bytes] = mapped_column(LargeBinary)
    """The transaction set exactly as received (ST..SE), zlib-compressed: lossless."""
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Claim(Base):
    """One CLP claim payment."""

    __tablename__ = "claim"
    __table_args__ = (
        Index("ix_claim_pcn_payer", "patient_control_number", "payer_id"),
        Index("ix_claim_payer_icn", "payer_claim_control_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order within the remittance
    payer_id: Mapped[str] = mapped_column(String(64))  # denormalised from remittance
    patient_control_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(4))
    charge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    patient_responsibility: Mapped[Decimal | None] = mapped_column(Money)
    filing_indicator: Mapped[str] = mapped_column(String(4))
    payer_claim_control_number: Mapped[str] = mapped_column(String(64))
    facility_type: Mapped[str] = mapped_column(String(8))
    frequency: Mapped[str] = mapped_column(String(4))
    drg: Mapped[str] = mapped_column(String(8))
    patient_id: Mapped[str] = mapped_column(String(64))  # NM1*QC NM109 (member id)
    patient_last_name: Mapped[str] = mapped_column(String(64))
    patient_first_name: Mapped[str] = mapped_column(String(64))
    rendering_npi: Mapped[str] = mapped_column(String(16))
    statement_from: Mapped[date | None] = mapped_column(Date)  # DTM*232
    statement_to: Mapped[date | None] = mapped_column(Date)  # DTM*233
    received_date: Mapped[date | None] = mapped_column(Date)  # DTM*050
    service_date: Mapped[date | None] = mapped_column(Date, index=True)  # first DOS
    remark_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # MIA/MOA RARCs
    line_count: Mapped[int] = mapped_column(Integer)
    balanced: Mapped[bool] = mapped_column(Boolean)
    reverses_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    """For a status-22 reversal: the claim payment it takes back."""
    reversed_by_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    denial_status: Mapped[str] = mapped_column(String(16), default="paid")
    """paid | partially_denied | fully_denied (set by classification)."""
    primary_denial_category: Mapped[str | None] = mapped_column(String(48))
    primary_denial_family: Mapped[str | None] = mapped_column(String(16))
    denied_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    """Everything else, verbatim: parties, MIA/MOA, refs, dates, amounts, extra segments."""


class ServiceLine(Base):
    """One SVC service line."""

    __tablename__ = "service_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    qualifier: Mapped[str] = mapped_column(String(4))
    code: Mapped[str] = mapped_column(String(48))
    modifier1: Mapped[str] = mapped_column(String(4))
    modifier2: Mapped[str] = mapped_column(String(4))
    modifier3: Mapped[str] = mapped_column(String(4))
    modifier4: Mapped[str] = mapped_column(String(4))
    charge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    revenue_code: Mapped[str] = mapped_column(String(8))
    units: Mapped[Decimal | None] = mapped_column(Quantity)
    original_code: Mapped[str] = mapped_column(String(48))
    service_date: Mapped[date | None] = mapped_column(Date)
    service_date_end: Mapped[date | None] = mapped_column(Date)
    control_number: Mapped[str] = mapped_column(String(64))
    allowed: Mapped[Decimal | None] = mapped_column(Money)
    remark_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    balanced: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Adjustment(Base):
    """One CAS triplet, with its current classification.

    ``service_line_id`` is null for claim-level adjustments. The ``rarcs`` are the remark
    codes that apply to it (the line's LQ*HE, else the claim's MIA/MOA).
    """

    __tablename__ = "adjustment"
    __table_args__ = (
        Index("ix_adjustment_claim", "claim_id"),
        Index("ix_adjustment_family", "family", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    service_line_id: Mapped[int | None] = mapped_column(ForeignKey("service_line.id"))
    level: Mapped[str] = mapped_column(String(8))  # claim | line
    segment_order: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    group_code: Mapped[str] = mapped_column(String(4))
    reason_code: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    rarcs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # classification (null until classified)
    is_denial: Mapped[bool | None] = mapped_column(Boolean)
    family: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(48))
    soft_or_hard: Mapped[str | None] = mapped_column(String(8))
    process_step: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(32))
    next_action: Mapped[str | None] = mapped_column(String(32))
    rule_id: Mapped[str | None] = mapped_column(String(128))
    ruleset_version: Mapped[str | None] = mapped_column(String(64))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    liability: Mapped[str | None] = mapped_column(String(16))  # from the group code
    checks: Mapped[list[str] | None] = mapped_column(JSON)  # to verify before next_action
    warnings: Mapped[list[str] | None] = mapped_column(JSON)  # the classifier's warnings


class ClassificationHistory(Base):
    """Earlier classifications of an adjustment, kept when rules are re-applied."""

    __tablename__ = "classification_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("adjustment.id"), index=True)
    is_denial: Mapped[bool | None] = mapped_column(Boolean)
    family: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(48))
    soft_or_hard: Mapped[str | None] = mapped_column(String(8))
    process_step: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(32))
    next_action: Mapped[str | None] = mapped_column(String(32))
    rule_id: Mapped[str | None] = mapped_column(String(128))
    ruleset_version: Mapped[str | None] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProviderAdjustment(Base):
    """One PLB (reason:reference, amount) pair."""

    __tablename__ = "provider_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    provider_id: Mapped[str] = mapped_column(String(64))
    fiscal_period_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(4))
    reference: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    segment_order: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class Quarantine(Base):
    """A transaction set (or file) that could not be read or stored, kept whole with its
    error; one row per file and position (the same bytes in two files are two rows)."""

    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("file_id", "byte_offset", name="uq_quarantine_position"),
        Index("ix_quarantine_raw", "raw_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("source_file.id"))
    path: Mapped[str] = mapped_column(Text)
    segment_number: Mapped[int | None] = mapped_column(Integer)
    byte_offset: Mapped[int | None] = mapped_column(BigInteger)
    st_control: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text)
    raw_text: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed
    raw_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error_segment: Mapped[int | None] = mapped_column(Integer)
    """Segment number (in the file) of the segment at fault, when the reader said."""
    error_element: Mapped[str | None] = mapped_column(String(16))
    """The element at fault, e.g. ``CLP03`` (the segment id alone when all of it is)."""
    delimiters: Mapped[str | None] = mapped_column(String(4))
    """Element, component, repetition and segment separators of the interchange."""
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_remittance_id: Mapped[int | None] = mapped_column(Integer)
    """The remittance stored from the repaired set (``quarantine export`` then ``ingest``)."""
