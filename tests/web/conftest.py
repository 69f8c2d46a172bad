"""Fixtures of the web tests: a real database with denial cases, one user per role, and
FastAPI test clients logged in through the real login form."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from denialops.pipeline import ingest_paths
from denialops.plans import add_plan
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.web import security
from denialops.web.accounts import add_user
from denialops.web.app import create_app
from denialops.web.config import WebSettings
from denialops.web.permissions import ROLES
from denialops.work.documents import attach_document
from denialops.x12.write835 import format_835
from tests.work.builders import claim, ingest, remittance

PASSWORD = "correct horse battery"
CASES = 16
_databases = itertools.count()


@dataclass
class WebDb:
    engine: Engine
    url: str
    case_ids: list[int]
    folder: Path
    """Holds the uploads and documents folders of the apps made on this database."""


def _new_url(request: pytest.FixtureRequest, folder: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'web.db'}"
    server = request.getfixturevalue("pg_server")
    name = f"web_{next(_databases)}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    admin.dispose()
    return str(server.url(name))


BROKEN_835 = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*"
    "00501*000000009*0*P*:~GS*HP*SENDER*RECEIVER*20260101*1200*9*X*005010X221A1~"
    "ST*835*0001~BPR*I*NOT-A-NUMBER*C*ACH~SE*3*0001~GE*1*9~IEA*1*000000009~"
)


_broken = itertools.count(100)


def quarantine_broken(engine: Engine, folder: Path) -> int:
    """Quarantine one more broken transaction set (a file of its own); its row id."""
    number = next(_broken)
    broken = folder / f"broken-{number}.835"
    broken.write_text(BROKEN_835.replace("000000009", f"{number:09d}"), encoding="utf-8")
    ingest_paths(engine, [broken])
    with engine.connect() as conn:
        found = conn.execute(text("SELECT max(id) FROM quarantine")).scalar_one()
    return int(found)


def repaired_835(account: str = "RPR001") -> bytes:
    """A whole, readable 835 with one denied claim (a new trace number on every call)."""
    rem = remittance(
        [claim(account, charge="300", paid="0", adjustments=[("CO", "197", "300")])],
        payer_id="PAYER3",
    )
    return format_835([rem]).encode("utf-8")


def seed(engine: Engine, folder: Path) -> list[int]:
    """CASES denied claims (two payers, two CARCs), one user per role, one quarantined
    transaction set, one document on the first case."""
    first = [
        claim(f"PCN{i:03d}", charge="500", paid="0", adjustments=[("CO", "50", "500")])
        for i in range(CASES // 2)
    ]
    second = [
        claim(
            f"ACC{i:03d}",
            charge=f"{100 + i}",
            paid="0",
            adjustments=[("CO", "16", f"{100 + i}")],
            rarcs=["M51"],
        )
        for i in range(CASES - CASES // 2)
    ]
    ingest(engine, remittance(first, payer_id="PAYER1"))
    ingest(engine, remittance(second, payer_id="PAYER2"))
    broken = folder / "broken.835"
    broken.write_text(BROKEN_835, encoding="utf-8")
    ingest_paths(engine, [broken])
    for role in ROLES:
        add_user(engine, f"{role}1", role=role, password=PASSWORD)
    with engine.connect() as conn:
        query = text("SELECT id FROM denial_case ORDER BY id")
        ids = [int(i) for i in conn.execute(query).scalars()]
    note = folder / "eligibility.txt"
    note.write_text("Eligibility confirmed by phone.", encoding="utf-8")
    attach_document(engine, ids[0], note, user="admin1", store_dir=folder / "documents")
    add_plan(
        engine,
        title="Fewer medical-necessity denials",
        dimension="carc",
        value="50",
        metric="denied_dollars",
        owner="manager1",
        reduction_pct=Decimal(20),
        due=date(2026, 12, 31),
        created_by="manager1",
    )
    return ids


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 with its lightest parameters: the tests hash and verify hundreds of times.

    Production keeps argon2-cffi's defaults; verification reads the parameters from the
    stored hash, so both sides of every test use the same real code path.
    """
    saved = security._HASHER
    security._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        security._HASHER = saved


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebDb]:
    """A database (SQLite, then PostgreSQL) with cases and users, shared by a module."""
    folder = tmp_path_factory.mktemp("web")
    url = _new_url(request, folder)
    upgrade(url)
    engine = make_engine(url)
    ids = seed(engine, folder)
    try:
        yield WebDb(engine, url, ids, folder)
    finally:
        engine.dispose()


def settings(**overrides: object) -> WebSettings:
    values: dict[str, object] = {"secure_cookies": False, **overrides}
    return WebSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def app_factory(web_db: WebDb):  # type: ignore[no-untyped-def]
    def make(**overrides: object):  # type: ignore[no-untyped-def]
        values: dict[str, object] = {
            "upload_dir": web_db.folder / "uploads",
            "documents_dir": web_db.folder / "documents",
            **overrides,
        }
        return create_app(settings(**values), engine=web_db.engine)

    return make


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    csrf: str = me.json()["csrf_token"]
    return csrf


@dataclass
class Browser:
    client: TestClient
    csrf: str
    login: str


@pytest.fixture(scope="module")
def as_role(app_factory) -> Iterator[dict[str, Browser]]:  # type: ignore[no-untyped-def]
    """One logged-in client per role (``as_role["viewer"]``)."""
    app = app_factory()
    clients: dict[str, Browser] = {}
    for role in ROLES:
        client = TestClient(app, raise_server_exceptions=False)
        clients[role] = Browser(client, login(client, f"{role}1"), f"{role}1")
    try:
        yield clients
    finally:
        for browser in clients.values():
            browser.client.close()
