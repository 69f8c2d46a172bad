"""Analytical facts: per-claim, per-(claim, family), per-denial, per-case and per-appeal rows.

The layout is :mod:`denialops.analytics.fact_schema` at FACT_SCHEMA_VERSION 1, frozen here.
The tables start empty; the first report (or ``denialops report refresh``) fills them
from the remittance tables (the backfill), and ingest keeps them current after that.

Revision ID: 0005
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = (
    "fact_claim",
    "fact_claim_family",
    "fact_denial",
    "fact_case",
    "fact_appeal",
    "fact_cube",
    "fact_meta",
)


def upgrade() -> None:
    op.create_table(
        "fact_claim",
        sa.Column("claim_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("remittance_id", sa.BigInteger(), nullable=True),
        sa.Column("payer_id", sa.String(length=64), nullable=True),
        sa.Column("facility", sa.String(length=64), nullable=True),
        sa.Column("facility_type", sa.String(length=16), nullable=True),
        sa.Column("rendering_provider", sa.String(length=16), nullable=True),
        sa.Column("remit_date", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("date_ok", sa.SmallInteger(), nullable=True),
        sa.Column("pcn", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=True),
        sa.Column("frequency", sa.String(length=4), nullable=True),
        sa.Column("is_adjudication", sa.SmallInteger(), nullable=True),
        sa.Column("is_initial", sa.SmallInteger(), nullable=True),
        sa.Column("is_primary", sa.SmallInteger(), nullable=True),
        sa.Column("fully_denied", sa.SmallInteger(), nullable=True),
        sa.Column("partially_denied", sa.SmallInteger(), nullable=True),
        sa.Column("resubmitted", sa.SmallInteger(), nullable=True),
        sa.Column("denied", sa.SmallInteger(), nullable=True),
        sa.Column("duplicate_denied", sa.SmallInteger(), nullable=True),
        sa.Column("documentation", sa.SmallInteger(), nullable=True),
        sa.Column("charge_cents", sa.BigInteger(), nullable=True),
        sa.Column("paid_cents", sa.BigInteger(), nullable=True),
        sa.Column("patient_resp_cents", sa.BigInteger(), nullable=True),
        sa.Column("npsr_cents", sa.BigInteger(), nullable=True),
        sa.Column("denial_cents", sa.BigInteger(), nullable=True),
        sa.Column("duplicate_cents", sa.BigInteger(), nullable=True),
        sa.Column("denied_lines", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_index("ix_fact_claim_remit_date", "fact_claim", ["remit_date"])
    op.create_index("ix_fact_claim_payer_id_pcn", "fact_claim", ["payer_id", "pcn"])
    op.create_table(
        "fact_claim_family",
        sa.Column("claim_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("family", sa.String(length=16), nullable=False, autoincrement=False),
        sa.Column("payer_id", sa.String(length=64), nullable=True),
        sa.Column("facility", sa.String(length=64), nullable=True),
        sa.Column("facility_type", sa.String(length=16), nullable=True),
        sa.Column("rendering_provider", sa.String(length=16), nullable=True),
        sa.Column("remit_date", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("date_ok", sa.SmallInteger(), nullable=True),
        sa.Column("is_adjudication", sa.SmallInteger(), nullable=True),
        sa.Column("is_initial", sa.SmallInteger(), nullable=True),
        sa.Column("is_primary", sa.SmallInteger(), nullable=True),
        sa.Column("fully_denied", sa.SmallInteger(), nullable=True),
        sa.Column("partially_denied", sa.SmallInteger(), nullable=True),
        sa.Column("documentation", sa.SmallInteger(), nullable=True),
        sa.Column("charge_cents", sa.BigInteger(), nullable=True),
        sa.Column("denial_cents", sa.BigInteger(), nullable=True),
        sa.Column("denied_lines", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("claim_id", "family"),
    )
    op.create_table(
        "fact_denial",
        sa.Column("adjustment_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=True),
        sa.Column("service_line_id", sa.BigInteger(), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("carc", sa.String(length=16), nullable=True),
        sa.Column("rarcs", sa.String(length=256), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("process_step", sa.String(length=32), nullable=True),
        sa.Column("soft_or_hard", sa.String(length=8), nullable=True),
        sa.Column("next_action", sa.String(length=32), nullable=True),
        sa.Column("revenue_code", sa.String(length=8), nullable=True),
        sa.Column("procedure_range", sa.String(length=48), nullable=True),
        sa.Column("service_line", sa.String(length=48), nullable=True),
        sa.Column("documentation", sa.SmallInteger(), nullable=True),
        sa.Column("is_duplicate", sa.SmallInteger(), nullable=True),
        sa.Column("payer_id", sa.String(length=64), nullable=True),
        sa.Column("facility", sa.String(length=64), nullable=True),
        sa.Column("facility_type", sa.String(length=16), nullable=True),
        sa.Column("rendering_provider", sa.String(length=16), nullable=True),
        sa.Column("remit_date", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("date_ok", sa.SmallInteger(), nullable=True),
        sa.Column("is_adjudication", sa.SmallInteger(), nullable=True),
        sa.Column("is_initial", sa.SmallInteger(), nullable=True),
        sa.Column("is_primary", sa.SmallInteger(), nullable=True),
        sa.Column("fully_denied", sa.SmallInteger(), nullable=True),
        sa.Column("partially_denied", sa.SmallInteger(), nullable=True),
        sa.Column("charge_cents", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("adjustment_id"),
    )
    op.create_index("ix_fact_denial_claim_id", "fact_denial", ["claim_id"])
    op.create_table(
        "fact_case",
        sa.Column("case_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=True),
        sa.Column("case_version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=True),
        sa.Column("closed", sa.SmallInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("at_risk_cents", sa.BigInteger(), nullable=True),
        sa.Column("expected_cents", sa.BigInteger(), nullable=True),
        sa.Column("recovered_cents", sa.BigInteger(), nullable=True),
        sa.Column("determination_date", sa.Date(), nullable=True),
        sa.Column("next_deadline", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("resubmitted_on", sa.Date(), nullable=True),
        sa.Column("first_appeal_on", sa.Date(), nullable=True),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=48), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("payer_id", sa.String(length=64), nullable=True),
        sa.Column("facility", sa.String(length=64), nullable=True),
        sa.Column("facility_type", sa.String(length=16), nullable=True),
        sa.Column("rendering_provider", sa.String(length=16), nullable=True),
        sa.Column("remit_date", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("date_ok", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_fact_case_claim_id", "fact_case", ["claim_id"])
    op.create_table(
        "fact_appeal",
        sa.Column("appeal_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("claim_id", sa.BigInteger(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("is_decision", sa.SmallInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("recovered_cents", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_index("ix_fact_appeal_case_id", "fact_appeal", ["case_id"])
    op.create_index("ix_fact_appeal_claim_id", "fact_appeal", ["claim_id"])
    op.create_table(
        "fact_cube",
        sa.Column("cut", sa.String(length=16), nullable=True),
        sa.Column("value", sa.String(length=64), nullable=True),
        sa.Column("family", sa.String(length=16), nullable=True),
        sa.Column("payer_id", sa.String(length=64), nullable=True),
        sa.Column("facility", sa.String(length=64), nullable=True),
        sa.Column("facility_type", sa.String(length=16), nullable=True),
        sa.Column("remit_date", sa.Date(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=True),
        sa.Column("gross_charges_cents", sa.BigInteger(), nullable=True),
        sa.Column("remits", sa.Integer(), nullable=True),
        sa.Column("primary_remits", sa.Integer(), nullable=True),
        sa.Column("first_pass_claims", sa.Integer(), nullable=True),
        sa.Column("npsr_cents", sa.BigInteger(), nullable=True),
        sa.Column("denied_claims", sa.Integer(), nullable=True),
        sa.Column("fully_denied_claims", sa.Integer(), nullable=True),
        sa.Column("partially_denied_claims", sa.Integer(), nullable=True),
        sa.Column("denied_charges_cents", sa.BigInteger(), nullable=True),
        sa.Column("denied_lines", sa.Integer(), nullable=True),
        sa.Column("denial_cents", sa.BigInteger(), nullable=True),
        sa.Column("denied_remits", sa.Integer(), nullable=True),
        sa.Column("zero_pay_primary_remits", sa.Integer(), nullable=True),
        sa.Column("documentation_claims", sa.Integer(), nullable=True),
        sa.Column("duplicate_denied_claims", sa.Integer(), nullable=True),
        sa.Column("duplicate_cents", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_fact_cube_cut_remit_date", "fact_cube", ["cut", "remit_date"])
    op.create_index("ix_fact_cube_remit_date_payer_id", "fact_cube", ["remit_date", "payer_id"])
    op.create_table(
        "fact_meta",
        sa.Column("name", sa.String(length=64), nullable=False, autoincrement=False),
        sa.Column("value", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
