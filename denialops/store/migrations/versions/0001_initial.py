"""Initial schema: files, remittances, claims, service lines, adjustments, PLBs, quarantine.

Written out table by table (not ``metadata.create_all``) so that this revision stays
what it was when later revisions change :mod:`denialops.store.schema`.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "source_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("segment_number", sa.Integer(), nullable=True),
        sa.Column("byte_offset", sa.BigInteger(), nullable=True),
        sa.Column("st_control", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("raw_text", sa.LargeBinary(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["source_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("raw_sha256", name="uq_quarantine_raw"),
    )
    op.create_table(
        "remittance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("segment_number", sa.Integer(), nullable=False),
        sa.Column("isa_control", sa.String(length=16), nullable=False),
        sa.Column("gs_control", sa.String(length=16), nullable=False),
        sa.Column("st_control", sa.String(length=16), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        sa.Column("receiver_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("handling_code", sa.String(length=4), nullable=False),
        sa.Column("payment_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_debit", sa.String(length=2), nullable=False),
        sa.Column("payment_method", sa.String(length=4), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("trace_number", sa.String(length=64), nullable=False),
        sa.Column("trace_originator", sa.String(length=32), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("payer_id", sa.String(length=64), nullable=False),
        sa.Column("payer_name", sa.String(length=128), nullable=False),
        sa.Column("payee_name", sa.String(length=128), nullable=False),
        sa.Column("payee_id_qualifier", sa.String(length=4), nullable=False),
        sa.Column("payee_id", sa.String(length=64), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("total_charge", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("plb_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=False),
        sa.Column("balance_errors", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raw_x12", sa.LargeBinary(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["source_file.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint", name="uq_remittance_fingerprint"),
    )
    op.create_index("ix_remittance_file_id", "remittance", ["file_id"])
    op.create_index("ix_remittance_payer_id", "remittance", ["payer_id"])
    op.create_index("ix_remittance_trace_number", "remittance", ["trace_number"])
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.String(length=64), nullable=False),
        sa.Column("patient_control_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("charge", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("patient_responsibility", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("filing_indicator", sa.String(length=4), nullable=False),
        sa.Column("payer_claim_control_number", sa.String(length=64), nullable=False),
        sa.Column("facility_type", sa.String(length=8), nullable=False),
        sa.Column("frequency", sa.String(length=4), nullable=False),
        sa.Column("drg", sa.String(length=8), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("patient_last_name", sa.String(length=64), nullable=False),
        sa.Column("patient_first_name", sa.String(length=64), nullable=False),
        sa.Column("rendering_npi", sa.String(length=16), nullable=False),
        sa.Column("statement_from", sa.Date(), nullable=True),
        sa.Column("statement_to", sa.Date(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("remark_codes", sa.JSON(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=False),
        sa.Column("reverses_claim_id", sa.Integer(), nullable=True),
        sa.Column("reversed_by_claim_id", sa.Integer(), nullable=True),
        sa.Column("denial_status", sa.String(length=16), nullable=False),
        sa.Column("primary_denial_category", sa.String(length=48), nullable=True),
        sa.Column("primary_denial_family", sa.String(length=16), nullable=True),
        sa.Column("denied_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reversed_by_claim_id"],
            ["claim.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reverses_claim_id"],
            ["claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_claim_payer_icn", "claim", ["payer_claim_control_number"])
    op.create_index("ix_claim_pcn_payer", "claim", ["patient_control_number", "payer_id"])
    op.create_index("ix_claim_remittance_id", "claim", ["remittance_id"])
    op.create_index("ix_claim_service_date", "claim", ["service_date"])
    op.create_table(
        "provider_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("fiscal_period_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=4), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("segment_order", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_provider_adjustment_remittance_id", "provider_adjustment", ["remittance_id"]
    )
    op.create_table(
        "service_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("qualifier", sa.String(length=4), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("modifier1", sa.String(length=4), nullable=False),
        sa.Column("modifier2", sa.String(length=4), nullable=False),
        sa.Column("modifier3", sa.String(length=4), nullable=False),
        sa.Column("modifier4", sa.String(length=4), nullable=False),
        sa.Column("charge", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("revenue_code", sa.String(length=8), nullable=False),
        sa.Column("units", sa.Numeric(precision=15, scale=4), nullable=True),
        sa.Column("original_code", sa.String(length=48), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("service_date_end", sa.Date(), nullable=True),
        sa.Column("control_number", sa.String(length=64), nullable=False),
        sa.Column("allowed", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("remark_codes", sa.JSON(), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_line_claim_id", "service_line", ["claim_id"])
    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("service_line_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("segment_order", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=4), nullable=False),
        sa.Column("reason_code", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=15, scale=4), nullable=True),
        sa.Column("rarcs", sa.JSON(), nullable=False),
        sa.Column("is_denial", sa.Boolean(), nullable=True),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("soft_or_hard", sa.String(length=8), nullable=True),
        sa.Column("process_step", sa.String(length=32), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("next_action", sa.String(length=32), nullable=True),
        sa.Column("rule_id", sa.String(length=128), nullable=True),
        sa.Column("ruleset_version", sa.String(length=64), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_line_id"],
            ["service_line.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_adjustment_claim", "adjustment", ["claim_id"])
    op.create_index("ix_adjustment_family", "adjustment", ["family", "category"])
    op.create_index("ix_adjustment_remittance_id", "adjustment", ["remittance_id"])
    op.create_table(
        "classification_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("is_denial", sa.Boolean(), nullable=True),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("soft_or_hard", sa.String(length=8), nullable=True),
        sa.Column("process_step", sa.String(length=32), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("next_action", sa.String(length=32), nullable=True),
        sa.Column("rule_id", sa.String(length=128), nullable=True),
        sa.Column("ruleset_version", sa.String(length=64), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_classification_history_adjustment_id", "classification_history", ["adjustment_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_classification_history_adjustment_id", table_name="classification_history")
    op.drop_table("classification_history")
    op.drop_index("ix_adjustment_remittance_id", table_name="adjustment")
    op.drop_index("ix_adjustment_family", table_name="adjustment")
    op.drop_index("ix_adjustment_claim", table_name="adjustment")
    op.drop_table("adjustment")
    op.drop_index("ix_service_line_claim_id", table_name="service_line")
    op.drop_table("service_line")
    op.drop_index("ix_provider_adjustment_remittance_id", table_name="provider_adjustment")
    op.drop_table("provider_adjustment")
    op.drop_index("ix_claim_service_date", table_name="claim")
    op.drop_index("ix_claim_remittance_id", table_name="claim")
    op.drop_index("ix_claim_pcn_payer", table_name="claim")
    op.drop_index("ix_claim_payer_icn", table_name="claim")
    op.drop_table("claim")
    op.drop_index("ix_remittance_trace_number", table_name="remittance")
    op.drop_index("ix_remittance_payer_id", table_name="remittance")
    op.drop_index("ix_remittance_file_id", table_name="remittance")
    op.drop_table("remittance")
    op.drop_table("quarantine")
    op.drop_table("source_file")
