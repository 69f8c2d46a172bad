"""Classification layers on each adjustment: liability, checks before the next action, warnings.

``liability`` follows the group code (CO/PI provider, PR patient, OA other; null for a
group 5010 does not allow); ``checks`` are what to verify before the next action (e.g.
"verify the ABN / waiver is on file"); ``warnings`` are the classifier's (a deactivated
code and its stop date, a group the CARC's text does not allow, ...). All three are
filled by classification; existing rows get them on the next ``reclassify``.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("adjustment") as batch:
        batch.add_column(sa.Column("liability", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("checks", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adjustment") as batch:
        batch.drop_column("warnings")
        batch.drop_column("checks")
        batch.drop_column("liability")
