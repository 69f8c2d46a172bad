"""837 files through `ingest`: stored, scrubbed, linked to their 835s, measured (both DBs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from denialops.pipeline import ingest_paths
from denialops.scrub import Scrubber
from denialops.scrub.prevention import (
    claims_from_files,
    denials_from_remittances,
    prevention_report,
)
from denialops.scrub.stored import stored_prevention_report, submitted_measures
from denialops.scrub.tables import EditTables, load_ptp
from denialops.store.submitted import ScrubFinding, SubmittedBatch, SubmittedClaimRow, SubmittedLine
from denialops.synth.claims837 import PLANTED_PTP, generate_claims, write_claim_files
from tests.scrub.builders import write_ptp

FIXTURES = Path(__file__).parents[1] / "fixtures" / "837"


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list]:
    refdata = tmp_path / "refdata"
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(refdata))
    ptp = write_ptp(tmp_path / "ptp.txt", [(a, b, "20200101", "*", m) for a, b, m in PLANTED_PTP])
    load_ptp(ptp, "practitioner", folder=refdata)
    ptp.unlink()
    planted = list(generate_claims(seed=21, claims=240))
    folder = tmp_path / "files"
    write_claim_files(folder, planted, seed=21, claims_per_batch=120)
    return folder, planted


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_claim_files_are_stored_scrubbed_and_idempotent(
    engine: Engine, corpus: tuple[Path, list]
) -> None:
    folder, planted = corpus
    first = ingest_paths(engine, [folder])
    assert first.claims_submitted == len(planted)
    assert 0 < first.claims_submitted_clean < len(planted)
    assert first.claims == len(planted)  # the 835 answers, one claim payment each
    assert _count(engine, SubmittedClaimRow) == len(planted)
    assert _count(engine, SubmittedLine) == sum(len(p.claim.lines) for p in planted)
    assert _count(engine, SubmittedBatch) >= 2
    assert _count(engine, ScrubFinding) > 0
    again = ingest_paths(engine, [folder])
    assert again.nothing_new and again.files_skipped == first.files
    assert _count(engine, SubmittedClaimRow) == len(planted)


def test_stored_prevention_report_matches_the_file_report(
    engine: Engine, corpus: tuple[Path, list]
) -> None:
    folder, planted = corpus
    ingest_paths(engine, [folder])
    with engine.connect() as conn:
        stored = stored_prevention_report(conn)
    with EditTables() as tables:
        from_files = prevention_report(
            claims_from_files(sorted(folder.glob("*.837"))),
            denials_from_remittances(sorted(folder.glob("*.835"))),
            Scrubber(tables=tables),
        )
    denied = sum(1 for p in planted if p.denial is not None)
    assert stored.denials == stored.matched == from_files.denials == denied
    assert stored.caught == from_files.caught
    assert [(e.edit_id, e.denials, e.same_reason) for e in stored.edits] == [
        (e.edit_id, e.denials, e.same_reason) for e in from_files.edits
    ]
    assert stored.caught_dollars == from_files.caught_dollars


def test_rates_over_claims_submitted(engine: Engine, corpus: tuple[Path, list]) -> None:
    folder, planted = corpus
    ingest_paths(engine, [folder])
    with engine.connect() as conn:
        measures = submitted_measures(conn)
    denied = sum(1 for p in planted if p.denial is not None)
    assert measures.claims_submitted == measures.adjudicated == len(planted)
    assert measures.first_pass_denied == denied
    assert measures.first_pass_paid == len(planted) - denied
    assert measures.first_pass_yield == pytest.approx((len(planted) - denied) / len(planted))
    assert measures.denials_per_1000_submitted == pytest.approx(1000 * denied / len(planted))
    clean = measures.clean_at_scrub
    assert 0 < clean < len(planted) and measures.clean_claim_rate == clean / len(planted)


def test_a_duplicate_of_a_claim_stored_in_an_earlier_run_is_flagged(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(tmp_path / "refdata"))
    original = FIXTURES / "professional.837"
    ingest_paths(engine, [original])
    copy = tmp_path / "resent.837"
    copy.write_text(original.read_text().replace("CLM*26463774*", "CLM*99999999*"))
    ingest_paths(engine, [copy])
    with engine.connect() as conn:
        edits = conn.execute(
            select(ScrubFinding.edit_id, ScrubFinding.message)
            .join(SubmittedClaimRow, SubmittedClaimRow.id == ScrubFinding.claim_id)
            .where(SubmittedClaimRow.patient_control_number == "99999999")
        ).all()
    assert (
        "DUPLICATE",
        "line 1 (99213) repeats a line of claim 26463774 for the same patient, service and date",
    ) in [tuple(row) for row in edits]


def test_an_unreadable_claim_batch_is_quarantined_and_the_next_one_kept(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(tmp_path / "refdata"))
    good = (FIXTURES / "professional.837").read_text()
    bad = good.replace("CLM*26463774*100*", "CLM*26463774*1O0*")
    path = tmp_path / "mixed.837"
    path.write_text(bad + good.replace("000000905", "000000906"))
    summary = ingest_paths(engine, [path])
    assert summary.claims_submitted == 1
    (item,) = summary.quarantined
    assert "CLM02 '1O0' is not an amount" in item["error"]


def test_history_learned_from_stored_claims_and_their_outcomes(
    engine: Engine, corpus: tuple[Path, list]
) -> None:
    from denialops.scrub.stored import learned_history

    folder, planted = corpus
    ingest_paths(engine, [folder])
    with engine.connect() as conn:
        history = learned_history(conn)
    lines = sum(len(p.claim.lines) for p in planted)
    assert sum(stat.claims for stat in history.values()) == lines
    denied_lines = sum(len(p.claim.lines) for p in planted if p.denial is not None)
    assert sum(stat.denied for stat in history.values()) == denied_lines
    # J3420 is only billed over its MUE (planted), so its combinations are always denied
    j3420 = [s for (payer, code, mod, dx), s in history.items() if code == "J3420"]
    assert j3420 and all(s.denied == s.claims and "151" in s.carcs for s in j3420)
    scrubber = Scrubber(history=history)
    scrubber.context.history_min_claims = 1
    risky = next(p.claim for p in planted if p.defect == "units_over_mue")
    assert any(f.edit_id == "HISTORY" for f in scrubber.scrub(risky).findings)


def test_a_claim_already_answered_by_a_stored_remittance_is_a_duplicate(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(tmp_path / "refdata"))
    planted = [p for p in generate_claims(seed=3, claims=30) if not p.defect][:1]
    claims, remits = write_claim_files(tmp_path / "first", planted, seed=3)
    ingest_paths(engine, remits)  # the payer answered before we stored the 837
    resent = tmp_path / "resent.837"
    pcn = planted[0].claim.patient_control_number
    resent.write_text(claims[0].read_text().replace(f"CLM*{pcn}*", "CLM*RESENT01*"))
    ingest_paths(engine, [resent])
    with engine.connect() as conn:
        edits = conn.execute(
            select(ScrubFinding.edit_id, ScrubFinding.message)
            .join(SubmittedClaimRow, SubmittedClaimRow.id == ScrubFinding.claim_id)
            .where(SubmittedClaimRow.patient_control_number == "RESENT01")
        ).all()
    assert any(
        edit == "DUPLICATE" and f"repeats a line of claim {pcn}" in message
        for edit, message in edits
    )


def test_a_line_finding_counts_only_for_the_line_the_payer_denied(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decimal import Decimal

    from denialops.synth.claims837 import remittance_for
    from denialops.x12.remittance import Adjustment
    from denialops.x12.write835 import format_835
    from denialops.x12.write837 import format_837

    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(tmp_path / "refdata"))
    base = next(
        p
        for p in generate_claims(seed=9, claims=400)
        if p.defect == "units_over_mue" and len(p.claim.lines) >= 2
    )
    for line in base.claim.lines:
        line.control_number = f"L{line.number}"
    mue_line = next(ln for ln in base.claim.lines if ln.procedure == "J3420")
    remit = remittance_for([base])
    # the payer denies the visit line only (another reason) and pays the J3420 line
    for line in remit.claims[0].lines:
        if line.control_number == mue_line.control_number:
            line.paid, line.adjustments = line.charge, []
        else:
            line.adjustments = [Adjustment("CO", "50", line.charge, level="line")]
    claim = remit.claims[0]
    claim.paid = sum((ln.paid for ln in claim.lines), Decimal(0))
    remit.payment.amount = claim.paid
    from denialops.x12.claim837 import ClaimBatch
    from denialops.x12.remittance import Envelope

    batch = ClaimBatch(
        Envelope(),
        "professional",
        purpose="00",
        reference="B1",
        created=base.submitted,
        claims=[base.claim],
    )
    (tmp_path / "c.837").write_text(format_837([batch]))
    (tmp_path / "r.835").write_text(format_835([remit]))
    ingest_paths(engine, [tmp_path / "c.837", tmp_path / "r.835"])
    with engine.connect() as conn:
        report = stored_prevention_report(conn)
    assert report.denials == report.matched == 1
    assert "MUE" not in {impact.edit_id for impact in report.edits}
