"""The ingest pipeline: steps run per batch, and a failure is contained to its set."""

from __future__ import annotations

import zlib
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from denialops.pipeline import Batch, IngestOptions, Step, default_steps, ingest_paths
from denialops.store import schema
from denialops.work.tables import DenialCase
from denialops.x12.write835 import format_835
from tests.store.factories import claim, remittance
from tests.store.helpers import row_counts, write_835_file
from tests.work import builders


def _three(path: Path, prefix: str = "") -> Path:
    return write_835_file(
        path,
        [
            remittance(
                [claim(f"{prefix}PCN{i}", icn=f"{prefix}ICN{i}")],
                trace=f"{prefix}T{i}",
                st_control=f"000{i}",
            )
            for i in range(1, 4)
        ],
    )


def test_steps_run_once_per_batch_over_the_ids_just_stored(engine: Engine, tmp_path: Path) -> None:
    seen: list[Batch] = []

    def record(conn: Connection, batch: Batch) -> None:
        stored = conn.execute(
            select(func.count())
            .select_from(schema.Claim)
            .where(schema.Claim.remittance_id.in_(batch.remittance_ids))
        ).scalar_one()
        assert stored == len(batch.claim_ids)  # visible: same transaction
        seen.append(batch)

    summary = ingest_paths(engine, [_three(tmp_path / "a.835")], steps=[Step("record", record)])
    assert summary.transactions == 3
    assert len(seen) == 1  # one call for the file's three sets, not one per set or claim
    assert len(seen[0].remittance_ids) == 3 and len(seen[0].claim_ids) == 3

    seen.clear()
    ingest_paths(
        engine,
        [_three(tmp_path / "b.835", "B")],
        steps=[Step("record", record)],
        options=IngestOptions(batch_claims=2),
    )
    assert [len(b.remittance_ids) for b in seen] == [2, 1]


def test_a_failing_step_quarantines_only_its_set_and_the_run_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    marks: list[int] = []

    def mark(conn: Connection, batch: Batch) -> None:
        marks.extend(batch.remittance_ids)

    def explode_on_pcn2(conn: Connection, batch: Batch) -> None:
        pcns = conn.execute(
            select(schema.Claim.patient_control_number).where(
                schema.Claim.remittance_id.in_(batch.remittance_ids)
            )
        ).scalars()
        if "PCN2" in set(pcns):
            raise OverflowError("date value out of range")

    first = _three(tmp_path / "a.835")
    second = _three(tmp_path / "b.835", "B")
    summary = ingest_paths(
        engine, [first, second], steps=[Step("mark", mark), Step("boom", explode_on_pcn2)]
    )
    assert summary.transactions == 5  # the two files, less the one failing set
    assert [(q["file"], q["st_control"]) for q in summary.quarantined] == [(str(first), "0002")]
    assert summary.quarantined[0]["reason"] == (
        "step 'boom' failed on this transaction set: OverflowError: date value out of range"
    )
    with engine.connect() as conn:
        pcns = conn.execute(select(schema.Claim.patient_control_number)).scalars().all()
        kept = conn.execute(select(schema.Quarantine)).one()
        stored_ids = set(conn.execute(select(schema.Remittance.id)).scalars())
    assert sorted(pcns) == ["BPCN1", "BPCN2", "BPCN3", "PCN1", "PCN3"]
    assert zlib.decompress(kept.raw_text).startswith(b"ST*835*0002")
    assert kept.byte_offset == summary.quarantined[0]["byte_offset"]
    # The steps' work of the failed attempts was rolled back with them; every stored
    # set had each step run over it exactly once in a batch that committed.
    assert stored_ids <= set(marks)
    assert row_counts(engine)["source_file"] == 2
    # A rerun does not stop on it either: the file is known and skipped.
    again = ingest_paths(engine, [first, second], steps=[Step("boom", explode_on_pcn2)])
    assert again.files_skipped == 2 and again.quarantined == []


def test_a_denied_claim_dated_9999_never_stops_the_batch(engine: Engine, tmp_path: Path) -> None:
    """Regression (issue 9): DTM*232*99991231 on a denied claim raised OverflowError in the
    deadline arithmetic and no later file was ingested, on every rerun."""
    far = builders.remittance(
        [
            builders.claim(
                "FAR1",
                charge="100.00",
                paid="0.00",
                adjustments=[("CO", "16", "100.00")],
                service_date=date(9999, 12, 31),
            )
        ]
    )
    fine = builders.remittance(
        [builders.claim("OK1", charge="100.00", paid="0.00", adjustments=[("CO", "16", "100.00")])]
    )
    bad_path = tmp_path / "a-far.835"
    bad_path.write_text(format_835([far]), encoding="utf-8")
    good_path = tmp_path / "b-fine.835"
    good_path.write_text(format_835([fine]), encoding="utf-8")
    summary = ingest_paths(engine, [bad_path, good_path], steps=default_steps())
    assert summary.files == 2
    with engine.connect() as conn:
        pcns = set(conn.execute(select(schema.Claim.patient_control_number)).scalars())
        cases = set(conn.execute(select(DenialCase.patient_control_number)).scalars())
    assert "OK1" in pcns and "OK1" in cases  # the later file was ingested and worked
    # FAR1 is either handled (stored with its case) or quarantined with its error.
    assert ("FAR1" in pcns) != bool(summary.quarantined)


def test_cli_reports_this_run_and_nothing_new_on_a_rerun(engine: Engine, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from denialops.cli import app
    from tests.store.helpers import url_of

    denied = builders.remittance(
        [builders.claim("D1", charge="100.00", paid="0.00", adjustments=[("CO", "16", "100.00")])]
    )
    path = tmp_path / "denied.835"
    path.write_text(format_835([denied]), encoding="utf-8")
    first = CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine)])
    assert first.exit_code == 0, first.output
    assert "this run:" in first.stdout and "new cases" in first.stdout
    assert "CO-16 (1)" in first.stdout  # top reasons of this run
    data = json.loads(
        CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine), "--json"]).stdout
    )
    assert data["nothing_new"] is True and data["claims"] == 0 and data["cases_opened"] == 0
    again = CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine)])
    assert again.exit_code == 0
    assert again.stdout.startswith("nothing new: 1 file(s) already ingested")
    assert "total charge" not in again.stdout and "CO-16" not in again.stdout
