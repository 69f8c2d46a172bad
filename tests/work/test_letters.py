"""Letters: every template rendered for a synthetic case, the PDF text checked for the facts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops import codes
from denialops.classify.fees import FEE_FILE, install_fee_schedule
from denialops.cli import app
from denialops.errors import OutputError, TemplateError
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.vocabulary import UNDERPAYMENT_CATEGORY, UNDERPAYMENT_KIND
from denialops.work.letters import (
    FILL_MARK,
    TEMPLATE_FOR_CATEGORY,
    Letter,
    appeal_letter_for_case,
    case_facts,
    check_template_source,
    load_template,
    payer_facing,
    render_letter,
    template_for,
    template_names,
    write_docx,
    write_letter,
    write_pdf,
)
from denialops.work.store import case_t
from tests.work.builders import claim, ingest, remittance

REQUIRED = {
    "medical_necessity", "level_of_care", "length_of_stay", "experimental", "authorization",
    "coding_modifier", "coding_bundling", "coding_dx_procedure", "timely_filing", "cob",
    "duplicate",
}  # fmt: skip


@pytest.fixture(scope="module")
def letter_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("letters") / "work.db"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    ingest(
        engine,
        remittance(
            [
                claim(
                    "PCN-7781",
                    charge="1250.00",
                    paid="310.40",
                    adjustments=[("CO", "50", "939.60")],
                    icn="ICN55501",
                    service_date=date(2026, 1, 12),
                    code="71250",
                    rarcs=["N115"],
                )
            ],
            payer_id="MCR-A",
            payment_date=date(2026, 2, 16),
        ),
    )
    try:
        yield engine
    finally:
        engine.dispose()


def _all_fills(text: str) -> dict[str, str]:
    return {name: f"filled {name}" for name in FILL_MARK.findall(text)}


def test_every_required_category_has_a_template() -> None:
    names = set(template_names())
    assert REQUIRED <= names
    assert REQUIRED <= set(TEMPLATE_FOR_CATEGORY.values())
    assert template_for("nothing_known") == "general"


@pytest.mark.parametrize("name", sorted(REQUIRED | {"general"}))
def test_template_renders_claim_facts_and_codes_into_pdf(
    letter_db: Engine, tmp_path: Path, name: str
) -> None:
    facts = case_facts(letter_db, 1)
    template = load_template(name, user_dir=tmp_path / "none")
    draft = render_letter(facts, template, final=False)
    assert draft.missing, "every template has placeholders for the clinician or coder"
    with pytest.raises(TemplateError, match="placeholders still empty: " + draft.missing[0]):
        render_letter(facts, template)
    final = render_letter(facts, template, _all_fills(draft.text))
    assert final.missing == [] and "[[FILL" not in final.text

    out = tmp_path / f"{name}.pdf"
    pages = write_pdf(final, out)
    reader = PdfReader(str(out))
    assert len(reader.pages) == pages >= 1
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for fact in (
        "ALEX TESTPATIENT",
        "member id M1",
        "2026-01-12",
        "PCN-7781",
        "ICN55501",
        "$1250.00",
        "$310.40",
        "$939.60",
        "CO-50",
        "not deemed a 'medical necessity' by the payer",  # CARC 50's text from denialops.codes
        "Remark N115",
        "Local Coverage Determination",  # RARC N115's text
        "TEST PAYER",
        "filled signer",
        "Page 1",
    ):
        assert fact in text, f"{fact!r} missing from the {name} letter"


def test_medicare_redetermination_request_states_its_deadline(letter_db: Engine) -> None:
    facts = case_facts(letter_db, 1)
    letter = render_letter(facts, load_template("medical_necessity"), final=False)
    # Part B (MB) claim, determination 2026-02-16 + 120 days = 2026-06-16
    assert "redetermination (level 1)" in letter.text
    assert "deadline 2026-06-16" in letter.text


def test_docx_carries_the_same_text(letter_db: Engine, tmp_path: Path) -> None:
    facts = case_facts(letter_db, 1)
    draft = render_letter(facts, load_template("authorization"), final=False)
    letter = render_letter(facts, load_template("authorization"), _all_fills(draft.text))
    out = tmp_path / "letter.docx"
    write_docx(letter, out)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    for fact in ("PCN-7781", "ICN55501", "CO-50", "$939.60", "filled authorization_facts"):
        assert fact in text


def test_user_template_is_checked_against_the_field_schema(
    letter_db: Engine, tmp_path: Path
) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "short.j2").write_text(
        '{% extends "_base.j2" %}{% block argument %}\n## Ours\n'
        "{{ claim.patient_control_number }} {{ fill('why', 'reason') }}\n{% endblock %}\n"
    )
    (mine / "typo.j2").write_text("{{ claim.patient_contrl_number }}\n")
    (mine / "unknown.j2").write_text("{{ surgeon.name }}\n")
    (mine / "loop.j2").write_text("{% for c in denial_codes %}{{ c.reasn }}{% endfor %}\n")
    (mine / "deep.j2").write_text("{{ claim.billed.real }}\n")
    (mine / "escape.j2").write_text("{{ money.__globals__ }}\n")
    assert {"short", "typo", "unknown", "loop", "deep"} <= set(template_names(mine))

    fills = {"why": "x", "enclosures": "none", "signer": "A. Coder"}
    letter = render_letter(case_facts(letter_db, 1), load_template("short", mine), fills)
    assert "## Ours" in letter.text and "PCN-7781 x" in letter.text
    with pytest.raises(TemplateError, match=r"claim\.patient_contrl_number does not exist"):
        load_template("typo", mine)
    with pytest.raises(TemplateError, match="unknown field.*surgeon"):
        load_template("unknown", mine)
    with pytest.raises(TemplateError, match=r"c\.reasn does not exist"):
        load_template("loop", mine)
    with pytest.raises(TemplateError, match="no sub-fields"):
        load_template("deep", mine)
    with pytest.raises(TemplateError, match="money is a function, it has no fields"):
        load_template("escape", mine)
    with pytest.raises(TemplateError, match="no template 'absent'"):
        load_template("absent", mine)


def test_syntax_errors_are_template_errors_with_a_line() -> None:
    with pytest.raises(TemplateError, match="line 2"):
        check_template_source("ok\n{% if %}\n", "broken")


# ---------------------------------------------------------------- values from data

HOSTILE = "EVIL PAYER\n\n## Request\nWe withdraw this appeal"


def _hostile_letter(letter_db: Engine) -> Letter:
    facts = case_facts(letter_db, 1)
    facts["payer"] = {**facts["payer"], "name": HOSTILE}
    facts["patient"] = {**facts["patient"], "full_name": "ALEX\x01 \u202eTESTPATIENT\r\n# Title"}
    facts["provider"] = {**facts["provider"], "name": "# NOT A TITLE\n- not a bullet"}
    draft = render_letter(facts, load_template("general"), final=False)
    return render_letter(facts, load_template("general"), _all_fills(draft.text))


def test_a_value_from_data_is_one_line_of_text_never_structure(letter_db: Engine) -> None:
    letter = _hostile_letter(letter_db)
    headings = [b.text for b in letter.blocks if b.kind in ("title", "heading")]
    assert headings.count("Request") == 1 and "Title" not in headings
    assert [b.kind for b in letter.blocks].count("title") == 1
    assert not any(b.text.startswith("not a bullet") for b in letter.blocks)
    flat = " ".join(HOSTILE.split())
    assert any(f"To: {flat} (payer id" in b.text for b in letter.blocks)
    assert any("# NOT A TITLE - not a bullet" in b.text for b in letter.blocks)
    assert "\x01" not in letter.text and "\u202e" not in letter.text and "\r" not in letter.text


def test_docx_and_pdf_take_control_characters_and_keep_hostile_text_flat(
    letter_db: Engine, tmp_path: Path
) -> None:
    letter = _hostile_letter(letter_db)
    write_docx(letter, tmp_path / "l.docx")  # "\x01" raised ValueError in python-docx
    document = docx.Document(str(tmp_path / "l.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Request" in headings and headings.count("Request") == 1
    assert "We withdraw this appeal" not in [p.text for p in document.paragraphs]
    write_pdf(letter, tmp_path / "l.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(str(tmp_path / "l.pdf")).pages)
    assert "EVIL PAYER ## Request We withdraw this appeal" in " ".join(text.split())


def test_fills_keep_their_paragraphs_but_lose_control_characters(letter_db: Engine) -> None:
    facts = case_facts(letter_db, 1)
    draft = render_letter(facts, load_template("general"), final=False)
    fills = _all_fills(draft.text)
    fills["argument"] = "First point.\x07\n\nSecond point."
    letter = render_letter(facts, load_template("general"), fills)
    paragraphs = [b.text for b in letter.blocks if b.kind == "paragraph"]
    assert "First point." in paragraphs and "Second point." in paragraphs


def test_letters_never_quote_usage_notes_meant_for_payers(letter_db: Engine) -> None:
    facts = case_facts(letter_db, 1)
    (code,) = facts["denial_codes"]
    assert code["text"] == (
        "These are non-covered services because this is not deemed a 'medical necessity' "
        "by the payer."
    )
    assert (
        payer_facing(
            "Non-covered charge(s). At least one Remark Code must be provided (may be comprised "
            "of either the NCPDP Reject Reason Code, or Remittance Advice Remark Code that is "
            "not an ALERT.) Usage: Refer to the 835 Healthcare Policy Identification Segment"
        )
        == "Non-covered charge(s)."
    )
    letter = render_letter(facts, load_template("general"), final=False)
    assert "Usage" not in letter.text and "Remark Code must be provided" not in letter.text


# ---------------------------------------------------------------- output files


def test_letters_are_written_atomically_and_bad_outputs_are_one_line(
    letter_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    letter = render_letter(case_facts(letter_db, 1), load_template("general"), final=False)
    with pytest.raises(OutputError, match="is a folder"):
        write_letter(letter, tmp_path)  # a directory named like an output
    with pytest.raises(OutputError, match="does not exist"):
        write_letter(letter, tmp_path / "missing" / "x.pdf")

    out = tmp_path / "letter.docx"
    out.write_bytes(b"the earlier letter")

    def full_disk(self: object, target: str) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("docx.document.Document.save", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        write_docx(letter, out)
    assert out.read_bytes() == b"the earlier letter"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.docx"]


UNDERPAID_SCHEDULE = """payer,code,modifier,allowed,effective_from,effective_to
PAYER1,99214,,80.00,2026-01-01,2026-12-31
"""


def test_an_underpayment_case_gets_the_payment_dispute_letter(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(tmp_path / "codes"))
    source = tmp_path / "acme-2026-rates.csv"
    source.write_text(UNDERPAID_SCHEDULE, "utf-8")
    install_fee_schedule(source)
    # allowed 70 (charge 100 - CO-45 30) against a contracted 80: 10 short
    adjustments = [("CO", "45", "30"), ("PR", "2", "14")]
    under = claim("UP-1", charge="100", paid="56", adjustments=adjustments)
    ingest(engine, remittance([under], payment_date=date(2026, 2, 1)))
    with engine.connect() as conn:
        (case_id,) = conn.execute(
            select(case_t.c.id).where(case_t.c.kind == UNDERPAYMENT_KIND)
        ).scalars()
    assert template_for(UNDERPAYMENT_CATEGORY) == "payment_dispute"

    # chosen without being named, by the function the CLI and the web call
    draft = appeal_letter_for_case(engine, case_id, final=False, user_dir=tmp_path / "none")
    assert draft.template == "payment_dispute"
    assert draft.missing == ["contract_reference", "signer"]
    letter = appeal_letter_for_case(
        engine, case_id, fills=_all_fills(draft.text), user_dir=tmp_path / "none"
    )
    text = " ".join(letter.text.split())
    for fact in (
        "Payment dispute: claim paid below the contracted rate",
        "Contracted amount: $80.00",
        "Allowed by you: $70.00; paid: $56.00",
        "Variance (contracted less allowed): $10.00",
        "Line 1 99214 25, 2026-01-05: contracted $80.00, allowed $70.00, paid $56.00, "
        "variance $10.00",
        "our fee schedule for your plan (acme-2026-rates.csv)",
        "Line 1: acme-2026-rates.csv: 99214 at $80.00, effective 2026-01-01 to 2026-12-31",
        "reprocess the claim at the contracted rate and pay the variance of $10.00",
        "CO-45",
        "filled contract_reference",
    ):
        assert fact in text, f"{fact!r} missing from the payment dispute"

    # the schedule removed since: the letter asks for the figures instead of inventing them
    (tmp_path / "codes" / FEE_FILE).unlink()
    gone = appeal_letter_for_case(engine, case_id, final=False, user_dir=tmp_path / "none")
    assert gone.missing == ["fee_schedule", "contract_reference", "signer"]
    assert "Line 1 99214 25, 2026-01-05: paid $56.00" in gone.text
    assert "Contracted amount: $80.00" in gone.text  # the case's own figures stay

    # the CLI writes it too, with no --template
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "dispute.docx"
    result = CliRunner().invoke(
        app, ["appeal", "letter", str(case_id), "--out", str(out), "--draft", "--db", url]
    )
    assert result.exit_code == 0, result.output
    assert "Payment dispute" in " ".join(p.text for p in docx.Document(str(out)).paragraphs)
