"""The appeal commands on hostile or mistaken input: one line, exit 2, nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.test_files import BOMB
from tests.work.builders import claim, ingest, remittance

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'appeal.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(
        engine,
        remittance(
            [
                claim("A1", charge="1000", paid="0", adjustments=[("CO", "50", "1000")]),
                claim(
                    "A2",
                    charge="300",
                    paid="0",
                    adjustments=[("CO", "16", "300")],
                    rarcs=["MA130", "M51"],
                ),
            ],
            payment_date=date(2026, 2, 1),
        ),
    )
    engine.dispose()
    monkeypatch.setenv("DENIALOPS_DATABASE_URL", url)
    monkeypatch.setenv("DENIALOPS_USER", "tester")
    monkeypatch.setenv("DENIALOPS_DOCUMENTS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("DENIALOPS_TEMPLATES_DIR", str(tmp_path / "no-templates"))
    yield url


def _one_line_error(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output


def test_a_fills_file_with_an_alias_bomb_is_refused_at_once(db: str, tmp_path: Path) -> None:
    bomb = tmp_path / "fills.yaml"
    bomb.write_text(BOMB)
    out = tmp_path / "l.pdf"
    _one_line_error(
        ["appeal", "letter", "1", "--draft", "--fills", str(bomb), "--out", str(out)],
        "YAML anchors",
    )
    assert not out.exists()


@pytest.mark.parametrize("command", ["letter", "packet"])
def test_out_into_a_missing_folder_or_a_folder_is_one_line(
    db: str, tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "nowhere" / "x.pdf"
    _one_line_error(["appeal", command, "1", "--draft", "--out", str(missing)], "does not exist")
    assert not missing.parent.exists()
    folder = tmp_path / "letters.pdf"
    folder.mkdir()
    _one_line_error(["appeal", command, "1", "--draft", "--out", str(folder)], "is a folder")


def test_case_and_queue_show_the_profile_and_every_deadline(db: str) -> None:
    shown = runner.invoke(app, ["case", "show", "1"])
    assert shown.exit_code == 0, shown.output
    # Medicare Part B (MB): reviewed; the redetermination counts from the 2026-02-01 notice,
    # the regulation's date from presumed receipt 5 days later
    assert "payer profile  medicare (reviewed)" in shown.output
    assert "appeal level 1 (redetermination) 2026-06-01" in shown.output
    assert "regulation's date 2026-06-06" in shown.output
    data = json.loads(runner.invoke(app, ["case", "show", "1", "--json"]).output)
    assert data["deadlines"]["deadlines"][0]["regulation_date"] == "2026-06-06"
    rows = json.loads(runner.invoke(app, ["queue", "--json"]).output)
    assert {r["payer_profile"] for r in rows} == {"medicare"}
    assert all(r["profile_warning"] == "" for r in rows)


def test_a_workers_comp_case_says_unknown_set_a_profile(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'wc.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(
        engine,
        remittance(
            [claim("W1", charge="500", paid="0", adjustments=[("CO", "50", "500")], filing="WC")]
        ),
    )
    engine.dispose()
    monkeypatch.setenv("DENIALOPS_DATABASE_URL", url)
    shown = runner.invoke(app, ["case", "show", "1"]).output
    assert "payer profile  workers_compensation (unknown: set a profile)" in shown
    (row,) = json.loads(runner.invoke(app, ["queue", "--json"]).output)
    assert row["profile_warning"] == "payer profile workers_compensation: unknown: set a profile"
    table = runner.invoke(app, ["queue"]).output
    assert "workers_compensation: unknown: set a profile" in table
