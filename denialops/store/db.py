"""Opening the database: URL resolution, engine settings and schema upgrade.

SQLite is the embedded default (``sqlite:///denialops.db`` in the working directory,
WAL mode, foreign keys on); PostgreSQL is selected with a ``postgresql+psycopg://`` URL.
The URL comes from ``--db``, else ``DENIALOPS_DATABASE_URL``, else the default.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event

DEFAULT_URL = "sqlite:///denialops.db"
ENV_VAR = "DENIALOPS_DATABASE_URL"


def resolve_url(url: str | None = None) -> str:
    """The database URL in force: explicit, else the environment, else the default."""
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        # psycopg 3 is the driver we ship; accept the libpq-style URL users paste.
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL in force, with SQLite tuned for one writer and many readers."""
    resolved = resolve_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
