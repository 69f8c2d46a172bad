"""Fixtures of the work tests: a migrated database with denied claims already stored."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.work.builders import claim, ingest, remittance

MANY = 80


_databases = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def many_cases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Iterator[int]]]:
    """A database (SQLite, then PostgreSQL) with MANY fresh cases; each test takes new ids."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("many") / "work.db"
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("pg_server")
        name = f"work_many_{next(_databases)}"
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        admin.dispose()
        url = server.url(name)
    upgrade(url)
    engine = make_engine(url)
    claims = [
        claim(f"M{i:03d}", charge="400", paid="0", adjustments=[("CO", "50", "400")])
        for i in range(MANY)
    ]
    ingest(engine, remittance(claims))
    try:
        yield engine, itertools.count(1)
    finally:
        engine.dispose()
