"""Ingest on SQLite runs with bulk-load settings on its connection, restored after."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from denialops.pipeline import Batch, Step, ingest_paths
from denialops.store.database import driver_cursor
from tests.store.factories import claim, remittance
from tests.store.helpers import write_835_file

PRAGMAS = ("cache_size", "temp_store", "wal_autocheckpoint", "synchronous", "journal_mode")


def _pragmas(conn: Connection) -> dict[str, object]:
    cursor = driver_cursor(conn)
    try:
        found = {}
        for name in PRAGMAS:
            cursor.execute(f"PRAGMA {name}")
            found[name] = cursor.fetchone()[0]
        return found
    finally:
        cursor.close()


def test_sqlite_bulk_settings_while_ingesting_and_restored_after(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    seen: list[dict[str, object]] = []

    def record(conn: Connection, batch: Batch) -> None:
        seen.append(_pragmas(conn))

    path = write_835_file(tmp_path / "a.835", [remittance([claim("PCN1")], trace="T1")])
    with engine.connect() as conn:
        before = _pragmas(conn)
    ingest_paths(engine, [path], steps=[Step("record", record)])
    (during,) = seen
    # Bigger cache and in-memory temp store; durability settings untouched (WAL, NORMAL).
    assert during == {
        "cache_size": -65_536,
        "temp_store": 2,
        "wal_autocheckpoint": 20_000,
        "synchronous": 1,
        "journal_mode": "wal",
    }
    with engine.connect() as conn:
        assert _pragmas(conn) == before
