"""Shared fixtures: real SQLite files and a real, throwaway PostgreSQL server.

- ``pg_server`` (session): the server, started once per test process.
- ``pg_url``: a fresh, empty PostgreSQL database for one test.
- ``sqlite_url``: a fresh SQLite file for one test.
- ``db_url``: both of the above, the test runs once on each (ids ``sqlite``, ``postgresql``).
- ``engine``: an engine on ``db_url`` with the schema migrated to head (copied from a
  migrated template, so each test pays for the copy and not for the migration).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.pgserver import PostgresServer, start_server

_counter = itertools.count()
TEMPLATE_DB = "denialops_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def _admin(server: PostgresServer) -> Engine:
    return create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")


def _new_pg_database(server: PostgresServer, template: str = "template0") -> str:
    name = f"t_{next(_counter)}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    return _new_pg_database(pg_server)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return _new_pg_database(server)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from denialops.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_template(pg_server: PostgresServer) -> str:
    from denialops.store.migrate import upgrade

    admin = _admin(pg_server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE_DB}" TEMPLATE template0'))
    admin.dispose()
    upgrade(pg_server.url(TEMPLATE_DB))
    return TEMPLATE_DB


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    from denialops.store.db import make_engine

    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "test.db"
        shutil.copyfile(template, target)
        url = f"sqlite:///{target}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = _new_pg_database(server, template=request.getfixturevalue("_pg_template"))
    eng = make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
