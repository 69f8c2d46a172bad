"""Errors at the edges of the command line: one line on stderr, exit 2, never a traceback.

Runs the real commands (Typer's runner) against real SQLite files and the PostgreSQL
fixture server (issues 8 and 9, "Errors at the edges").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from denialops.cli import app
from denialops.store.database import ENV_VAR
from tests.pgserver import PostgresServer
from tests.test_cli_help import COMMANDS

runner = CliRunner()
FIXTURE = Path(__file__).parent / "fixtures" / "835" / "professional.835"
READERS = [
    ["queue"],
    ["case", "show", "1"],
    ["report", "kpis"],
    ["appeal", "letter", "1", "--out", "letter.pdf"],
]


@pytest.fixture(autouse=True)
def _no_ambient_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)  # the default database would be created here


def _run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _one_line_exit_2(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_reading_commands_on_a_missing_database(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    line = _one_line_exit_2(_run(*command, "--db", str(missing)))
    assert "no database at" in line
    assert not missing.exists()
    assert not (tmp_path / "denialops.db").exists()


def test_reading_command_on_a_missing_postgresql_database(pg_server: PostgresServer) -> None:
    line = _one_line_exit_2(_run("queue", "--db", pg_server.url("never_created")))
    assert "no database" in line and "never_created" in line


def test_bare_path_and_db_before_or_after_the_command(tmp_path: Path) -> None:
    path = tmp_path / "claims.db"
    assert _run("--db", str(path), "ingest", str(FIXTURE), "--quiet").exit_code in (0, 1)
    assert path.exists() and not (tmp_path / "denialops.db").exists()
    before = _run("--db", str(path), "queue", "--json")
    after = _run("queue", "--json", "--db", str(path))
    assert before.exit_code == after.exit_code == 0, (before.output, after.output)
    assert before.stdout == after.stdout
    assert not (tmp_path / "denialops.db").exists()


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("mysql://user@host/db", "unsupported database"),
        ("{dir}/no/such/dir/x.db", "/no/such/dir"),
        ("{dir}/notes.txt", "not a SQLite database"),
        ("postgresql://nobody@127.0.0.1:9/x", "cannot open"),
    ],
)
def test_bad_db_values_are_one_line(bad: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n")
    value = bad.format(dir=tmp_path)
    for command in (["ingest", str(FIXTURE)], ["queue"]):
        line = _one_line_exit_2(_run(*command, "--db", value))
        assert expected in line, line
    assert (tmp_path / "notes.txt").read_text() == "not a database\n"


def test_foreign_sqlite_database_gets_no_tables(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE patients (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    line = _one_line_exit_2(_run("ingest", str(FIXTURE), "--db", str(path)))
    assert "not a denialops database" in line
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    engine.dispose()
    assert names == ["patients"]


def test_read_only_database_reads_and_refuses_writes_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "claims.db"
    assert _run("ingest", str(FIXTURE), "--db", str(path), "--quiet").exit_code in (0, 1)
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert _run("queue", "--db", read_only).exit_code == 0
    assert _run("report", "kpis", "--db", read_only).exit_code == 0
    other = FIXTURE.with_name("institutional.835")
    line = _one_line_exit_2(_run("ingest", str(other), "--db", read_only))
    assert "readonly" in line or "read-only" in line


@pytest.mark.parametrize("case_id", ["99999999999999999999", "2147483648", "0"])
def test_case_ids_beyond_the_integer_range_are_no_case(case_id: str, tmp_path: Path) -> None:
    path = tmp_path / "claims.db"
    assert _run("ingest", str(FIXTURE), "--db", str(path), "--quiet").exit_code in (0, 1)
    for command in (["case", "show", case_id], ["case", "note", case_id, "hello"]):
        line = _one_line_exit_2(_run(*command, "--db", str(path)))
        assert f"no case {case_id}" in line


def test_case_ids_beyond_the_integer_range_on_postgresql(pg_url: str) -> None:
    assert _run("ingest", str(FIXTURE), "--db", pg_url, "--quiet").exit_code in (0, 1)
    line = _one_line_exit_2(_run("case", "show", "99999999999999999999", "--db", pg_url))
    assert "no case 99999999999999999999" in line


def _leaves() -> list[tuple[str, Any]]:
    return [(path, cmd) for path, cmd in COMMANDS if path and not hasattr(cmd, "commands")]


def _bad_argument_sets(command: Any, tmp_path: Path) -> list[list[str]]:
    """Bad --db values where the command has --db, an unknown option for every command."""
    takes_db = any(getattr(p, "name", None) == "db" for p in command.params)
    sets = [["--no-such-option"]]
    if takes_db:
        sets += [
            ["--db", str(tmp_path / "no" / "dir" / "x.db")],
            ["--db", "mysql://u@h/d"],
            ["--db", str(tmp_path / "notes.txt")],
        ]
    return sets


def test_every_command_with_bad_arguments_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n")
    assert typer.main.get_command(app)  # the tree the walk came from
    checked = 0
    for path, command in _leaves():
        for bad in _bad_argument_sets(command, tmp_path):
            result = _run(*path.split(), *bad)
            assert result.exit_code == 2, (path, bad, result.output)
            assert "Traceback" not in result.output, (path, bad, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                path,
                bad,
                result.exception,
            )
            checked += 1
    assert checked > 2 * len(_leaves())
    assert (tmp_path / "notes.txt").read_text() == "not a database\n"
