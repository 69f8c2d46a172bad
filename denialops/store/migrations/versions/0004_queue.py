"""Work queue at scale: stored priority, search terms, decision dates, appeal decision source.

Adds to ``denial_case`` the priority score and its parts (so the queue is one indexed SQL
query), the member id and patient name (for search), the expected payment behind
``at_risk`` and the payer's decision date; a ``case_search`` table of upper-cased search
terms; partial indexes over open cases in each queue order; to ``appeal`` whether a
row was decided (and by what) or only closed; and the paid-to-charge history per payer
and service code (``paid_ratio``, with the remittances it counts in ``paid_ratio_source``)
that expected reimbursement reads. Existing cases are backfilled in SQL: names, search
terms, paid-to-charge history; scores by the next ``denialops work refresh`` (the
migration runs inside ``store``, which imports nothing of ``work``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from denialops.store.schema import Money

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_OPEN = sa.text("closed_at IS NULL")
QUEUE_INDEXES: dict[str, list[str]] = {
    "priority": ["priority_score", "id"],
    "owner_priority": ["owner", "priority_score", "id"],
    "assignee_priority": ["assignee", "priority_score", "id"],
    "payer_priority": ["payer_id", "priority_score", "id"],
    "deadline": ["next_deadline", "id"],
    "amount": ["at_risk", "id"],
    "age": ["determination_date", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("denial_case") as batch:
        batch.add_column(sa.Column("patient_id", sa.String(64), server_default="", nullable=False))
        batch.add_column(
            sa.Column("patient_name", sa.String(130), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("expected_payment", Money, nullable=True))
        batch.add_column(
            sa.Column("at_risk_basis", sa.String(64), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("priority_score", Money, server_default="0", nullable=False))
        batch.add_column(sa.Column("p_overturn", sa.Numeric(6, 4), nullable=True))
        batch.add_column(sa.Column("p_source", sa.String(48), server_default="", nullable=False))
        batch.add_column(sa.Column("expected_recovery", Money, nullable=True))
        batch.add_column(sa.Column("cost_to_work", Money, nullable=True))
        batch.add_column(sa.Column("age_factor", sa.Numeric(8, 4), nullable=True))
        batch.add_column(sa.Column("deadline_factor", sa.Numeric(8, 4), nullable=True))
        batch.add_column(sa.Column("priority_as_of", sa.Date(), nullable=True))
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(
            f"ix_denial_case_open_{name}",
            "denial_case",
            columns,
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )
    with op.batch_alter_table("appeal") as batch:
        batch.add_column(sa.Column("decision_source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_index(
        "ix_case_adjustment_reason", "case_adjustment", ["reason_code", "case_id"], unique=False
    )
    op.create_table(
        "case_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=130), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["denial_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_search_term", "case_search", ["term", "case_id"], unique=False)
    op.create_table(
        "paid_ratio",
        sa.Column("payer_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("paid", Money, nullable=False),
        sa.Column("charge", Money, nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("payer_id", "code"),
    )
    op.create_table(
        "paid_ratio_source",
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["remittance_id"], ["remittance.id"]),
        sa.PrimaryKeyConstraint("remittance_id"),
    )
    _backfill()


def _backfill() -> None:
    """Existing cases, in SQL (``store`` imports nothing of ``work``): appeal decisions,
    names and search terms. Scores start unscored (``priority_as_of`` null, score 0):
    ``denialops work refresh`` (or the next ingest's cases) computes them."""
    op.execute(
        "UPDATE appeal SET decision_source = CASE WHEN outcome IN ('won', 'partially_won', "
        "'lost') THEN 'user' END, closed_on = decided_on WHERE decided_on IS NOT NULL"
    )
    op.execute(
        "UPDATE appeal SET outcome = CASE WHEN outcome = 'upheld' THEN 'escalated' "
        "ELSE outcome END, decided_on = NULL WHERE outcome IN ('upheld', 'withdrawn')"
    )
    op.execute(
        "UPDATE denial_case SET "
        "patient_id = COALESCE((SELECT c.patient_id FROM claim c "
        "WHERE c.id = denial_case.claim_id), ''), "
        "patient_name = COALESCE((SELECT CASE WHEN c.patient_first_name = '' "
        "THEN c.patient_last_name ELSE c.patient_last_name || ', ' || c.patient_first_name END "
        "FROM claim c WHERE c.id = denial_case.claim_id), '')"
    )
    for term in (
        "UPPER(k.patient_control_number)",
        "UPPER(k.payer_claim_control_number)",
        "UPPER(c.patient_id)",
        "UPPER(c.patient_last_name)",
        "UPPER(TRIM(c.patient_last_name || ' ' || c.patient_first_name))",
    ):
        op.execute(
            f"INSERT INTO case_search (case_id, term) SELECT k.id, {term} "
            "FROM denial_case k JOIN claim c ON c.id = k.claim_id "
            f"WHERE {term} <> ''"
        )
    op.execute(
        "INSERT INTO paid_ratio (payer_id, code, paid, charge, lines) "
        "SELECT c.payer_id, l.code, SUM(l.paid), SUM(l.charge), COUNT(*) "
        "FROM service_line l JOIN claim c ON c.id = l.claim_id "
        "WHERE c.status <> '22' AND l.paid > 0 AND l.charge > 0 GROUP BY c.payer_id, l.code"
    )
    op.execute("INSERT INTO paid_ratio_source (remittance_id) SELECT id FROM remittance")


def downgrade() -> None:
    op.drop_table("paid_ratio_source")
    op.drop_table("paid_ratio")
    op.drop_index("ix_case_search_term", table_name="case_search")
    op.drop_table("case_search")
    op.drop_index("ix_case_adjustment_reason", table_name="case_adjustment")
    with op.batch_alter_table("appeal") as batch:
        batch.drop_column("closed_on")
        batch.drop_column("decision_source")
    for name in QUEUE_INDEXES:
        op.drop_index(f"ix_denial_case_open_{name}", table_name="denial_case")
    with op.batch_alter_table("denial_case") as batch:
        for column in (
            "priority_as_of", "deadline_factor", "age_factor", "cost_to_work",
            "expected_recovery", "p_source", "p_overturn", "priority_score", "decided_on",
            "at_risk_basis", "expected_payment", "patient_name", "patient_id",
        ):  # fmt: skip
            batch.drop_column(column)
