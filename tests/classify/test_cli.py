"""The classify, rules and refdata commands, run through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops import codes
from denialops.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _own_codes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "codes"
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(folder))
    monkeypatch.delenv("DENIALOPS_RULES", raising=False)
    return folder


def test_classify_json_has_the_promised_keys() -> None:
    result = runner.invoke(app, ["classify", "CO-50", "--rarc", "N115", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "is_denial",
        "family",
        "category",
        "soft_or_hard",
        "process_step",
        "owner",
        "next_action",
        "rule",
        "carc_text",
        "rarc_texts",
        "warnings",
    } <= data.keys()
    assert (data["family"], data["category"], data["rule"]) == (
        "clinical",
        "coverage_policy",
        "remark-lcd-ncd",
    )
    assert data["carc_text"].startswith("These are non-covered services because this is not deemed")
    assert data["rarc_texts"]["N115"].startswith("This decision was based on a Local Coverage")
    assert data["warnings"] == []


def test_classify_text_output() -> None:
    result = runner.invoke(app, ["classify", "co16", "--rarc", "ma130"])
    assert result.exit_code == 0, result.output
    assert "category:     unprocessable" in result.stdout
    assert "family:       technical" in result.stdout
    assert "MA130: Your claim contains incomplete and/or invalid information" in result.stdout


def test_not_a_denial() -> None:
    data = json.loads(runner.invoke(app, ["classify", "CO-45", "--json"]).stdout)
    assert (data["is_denial"], data["family"], data["next_action"]) == (
        False,
        None,
        "contractual_adjustment",
    )


def test_unknown_codes_warn_but_exit_zero() -> None:
    result = runner.invoke(app, ["classify", "CO-999", "--rarc", "N9999", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["category"], data["family"], data["carc_text"]) == ("unclassified", None, None)
    assert data["warnings"] == [
        "CARC '999' is not on the CARC list",
        "RARC 'N9999' is not on the RARC list",
    ]
    text = runner.invoke(app, ["classify", "CO-999"])
    assert text.exit_code == 0
    assert "warning: CARC '999' is not on the CARC list" in text.stderr


def test_expired_code_warns_with_its_date(tmp_path: Path) -> None:
    newer = tmp_path / "carc.csv"
    newer.write_text(
        'Code,Description\n"50","Not medically necessary.\nStart: 01/01/1995\nStop: 01/01/2026"\n',
        "utf-8",
    )
    loaded = runner.invoke(app, ["refdata", "load-codes", str(newer), "--list", "carc"])
    assert loaded.exit_code == 0, loaded.output
    assert "CARC: 1 codes loaded" in loaded.stdout and "1 deactivated as of today" in loaded.stdout
    result = runner.invoke(app, ["classify", "CO-50", "--date", "2026-03-01", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["category"] == "medical_necessity"
    assert data["warnings"] == ["CARC 50 was deactivated on 2026-03-01 (stop date 2026-01-01)"]
    earlier = json.loads(
        runner.invoke(app, ["classify", "CO-50", "--date", "2025-03-01", "--json"]).stdout
    )
    assert earlier["warnings"] == [] and earlier["carc_status"] == "active"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classify", "XX-ABC"], "'XX-ABC' is not a group code and CARC such as CO-50"),
        (["classify", "50"], "'50' is not a group code and CARC"),
        (["classify", "CO-50", "--rarc", "N-1"], "--rarc 'N-1' is not a well-formed remark code"),
        (["classify", "CO-50", "--date", "3/1/2025"], "--date '3/1/2025' is not a date"),
    ],
)
def test_malformed_input_is_an_error(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_payer_rules_through_the_cli(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        'rules:\n  - {payer: ACME, carc: "50", category: medical_necessity, next_action: review}\n',
        "utf-8",
    )
    args = ["classify", "CO-50", "--payer", "ACME", "--rules", str(rules), "--json"]
    data = json.loads(runner.invoke(app, args).stdout)
    assert (data["rule"], data["next_action"]) == ("payer-ACME-carc-50", "review")


def test_rules_show() -> None:
    result = runner.invoke(app, ["rules", "show"])
    assert result.exit_code == 0
    assert "medical-necessity" in result.stdout and "CARC 50" in result.stdout
    data = json.loads(runner.invoke(app, ["rules", "show", "--json"]).stdout)
    unprocessable = next(r for r in data["rules"] if r["id"] == "unprocessable")
    assert "CARC 16+MA130" in unprocessable["matches"]
    assert unprocessable["where"].startswith("rules.yaml (shipped):")


def test_rules_check(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text('rules:\n  - {group: PR, carc: "50", category: medical_necessity}\n', "utf-8")
    ok = runner.invoke(app, ["rules", "check", str(good)])
    assert ok.exit_code == 0 and ok.stdout.strip() == f"{good}: ok"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n"
        '  - {id: a, carc: "999", category: medical_necessity}\n'
        '  - {id: b, carc: "50", category: medical_necessity, family: financial}\n'
        '  - {id: c, group: CO, carc: "97", category: bundling_ncci}\n'
        '  - {id: d, group: CO, carc: "97", category: modifier}\n',
        "utf-8",
    )
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"{bad}:2: rule 'a': unknown CARC '999'"
    assert lines[1].startswith(f"{bad}:3: rule 'b': unknown family 'financial'")
    assert lines[2] == (
        f"{bad}:5: conflict: rule 'c' ({bad}:4) and rule 'd' ({bad}:5) both match CO-97 "
        "at the same specificity"
    )
    data = json.loads(runner.invoke(app, ["rules", "check", str(bad), "--json"]).stdout)
    assert data["ok"] is False and [p["line"] for p in data["problems"]] == [2, 3, 5]


def test_invalid_user_rules_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('rules:\n  - {carc: "50", category: nope}\n', "utf-8")
    result = runner.invoke(app, ["classify", "CO-50", "--rules", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: invalid rules: {bad}:2: rule: unknown category 'nope'"


def test_load_codes_json_and_errors(tmp_path: Path, _own_codes_dir: Path) -> None:
    source = tmp_path / "rarc-x12.csv"
    source.write_text(
        'Code,Description\n"N999","A remark.\nStart: 01/01/2024\nLast Modified: 02/01/2024"\n',
        "utf-8",
    )
    result = runner.invoke(app, ["refdata", "load-codes", str(source), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "list": "rarc",
        "path": str(_own_codes_dir / "rarc.csv"),
        "codes": 1,
        "codes_with_dates": 1,
        "expired_today": 0,
    }
    wrong = runner.invoke(app, ["refdata", "load-codes", str(source), "--list", "carc"])
    assert wrong.exit_code == 2 and "looks like a RARC list, not carc" in wrong.stderr
    bad_list = runner.invoke(app, ["refdata", "load-codes", str(source), "--list", "icd"])
    assert bad_list.exit_code == 2 and "--list must be carc or rarc" in bad_list.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["classify"],
        ["reclassify"],
        ["rules", "show"],
        ["rules", "check"],
        ["rules", "coverage"],
        ["refdata", "load-codes"],
        ["denials", "summary"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout and len(result.stdout) > 200
