"""`denialops synth`: the real command through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from denialops.cli import app
from denialops.x12 import check_balance, read_835
from denialops.x12.remittance import Remittance

runner = CliRunner()


def test_synth_writes_files_and_says_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["synth", "--out", str(out), "--claims", "250", "--seed", "3", "--claims-per-file",
         "100", "--start", "2024-03-01", "--end", "2024-05-31"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    paths = sorted(out.glob("*.835"))
    assert [p.name for p in paths] == [f"synth-s3-000{n}.835" for n in (1, 2, 3)]
    for path in paths:
        assert str(path) in result.output
    assert "250 claims" in result.output
    records = [r for p in paths for r in read_835(p)]
    assert all(isinstance(r, Remittance) for r in records)
    rems = [r for r in records if isinstance(r, Remittance)]
    assert sum(len(r.claims) for r in rems) == 250
    assert [p for r in rems for p in check_balance(r)] == []
    served = [c.first_service_date() for r in rems for c in r.claims]
    assert all(d is not None and "2024-03-01" <= d.isoformat() <= "2024-05-31" for d in served)


def test_synth_json_and_followups(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--out", str(tmp_path), "--claims", "400", "--followups", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["claims"] == 400 and data["seed"] == 7
    assert any("followups" in name for name in data["files"])
    assert data["bytes"] == sum(Path(p).stat().st_size for p in data["files"])


def test_synth_quiet_prints_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--claims", "20", "--quiet"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines() == [
        f"wrote 1 file(s) to {tmp_path}: 20 claims, seed 7"
    ]


def test_synth_refuses_bad_dates_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--start", "2025-13-01"])
    assert result.exit_code == 2
    assert "--start must be a date as YYYY-MM-DD" in result.output
    result = runner.invoke(
        app, ["synth", "--out", str(tmp_path), "--start", "2025-06-01", "--end", "2025-01-01"]
    )
    assert result.exit_code == 2
    assert "end date is before start date" in result.output
    assert "Traceback" not in result.output
