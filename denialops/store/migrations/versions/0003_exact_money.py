"""Exact money: integer cents on SQLite, NUMERIC(18, 2) on PostgreSQL.

Revisions 0001 and 0002 declared money ``NUMERIC(14, 2)``, which SQLite stores as REAL:
sums ran on floats. This revision converts every amount in place, in the migration's one
transaction: on SQLite each value becomes ``ROUND(value * 100)`` whole cents (exact for
any amount of up to 15 significant digits, which a REAL of two decimals is) and the
column is declared BIGINT; on PostgreSQL the column widens to ``NUMERIC(18, 2)``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

MONEY_COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    # table: ((column, nullable), ...)
    "remittance": (
        ("payment_amount", False),
        ("total_charge", False),
        ("total_paid", False),
        ("plb_total", False),
    ),
    "claim": (
        ("charge", False),
        ("paid", False),
        ("patient_responsibility", True),
        ("denied_amount", False),
    ),
    "service_line": (("charge", False), ("paid", False), ("allowed", True)),
    "adjustment": (("amount", False),),
    "provider_adjustment": (("amount", False),),
    "denial_case": (
        ("billed", False),
        ("paid_initial", False),
        ("at_risk", False),
        ("paid_to_date", False),
        ("recovered", False),
    ),
    "appeal": (("recovered", True),),
    "case_adjustment": (("amount", False),),
}

OLD = sa.Numeric(precision=14, scale=2)
NEW_PG = sa.Numeric(precision=18, scale=2)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in MONEY_COLUMNS.items():
        if sqlite:
            sets = ", ".join(
                f"{name} = CAST(ROUND({name} * 100) AS INTEGER)" for name, _ in columns
            )
            op.execute(f"UPDATE {table} SET {sets}")
        with op.batch_alter_table(table) as batch:
            for name, nullable in columns:
                batch.alter_column(
                    name,
                    existing_type=OLD,
                    type_=sa.BigInteger() if sqlite else NEW_PG,
                    existing_nullable=nullable,
                )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in MONEY_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, nullable in columns:
                batch.alter_column(
                    name,
                    existing_type=sa.BigInteger() if sqlite else NEW_PG,
                    type_=OLD,
                    existing_nullable=nullable,
                )
        if sqlite:
            sets = ", ".join(f"{name} = {name} / 100.0" for name, _ in columns)
            op.execute(f"UPDATE {table} SET {sets}")
