"""Web application: credentials, sessions, API tokens, web audit, saved views, action plans.

``web_audit`` is append-only like ``case_event``: triggers refuse UPDATE and DELETE.

Revision ID: 0006
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER web_audit_no_update BEFORE UPDATE ON web_audit
    BEGIN SELECT RAISE(ABORT, 'web_audit is append-only'); END""",
    """CREATE TRIGGER web_audit_no_delete BEFORE DELETE ON web_audit
    BEGIN SELECT RAISE(ABORT, 'web_audit is append-only'); END""",
)
_PG_TRIGGERS = (
    """CREATE FUNCTION web_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'web_audit is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER web_audit_no_change BEFORE UPDATE OR DELETE ON web_audit
    FOR EACH ROW EXECUTE FUNCTION web_audit_append_only()""",
)

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_credential",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("last_seen_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("last_used_at", _TZ, nullable=True),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_audit_at", "web_audit", ["at"], unique=False)
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_view_user_name"),
    )
    op.create_table(
        "action_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("baseline", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    triggers = _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _PG_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS web_audit_no_change ON web_audit")
        op.execute("DROP FUNCTION IF EXISTS web_audit_append_only()")
    op.drop_table("action_plan")
    op.drop_table("saved_view")
    op.drop_index("ix_web_audit_at", table_name="web_audit")
    op.drop_table("web_audit")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_table("web_credential")
