"""``store`` sits below ``classify``, ``work``, ``analytics`` and ``pipeline``: it imports none."""

from __future__ import annotations

import ast
from pathlib import Path

import denialops.store

ABOVE_STORE = ("denialops.classify", "denialops.work", "denialops.analytics", "denialops.pipeline")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_store_imports_nothing_above_it() -> None:
    folder = Path(denialops.store.__file__).parent
    files = sorted(folder.rglob("*.py"))
    assert files
    offending = {
        f"{path.relative_to(folder)}: {name}"
        for path in files
        for name in _imports(path)
        if name.startswith(ABOVE_STORE)
    }
    assert offending == set()
