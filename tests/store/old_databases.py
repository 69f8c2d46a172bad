"""Databases as earlier revisions left them, for upgrade tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from alembic.script import ScriptDirectory

from denialops.store import Database
from denialops.store.database import driver_cursor
from denialops.store.migrate import alembic_config, upgrade

# Amounts whose float sum is not their decimal sum (0.1 + 0.2 and friends).
OLD_AMOUNTS = ["0.10", "0.20", "1234567.89", "-0.07", "33.33", "33.33", "33.34", "0.01"]


def seed_old_database(url: str, revision: str = "0002") -> None:
    """A database at ``revision`` holding one remittance of denied claims (CO-50), stored
    the way the code of that revision stored it and not yet classified.

    Money as that revision's code bound it: floats on SQLite before 0003, cents after.
    """
    upgrade(url, revision)
    db = Database(url)
    sqlite = db.is_sqlite
    script = ScriptDirectory.from_config(alembic_config())
    cents = any(rev.revision == "0003" for rev in script.iterate_revisions(revision, "base"))

    def old(value: str) -> object:
        if not sqlite:
            return Decimal(value)
        return db.dialect.amount(Decimal(value)) if cents else float(value)

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
                "ingested_at, payment_date) VALUES (1, 1, 'f', 1, '1', '1', '1', 's', 'r', 'v', "
                "'I', ?, 'C', 'ACH', 't', 'o', 'P', 'Payer', 'Payee', 'XX', '1', ?, ?, ?, ?, ?, "
                "'[]', '{}', ?, ?, ?)"
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
                date(2026, 1, 5) if not sqlite else "2026-01-05",
            ),
        )
        for i, amount in enumerate(OLD_AMOUNTS, start=1):
            cur.execute(
                sql(
                    "INSERT INTO claim (id, remittance_id, seq, payer_id, patient_control_number, "
                    "status, charge, paid, patient_responsibility, filing_indicator, "
                    "payer_claim_control_number, facility_type, frequency, drg, patient_id, "
                    "patient_last_name, patient_first_name, rendering_npi, remark_codes, "
                    "line_count, balanced, denial_status, denied_amount, detail, service_date) "
                    "VALUES (?, 1, ?, 'P', ?, '4', ?, ?, NULL, 'MC', '', '', '1', '', '', '', '', "
                    "'', '[]', 0, ?, 'paid', ?, '{}', ?)"
                ),
                (
                    i,
                    i,
                    f"PCN{i}",
                    old(amount),
                    old("0"),
                    True,
                    old("0"),
                    date(2025, 12, 1) if not sqlite else "2025-12-01",
                ),
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
