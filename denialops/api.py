"""The library's verbs, over a :class:`~denialops.store.Database`: what ``denialops``
exports at the top (see ``denialops/__init__.py``) and what the CLI and the web call.

Each takes a Database (or an Engine, or a URL / SQLite path that is then opened) and
calls the function that does the work in its domain package; nothing here decides
anything on its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from denialops.store.database import Database

if TYPE_CHECKING:
    from denialops.analytics.metrics import KpiReport
    from denialops.pipeline.summary import IngestSummary
    from denialops.work.queue import QueueRow

DatabaseLike = Database | Engine | str | os.PathLike[str]
"""A Database, an Engine, or a URL / SQLite path (opened, migrated and closed per call)."""


@contextmanager
def _engine(db: DatabaseLike, *, create: bool) -> Iterator[Engine]:
    if isinstance(db, Database):
        db.migrate()  # one small query when already at the newest revision
        yield db.engine
    elif isinstance(db, Engine):
        yield db
    else:
        with Database.open(db, create=create) as opened:
            yield opened.engine


def ingest(db: DatabaseLike, paths: Sequence[str | Path], **options: Any) -> IngestSummary:
    """Store 835 files, folders and zips; classify; open and decide cases (the pipeline).

    ``options`` go to :func:`denialops.pipeline.ingest_paths` (``steps``, ``progress``,
    ``options``).
    """
    from denialops.pipeline import ingest_paths

    with _engine(db, create=True) as engine:
        return ingest_paths(engine, paths, **options)


def queue(db: DatabaseLike, **filters: Any) -> list[QueueRow]:
    """The work queue, most urgent first; ``filters`` as :func:`denialops.work.queue.queue`
    (``owner``, ``payer``, ``family``, ``overdue``, ``sort``, ``limit``, ...)."""
    from denialops.work.queue import queue as work_queue

    with _engine(db, create=False) as engine:
        return work_queue(engine, **filters)


def kpis(
    db: DatabaseLike,
    *,
    by: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    filters: Mapping[str, str] | None = None,
    **options: Any,
) -> KpiReport:
    """The denial KPIs of docs/kpis.md for a period, cut ``by`` payer, category, ..."""
    from denialops.analytics.engine import open_analytics
    from denialops.analytics.metrics import compute_kpis

    with _engine(db, create=False) as engine:
        analytics = open_analytics(engine)
    try:
        return compute_kpis(analytics, by=by, since=since, until=until, filters=filters, **options)
    finally:
        analytics.close()
