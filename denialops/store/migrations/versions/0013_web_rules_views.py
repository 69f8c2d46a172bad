"""Rule overrides edited in the browser (with their history) and team-shared saved views.

``rule_override`` holds the database's own classification rules, one row per match
(payer, group, CARC, RARC; ``''`` means "any", so the match is unique on both
databases); the classifier reads them on top of the shipped rules and the user file.
``rule_override_history`` keeps every change (who, when, the rule before and after).
``saved_view.shared`` lets a user share a saved work-queue view with the team.

Revision ID: 0013
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rule_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(length=64), nullable=False),
        sa.Column("group_code", sa.String(length=2), nullable=False),
        sa.Column("carc", sa.String(length=8), nullable=False),
        sa.Column("rarc", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=True),
        sa.Column("soft_or_hard", sa.String(length=8), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("next_action", sa.String(length=48), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payer", "group_code", "carc", "rarc", name="uq_rule_override_match"),
    )
    op.create_table(
        "rule_override_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rule_override_history_override", "rule_override_history", ["override_id"])
    with op.batch_alter_table("saved_view") as batch:
        batch.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("saved_view") as batch:
        batch.drop_column("shared")
    op.drop_index("ix_rule_override_history_override", table_name="rule_override_history")
    op.drop_table("rule_override_history")
    op.drop_table("rule_override")
