"""What a command imports before it works: start-up is most of a report's CPU.

``report kpis`` on a database already at the newest revision used to import Alembic
(the schema check), the case-writing modules (``denialops.work``'s package file), the
ORM models and numpy (the charts module, loaded even without ``--plot``): about 0.5 s of
CPU of every run before any query (bench/RESULTS.md, "Scale"). The command runs here in
a fresh interpreter, as a user runs it, and its modules are listed after it finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, create_engine

from denialops.store.migrate import HEAD_REVISION, current_revision, upgrade
from tests.analytics import factory

HEAVY = (
    "alembic",  # the schema check reads alembic_version itself
    "numpy",  # trend statistics and charts
    "matplotlib",
    "docx",  # letters and packets
    "reportlab",
    "pyarrow",  # Parquet
    "duckdb",
    "denialops.store.schema",  # the ORM models: the facts need none of them
    "denialops.work.cases",  # writing cases
    "denialops.analytics.charts",
)

RUN = """
import json, runpy, sys
out, sys.argv = sys.argv[1], ["denialops", *sys.argv[2:]]
try:
    runpy.run_module("denialops", run_name="__main__")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
with open(out, "w") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""


def _modules_after(tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = json.loads(out.read_text())
    assert result["code"] in (0, None), done.stderr
    return done.stdout, list(result["modules"])


def test_report_kpis_on_a_current_database_imports_nothing_heavy(
    engine: Engine, tmp_path: Path
) -> None:
    factory.load(engine, with_work=True)  # the fixture's database is at the head revision
    url = engine.url.render_as_string(hide_password=False)
    output, modules = _modules_after(tmp_path, "report", "kpis", "--db", url)
    assert "denial_dollars" in output  # the report ran, on the factory's claims
    loaded = [name for name in HEAVY if name in modules]
    assert loaded == []


def test_a_database_behind_the_code_is_still_upgraded(tmp_path: Path) -> None:
    """The cheap check must not hide an upgrade: a database at an older revision gets
    the newest schema (Alembic is imported then, as it must be)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    _output, modules = _modules_after(tmp_path, "report", "kpis", "--db", url)
    assert "alembic" in modules
    checked = create_engine(url)
    try:
        assert current_revision(checked) == HEAD_REVISION
    finally:
        checked.dispose()
