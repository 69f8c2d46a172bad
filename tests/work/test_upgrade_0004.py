"""Revision 0004 on a database that already holds cases (built at revision 0003)."""

from __future__ import annotations

from sqlalchemy import create_engine, select, text

from denialops.store.migrate import upgrade
from denialops.work.cases import appeal_t, case_t
from denialops.work.store import search_t
from denialops.work.tables import PaidRatio


def _seed(url: str) -> None:
    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    true = "1" if sqlite else "true"

    def money(value: str) -> str:  # integer cents on SQLite since 0003
        return str(round(float(value) * 100)) if sqlite else value

    blob = "X'00'" if sqlite else "decode('00', 'hex')"
    stamp = "'2026-01-01 00:00:00'"
    statements = [
        f"INSERT INTO source_file (id, path, name, sha256, size_bytes, ingested_at, "
        f"transactions, quarantined) VALUES (1, 'f', 'f', 'x', 0, {stamp}, 1, 0)",
        f"INSERT INTO remittance (id, file_id, fingerprint, segment_number, isa_control, "
        f"gs_control, st_control, sender_id, receiver_id, version, handling_code, "
        f"payment_amount, credit_debit, payment_method, trace_number, trace_originator, "
        f"payer_id, payer_name, payee_name, payee_id_qualifier, payee_id, claim_count, "
        f"total_charge, total_paid, plb_total, balanced, balance_errors, detail, raw_x12, "
        f"ingested_at) VALUES (1, 1, 'f', 1, '1', '1', '1', 's', 'r', '005010X221A1', 'I', "
        f"0, 'C', 'ACH', 'T', '1', 'P1', 'P', 'H', 'XX', '1', 2, 0, 0, 0, {true}, '[]', "
        f"'{{}}', {blob}, {stamp})",
    ]
    for cid, pcn, paid in ((1, "Old1", "0"), (2, "Old2", "80")):
        statements += [
            f"INSERT INTO claim (id, remittance_id, seq, payer_id, patient_control_number, "
            f"status, charge, paid, filing_indicator, payer_claim_control_number, "
            f"facility_type, frequency, drg, patient_id, patient_last_name, "
            f"patient_first_name, rendering_npi, remark_codes, line_count, balanced, "
            f"denial_status, denied_amount, detail) VALUES ({cid}, 1, {cid}, 'P1', '{pcn}', "
            f"'1', {money('100')}, {money(paid)}, 'CI', 'ICN{cid}', '11', '1', '', 'MEM{cid}', "
            f"'Müller', 'Anna', '1', '[]', 1, {true}, 'fully_denied', {money('100')}, '{{}}')",
            f"INSERT INTO service_line (id, claim_id, seq, qualifier, code, modifier1, "
            f"modifier2, modifier3, modifier4, charge, paid, revenue_code, original_code, "
            f"control_number, remark_codes, balanced, detail) VALUES ({cid}, {cid}, 1, 'HC', "
            f"'99214', '', '', '', '', {money('100')}, {money(paid)}, '', '', '', '[]', "
            f"{true}, '{{}}')",
        ]
    statements += [
        f"INSERT INTO denial_case (id, claim_id, remittance_id, payer_id, "
        f"patient_control_number, payer_claim_control_number, filing_indicator, "
        f"denial_status, owner, billed, paid_initial, at_risk, state, appeal_level, "
        f"paid_to_date, recovered, opened_at, updated_at, version) VALUES (1, 1, 1, 'P1', "
        f"'Old1', 'ICN1', 'CI', 'fully_denied', 'billing', {money('100')}, 0, "
        f"{money('100')}, 'appealed', 2, 0, 0, {stamp}, {stamp}, 3)",
        "INSERT INTO appeal (id, case_id, level, kind, submitted_on, decided_on, outcome, "
        "submitted_by) VALUES (1, 1, 1, 'appeal', '2026-01-05', '2026-02-01', 'upheld', 'x')",
        "INSERT INTO appeal (id, case_id, level, kind, submitted_on, submitted_by) "
        "VALUES (2, 1, 2, 'appeal', '2026-02-01', 'x')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_upgrade_backfills_names_terms_history_and_appeal_decisions(db_url: str) -> None:
    upgrade(db_url, "0003")
    _seed(db_url)
    upgrade(db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        case = conn.execute(select(case_t).where(case_t.c.id == 1)).one()
        terms = set(conn.execute(select(search_t.c.term).where(search_t.c.case_id == 1)).scalars())
        appeals = conn.execute(select(appeal_t).order_by(appeal_t.c.level)).all()
        ratio = conn.execute(select(PaidRatio.__table__)).all()
    engine.dispose()
    assert (case.patient_id, case.patient_name) == ("MEM1", "Müller, Anna")
    assert {"OLD1", "ICN1", "MEM1"} <= terms  # upper-cased in SQL
    assert len([t for t in terms if t.endswith("LLER ANNA")]) == 1  # LAST FIRST
    # the automatic "upheld" of level 1 (written when level 2 was filed) is no decision
    assert [(a.level, a.outcome, a.decided_on, a.decision_source) for a in appeals] == [
        (1, "escalated", None, None),
        (2, None, None, None),
    ]
    assert appeals[0].closed_on is not None
    assert [(r.payer_id, r.code, r.lines) for r in ratio] == [("P1", "99214", 1)]
