"""Tables of the denial register: cases, their audit trail, appeals, notes, documents, users.

One ``denial_case`` row per denied claim (``case`` is an SQL keyword, hence the prefix),
and one of kind ``underpayment`` per claim paid below the fee schedule (``kind``).
What a case is about stays linked, not copied: ``claim_id`` points at the claim row and
``case_adjustment`` at every denied adjustment with its classification (re-applied
rules update open cases: :mod:`denialops.work.reroute`). ``case_event`` is the
append-only audit trail (one row per changed field; the migration adds triggers that
refuse UPDATE and DELETE on it). ``appeal`` has one row per appeal level submitted, with
its decision and recovered dollars, which is what the appeal KPIs read. ``version`` on
``denial_case`` is the optimistic lock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from denialops.store.schema import Base, Money


class AppUser(Base):
    """Someone who works cases; created on first use of a login name."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(32), default="worker")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


_OPEN: dict[str, Any] = {
    "sqlite_where": text("closed_at IS NULL"),
    "postgresql_where": text("closed_at IS NULL"),
}
_QUEUE_INDEXES: dict[str, tuple[str, ...]] = {
    "priority": ("priority_score", "id"),
    "owner_priority": ("owner", "priority_score", "id"),
    "assignee_priority": ("assignee", "priority_score", "id"),
    "payer_priority": ("payer_id", "priority_score", "id"),
    "deadline": ("next_deadline", "id"),
    "amount": ("at_risk", "id"),
    "age": ("determination_date", "id"),
}


class DenialCase(Base):
    """One denied claim being worked, from triage to outcome."""

    __tablename__ = "denial_case"
    __table_args__ = (
        UniqueConstraint("claim_id", "kind", name="uq_denial_case_claim_kind"),
        Index("ix_denial_case_pcn_payer", "patient_control_number", "payer_id"),
        Index("ix_denial_case_queue", "state", "owner"),
        # The work queue's indexes (see denialops.work.queue, which names the query each
        # serves). Partial over open cases (closed_at IS NULL), ordered as the queue sorts,
        # so the first page of any sort is a short index walk whatever the table's size.
        *(
            Index(f"ix_denial_case_open_{name}", *columns, **_OPEN)
            for name, columns in _QUEUE_INDEXES.items()
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    payer_id: Mapped[str] = mapped_column(String(64))
    patient_control_number: Mapped[str] = mapped_column(String(64))
    payer_claim_control_number: Mapped[str] = mapped_column(String(64))
    filing_indicator: Mapped[str] = mapped_column(String(4))
    denial_status: Mapped[str] = mapped_column(String(16))  # partially_denied | fully_denied
    family: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(48))
    owner: Mapped[str] = mapped_column(
        String(32)
    )  # patient_access|ur_cdi|coding_him|billing|managed_care
    next_action: Mapped[str | None] = mapped_column(String(32))
    soft_or_hard: Mapped[str | None] = mapped_column(String(8))
    billed: Mapped[Decimal] = mapped_column(Money)
    paid_initial: Mapped[Decimal] = mapped_column(Money)
    at_risk: Mapped[Decimal] = mapped_column(Money)
    """Dollars denied when the case opened: what an appeal could bring back."""
    service_date: Mapped[date | None] = mapped_column(Date)
    determination_date: Mapped[date | None] = mapped_column(Date)
    """The payer's initial determination: the remittance's payment (or production) date."""
    state: Mapped[str] = mapped_column(String(24), default="new")
    appeal_level: Mapped[int] = mapped_column(Integer, default=0)
    assignee: Mapped[str | None] = mapped_column(String(64))
    due_date: Mapped[date | None] = mapped_column(Date)
    """A due date a person set by hand; the computed one is ``next_deadline``."""
    next_deadline: Mapped[date | None] = mapped_column(Date)
    next_deadline_kind: Mapped[str | None] = mapped_column(String(48))
    paid_to_date: Mapped[Decimal] = mapped_column(Money)
    recovered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    outcome_remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # revision 0004: who the claim is about (for search), the decision, the stored priority
    patient_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The member id (NM1*QC NM109), copied from the claim so the queue can search it."""
    patient_name: Mapped[str] = mapped_column(String(130), default="", server_default="")
    """``LAST, FIRST`` as on the remittance."""
    expected_payment: Mapped[Decimal | None] = mapped_column(Money)
    """What the payer should pay for the denied services (allowed amount, or charge x the
    payer's paid-to-charge ratio): the basis of ``at_risk``."""
    at_risk_basis: Mapped[str] = mapped_column(String(64), default="", server_default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    """The payer's decision date: the deciding remittance's date, or the date entered."""
    priority_score: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    p_overturn: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    p_source: Mapped[str] = mapped_column(String(48), default="", server_default="")
    expected_recovery: Mapped[Decimal | None] = mapped_column(Money)
    cost_to_work: Mapped[Decimal | None] = mapped_column(Money)
    age_factor: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    deadline_factor: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    priority_as_of: Mapped[date | None] = mapped_column(Date)
    """The day the stored score was computed for (age and deadline factors depend on it)."""
    kind: Mapped[str] = mapped_column(String(16), default="denial", server_default="denial")
    """revision 0012: ``denial`` or ``underpayment`` (``denialops.vocabulary.CASE_KINDS``);
    one case per claim and kind."""


class CaseSearch(Base):
    """Search terms of a case, upper-cased: patient control number, payer claim number,
    member id, patient last name and ``LAST FIRST``. The queue's free-text filter is a
    prefix range over ``term`` (index ``ix_case_search_term``), case-insensitive; checked
    per case by ``ix_case_search_case_term`` (revision 0014) when the queue walks its
    page order instead (see :mod:`denialops.work.queue`)."""

    __tablename__ = "case_search"
    __table_args__ = (
        Index("ix_case_search_term", "term", "case_id"),
        Index("ix_case_search_case_term", "case_id", "term"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"))
    term: Mapped[str] = mapped_column(String(130))


class CaseAdjustment(Base):
    """A denied adjustment of the case's claim, with its classification (kept current
    while the case is open: :mod:`denialops.work.reroute`)."""

    __tablename__ = "case_adjustment"
    __table_args__ = (
        UniqueConstraint("case_id", "adjustment_id", name="uq_case_adjustment"),
        Index("ix_case_adjustment_reason", "reason_code", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"), index=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("adjustment.id"))
    service_line_id: Mapped[int | None] = mapped_column(ForeignKey("service_line.id"))
    group_code: Mapped[str] = mapped_column(String(4))
    reason_code: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)
    family: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(48))
    owner: Mapped[str | None] = mapped_column(String(32))


class CaseEvent(Base):
    """Append-only audit trail: who changed what on a case, when, from what to what."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))  # a login, or "system"
    action: Mapped[str] = mapped_column(String(32))  # open, move, assign, note, ...
    field: Mapped[str | None] = mapped_column(String(48))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"))
    """The remittance that caused the change (outcomes from a later 835)."""
    source_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    note: Mapped[str | None] = mapped_column(Text)


class Appeal(Base):
    """One appeal level of a case: submitted, decided, outcome and dollars recovered."""

    __tablename__ = "appeal"
    __table_args__ = (UniqueConstraint("case_id", "level", name="uq_appeal_case_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # appeal | peer_to_peer | external_review
    submitted_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))
    """won | partially_won | lost | denied_again (decisions); escalated | withdrawn (not)."""
    recovered: Mapped[Decimal | None] = mapped_column(Money)
    submitted_by: Mapped[str] = mapped_column(String(64))
    decision_source: Mapped[str | None] = mapped_column(String(16))
    """remittance | user when the payer decided; null when the row was closed without a
    decision (escalated to the next level, withdrawn). Only decided rows are decisions."""
    closed_on: Mapped[date | None] = mapped_column(Date)
    """When the row stopped being pending, decided or not."""


class CaseNote(Base):
    """Free text a worker left on a case."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)


class CaseDocument(Base):
    """A file attached to a case; the bytes live on disk under their content hash."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_case_document_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("denial_case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enclose: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False for an internal document: never enclosed unless named for a packet (0007)."""


class PaidRatio(Base):
    """Paid-to-charge history per payer and service code, kept as remittances arrive.

    The basis of the expected reimbursement of a denied line that carries no allowed
    amount (see :mod:`denialops.work.expected`): ``paid / charge`` over the paid lines
    of that payer and code. ``PaidRatioSource`` names the remittances already counted,
    so counting is idempotent.
    """

    __tablename__ = "paid_ratio"

    payer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    paid: Mapped[Decimal] = mapped_column(Money)
    charge: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[int] = mapped_column(Integer)


class PaidRatioSource(Base):
    """A remittance whose paid lines are counted in ``paid_ratio``."""

    __tablename__ = "paid_ratio_source"

    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), primary_key=True)
