"""Synthetic claims with planted defects, their 835 answers, and the prevention report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from denialops.scrub import Scrubber
from denialops.scrub.prevention import (
    claims_from_files,
    denials_from_remittances,
    prevention_report,
)
from denialops.scrub.tables import EditTables, load_ptp
from denialops.synth.claims837 import DEFECTS, PLANTED_PTP, generate_claims, write_claim_files
from denialops.x12 import check_balance, read_835
from denialops.x12.claim837 import ClaimBatch
from denialops.x12.parse837 import read_837
from tests.scrub.builders import write_ptp


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, list[Path], list[Path]]:
    folder = tmp_path_factory.mktemp("synth837")
    planted = list(generate_claims(seed=11, claims=500))
    claims, remits = write_claim_files(folder, planted, seed=11, claims_per_batch=250)
    refdata = folder / "refdata"
    ptp = write_ptp(folder / "ptp.txt", [(a, b, "20200101", "*", m) for a, b, m in PLANTED_PTP])
    load_ptp(ptp, "practitioner", folder=refdata)
    return refdata, planted, claims, remits


def test_generated_files_parse_and_balance(
    corpus: tuple[Path, list, list[Path], list[Path]],
) -> None:
    _, planted, claims, remits = corpus
    batches = [b for path in claims for b in read_837(path)]
    assert all(isinstance(b, ClaimBatch) for b in batches)
    assert sum(len(b.claims) for b in batches if isinstance(b, ClaimBatch)) == len(planted)
    remittances = [r for path in remits for r in read_835(path)]
    assert all(check_balance(r) == [] for r in remittances)  # type: ignore[arg-type]
    defects = Counter(p.defect for p in planted if p.defect)
    assert set(defects) == set(DEFECTS)


def test_every_planted_defect_is_caught_by_its_edit(
    corpus: tuple[Path, list, list[Path], list[Path]],
) -> None:
    refdata, planted, claims, remits = corpus
    with EditTables(refdata) as tables:
        report = prevention_report(
            claims_from_files(claims), denials_from_remittances(remits), Scrubber(tables=tables)
        )
    denied = [p for p in planted if p.denial is not None]
    assert report.denials == report.matched == len(denied)
    by_edit = {impact.edit_id: impact for impact in report.edits}
    expected: Counter[str] = Counter(DEFECTS[p.defect][0] for p in planted if p.defect)
    for edit_id, count in expected.items():
        assert by_edit[edit_id].same_reason >= count, edit_id
    unpreventable = sum(1 for p in denied if not p.defect)
    assert unpreventable > 0
    assert report.matched - report.caught == pytest.approx(unpreventable, abs=2)
    assert 0 < report.uncaught_share < 0.25
    ranked = [impact.denials for impact in report.edits]
    assert ranked == sorted(ranked, reverse=True)


def test_prevention_command(
    corpus: tuple[Path, list, list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    refdata, _, claims, remits = corpus
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(refdata))
    folder = claims[0].parent
    result = CliRunner().invoke(
        app,
        [
            "prevention",
            "report",
            "--claims",
            str(folder),
            "--remits",
            str(folder),
            "--top",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["edits"]) == 3
    assert data["caught_by_an_edit"] <= data["denials_with_claim"] <= data["denials"]
    text = CliRunner().invoke(
        app, ["prevention", "report", "--claims", str(folder), "--remits", str(folder)]
    )
    assert "no edit catches" in text.stdout and "NCCI-PTP" in text.stdout


def test_synth_command_writes_claims_and_answers(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--837", "--out", str(tmp_path), "-n", "120", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["claims"] == 120 and data["with_planted_defect"] > 0
    claims = [c for p in data["claim_files"] for c in claims_from_files([Path(p)])]
    assert len(claims) == 120
    denials = list(denials_from_remittances([Path(p) for p in data["remittance_files"]]))
    assert {d.patient_control_number for d in denials} <= {c.patient_control_number for c in claims}
