"""Money is exact in the database: stored, summed and converted without a float.

Before revision 0003 SQLite held amounts as REAL and ``SUM`` ran on floats.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select, text

from denialops.store import Database, schema
from denialops.store.database import driver_cursor
from denialops.store.schema import Money
from tests.store.old_databases import OLD_AMOUNTS, seed_old_database

CENT = Decimal("0.01")
amounts = st.decimals(
    min_value=Decimal("-99999999.99"),
    max_value=Decimal("99999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)

probe_metadata = MetaData()
PROBE = Table(
    "money_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Money, nullable=False),
)


@pytest.fixture
def probe_db(db_url: str) -> Database:
    db = Database(db_url)
    probe_metadata.create_all(db.engine)
    return db


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(amounts, max_size=30))
def test_database_sum_equals_decimal_sum(probe_db: Database, values: list[Decimal]) -> None:
    """Half the rows through Core, half straight to the driver through the adapter."""
    half = len(values) // 2
    with probe_db.write() as conn:
        conn.execute(PROBE.delete())
        if values[:half]:
            conn.execute(insert(PROBE), [{"amount": v} for v in values[:half]])
        cursor = driver_cursor(conn)
        marks = probe_db.dialect.sql("INSERT INTO money_probe (amount) VALUES (?)")
        cursor.executemany(marks, [(probe_db.dialect.amount(v),) for v in values[half:]])
        cursor.close()
    with probe_db.read() as conn:
        core_sum = conn.execute(select(func.sum(PROBE.c.amount))).scalar_one()
        raw_sum = conn.execute(text("SELECT SUM(amount) FROM money_probe")).scalar_one()
        as_text = conn.execute(
            text(f"SELECT {probe_db.money_sql('SUM(amount)')} FROM money_probe")
        ).scalar_one()
        stored = conn.execute(select(PROBE.c.amount).order_by(PROBE.c.id)).scalars().all()
    expected = sum(values, Decimal(0)) if values else None
    assert stored == values
    assert core_sum == expected
    assert probe_db.money_value(raw_sum) == expected
    assert probe_db.money_value(as_text) == expected
    probe_db.close()


def test_money_columns_compare_and_order_as_amounts(probe_db: Database) -> None:
    values = [Decimal("10.10"), Decimal("-3.00"), Decimal("0.07"), Decimal("99.99")]
    with probe_db.write() as conn:
        conn.execute(insert(PROBE), [{"amount": v} for v in values])
    with probe_db.read() as conn:
        above = conn.execute(
            select(PROBE.c.amount).where(PROBE.c.amount > Decimal("0.07")).order_by(PROBE.c.amount)
        ).scalars()
        assert list(above) == [Decimal("10.10"), Decimal("99.99")]
        doubled = conn.execute(select(func.sum(PROBE.c.amount * 2))).scalar_one()
        assert doubled == 2 * sum(values, Decimal(0))
    probe_db.close()


def test_revision_0003_converts_money_in_place(db_url: str) -> None:
    seed_old_database(db_url)
    with Database(db_url) as db:
        assert db.revision() == "0002"
        db.migrate()
        expected = sum((Decimal(a) for a in OLD_AMOUNTS), Decimal(0))
        claim = schema.Claim.__table__
        remittance = schema.Remittance.__table__
        adjustment = schema.Adjustment.__table__
        with db.read() as conn:
            charges = conn.execute(select(claim.c.charge).order_by(claim.c.id)).scalars().all()
            assert charges == [Decimal(a) for a in OLD_AMOUNTS]
            assert conn.execute(select(func.sum(adjustment.c.amount))).scalar_one() == expected
            raw = conn.execute(text("SELECT SUM(denied_amount) FROM claim")).scalar_one()
            assert db.money_value(raw) == expected
            row = conn.execute(
                select(
                    remittance.c.payment_amount, remittance.c.total_charge, remittance.c.plb_total
                )
            ).one()
            assert tuple(row) == (Decimal("1234.56"), Decimal("0.30"), Decimal("-0.20"))
