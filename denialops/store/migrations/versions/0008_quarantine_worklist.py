"""A quarantine you can work: rows keyed by file and position, the failing segment and
element, the interchange's delimiters (to export a set that can be re-ingested) and
when and by which remittance a row was resolved.

Before, rows were unique by the sha256 of their raw text, so two files holding the same
broken bytes shared one row and the second file's error was lost.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_constraint("uq_quarantine_raw", type_="unique")
        batch.add_column(sa.Column("error_segment", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("error_element", sa.String(16), nullable=True))
        batch.add_column(sa.Column("delimiters", sa.String(4), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolved_by_remittance_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_quarantine_position", ["file_id", "byte_offset"])
        batch.create_index("ix_quarantine_raw", ["raw_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_index("ix_quarantine_raw")
        batch.drop_constraint("uq_quarantine_position", type_="unique")
        for column in (
            "resolved_by_remittance_id",
            "resolved_at",
            "delimiters",
            "error_element",
            "error_segment",
        ):
            batch.drop_column(column)
        batch.create_unique_constraint("uq_quarantine_raw", ["raw_sha256"])
