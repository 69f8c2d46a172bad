"""Bring a database to the newest schema with the Alembic revisions shipped in the package.

Used through :meth:`denialops.store.Database.migrate`. When the database is already at
the head revision it costs one small query, so calling it on every command is fine: the
head is :data:`HEAD_REVISION` and the database's revision is read from
``alembic_version`` directly, so Alembic itself (0.3-0.4 s of CPU to import, a third of a
command's start-up) is imported only when there is something to upgrade.

An upgrade is atomic and serialised:

- every revision runs in ONE transaction (SQLite and PostgreSQL both have
  transactional DDL), so a crash or ``kill -9`` half-way leaves the database as it was;
- the transaction takes the write lock first (``BEGIN IMMEDIATE`` on SQLite, an
  advisory lock on PostgreSQL) and then re-reads the revision, so concurrent first runs
  queue up and only the first one creates the schema;
- on SQLite foreign keys are off while tables are rebuilt (batch mode) and checked with
  ``PRAGMA foreign_key_check`` before the commit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sqlalchemy import Connection, Engine, MetaData, func, inspect, select, text

from denialops.errors import ForeignDatabaseError, StoreError
from denialops.store.database import create_db_engine, driver_cursor, write_transaction

if TYPE_CHECKING:
    from alembic.config import Config

    from denialops.store.database import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

HEAD_REVISION = "0014"
"""The newest revision in migrations/versions, known without importing Alembic (see the
module docstring). A new revision must change it: tests/store/test_migrate.py pins it to
the head Alembic's ``ScriptDirectory`` finds."""

MODEL_MODULES = (
    "denialops.store.schema",
    "denialops.store.submitted",
    "denialops.work.tables",
    "denialops.work.views",
    "denialops.classify.overrides",
    "denialops.web.tables",
    "denialops.plans",
    "denialops.analytics.fact_tables",
)
"""Every module that declares tables on ``schema.Base``; a new one must be listed here so
autogenerate and the schema test see its tables."""

PG_MIGRATION_LOCK = 0x64656E69616C  # "denial": pg_advisory_xact_lock key for upgrades

BACKFILL_GROUP = "denialops.backfill"
"""Entry-point group of the steps an upgrade of a database holding data runs last, in the
upgrade's transaction: ``hook(conn, applied_revisions)``. They derive what the new
revisions derive for rows stored before them (cases for a database from 0001, ...).
``store`` declares the hook; the pipeline implements it (pyproject.toml)."""

BackfillHook = Callable[[Connection, Sequence[str]], object]


def backfill_hooks() -> list[BackfillHook]:
    """The registered backfill steps, by entry-point name."""
    found = sorted(entry_points(group=BACKFILL_GROUP), key=lambda point: point.name)
    return [cast(BackfillHook, point.load()) for point in found]


def model_metadata() -> MetaData:
    """``Base.metadata`` with every table of the project registered on it."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    from denialops.store.schema import Base

    return Base.metadata


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision id the installed code knows (:data:`HEAD_REVISION`)."""
    return HEAD_REVISION


def current_revision(engine: Engine | Connection) -> str | None:
    """The revision the database is at, None for a database never migrated. Read from
    ``alembic_version`` as Alembic's ``MigrationContext`` reads it, without importing it."""
    if not isinstance(engine, Connection):
        with engine.connect() as conn:
            return current_revision(conn)
    if not inspect(engine).has_table("alembic_version"):
        return None
    versions = engine.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        raise StoreError(
            f"{_shown(engine)} is at several revisions ({', '.join(sorted(versions))}): "
            "it was migrated by something other than denialops"
        )
    return str(versions[0]) if versions else None


def _url_of(target: str | Engine | Database) -> str:
    if isinstance(target, str):
        return target
    if isinstance(target, Engine):
        return target.url.render_as_string(hide_password=False)
    return target.url


def upgrade(target: str | Engine | Database, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: newest); a no-op when already there.

    The upgrade runs on a connection of its own (whatever engine is passed, only its
    URL is used) so that its transaction and pragmas are exactly as described above.
    A database that is neither empty nor a denialops one is refused before anything is
    written (:class:`~denialops.errors.ForeignDatabaseError`).
    """
    read_only = bool(getattr(target, "read_only", False))
    engine = create_db_engine(_url_of(target), read_only=read_only)
    try:
        wanted = head_revision() if revision == "head" else revision
        current = current_revision(engine)
        if current == wanted:
            return
        if read_only:
            raise StoreError(
                f"{_shown(engine)} is read-only and at revision {current or '(none)'}: "
                f"it needs the upgrade to {wanted} by someone who may write it"
            )
        with engine.connect() as conn:
            _upgrade_locked(conn, revision, wanted)
    finally:
        engine.dispose()


def _upgrade_locked(conn: Connection, revision: str, wanted: str) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        _pragma(conn, "foreign_keys=OFF")  # has effect only outside a transaction
    try:
        with write_transaction(conn):
            if not sqlite:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
            if current_revision(conn) == wanted:
                return  # someone else upgraded while we waited for the lock
            _refuse_foreign(conn)
            before = current_revision(conn)
            from alembic import command
            from alembic.script import ScriptDirectory

            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            if before is not None and revision == "head":
                script = ScriptDirectory.from_config(config)
                applied = [rev.revision for rev in script.iterate_revisions(wanted, before)]
                for hook in backfill_hooks():
                    hook(conn, applied)
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(
                        f"upgrade to {wanted} would break {len(broken)} foreign key(s) "
                        f"(first: table {broken[0][0]}); nothing was changed"
                    )
    finally:
        if sqlite:
            _pragma(conn, "foreign_keys=ON")


def _shown(engine: Engine | Connection) -> str:
    return engine.engine.url.render_as_string(hide_password=True)


def _refuse_foreign(conn: Connection) -> None:
    """Stop before writing anything to a database that is not (or not yet) ours.

    Empty: fine. Ours: has ``alembic_version`` at a revision we know. Debris of a first
    run that an older denialops left half-done (our tables, all empty, no revision) is
    cleared so the run starts over. Anything else is refused.
    """
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return
    current = current_revision(conn) if "alembic_version" in tables else None
    if current is not None:
        from alembic.script import ScriptDirectory

        known = {
            rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()
        }
        if current not in known:
            raise StoreError(
                f"{_shown(conn)} is at revision {current}, which this denialops does not know "
                "(made by a newer version?); nothing was changed"
            )
        return
    ours = set(model_metadata().tables) | {"alembic_version"}
    others = sorted(tables - ours)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ForeignDatabaseError(
            f"{_shown(conn)} is not a denialops database (it holds other tables: {shown}); "
            "nothing was changed: point --db at a new file or an empty database"
        )
    metadata = model_metadata()
    for name in sorted(tables - {"alembic_version"}):
        if conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one():
            raise ForeignDatabaseError(
                f"{_shown(conn)} has denialops tables with data but no schema revision; "
                "nothing was changed"
            )
    for table in reversed(metadata.sorted_tables):
        if table.name in tables:
            table.drop(conn)


def _pragma(conn: Connection, setting: str) -> None:
    """A PRAGMA on the driver connection itself: SQLAlchemy would begin a transaction."""
    cursor = driver_cursor(conn)
    cursor.execute(f"PRAGMA {setting}")
    cursor.close()


def migrated_engine(url: str | None = None) -> Engine:
    """Deprecated: use ``Database(url)`` and :meth:`~denialops.store.Database.migrate`."""
    from denialops.store.database import Database

    return Database.open(url).engine
