"""Bring a database to the newest schema with the Alembic revisions shipped in the package.

Every command that touches the database calls :func:`upgrade` first; when the database is
already at the head revision it costs one small query, so calling it often is fine.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

from denialops.store.db import make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

MODEL_MODULES = (
    "denialops.store.schema",
    "denialops.work.tables",
    "denialops.analytics.fact_schema",
)
"""Every module that declares tables on ``schema.Base``; a new one must be listed here so
autogenerate and the schema test see its tables."""


def model_metadata() -> MetaData:
    """``Base.metadata`` with every table of the project registered on it."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    from denialops.store.schema import Base

    return Base.metadata


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision id the installed code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revision 0001
        raise RuntimeError("no Alembic revisions found in the package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None for a database never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: newest); a no-op when already there."""
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        target = head_revision() if revision == "head" else revision
        if current_revision(engine) == target:
            return
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def migrated_engine(url: str | None = None) -> Engine:
    """An engine for the URL in force (``--db``, env, default), schema brought to head.

    What every command that touches the database should open it with.
    """
    engine = make_engine(url)
    upgrade(engine)
    return engine
