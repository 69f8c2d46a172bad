"""Queue search at scale: case_search indexed by case as well as by term.

``ix_case_search_case_term`` (case_id, term) lets the queue's search filter be checked
per case while the planner walks a queue index in page order, instead of joining every
matching term to the whole case table and sorting: on PostgreSQL at 1,000,000 cases a
search by a common name prefix read every open case (a parallel sequential scan, about
0.5 s) because the only way from a term to its cases was ``ix_case_search_term`` then
the case's primary key for each. A selective term (one case) still goes through
``ix_case_search_term``. See :mod:`denialops.work.queue`.

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_case_search_case_term", "case_search", ["case_id", "term"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_search_case_term", table_name="case_search")
