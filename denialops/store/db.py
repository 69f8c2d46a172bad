"""Deprecated: use :class:`denialops.store.Database` (``denialops/store/database.py``).

Kept so callers not yet switched keep working; everything here delegates to it.
"""

from __future__ import annotations

from sqlalchemy import Engine

from denialops.store.database import DEFAULT_URL, ENV_VAR, create_db_engine, resolve_url

__all__ = ["DEFAULT_URL", "ENV_VAR", "is_sqlite", "make_engine", "resolve_url"]


def make_engine(url: str | None = None) -> Engine:
    """Deprecated: ``Database(url).engine``."""
    return create_db_engine(url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
