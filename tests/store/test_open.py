"""Opening a database: refused when foreign, atomic and serialised migrations (issue 9)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from denialops.errors import DatabaseNotFoundError, ForeignDatabaseError, StoreError
from denialops.store import Database
from denialops.store.migrate import head_revision, model_metadata, upgrade
from tests.pgserver import PostgresServer
from tests.store.old_databases import OLD_AMOUNTS, seed_old_database

ROOT = Path(__file__).resolve().parents[2]


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# --------------------------------------------------------------------------- foreign


def test_foreign_database_is_refused_before_anything_is_written(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)"))
    engine.dispose()
    with pytest.raises(ForeignDatabaseError, match="not a denialops database.*patients"):
        Database.open(db_url)
    assert _tables(db_url) == {"patients"}


def test_non_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(ForeignDatabaseError, match="not a SQLite database"):
        Database.open(path)
    assert path.read_text() == "these are my notes, not a database\n"


def test_reading_a_missing_database_never_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseNotFoundError, match="no database at"):
        Database.open(path, create=False)
    assert not path.exists()


def test_missing_postgresql_database_is_not_found(pg_server: PostgresServer) -> None:
    with pytest.raises(DatabaseNotFoundError, match="no database"):
        Database.open(pg_server.url("no_such_database"), create=False)


def test_missing_directory_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFoundError, match="directory .* does not exist"):
        Database.open(tmp_path / "nope" / "x.db")


def test_unreachable_server_is_one_error() -> None:
    with pytest.raises(StoreError, match="cannot open postgresql"):
        Database.open("postgresql://nobody@127.0.0.1:9/x", create=False)


def test_unknown_newer_revision_is_refused(db_url: str) -> None:
    upgrade(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="revision 9999"):
        Database.open(db_url)


def test_half_created_schema_of_an_older_run_is_started_over(sqlite_url: str) -> None:
    """What kill -9 during the old, non-transactional first run left behind."""
    engine = create_engine(sqlite_url)
    model_metadata().tables["source_file"].create(engine)
    engine.dispose()
    with Database.open(sqlite_url) as db:
        assert db.revision() == head_revision()


def test_read_only_sqlite_reads_but_does_not_write(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    with Database.open(f"sqlite:///file:{path}?mode=ro&uri=true", create=False) as db:
        assert db.read_only
        with db.read() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM claim")).scalar_one() == 0
        with pytest.raises(Exception, match="readonly"), db.write() as conn:
            conn.execute(text("DELETE FROM claim"))


# --------------------------------------------------------------------------- atomic


def _kill_while_migrating(url: str, revision: str, tmp_path: Path) -> None:
    marker = tmp_path / "migrated.marker"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.migrate_child", url, revision, str(marker)],
        cwd=ROOT,
        env=_child_env(),
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert child.poll() is None, "the child ended before it migrated"
            assert time.monotonic() < deadline, "the child never got to migrate"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()


def test_kill_during_first_run_leaves_a_usable_database(db_url: str, tmp_path: Path) -> None:
    _kill_while_migrating(db_url, "head", tmp_path)
    assert _tables(db_url) <= {"alembic_version"}
    with Database.open(db_url) as db:
        assert db.revision() == head_revision()


def test_kill_during_upgrade_leaves_the_old_revision(db_url: str, tmp_path: Path) -> None:
    seed_old_database(db_url)
    _kill_while_migrating(db_url, "head", tmp_path)
    with Database(db_url) as db:
        assert db.revision() == "0002"
        db.migrate()
        assert db.revision() == head_revision()
        with db.read() as conn:
            raw = conn.execute(text("SELECT SUM(charge) FROM claim")).scalar_one()
        assert db.money_value(raw) == sum(map(Decimal, OLD_AMOUNTS))


def test_racing_first_runs_all_succeed(db_url: str) -> None:
    script = "import sys; from denialops.store import Database; Database.open(sys.argv[1]).close()"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, db_url],
            cwd=ROOT,
            env=_child_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [
        (child.wait(timeout=300), child.stderr.read() if child.stderr else "") for child in children
    ]
    for child in children:
        if child.stderr:
            child.stderr.close()
    assert [code for code, _err in results] == [0] * 6, [err for _code, err in results]
    with Database(db_url) as db:
        assert db.revision() == head_revision()
    assert set(model_metadata().tables) <= _tables(db_url)


def test_sqlite_write_lock_is_what_serialises_migrations(sqlite_url: str) -> None:
    """A writer holding the lock makes a first run wait, then it proceeds."""
    path = sqlite_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    script = "import sys; from denialops.store import Database; Database.open(sys.argv[1]).close()"
    child = subprocess.Popen([sys.executable, "-c", script, sqlite_url], cwd=ROOT, env=_child_env())
    time.sleep(3)
    assert child.poll() is None, "the first run did not wait for the lock"
    holder.execute("ROLLBACK")
    holder.close()
    assert child.wait(timeout=120) == 0
    with Database(sqlite_url) as db:
        assert db.revision() == head_revision()
