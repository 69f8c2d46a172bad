"""A transaction set too large to hold is stored as it is read (issue 9, issue 10).

Its claims go to the store a chunk at a time under a savepoint of its own; the set's end
decides: duplicate or resumed (rolled back), stored (totals, fingerprint, balance, raw
X12 written, steps run), or failed (rolled back alone and quarantined). Memory stays a
small multiple of the set's size, flat in its number of claims.
"""

from __future__ import annotations

import tracemalloc
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, text

from denialops.pipeline import Batch, IngestOptions, Step, ingest_paths
from denialops.store import schema
from denialops.store.load import fingerprint
from denialops.synth import write_one_set
from denialops.x12 import ProviderAdjustment, Remittance, read_835
from tests.store.factories import claim, remittance
from tests.store.helpers import row_counts, write_835_file

HELD = IngestOptions(stream_claims=1_000_000)  # never streams: the reference
STREAMED = IngestOptions(stream_claims=7)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """One set of 20 claims: a reversal of a claim three chunks before it, an
    out-of-balance claim, an unbalanced payment, a PLB."""
    claims = [claim(f"PCN{i}", icn=f"ICN{i}") for i in range(20)]
    claims[15] = claim("PCN2", icn="ICN2", status="22", sign=-1)  # takes back claim 3
    claims[9].paid += Decimal("1.00")  # out of balance
    plb = [ProviderAdjustment("PROV1", date(2026, 12, 31), "WO", "X1", Decimal("5.00"))]
    rem = remittance(claims, trace="T1", plb=plb, payment_amount=Decimal("1.23"))
    return write_835_file(tmp_path / "mixed.835", [rem])


def _stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row that ingest writes, without ids and time stamps."""
    queries = {
        "remittance": "SELECT fingerprint, segment_number, payment_amount, payer_id, "
        "claim_count, total_charge, total_paid, plb_total, balanced, balance_errors, detail, "
        "raw_x12 FROM remittance ORDER BY id",
        "claim": "SELECT seq, patient_control_number, status, charge, paid, balanced, "
        "detail, remark_codes, service_date, reverses_claim_id IS NOT NULL, "
        "reversed_by_claim_id IS NOT NULL FROM claim ORDER BY id",
        "service_line": "SELECT s.seq, s.code, s.charge, s.paid, s.balanced, s.detail "
        "FROM service_line s ORDER BY s.id",
        "adjustment": "SELECT level, segment_order, position, group_code, reason_code, "
        "amount, quantity, rarcs FROM adjustment ORDER BY id",
        "provider_adjustment": "SELECT provider_id, reason, reference, amount, position "
        "FROM provider_adjustment ORDER BY id",
    }
    with engine.connect() as conn:
        found = {
            name: [tuple(row) for row in conn.execute(text(sql))] for name, sql in queries.items()
        }
    found["remittance"] = [(*row[:-1], zlib.decompress(row[-1])) for row in found["remittance"]]
    return found


def _fresh(engine: Engine) -> None:
    """Empty the tables ingest writes (between the two runs of one test)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE claim SET reverses_claim_id = NULL, reversed_by_claim_id = NULL"))
        for table in ("adjustment", "service_line", "claim", "provider_adjustment",
                      "quarantine", "remittance", "source_file"):  # fmt: skip
            conn.execute(text(f"DELETE FROM {table}"))


def test_a_streamed_set_is_stored_exactly_as_a_held_one(engine: Engine, mixed: Path) -> None:
    held = ingest_paths(engine, [mixed], steps=[], options=HELD)
    reference = _stored(engine)
    _fresh(engine)
    streamed = ingest_paths(engine, [mixed], steps=[], options=STREAMED)
    assert _stored(engine) == reference
    assert streamed.to_json() == held.to_json()
    assert held.transactions == 1 and held.claims == 20
    assert held.reversals_linked == 1 and len(held.unbalanced) == 2  # the mix is there
    (rem,) = [item for item in read_835(mixed) if isinstance(item, Remittance)]
    assert reference["remittance"][0][0] == fingerprint(rem)


def test_a_streamed_set_is_a_duplicate_in_another_file(
    engine: Engine, mixed: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.835"
    copy.write_bytes(mixed.read_bytes().replace(b"\n", b"\r\n"))  # other bytes, same payment
    ingest_paths(engine, [mixed], steps=[], options=STREAMED)
    before = row_counts(engine)
    summary = ingest_paths(engine, [copy], steps=[], options=STREAMED)
    assert summary.duplicates_skipped == 1 and summary.transactions == 0
    after = row_counts(engine)
    assert {k: v for k, v in after.items() if k != "source_file"} == {
        k: v for k, v in before.items() if k != "source_file"
    }


def _big_and_small(path: Path, bad_amount: bool = False) -> Path:
    """Three sets: small, 30 claims (the last one possibly broken), small."""
    big = [claim(f"BIG{i}", icn=f"BICN{i}") for i in range(30)]
    rems = [
        remittance([claim("A1", icn="AICN1")], trace="TA", st_control="0001"),
        remittance(big, trace="TB", st_control="0002"),
        remittance([claim("C1", icn="CICN1")], trace="TC", st_control="0003"),
    ]
    write_835_file(path, rems)
    if bad_amount:  # the big set's last claim: a charge that is not a number
        data = path.read_bytes().replace(b"CLP*BIG29*1*", b"CLP*BIG29*1*12X", 1)
        path.write_bytes(data)
    return path


def test_a_set_rejected_after_claims_streamed_is_rolled_back_and_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    path = _big_and_small(tmp_path / "bad.835", bad_amount=True)
    summary = ingest_paths(engine, [path], steps=[], options=STREAMED)
    assert summary.transactions == 2 and summary.claims == 2
    (kept,) = summary.quarantined
    assert kept["st_control"] == "0002" and "CLP03" in kept["error"]
    with engine.connect() as conn:
        pcns = set(conn.execute(select(schema.Claim.patient_control_number)).scalars())
        traces = set(conn.execute(select(schema.Remittance.trace_number)).scalars())
    assert pcns == {"A1", "C1"} and traces == {"TA", "TC"}


def test_a_step_failing_on_a_streamed_set_rolls_back_that_set_alone(
    engine: Engine, tmp_path: Path
) -> None:
    path = _big_and_small(tmp_path / "step.835")

    def explode_on_big(conn: Connection, batch: Batch) -> None:
        conn.execute(text("UPDATE claim SET status = '4' WHERE patient_control_number = 'A1'"))
        if len(batch.claim_ids) == 30:
            raise OverflowError("date value out of range")

    summary = ingest_paths(engine, [path], steps=[Step("cases", explode_on_big)], options=STREAMED)
    (kept,) = summary.quarantined
    assert kept["st_control"] == "0002"
    assert "step 'cases' failed on this transaction set: OverflowError" in kept["error"]
    assert summary.transactions == 2
    with engine.connect() as conn:
        assert sorted(conn.execute(select(schema.Claim.patient_control_number)).scalars()) == [
            "A1",
            "C1",
        ]
        raw = conn.execute(select(schema.Quarantine.raw_text)).scalar_one()
    assert zlib.decompress(raw).startswith(b"ST*835*0002")
    again = ingest_paths(engine, [path], steps=[], options=STREAMED)
    assert again.files_skipped == 1  # the file is complete; the set waits in the quarantine


def _peak(engine: Engine, path: Path) -> int:
    tracemalloc.start()
    try:
        summary = ingest_paths(engine, [path], steps=[], options=IngestOptions(stream_claims=100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.transactions == 1
    return peak


def test_memory_grows_with_a_set_by_a_small_multiple_of_its_size(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Two single-set files, one three times the other: the extra memory the larger one
    takes is under three times its extra bytes, plus the bounded caches (holding the
    set's records took ~20x: 7.6 MB more here)."""
    small = write_one_set(tmp_path_factory.mktemp("small"), 400)
    large = write_one_set(tmp_path_factory.mktemp("large"), 1200)
    _peak(engine, write_one_set(tmp_path_factory.mktemp("warm"), 20))  # imports, caches
    small_peak, large_peak = _peak(engine, small), _peak(engine, large)
    extra = large.stat().st_size - small.stat().st_size
    caches = 1 << 20  # the reader's bounded caches (4,096 amounts and dates) fill meanwhile
    assert (large_peak - small_peak) < 3 * extra + caches, (small_peak, large_peak, extra)


@pytest.mark.slow
def test_a_100000_claim_set_ingests_in_three_times_its_size(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = write_one_set(tmp_path_factory.mktemp("huge"), 100_000)
    _peak(engine, write_one_set(tmp_path_factory.mktemp("warm"), 20))
    peak = _peak(engine, path)
    assert peak < 3 * path.stat().st_size, f"peak {peak:,} bytes for {path.stat().st_size:,}"
    with engine.connect() as conn:
        count = conn.execute(text("SELECT claim_count FROM remittance ORDER BY id DESC")).first()
    assert count is not None and count[0] == 100_000
