"""Denial register: cases, case adjustments, audit events, appeals, notes, documents, users.

``case_event`` is append-only: triggers refuse UPDATE and DELETE on it, on SQLite and on
PostgreSQL, so the audit trail cannot be rewritten through the database either.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
    BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END""",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
    BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END""",
)
_PG_TRIGGERS = (
    """CREATE FUNCTION case_event_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'case_event is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_table(
        "denial_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.String(length=64), nullable=False),
        sa.Column("patient_control_number", sa.String(length=64), nullable=False),
        sa.Column("payer_claim_control_number", sa.String(length=64), nullable=False),
        sa.Column("filing_indicator", sa.String(length=4), nullable=False),
        sa.Column("denial_status", sa.String(length=16), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("next_action", sa.String(length=32), nullable=True),
        sa.Column("soft_or_hard", sa.String(length=8), nullable=True),
        sa.Column("billed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_initial", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("at_risk", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("determination_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("appeal_level", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("next_deadline", sa.Date(), nullable=True),
        sa.Column("next_deadline_kind", sa.String(length=48), nullable=True),
        sa.Column("paid_to_date", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("recovered", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("outcome_remittance_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outcome_remittance_id"],
            ["remittance.id"],
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", name="uq_denial_case_claim"),
    )
    op.create_index(
        "ix_denial_case_pcn_payer",
        "denial_case",
        ["patient_control_number", "payer_id"],
        unique=False,
    )
    op.create_index("ix_denial_case_queue", "denial_case", ["state", "owner"], unique=False)
    op.create_index(
        op.f("ix_denial_case_remittance_id"), "denial_case", ["remittance_id"], unique=False
    )
    op.create_table(
        "appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("recovered", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["denial_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "level", name="uq_appeal_case_level"),
    )
    op.create_index(op.f("ix_appeal_case_id"), "appeal", ["case_id"], unique=False)
    op.create_table(
        "case_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["denial_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "sha256", name="uq_case_document_hash"),
    )
    op.create_index(op.f("ix_case_document_case_id"), "case_document", ["case_id"], unique=False)
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=48), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("remittance_id", sa.Integer(), nullable=True),
        sa.Column("source_claim_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["denial_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_claim_id"],
            ["claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_event_case", "case_event", ["case_id", "id"], unique=False)
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["denial_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_note_case_id"), "case_note", ["case_id"], unique=False)
    op.create_table(
        "case_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("service_line_id", sa.Integer(), nullable=True),
        sa.Column("group_code", sa.String(length=4), nullable=False),
        sa.Column("reason_code", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["denial_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_line_id"],
            ["service_line.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "adjustment_id", name="uq_case_adjustment"),
    )
    op.create_index(
        op.f("ix_case_adjustment_case_id"), "case_adjustment", ["case_id"], unique=False
    )
    dialect = op.get_bind().dialect.name
    triggers = _SQLITE_TRIGGERS if dialect == "sqlite" else _PG_TRIGGERS
    if dialect in ("sqlite", "postgresql"):
        for statement in triggers:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS case_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_event_no_change ON case_event")
        op.execute("DROP FUNCTION IF EXISTS case_event_append_only()")
    op.drop_index(op.f("ix_case_adjustment_case_id"), table_name="case_adjustment")
    op.drop_table("case_adjustment")
    op.drop_index(op.f("ix_case_note_case_id"), table_name="case_note")
    op.drop_table("case_note")
    op.drop_index("ix_case_event_case", table_name="case_event")
    op.drop_table("case_event")
    op.drop_index(op.f("ix_case_document_case_id"), table_name="case_document")
    op.drop_table("case_document")
    op.drop_index(op.f("ix_appeal_case_id"), table_name="appeal")
    op.drop_table("appeal")
    op.drop_index(op.f("ix_denial_case_remittance_id"), table_name="denial_case")
    op.drop_index("ix_denial_case_queue", table_name="denial_case")
    op.drop_index("ix_denial_case_pcn_payer", table_name="denial_case")
    op.drop_table("denial_case")
    op.drop_table("app_user")
