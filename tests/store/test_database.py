"""The Database object: URL resolution, the one write transaction, savepoints, dialect."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from denialops.errors import StoreError
from denialops.store import Database, SQLDialect, schema, write_transaction
from denialops.store.database import DEFAULT_URL, ENV_VAR, resolve_url
from denialops.store.migrate import head_revision

SOURCE_FILE = schema.SourceFile.__table__


def _file_row(n: int) -> dict[str, object]:
    from datetime import UTC, datetime

    return {
        "id": n,
        "path": f"/x/{n}.835",
        "name": f"{n}.835",
        "sha256": f"{n:064d}",
        "size_bytes": n,
        "ingested_at": datetime(2026, 1, 1, tzinfo=UTC),
        "transactions": 0,
        "quarantined": 0,
    }


def test_bare_path_is_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "claims.db"
    assert resolve_url(str(target)) == f"sqlite:///{target}"
    assert resolve_url(target) == f"sqlite:///{target}"
    assert Database(target).path == target


def test_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url(None) == DEFAULT_URL
    monkeypatch.setenv(ENV_VAR, "postgres://u:secret@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u:secret@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "oracle+cx://h", "://nothing", "   "])
def test_bad_urls_are_one_store_error(bad: str) -> None:
    with pytest.raises(StoreError, match="--db"):
        Database(bad)


def test_password_never_shown() -> None:
    db = Database("postgresql://user:hunter2@localhost/x")
    assert "hunter2" not in db.display_url and "hunter2" not in repr(db)


def test_write_commits_and_rolls_back(db_url: str) -> None:
    with Database(db_url) as db:
        db.migrate()
        with db.write() as conn:
            conn.execute(insert(SOURCE_FILE).values(**_file_row(1)))
        with pytest.raises(RuntimeError), db.write() as conn:
            conn.execute(insert(SOURCE_FILE).values(**_file_row(2)))
            raise RuntimeError("boom")
        with db.read() as conn:
            ids = conn.execute(select(SOURCE_FILE.c.id)).scalars().all()
        assert ids == [1]
        assert db.revision() == head_revision()


def test_savepoint_inside_write_undoes_only_its_part(db_url: str) -> None:
    with Database(db_url) as db:
        db.migrate()
        with db.write() as conn:
            conn.execute(insert(SOURCE_FILE).values(**_file_row(1)))
            with pytest.raises(RuntimeError), conn.begin_nested():
                conn.execute(insert(SOURCE_FILE).values(**_file_row(2)))
                raise RuntimeError("this transaction set is bad")
            with conn.begin_nested():
                conn.execute(insert(SOURCE_FILE).values(**_file_row(3)))
        with db.read() as conn:
            ids = conn.execute(select(SOURCE_FILE.c.id).order_by(SOURCE_FILE.c.id)).scalars()
            assert list(ids) == [1, 3]


def test_nested_write_joins_the_outer_one(db_url: str) -> None:
    with Database(db_url) as db:
        db.migrate()
        with pytest.raises(RuntimeError), db.write() as conn:
            with write_transaction(conn):
                conn.execute(insert(SOURCE_FILE).values(**_file_row(1)))
            raise RuntimeError("the outer block fails: the inner insert goes too")
        with db.read() as conn:
            assert conn.execute(select(SOURCE_FILE.c.id)).first() is None


def test_sqlite_write_takes_the_lock_up_front(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: while a write block is open, no other writer can start."""
    with Database(sqlite_url) as db:
        db.migrate()
        assert db.path is not None
        with db.write():
            other = sqlite3.connect(db.path, timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        other = sqlite3.connect(db.path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()


def test_dialect_adapter(db_url: str) -> None:
    with Database(db_url) as db:
        dialect = db.dialect
        with db.connect() as conn:
            assert SQLDialect.of(conn) == dialect
            raw = dialect.money(Decimal("-12.05"))
            assert dialect.money_value(raw) == Decimal("-12.05")
            shown = conn.execute(text(f"SELECT {dialect.money_sql(':v')}"), {"v": raw}).scalar_one()
            assert dialect.money_value(shown) == Decimal("-12.05")
        assert dialect.sql("a = ? AND b = ?").count(dialect.placeholder) == 2
