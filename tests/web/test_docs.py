"""docs/web.md prints the role matrix the application enforces."""

from __future__ import annotations

from pathlib import Path

from denialops.web.permissions import MATRIX, Action, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_documented_role_matrix_is_the_enforced_one() -> None:
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    header = next(line for line in lines if line.startswith("| action |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    assert roles == [r.value for r in Role]
    documented = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0].startswith("`") and cells[0].strip("`") in {a.value for a in Action}:
            documented[Action(cells[0].strip("`"))] = {
                Role(role) for role, mark in zip(roles, cells[1:], strict=True) if mark == "yes"
            }
    assert set(documented) == set(Action)
    for action, roles_allowed in documented.items():
        assert roles_allowed == {r for r in Role if action in MATRIX[r]}, action
