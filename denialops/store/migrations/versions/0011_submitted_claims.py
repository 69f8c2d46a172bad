"""Claims as submitted (837P/837I), their lines, and the scrubber's findings at ingest.

Revision ID: 0011
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _money() -> sa.types.TypeEngine[Any]:
    """Whole cents on SQLite, NUMERIC(18, 2) elsewhere (as schema.MoneyType)."""
    if op.get_bind().dialect.name == "sqlite":
        return sa.BigInteger()
    return sa.Numeric(precision=18, scale=2)


def upgrade() -> None:
    op.create_table(
        "submitted_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("implementation", sa.String(length=16), nullable=False),
        sa.Column("st_control", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("created", sa.Date(), nullable=True),
        sa.Column("segment_number", sa.Integer(), nullable=False),
        sa.Column("byte_offset", sa.Integer(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["source_file_id"], ["source_file.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_table(
        "submitted_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("patient_control_number", sa.String(length=64), nullable=False),
        sa.Column("payer_id", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("payer_name", sa.String(length=120), nullable=False),
        sa.Column("filing_indicator", sa.String(length=4), nullable=False),
        sa.Column("frequency", sa.String(length=2), nullable=False),
        sa.Column("original_reference", sa.String(length=64), nullable=False),
        sa.Column("total_charge", _money(), nullable=False),
        sa.Column("place_of_service", sa.String(length=4), nullable=False),
        sa.Column("type_of_bill", sa.String(length=4), nullable=False),
        sa.Column("prior_authorization", sa.String(length=64), nullable=False),
        sa.Column("billing_npi", sa.String(length=16), nullable=False),
        sa.Column("rendering_npi", sa.String(length=16), nullable=False),
        sa.Column("diagnoses", sa.JSON(), nullable=False),
        sa.Column("submitted", sa.Date(), nullable=True),
        sa.Column("first_service_date", sa.Date(), nullable=True),
        sa.Column("segment_number", sa.Integer(), nullable=False),
        sa.Column("scrub_errors", sa.Integer(), nullable=False),
        sa.Column("scrub_warnings", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["submitted_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_submitted_claim_pcn", "submitted_claim", ["patient_control_number", "payer_id"]
    )
    op.create_index("ix_submitted_claim_submitted", "submitted_claim", ["submitted"])
    op.create_index("ix_submitted_claim_member", "submitted_claim", ["member_id"])
    op.create_table(
        "submitted_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("modifiers", sa.String(length=16), nullable=False),
        sa.Column("revenue_code", sa.String(length=8), nullable=False),
        sa.Column("charge", _money(), nullable=False),
        sa.Column("units", sa.Numeric(precision=15, scale=4), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("control_number", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["submitted_claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_submitted_line_claim", "submitted_line", ["claim_id"])
    op.create_index("ix_submitted_line_control", "submitted_line", ["control_number"])
    op.create_table(
        "scrub_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("edit_id", sa.String(length=32), nullable=False),
        sa.Column("edit_version", sa.String(length=48), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=True),
        sa.Column("carc", sa.String(length=8), nullable=False),
        sa.Column("rarc", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["submitted_claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scrub_finding_claim", "scrub_finding", ["claim_id"])


def downgrade() -> None:
    op.drop_table("scrub_finding")
    op.drop_table("submitted_line")
    op.drop_table("submitted_claim")
    op.drop_table("submitted_batch")
