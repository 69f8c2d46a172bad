"""`denialops scrub` and `refdata load-ncci / load-mue` run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from tests.scrub.builders import write_mue, write_ptp

FIXTURES = Path(__file__).parents[1] / "fixtures" / "837"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _refdata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "refdata"
    monkeypatch.setenv("DENIALOPS_REFDATA_DIR", str(folder))
    return folder


def test_scrub_reports_findings_with_carc_and_fix_and_fails_on_error() -> None:
    result = runner.invoke(
        app, ["scrub", str(FIXTURES / "professional.837"), "--as-of", "2024-04-01"]
    )
    assert result.exit_code == 1, result.output
    assert "26463774: 1 finding(s)" in result.stdout
    assert "ERROR   ICD-VALID         claim    CARC 146/M76" in result.stdout
    assert "fix: code to the highest specificity" in result.stdout
    assert "1 claims: 0 clean, 1 with findings" in result.stdout
    assert "no NCCI PTP table installed" in result.stderr


def test_scrub_json_and_fail_on_never() -> None:
    result = runner.invoke(
        app,
        [
            "scrub",
            str(FIXTURES / "institutional.837"),
            "--json",
            "--fail-on",
            "never",
            "--as-of",
            "2024-04-01",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (found,) = data["claims"]
    assert found["patient_control_number"] == "756048Q" and found["status"] == "findings"
    (finding,) = found["findings"]
    assert finding["edit"] == "ICD-VALID" and finding["carc"] == "146"
    assert finding["edit_version"] == f"1@{data['rules_version']}"


def test_a_clean_claim_says_clean(tmp_path: Path) -> None:
    text = (FIXTURES / "professional.837").read_text().replace("ABF:Z9114", "ABF:Z9189")
    path = tmp_path / "clean.837"
    path.write_text(text)
    result = runner.invoke(app, ["scrub", str(path), "--as-of", "2024-04-01"])
    assert result.exit_code == 0, result.output
    assert "26463774: clean" in result.stdout


def test_ptp_loaded_by_command_is_used(tmp_path: Path) -> None:
    ptp = write_ptp(tmp_path / "ptp.txt", [("99213", "87070", "20240101", "*", "0")])
    loaded = runner.invoke(app, ["refdata", "load-ncci", str(ptp), "--kind", "practitioner"])
    assert loaded.exit_code == 0, loaded.output
    assert "NCCI PTP (practitioner): 1 pairs loaded" in loaded.stdout
    result = runner.invoke(
        app, ["scrub", str(FIXTURES / "professional.837"), "--as-of", "2024-04-01", "--json"]
    )
    edits = [f["edit"] for f in json.loads(result.stdout)["claims"][0]["findings"]]
    assert "NCCI-PTP" in edits


def test_mue_loaded_by_command(tmp_path: Path) -> None:
    mue = write_mue(
        tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2025.csv",
        [("99213", 1, "3 Date of Service Edit: Clinical")],
        "Practitioner Services",
    )
    result = runner.invoke(app, ["refdata", "load-mue", str(mue), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 1


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["scrub", str(tmp_path / "nope.837")])
    assert missing.exit_code == 2 and "not a readable file" in missing.stderr
    bad_fail_on = runner.invoke(
        app, ["scrub", str(FIXTURES / "professional.837"), "--fail-on", "x"]
    )
    assert bad_fail_on.exit_code == 2 and "--fail-on must be one of" in bad_fail_on.stderr
    bad_kind = runner.invoke(
        app, ["refdata", "load-ncci", str(FIXTURES / "professional.837"), "--kind", "x"]
    )
    assert bad_kind.exit_code == 2 and "--kind must be one of" in bad_kind.stderr
    not_ptp = runner.invoke(app, ["refdata", "load-ncci", str(FIXTURES / "professional.837")])
    assert not_ptp.exit_code == 2 and "no PTP rows found" in not_ptp.stderr
    for result in (missing, bad_fail_on, bad_kind, not_ptp):
        assert "Traceback" not in result.output


def test_an_835_given_to_scrub_is_reported_unreadable() -> None:
    remit = Path(__file__).parents[1] / "fixtures" / "835" / "professional.835"
    result = runner.invoke(app, ["scrub", str(remit)])
    assert result.exit_code == 1
    assert "not an 837 (claim)" in result.stderr


def test_list_edits() -> None:
    result = runner.invoke(app, ["scrub", "--list-edits"])
    assert result.exit_code == 0
    assert "NCCI-PTP" in result.stdout and "TIMELY-FILING" in result.stdout
