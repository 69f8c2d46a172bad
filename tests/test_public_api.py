"""The top-level package exports exactly what it promises (like httpx's
tests/test_exported_members.py), and the README's library example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import denialops
from denialops import errors

EXPORTED = [
    "AccountError",
    "Adjustment",
    "AmountError",
    "Case",
    "Claim",
    "Classification",
    "CodeError",
    "CodeSetError",
    "ConflictError",
    "Database",
    "DatabaseNotFoundError",
    "DatabaseURLError",
    "DatabaseUnavailable",
    "DateOutOfRange",
    "DenialopsError",
    "DocumentRejected",
    "EnvelopeError",
    "ForeignDatabaseError",
    "IngestSummary",
    "InputError",
    "InputLimitError",
    "KpiReport",
    "Not835Error",
    "NotFoundError",
    "OutputError",
    "PlanError",
    "PayerProfileError",
    "PrioritySettingsError",
    "ProviderAdjustment",
    "QueueRow",
    "Remittance",
    "RulesError",
    "ServiceLine",
    "SettingsError",
    "StateTransitionError",
    "StoreError",
    "TemplateError",
    "UnknownDimensionError",
    "UploadRejected",
    "WrongDocumentError",
    "X12Error",
    "X12SyntaxError",
    "__version__",
    "classify",
    "ingest",
    "kpis",
    "queue",
]
FIXTURE = Path(__file__).parent / "fixtures" / "835" / "professional.835"
README = Path(__file__).resolve().parents[1] / "README.md"


def test_all_is_pinned() -> None:
    assert denialops.__all__ == EXPORTED


def test_every_exported_name_resolves() -> None:
    for name in denialops.__all__:
        assert getattr(denialops, name) is not None, name


def test_nothing_public_is_left_out_of_all() -> None:
    for name in denialops.__all__:
        getattr(denialops, name)  # load the lazy ones
    public = {
        name
        for name, value in vars(denialops).items()
        if not name.startswith("_") and type(value).__name__ != "module"
    }
    # classify is the package (denialops.classify.classify is its function)
    assert public | {"__version__", "classify"} == set(EXPORTED)
    assert {n for n in dir(denialops) if not n.startswith("_")} >= set(EXPORTED) - {"__version__"}


def test_the_whole_error_tree_is_exported() -> None:
    tree = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and value.__module__ == "denialops.errors"
    }
    assert tree <= set(denialops.__all__)
    for name in tree:
        assert issubclass(getattr(denialops, name), denialops.DenialopsError)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        denialops.nope  # noqa: B018


def test_the_library_api_end_to_end(db_url: str) -> None:
    with denialops.Database(db_url) as db:
        summary = denialops.ingest(db, [FIXTURE])
        assert summary.claims > 0
        rows = denialops.queue(db, limit=5)
        assert all(isinstance(row, denialops.QueueRow) for row in rows)
        report = denialops.kpis(db)
        assert isinstance(report, denialops.KpiReport)
    assert isinstance(denialops.classify.classify("CO", "50"), denialops.Classification)


def test_the_readme_shows_the_library() -> None:
    text = README.read_text("utf-8")
    section = text[text.index("## As a library") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    used = set(re.findall(r"denialops\.(\w+)", code.group(1)))
    assert used <= set(EXPORTED)
    assert {"Database", "ingest", "queue", "kpis", "classify", "DenialopsError"} <= used
