"""denialops: find, understand, work, prevent and report healthcare claim denials.

The library in a few names (everything else is reached through its package)::

    import denialops

    db = denialops.Database("claims.db")        # a SQLite path, or postgresql://...
    db.migrate()
    summary = denialops.ingest(db, ["era/"])     # parse, store, classify, open cases
    rows = denialops.queue(db, owner="billing")  # the work queue, most urgent first
    report = denialops.kpis(db, by=["payer"])    # denial KPIs (docs/kpis.md)
    result = denialops.classify.classify("CO", "50")  # one adjustment's root cause

Errors all derive from :class:`DenialopsError` (the tree is drawn in ``errors.py``).
Names other than the errors are loaded on first use, so ``import denialops`` stays light.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from denialops.errors import (
    AccountError,
    AmountError,
    CodeError,
    CodeSetError,
    ConflictError,
    DatabaseNotFoundError,
    DatabaseUnavailable,
    DatabaseURLError,
    DateOutOfRange,
    DenialopsError,
    DocumentRejected,
    EnvelopeError,
    ForeignDatabaseError,
    InputError,
    InputLimitError,
    Not835Error,
    NotFoundError,
    OutputError,
    PayerProfileError,
    PlanError,
    PrioritySettingsError,
    RulesError,
    SettingsError,
    StateTransitionError,
    StoreError,
    TemplateError,
    UnknownDimensionError,
    UploadRejected,
    WrongDocumentError,
    X12Error,
    X12SyntaxError,
)

if _TYPE_CHECKING:
    from denialops import classify
    from denialops.analytics.metrics import KpiReport
    from denialops.api import ingest, kpis, queue
    from denialops.classify import Classification
    from denialops.pipeline import IngestSummary
    from denialops.store.database import Database
    from denialops.work import Case
    from denialops.work.queue import QueueRow
    from denialops.x12.remittance import (
        Adjustment,
        Claim,
        ProviderAdjustment,
        Remittance,
        ServiceLine,
    )

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Database": "denialops.store.database",
    "ingest": "denialops.api",
    "queue": "denialops.api",
    "kpis": "denialops.api",
    "Classification": "denialops.classify",
    "IngestSummary": "denialops.pipeline",
    "Case": "denialops.work",
    "QueueRow": "denialops.work.queue",
    "KpiReport": "denialops.analytics.metrics",
    "Remittance": "denialops.x12.remittance",
    "Claim": "denialops.x12.remittance",
    "ServiceLine": "denialops.x12.remittance",
    "Adjustment": "denialops.x12.remittance",
    "ProviderAdjustment": "denialops.x12.remittance",
}

__all__ = [
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


def __getattr__(name: str) -> _Any:
    if name == "classify":  # the package: denialops.classify.classify("CO", "50")
        return _importlib.import_module("denialops.classify")
    from denialops._lazy import load

    return load(globals(), __name__, _LAZY, name)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
