"""The packaged Alembic revisions build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from denialops.store import migrate


def test_empty_database_migrates_to_exactly_the_models(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, migrate.model_metadata())
            alembic_reads = context.get_current_revision()
        assert differences == []
        assert migrate.current_revision(engine) == alembic_reads
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(migrate.model_metadata().tables)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)  # already at head: nothing to do, nothing fails
    engine = create_engine(db_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_revisions_form_one_line_starting_at_0001() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[-1] == "0001"
    assert script.get_revision("0001").down_revision is None


def test_the_head_known_without_alembic_is_alembics_head() -> None:
    """HEAD_REVISION spares every command importing Alembic; a new revision that does
    not move it fails here rather than leaving databases un-upgraded."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.HEAD_REVISION == script.get_current_head()


def test_never_migrated_database_has_no_revision(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        assert migrate.current_revision(engine) is None
    finally:
        engine.dispose()


def test_migrated_engine_is_at_head(sqlite_url: str) -> None:
    engine = migrate.migrated_engine(sqlite_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
