"""Status codes, owners, families and closed states are declared once (denialops.vocabulary)."""

from __future__ import annotations

import re
from pathlib import Path

import denialops
from denialops import vocabulary
from denialops.x12.remittance import ClaimStatus

PACKAGE = Path(denialops.__file__).parent
# Where spelling the values is the declaration itself (the X12 model, the vocabulary) or
# means something else.
DECLARED_IN = {"vocabulary.py", "x12/remittance.py", "x12/parse837.py"}  # 837: HL level 22


def _sources() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(PACKAGE)), path.read_text("utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(PACKAGE)) not in DECLARED_IN and "migrations" not in path.parts
    ]


def test_the_vocabulary_agrees_with_the_x12_model() -> None:
    assert vocabulary.REVERSAL_STATUS == ClaimStatus.REVERSAL == "22"
    assert set(vocabulary.NOT_ADJUDICATIONS) == {"22", "23", "25"}


def test_reversal_status_is_not_spelled_again() -> None:
    found = [
        name
        for name, text in _sources()
        if re.search(r"""(=|==|!=|<>|IN \()\s*\(?['"]22['"]""", text)
    ]
    assert found == []


def test_owner_and_family_lists_are_not_spelled_again() -> None:
    owners = re.compile(r"""\(\s*['"]patient_access['"],\s*['"]ur_cdi['"]""")
    families = re.compile(r"""\(\s*['"]clinical['"],\s*['"]coding['"],\s*['"]administrative""")
    closed = re.compile(
        r"""['"]won['"],\s*['"]partially_won['"],\s*['"]lost['"],\s*['"]written_off"""
    )
    found = [
        name
        for name, text in _sources()
        if owners.search(text) or families.search(text) or closed.search(text)
    ]
    assert found == []


def test_every_layer_uses_the_same_objects() -> None:
    from denialops.classify import OWNERS as classify_owners
    from denialops.work import states
    from denialops.work.cases import OWNERS as work_owners

    assert classify_owners is work_owners is vocabulary.OWNERS
    assert states.CLOSED_STATES is vocabulary.CLOSED_STATES
    assert vocabulary.sql_list(["b", "a'"]) == "'a''', 'b'"
