"""Case kinds: a claim may have a denial case and an underpayment case.

``denial_case.kind`` is ``denial`` (every existing row) or ``underpayment`` (a
contractual line allowed below the loaded fee schedule, issue 14); one case per claim
and kind (``uq_denial_case_claim_kind`` replaces ``uq_denial_case_claim``). The queue's
partial indexes are dropped and recreated around the table copy SQLite's batch mode
makes.

Revision ID: 0012
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

_OPEN = sa.text("closed_at IS NULL")
QUEUE_INDEXES = {
    "priority": ["priority_score", "id"],
    "owner_priority": ["owner", "priority_score", "id"],
    "assignee_priority": ["assignee", "priority_score", "id"],
    "payer_priority": ["payer_id", "priority_score", "id"],
    "deadline": ["next_deadline", "id"],
    "amount": ["at_risk", "id"],
    "age": ["determination_date", "id"],
}


def _drop_queue_indexes() -> None:
    for name in QUEUE_INDEXES:
        op.drop_index(f"ix_denial_case_open_{name}", table_name="denial_case")


def _create_queue_indexes() -> None:
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(
            f"ix_denial_case_open_{name}",
            "denial_case",
            columns,
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )


def upgrade() -> None:
    _drop_queue_indexes()
    with op.batch_alter_table("denial_case") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="denial", nullable=False)
        )
        batch.drop_constraint("uq_denial_case_claim", type_="unique")
        batch.create_unique_constraint("uq_denial_case_claim_kind", ["claim_id", "kind"])
    _create_queue_indexes()


def downgrade() -> None:
    others = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM denial_case WHERE kind <> 'denial'"))
        .scalar_one()
    )
    if others:
        raise RuntimeError(
            f"cannot downgrade below 0012: {others} cases are not denial cases (underpayment "
            "cases); their audit trail is append-only, so they cannot be removed"
        )
    _drop_queue_indexes()
    with op.batch_alter_table("denial_case") as batch:
        batch.drop_constraint("uq_denial_case_claim_kind", type_="unique")
        batch.create_unique_constraint("uq_denial_case_claim", ["claim_id"])
        batch.drop_column("kind")
    _create_queue_indexes()
