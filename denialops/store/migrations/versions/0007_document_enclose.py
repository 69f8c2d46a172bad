"""Documents marked internal: ``case_document.enclose`` (false: never put in a packet).

A document attached as internal (``case attach --internal``: a worker's notes, a call
log) stays on the case but is never enclosed unless the user names it for one packet.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_document") as batch:
        batch.add_column(
            sa.Column("enclose", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_document") as batch:
        batch.drop_column("enclose")
