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
from denialops.store.migrate import upgrade
from denialops.store.schema import Money

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


# Amounts whose float sum is not their decimal sum (0.1 + 0.2 and friends).
OLD_AMOUNTS = ["0.10", "0.20", "1234567.89", "-0.07", "33.33", "33.33", "33.34", "0.01"]


def _seed_revision_0002(url: str) -> None:
    """A remittance with claims and adjustments written the way revision 0002 code did."""
    upgrade(url, "0002")
    db = Database(url)
    sqlite = db.is_sqlite

    def old(value: str) -> object:
        return float(value) if sqlite else Decimal(value)  # what the old loader bound

    now = "2026-01-01 00:00:00.000000" if sqlite else "2026-01-01T00:00:00+00:00"
    with db.write() as conn:
        cur = driver_cursor(conn)
        sql = db.dialect.sql
        cur.execute(
            sql(
                "INSERT INTO source_file (id, path, name, sha256, size_bytes, ingested_at, "
                "transactions, quarantined) VALUES (1, 'a', 'a', 'x', 1, ?, 1, 0)"
            ),
            (now,),
        )
        cur.execute(
            sql(
                "INSERT INTO remittance (id, file_id, fingerprint, segment_number, isa_control, "
                "gs_control, st_control, sender_id, receiver_id, version, handling_code, "
                "payment_amount, credit_debit, payment_method, trace_number, trace_originator, "
                "payer_id, payer_name, payee_name, payee_id_qualifier, payee_id, claim_count, "
                "total_charge, total_paid, plb_total, balanced, balance_errors, detail, raw_x12, "
                "ingested_at) VALUES (1, 1, 'f', 1, '1', '1', '1', 's', 'r', 'v', 'I', ?, 'C', "
                "'ACH', 't', 'o', 'P', 'Payer', 'Payee', 'XX', '1', ?, ?, ?, ?, ?, '[]', '{}', "
                "?, ?)"
            ),
            (
                old("1234.56"),
                len(OLD_AMOUNTS),
                old("0.30"),
                old("0.10"),
                old("-0.20"),
                True,
                b"",
                now,
            ),
        )
        for i, amount in enumerate(OLD_AMOUNTS, start=1):
            cur.execute(
                sql(
                    "INSERT INTO claim (id, remittance_id, seq, payer_id, patient_control_number, "
                    "status, charge, paid, patient_responsibility, filing_indicator, "
                    "payer_claim_control_number, facility_type, frequency, drg, patient_id, "
                    "patient_last_name, patient_first_name, rendering_npi, remark_codes, "
                    "line_count, balanced, denial_status, denied_amount, detail) VALUES "
                    "(?, 1, ?, 'P', ?, '4', ?, ?, NULL, 'MC', '', '', '1', '', '', '', '', '', "
                    "'[]', 0, ?, 'fully_denied', ?, '{}')"
                ),
                (i, i, f"PCN{i}", old(amount), old("0"), True, old(amount)),
            )
            cur.execute(
                sql(
                    "INSERT INTO adjustment (id, remittance_id, claim_id, level, segment_order, "
                    "position, group_code, reason_code, amount, rarcs, needs_review) VALUES "
                    "(?, 1, ?, 'claim', 1, 1, 'CO', '50', ?, '[]', ?)"
                ),
                (i, i, old(amount), False),
            )
        cur.close()
    db.close()


def test_revision_0003_converts_money_in_place(db_url: str) -> None:
    _seed_revision_0002(db_url)
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
