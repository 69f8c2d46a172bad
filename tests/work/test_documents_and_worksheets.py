"""Which document a case gets, what encloses it, and files attached through links."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from denialops.errors import DocumentRejected, InputLimitError, WrongDocumentError
from denialops.work import add_note, move
from denialops.work.cases import case_t
from denialops.work.documents import attach_document
from denialops.work.letters import (
    FILL_MARK,
    appeal_letter_for_case,
    case_facts,
    corrected_claim_for_case,
    document_for_case,
    load_template,
    render_letter,
    write_pdf,
)
from denialops.work.packets import build_case_packet, case_enclosures, wrap_text
from tests.work.builders import claim, ingest, remittance


@dataclass(frozen=True)
class Cases:
    engine: Engine
    appeal: int
    fix: int
    decided: int


@pytest.fixture
def cases(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cases]:
    """Case 1: a medical-necessity denial (appeal); case 2: CO-16 with MA130 and M51 (no
    appeal rights: correct and resubmit); case 3: appealed, level 1 decided."""
    monkeypatch.setenv("DENIALOPS_DOCUMENTS_DIR", str(tmp_path / "store"))
    ingest(
        engine,
        remittance(
            [
                claim("AP-1", charge="900", paid="0", adjustments=[("CO", "50", "900")]),
                claim(
                    "FIX-2",
                    charge="250",
                    paid="0",
                    adjustments=[("CO", "16", "250")],
                    rarcs=["MA130", "M51"],
                    filing="CI",
                    icn="ICN-PAYER-77",
                ),
                claim("DEC-3", charge="400", paid="0", adjustments=[("CO", "50", "400")]),
            ],
            payment_date=date(2026, 2, 2),
        ),
    )
    with engine.connect() as conn:
        ids = dict(conn.execute(select(case_t.c.patient_control_number, case_t.c.id)).all())
    decided = ids["DEC-3"]
    for state in ("triaged", "in_progress", "appealed"):
        move(engine, decided, state, user="tester", on=date(2026, 2, 20))
    move(
        engine,
        decided,
        "appealed",
        user="tester",
        next_level=True,
        decided_on=date(2026, 4, 14),
        on=date(2026, 4, 30),
    )
    yield Cases(engine, ids["AP-1"], ids["FIX-2"], decided)


def _fills(letter_text: str) -> dict[str, str]:
    return {name: f"filled {name}" for name in FILL_MARK.findall(letter_text)}


def test_correct_and_resubmit_gets_a_worksheet_not_an_appeal_letter(cases: Cases) -> None:
    choice = document_for_case(cases.engine, cases.fix)
    assert choice.kind == "corrected_claim" and "MA130" in choice.reason
    assert document_for_case(cases.engine, cases.appeal).kind == "appeal_letter"
    with pytest.raises(WrongDocumentError, match=f"denialops appeal corrected-claim {cases.fix}"):
        appeal_letter_for_case(cases.engine, cases.fix, final=False)
    with pytest.raises(WrongDocumentError, match="no appeal rights"):
        appeal_letter_for_case(cases.engine, cases.fix, final=False, appeal_anyway=True)

    sheet = corrected_claim_for_case(cases.engine, cases.fix, final=False)
    text = " ".join(sheet.text.split())
    for expected in (
        "Corrected claim worksheet",
        "no appeal rights (remark MA130)",
        "M51: procedure code (missing, incomplete or invalid); loop 2400, element SV101-2",
        "Claim frequency code (CLM05-3): 7 (replacement of a prior claim)",
        "Loop 2300 REF*F8 (payer claim control number): ICN-PAYER-77",
        "Our claim number (CLM01): FIX-2",
    ):
        assert expected in text, expected
    assert sheet.missing == ["changes_made", "prepared_by"]


def test_the_letter_lists_exactly_the_packet_index_never_typed_enclosures(
    cases: Cases, tmp_path: Path
) -> None:
    record = tmp_path / "records.txt"
    record.write_text("RECORD PAGE\n")
    attach_document(cases.engine, cases.appeal, record, user="tester", base=tmp_path)
    internal = tmp_path / "call-log.txt"
    internal.write_text("INTERNAL: payer rep was rude\n")
    hidden = attach_document(
        cases.engine, cases.appeal, internal, user="tester", internal=True, base=tmp_path
    )
    note = add_note(cases.engine, cases.appeal, "internal note: weak case", user="tester")

    sources = case_enclosures(cases.engine, cases.appeal)
    assert [s.name for s in sources] == ["records.txt"]  # internal document and notes left out
    draft = appeal_letter_for_case(cases.engine, cases.appeal, final=False, enclosures=["x"])
    fills = {**_fills(draft.text), "enclosures": "a free-text list that can disagree"}
    out = tmp_path / "packet.pdf"
    packet, letter = build_case_packet(
        cases.engine, cases.appeal, out, enclosures=sources, fills=fills
    )
    assert "Enclosure 1: records.txt" in letter.text
    assert "free-text list" not in letter.text and "enclosures" in letter.notes[0]
    assert [e.name for e in packet.enclosures] == ["records.txt"]
    texts = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert not any("INTERNAL" in t or "weak case" in t for t in texts)

    marked = case_enclosures(cases.engine, cases.appeal, documents=[hidden.id], notes=[note])
    assert [s.name for s in marked][:2] == ["records.txt", "call-log.txt"]
    assert marked[2].name.startswith(f"Note {note} (tester, ") and marked[2].text
    with pytest.raises(DocumentRejected, match="no note 999"):
        case_enclosures(cases.engine, cases.appeal, notes=[999])


def test_every_packet_page_carries_the_claim_and_member_reference(
    cases: Cases, tmp_path: Path
) -> None:
    long_text = tmp_path / "long.txt"
    long_text.write_text("line of a long enclosure\n" * 150)
    draft = appeal_letter_for_case(cases.engine, cases.appeal, final=False)
    out = tmp_path / "p.pdf"
    enclosed = case_enclosures(cases.engine, cases.appeal, attach=[long_text])
    build_case_packet(
        cases.engine, cases.appeal, out, enclosures=enclosed, fills=_fills(draft.text)
    )
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(out)).pages]
    assert len(pages) >= 4
    for page in pages:
        assert "Claim AP-1 | payer claim ICNAP-1 | member M1" in page


def test_a_later_level_letter_prints_the_payers_decision_date(cases: Cases) -> None:
    letter = appeal_letter_for_case(cases.engine, cases.decided, final=False)
    assert "level 2" in letter.text
    assert "your decision dated 2026-04-14" in letter.text


def test_the_signature_stays_with_the_closing_whatever_the_letter_length(
    cases: Cases, tmp_path: Path
) -> None:
    facts = case_facts(cases.engine, cases.appeal)
    template = load_template("general")
    base = _fills(render_letter(facts, template, final=False).text)
    for sentences in range(20, 80, 3):
        fills = {**base, "argument": "The service was necessary. " * sentences * 3}
        fills["signer"] = "SIGNER-NAME Director of Revenue Integrity"
        letter = render_letter(facts, template, fills)
        assert [b.closing for b in letter.blocks][-2:] == [True, True]
        out = tmp_path / f"l{sentences}.pdf"
        write_pdf(letter, out)
        pages = [p.extract_text() for p in PdfReader(str(out)).pages]
        together = [i for i, t in enumerate(pages) if "Sincerely" in t] == [
            i for i, t in enumerate(pages) if "SIGNER-NAME" in t
        ]
        assert together, sentences


def test_text_enclosures_wrap_long_lines_inside_the_page() -> None:
    line = "".join(f"{i:03d}|" for i in range(40))[:150]
    wrapped = wrap_text(line + "\n\tindented\x07\n", 95).splitlines()
    assert all(len(w) <= 95 for w in wrapped)
    assert "".join(w.strip() for w in wrapped[:2]) == line
    assert wrapped[2] == "    indented"


def test_a_text_enclosure_line_of_150_characters_stays_on_the_page(tmp_path: Path) -> None:
    from denialops.work.letters import Letter
    from denialops.work.packets import build_packet

    line = "".join(f"{i:03d}|" for i in range(40))[:150]
    source = tmp_path / "wide.txt"
    source.write_text(line + "\n")
    out = tmp_path / "p.pdf"
    build_packet(Letter("general", "# Appeal\n\nbody\n"), [source], out)
    page = PdfReader(str(out)).pages[-1]
    seen: list[tuple[float, str]] = []
    page.extract_text(visitor_text=lambda t, cm, tm, fd, fs: seen.append((tm[4], t)))
    pieces = [(x, t) for x, t in seen if "|" in t]
    assert len(pieces) >= 2  # the line was cut in two
    width = float(page.mediabox.width)
    assert all(x + len(t.rstrip()) * 4.8 <= width for x, t in pieces)


def test_a_link_is_followed_only_inside_the_working_directory(
    cases: Cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    secret = tmp_path / "secret.txt"  # outside the working directory, like /etc/shadow
    secret.write_text("root:$6$hash\n")
    (work / "shadow.txt").symlink_to(secret)
    os.symlink(tmp_path, work / "up")
    inside = work / "notes.txt"
    inside.write_text("fine\n")
    (work / "link-inside.txt").symlink_to(inside)
    monkeypatch.chdir(work)
    with pytest.raises(DocumentRejected, match="link to a file outside your working directory"):
        attach_document(cases.engine, cases.appeal, Path("shadow.txt"), user="tester")
    with pytest.raises(DocumentRejected, match="outside your working directory"):
        attach_document(cases.engine, cases.appeal, Path("up/secret.txt"), user="tester")
    doc = attach_document(cases.engine, cases.appeal, Path("link-inside.txt"), user="tester")
    assert doc.filename == "link-inside.txt" and doc.size_bytes == 5


def test_user_templates_are_bounded_in_size_and_time(
    cases: Cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "huge.j2").write_text("{{ 'x' * 400000000 }}\n")
    (mine / "wide.j2").write_text("{% for a in range(1000) %}{{ 'y' * 5000 }}{% endfor %}\n")
    (mine / "slow.j2").write_text(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    (mine / "power.j2").write_text("{{ 10 ** 100000000 }}\n")
    facts = case_facts(cases.engine, cases.appeal)
    monkeypatch.setattr("denialops.work.letters.RENDER_SECONDS", 0.5)
    for name, message in (
        ("huge", "over the limit of 100,000"),
        ("wide", "output over the limit"),
        ("slow", "still rendering after 0.5 s"),
        ("power", "exponent"),
    ):
        start = time.monotonic()
        with pytest.raises(InputLimitError, match=message):
            render_letter(facts, load_template(name, mine), final=False)
        assert time.monotonic() - start < 5, name
