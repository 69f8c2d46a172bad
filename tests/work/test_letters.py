"""Letters: every template rendered for a synthetic case, the PDF text checked for the facts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from denialops.errors import TemplateError
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.work.letters import (
    FILL_MARK,
    TEMPLATE_FOR_CATEGORY,
    case_facts,
    check_template_source,
    load_template,
    render_letter,
    template_for,
    template_names,
    write_docx,
    write_pdf,
)
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
