"""The work commands run for real (Typer's runner) against a database built by ingest."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from denialops.cli import app
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.work import get_case
from tests.work.builders import claim, ingest, remittance

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(
        engine,
        remittance(
            [
                claim("Q1", charge="1000", paid="0", adjustments=[("CO", "50", "1000")]),
                claim("Q2", charge="300", paid="200", adjustments=[("CO", "4", "100")]),
                claim("Q3", charge="800", paid="0", adjustments=[("CO", "197", "800")]),
            ],
            payer_id="PAYER9",
            payment_date=date(2020, 1, 10),  # long ago: every appeal window has passed
        ),
    )
    ingest(
        engine,
        remittance(
            [claim("Q4", charge="5000", paid="0", adjustments=[("CO", "50", "5000")])],
            payer_id="PAYER8",
            payment_date=date.today(),
        ),
    )
    engine.dispose()
    monkeypatch.setenv("DENIALOPS_DATABASE_URL", url)
    monkeypatch.setenv("DENIALOPS_USER", "tester")
    monkeypatch.setenv("DENIALOPS_DOCUMENTS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("DENIALOPS_TEMPLATES_DIR", str(tmp_path / "no-templates"))
    yield url


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_queue_filters_sorts_and_exports(db: str) -> None:
    rows = json.loads(run("queue", "--json"))
    assert [r["claim"] for r in rows][0] == "Q4"  # 5000 denied, clinical, fresh
    assert {r["claim"] for r in rows} == {"Q1", "Q2", "Q3", "Q4"}
    assert all(isinstance(r["at_risk"], str) and r["at_risk"].count(".") == 1 for r in rows)
    assert rows[0]["at_risk"] == "2000.00" and rows[0]["p_source"] == "prior for family clinical"

    coding = json.loads(run("queue", "--owner", "coding", "--json"))
    assert [(r["claim"], r["owner"]) for r in coding] == [("Q2", "coding_him")]
    assert [r["claim"] for r in json.loads(run("queue", "--payer", "PAYER8", "--json"))] == ["Q4"]
    clinical = json.loads(run("queue", "--family", "clinical", "--sort", "amount", "--json"))
    assert [r["claim"] for r in clinical] == ["Q4", "Q1"]
    overdue = json.loads(run("queue", "--overdue", "--json"))
    # All missed their appeal window; Q2 is correctable (a soft modifier denial) but the
    # payer left it appeal rights, so its appeal window binds as well as the corrected-claim
    # one (and its 2026 date of service, years after the 2020 notice, is not counted from)
    assert {r["claim"] for r in overdue} == {"Q1", "Q2", "Q3"}
    assert all(r["flag"] == "overdue" and r["days_left"] < 0 for r in overdue)
    by_deadline = json.loads(run("queue", "--sort", "deadline", "--json"))
    days = [r["days_left"] for r in by_deadline]
    assert days == sorted(days)
    by_age = json.loads(run("queue", "--sort", "age", "--json"))
    assert by_age[-1]["claim"] == "Q4"

    table = run("queue")
    assert table.splitlines()[0].split()[:3] == ["case", "score", "at"]
    parsed = list(csv.DictReader(io.StringIO(run("queue", "--csv"))))
    assert {r["claim"] for r in parsed} == {"Q1", "Q2", "Q3", "Q4"}
    assert "score" in parsed[0] and "expected_recovery" in parsed[0]


def test_case_show_move_assign_note(db: str) -> None:
    assert "allowed moves  triaged" in run("case", "show", "1")
    assert "case 1: triaged (version 2)" in run("case", "move", "1", "triaged", "--note", "seen")
    assert "assignee bob" in run("case", "assign", "1", "bob", "--user", "lead")
    run("case", "note", "1", "called the payer")
    assert "owner patient_access" in run("case", "owner", "1", "patient")
    data = json.loads(run("case", "show", "1", "--json"))
    assert data["case"]["state"] == "triaged" and data["case"]["assignee"] == "bob"
    assert [n["text"] for n in data["notes"]] == ["seen", "called the payer"]
    actors = [(e["actor"], e["action"], e["field"]) for e in data["events"]]
    assert ("tester", "move", "state") in actors and ("lead", "assign", "assignee") in actors
    assert ("tester", "owner", "owner") in actors
    assert data["priority"]["score"]


def test_errors_are_one_line_and_exit_2(db: str) -> None:
    result = runner.invoke(app, ["case", "move", "1", "won"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: cannot move a case from 'new' to 'won'; allowed from 'new': triaged"]
    stale = runner.invoke(app, ["case", "assign", "1", "x", "--expect-version", "7"])
    assert stale.exit_code == 2 and "changed since you read it" in stale.output
    assert runner.invoke(app, ["case", "show", "999"]).exit_code == 2
    assert runner.invoke(app, ["queue", "--owner", "nobody"]).exit_code == 2


def test_appeal_letter_and_packet(db: str, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["appeal", "letter", "1", "--out", str(tmp_path / "l.pdf")])
    assert refused.exit_code == 2 and "placeholders still empty" in refused.output

    fills = tmp_path / "fills.yaml"
    fills.write_text(
        "clinical_summary: chest pain\ncriteria_cited: LCD L1\nphysician_rationale: needed\n"
        "chronology: day 1\nenclosures: records\nsigner: Dr Who\n"
    )
    out = tmp_path / "letter.pdf"
    assert "template medical_necessity" in run(
        "appeal", "letter", "1", "--out", str(out), "--fills", str(fills)
    )
    text = " ".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert "Q1" in text and "CO-50" in text and "chest pain" in text

    docx_out = tmp_path / "draft.docx"
    # case 2 (CO-4, a modifier to correct) needs a corrected claim: refused with the way out
    assert (
        "appeal corrected-claim 2"
        in runner.invoke(app, ["appeal", "letter", "2", "--draft", "--out", str(docx_out)]).output
    )
    assert "placeholders left" in run(
        "appeal", "letter", "2", "--draft", "--appeal-anyway", "--out", str(docx_out)
    )
    assert docx_out.stat().st_size > 0

    record = tmp_path / "record.txt"
    record.write_text("MEDICAL RECORD EXCERPT\n")
    assert "document 1" in run("case", "attach", "1", str(record))
    extra = tmp_path / "extra.txt"
    extra.write_text("EXTRA ENCLOSURE\n")
    packet = tmp_path / "packet.pdf"
    output = run(
        "appeal", "packet", "1", "--attach", str(extra), "--out", str(packet),
        "--fills", str(fills),
    )  # fmt: skip
    assert "2 enclosures" in output
    texts = [p.extract_text() for p in PdfReader(str(packet)).pages]
    index = next(i for i, t in enumerate(texts) if "Index of enclosures" in t)
    assert "Enclosure 1: record.txt" in texts[index] and "Enclosure 2: extra.txt" in texts[index]
    assert "MEDICAL RECORD EXCERPT" in texts[index + 1] and "EXTRA ENCLOSURE" in texts[index + 2]

    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ")
    rejected = runner.invoke(app, ["case", "attach", "1", str(bad)])
    assert rejected.exit_code == 2 and "type .exe is not accepted" in rejected.output


def test_manual_outcome_and_due_date(db: str) -> None:
    for state in ("triaged", "in_progress", "appealed"):
        run("case", "move", "4", state)
    assert "partially_won, recovered 1200.00" in run(
        "case", "outcome", "4", "partially_won", "--recovered", "1200"
    )
    run("case", "move", "2", "triaged")
    assert "next deadline 2020-02-01 (due date)" in run("case", "due", "2", "2020-02-01")
    engine = make_engine(db)
    assert get_case(engine, 4).recovered == Decimal("1200.00")
    engine.dispose()


def test_every_work_command_has_help() -> None:
    for args in (["queue"], ["case"], ["appeal"], ["case", "move"], ["appeal", "packet"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
    assert "medical_necessity" in run("appeal", "templates")


def test_queue_pages_with_after_and_page(db: str) -> None:
    first = runner.invoke(app, ["queue", "--limit", "2", "--sort", "amount"])
    assert first.exit_code == 0, first.output
    cursor = first.output.strip().splitlines()[-1].split("--after ")[1]
    second = run("queue", "--limit", "2", "--sort", "amount", "--after", cursor, "--json")
    by_page = run("queue", "--limit", "2", "--sort", "amount", "--page", "2", "--json")
    assert json.loads(second) == json.loads(by_page)
    assert [r["claim"] for r in json.loads(second)] == ["Q3", "Q2"]  # 320.00, 40.00
    searched = json.loads(run("queue", "--search", "q4", "--json"))
    assert [r["claim"] for r in searched] == ["Q4"]
    bad = runner.invoke(app, ["queue", "--min-amount", "NaN"])
    assert bad.exit_code == 2 and "--min-amount must be an amount" in bad.output
    assert "Traceback" not in bad.output


def test_work_refresh_rescores_open_cases(db: str) -> None:
    assert run("work", "refresh").strip() == "rescored 4 cases"


@pytest.mark.parametrize("amount", ["99999999999999999999", "1e999999", "NaN", "-5"])
def test_case_outcome_refuses_unusable_amounts(db: str, amount: str) -> None:
    for step in ("triaged", "in_progress", "appealed"):
        run("case", "move", "1", step)
    result = runner.invoke(app, ["case", "outcome", "1", "won", "--recovered", amount])
    assert result.exit_code == 2
    assert "--recovered" in result.output and "Traceback" not in result.output


def test_case_show_of_an_id_beyond_the_integer_range(db: str) -> None:
    result = runner.invoke(app, ["case", "show", str(2**70)])
    assert result.exit_code == 2 and f"no case {2**70}" in result.output
