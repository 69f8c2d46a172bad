"""Duplicates are decided on content, and concurrent runs of one file store it once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from denialops.pipeline import IngestSummary, ingest_paths
from denialops.store import schema
from denialops.store.db import make_engine
from denialops.store.load import BalanceFlags, envelope_fingerprint, store_remittance
from tests.store.factories import claim, remittance, service_line
from tests.store.helpers import row_counts, url_of, write_835_file

D = Decimal


def _payment(reason: str) -> object:
    """Trace T1 from the same payer with the same totals; only the CAS reason differs."""
    return remittance([claim("PCN1", icn="ICN1", lines=[service_line(reason=reason)])], trace="T1")


def test_same_trace_and_totals_with_other_claims_is_stored_with_a_warning(
    engine: Engine, tmp_path: Path
) -> None:
    first = write_835_file(tmp_path / "a.835", [_payment("45")])
    second = write_835_file(tmp_path / "b.835", [_payment("253")])
    ingest_paths(engine, [first], steps=[])
    summary = ingest_paths(engine, [second], steps=[])
    assert summary.transactions == 1 and summary.duplicates_skipped == 0
    assert [w["trace_number"] for w in summary.warnings] == ["T1"]
    assert "stored before with other claims" in summary.warnings[0]["warning"]
    with engine.connect() as conn:
        reasons = conn.execute(select(schema.Adjustment.reason_code)).scalars().all()
    assert sorted(reasons) == ["253", "45"]

    # The very same content in a third file is a duplicate payment, as before.
    third = write_835_file(tmp_path / "c.edi", [_payment("253")], line_breaks=False)
    again = ingest_paths(engine, [third], steps=[])
    assert (again.transactions, again.duplicates_skipped, again.warnings) == (0, 1, [])


def test_rows_stored_with_the_envelope_fingerprint_are_still_recognised(
    engine: Engine, tmp_path: Path
) -> None:
    rem = _payment("45")
    with engine.begin() as conn:
        file_id = conn.execute(
            schema.SourceFile.__table__.insert().returning(schema.SourceFile.id),  # type: ignore[attr-defined]
            {
                "path": "old",
                "name": "old",
                "sha256": "b" * 64,
                "size_bytes": 0,
                "ingested_at": datetime.now(UTC),
                "transactions": 1,
                "quarantined": 0,
                "completed_at": datetime.now(UTC),
            },
        ).scalar_one()
        store_remittance(
            conn, rem, file_id, fingerprint_value=envelope_fingerprint(rem), flags=BalanceFlags()
        )
    path = write_835_file(tmp_path / "a.835", [_payment("45")])
    summary = ingest_paths(engine, [path], steps=[])
    assert (summary.transactions, summary.duplicates_skipped) == (0, 1)


def test_concurrent_runs_of_one_file_store_it_once(engine: Engine, tmp_path: Path) -> None:
    """Regression (issue 9): on PostgreSQL the loser of the race on the file's sha256 got
    a UniqueViolation on ``source_file_sha256_key``; it must skip the file cleanly."""
    rems = [
        remittance([claim(f"P{i}", icn=f"I{i}")], trace=f"T{i}", st_control=f"{i + 1:04d}")
        for i in range(30)
    ]
    path = write_835_file(tmp_path / "same.835", rems)
    url = url_of(engine)
    runs = 5
    barrier = threading.Barrier(runs)
    results: list[IngestSummary] = []
    errors: list[BaseException] = []

    def run() -> None:
        own = make_engine(url)
        try:
            barrier.wait()
            results.append(ingest_paths(own, [path], steps=[]))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(r.files for r in results) == [0, 0, 0, 0, 1]
    assert sum(r.files_skipped for r in results) == runs - 1
    assert sum(r.transactions for r in results) == 30
    counts = row_counts(engine)
    assert (counts["source_file"], counts["remittance"], counts["claim"]) == (1, 30, 30)
    with engine.connect() as conn:
        done = conn.execute(select(func.count()).where(schema.SourceFile.completed_at.is_not(None)))
        assert done.scalar_one() == 1
