"""Status-22 claims are linked to the claim payment they take back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select

from denialops.store import load, schema
from denialops.x12.remittance import Remittance
from tests.store.factories import claim, remittance, service_line

D = Decimal


def _store(engine: Engine, rem: Remittance) -> int:
    with engine.begin() as conn:
        file_id = conn.execute(
            schema.SourceFile.__table__.insert().returning(schema.SourceFile.id),
            {
                "path": "f.835",
                "name": "f.835",
                "sha256": uuid.uuid4().hex,
                "size_bytes": 1,
                "ingested_at": datetime.now(UTC),
                "transactions": 0,
                "quarantined": 0,
            },
        ).scalar_one()
        stored = load.store_remittance(
            conn, rem, file_id, fingerprint_value=load.fingerprint(rem), flags=load.BalanceFlags()
        )
    return stored.reversals_linked


def _claims(engine: Engine) -> dict[tuple[str, str, int], schema.Claim]:
    """Claims keyed by (pcn, status, remittance id)."""
    with engine.connect() as conn:
        rows = conn.execute(select(schema.Claim).order_by(schema.Claim.id)).all()
    return {(r.patient_control_number, r.status, r.remittance_id): r for r in rows}


def test_reversal_in_a_later_file_links_both_ways(engine: Engine) -> None:
    assert _store(engine, remittance([claim("P1", icn="ICN9")], trace="T1")) == 0
    reversal = claim("P1", status="22", icn="ICN9", sign=-1)
    corrected = claim("P1", icn="ICN9-2", lines=[service_line(paid="120.00")])
    assert _store(engine, remittance([reversal, corrected], trace="T2")) == 1

    rows = _claims(engine)
    original = rows[("P1", "1", 1)]
    back = rows[("P1", "22", 2)]
    assert back.reverses_claim_id == original.id
    assert original.reversed_by_claim_id == back.id
    assert rows[("P1", "1", 2)].reverses_claim_id is None
    with engine.connect() as conn:
        net = conn.execute(
            select(func.sum(schema.Claim.paid)).where(schema.Claim.patient_control_number == "P1")
        ).scalar_one()
    assert D(net) == D("120.00")  # 100 paid, taken back, then 120 paid


def test_reversal_earlier_in_the_same_transaction_set(engine: Engine) -> None:
    rem = remittance([claim("P2", icn="ICN2"), claim("P2", status="22", icn="ICN2", sign=-1)])
    assert _store(engine, rem) == 1
    rows = _claims(engine)
    original, back = rows[("P2", "1", 1)], rows[("P2", "22", 1)]
    assert (back.reverses_claim_id, original.reversed_by_claim_id) == (original.id, back.id)


def test_most_recent_unreversed_original_is_taken(engine: Engine) -> None:
    _store(engine, remittance([claim("P3", icn="ICN3")], trace="T1"))
    _store(engine, remittance([claim("P3", icn="ICN3")], trace="T2"))
    _store(engine, remittance([claim("P3", status="22", icn="ICN3", sign=-1)], trace="T3"))
    _store(engine, remittance([claim("P3", status="22", icn="ICN3", sign=-1)], trace="T4"))
    rows = _claims(engine)
    older, newer = rows[("P3", "1", 1)], rows[("P3", "1", 2)]
    first_back, second_back = rows[("P3", "22", 3)], rows[("P3", "22", 4)]
    assert first_back.reverses_claim_id == newer.id
    assert second_back.reverses_claim_id == older.id  # newer is already reversed
    assert (newer.reversed_by_claim_id, older.reversed_by_claim_id) == (
        first_back.id,
        second_back.id,
    )


def test_nothing_left_to_reverse_stays_unlinked(engine: Engine) -> None:
    _store(engine, remittance([claim("P4", icn="ICN4")], trace="T1"))
    _store(engine, remittance([claim("P4", status="22", icn="ICN4", sign=-1)], trace="T2"))
    assert (
        _store(engine, remittance([claim("P4", status="22", icn="ICN4", sign=-1)], trace="T3")) == 0
    )
    assert _claims(engine)[("P4", "22", 3)].reverses_claim_id is None


def test_other_payer_is_never_matched(engine: Engine) -> None:
    _store(engine, remittance([claim("P5", icn="ICN5")], trace="T1", payer_id="OTHER"))
    reversal = remittance([claim("P5", status="22", icn="ICN5", sign=-1)], trace="T2")
    assert _store(engine, reversal) == 0


def test_fallback_on_patient_control_number_and_charge(engine: Engine) -> None:
    _store(engine, remittance([claim("P6", icn="")], trace="T1"))
    _store(
        engine, remittance([claim("P6", icn="", lines=[service_line(charge="999.00")])], trace="T2")
    )
    assert _store(engine, remittance([claim("P6", status="22", icn="", sign=-1)], trace="T3")) == 1
    rows = _claims(engine)
    # The 150.00 claim is the one taken back, although the 999.00 one is more recent.
    assert rows[("P6", "22", 3)].reverses_claim_id == rows[("P6", "1", 1)].id
    assert rows[("P6", "1", 2)].reversed_by_claim_id is None
