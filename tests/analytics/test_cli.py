"""The report and export commands through Typer's CliRunner, charts and Parquet output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from denialops.analytics.charts import breakdown_spec, pareto_spec, render, trend_spec
from denialops.analytics.engine import AnalyticsDB, open_analytics
from denialops.analytics.export import export_parquet
from denialops.analytics.metrics import compute_kpis
from denialops.analytics.pareto import pareto
from denialops.analytics.trend import trend
from denialops.cli import app
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.analytics import factory

runner = CliRunner()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hand-made data set (with the work register) in one SQLite file for the module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory.load(engine, with_work=True)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def analytics(db_url: str) -> Iterator[AnalyticsDB]:
    db = open_analytics(db_url)
    yield db
    db.close()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_kpis_json_without_and_with_cuts(db_url: str) -> None:
    code, out, _ = run(
        "report", "kpis", "--format", "json", "--as-of", "2026-04-15", "--db", db_url
    )
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["metrics"]
    assert data["metrics"]["claims"] == 5
    assert data["metrics"]["denial_dollars"] == "950.25"
    assert data["metrics"]["initial_denial_rate_claims"] == 0.6
    assert data["metrics"]["denied_lines_by_family"]["clinical"] == 2

    code, out, _ = run("report", "kpis", "--by", "payer", "--format", "json", "--db", db_url)
    assert code == 0
    groups = json.loads(out)["groups"]
    assert [g["key"] for g in groups] == [{"payer": "P1"}, {"payer": "P2"}]
    assert groups[1]["metrics"]["denial_dollars"] == "400.25"


def test_kpis_period_table_csv_parquet(db_url: str, tmp_path: Path) -> None:
    code, out, _ = run("report", "kpis", "--since", "2026-01-15", "--until", "2026-01-31",
                       "--db", db_url)  # fmt: skip
    assert code == 0
    assert "initial_denial_rate_claims" in out
    claims_line = next(line for line in out.splitlines() if line.startswith("claims "))
    assert claims_line.split()[-1] == "2"  # only R2 (Jan 20) is in the period

    code, out, _ = run("report", "kpis", "--by", "payer,month", "--format", "csv", "--db", db_url)
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.startswith("payer,month,claims,")
    assert "denial_dollars_by_family.clinical" in header
    assert len(rows) == 3  # P1 Jan, P1 Feb, P2 Jan

    target = tmp_path / "kpis.parquet"
    code, _, _ = run("report", "kpis", "--by", "payer", "--format", "parquet", "--out",
                     str(target), "--db", db_url)  # fmt: skip
    assert code == 0
    table = pq.read_table(target)
    assert table.num_rows == 2
    assert table.column("denial_dollars").to_pylist() == ["550.00", "400.25"]


def test_kpis_errors_are_one_line(db_url: str, tmp_path: Path) -> None:
    code, _, err = run("report", "kpis", "--by", "planet", "--db", db_url)
    assert code == 2 and err.count("\n") == 1 and "unknown cut 'planet'" in err
    code, _, err = run("report", "kpis", "--since", "yesterday", "--db", db_url)
    assert code == 2 and "--since must be a date" in err
    code, _, err = run("report", "kpis", "--format", "parquet", "--db", db_url)
    assert code == 2 and "needs --out" in err
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _, err = run("report", "kpis", "--db", empty)
    assert code == 2 and "denialops ingest" in err


def test_pareto_command(db_url: str, tmp_path: Path) -> None:
    plot = tmp_path / "pareto.png"
    code, out, _ = run("report", "pareto", "--family", "clinical", "--payer", "P2", "--share",
                       "0.7", "--json", "--plot", str(plot), "--db", db_url)  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["answer"] == ["medical_necessity"]
    assert data["rows"][0]["dollars"] == "150.25"
    assert plot.stat().st_size > 1000
    code, out, _ = run("report", "pareto", "--by", "count", "--db", db_url)
    assert code == 0 and out.splitlines()[0].startswith("2 of 3 category values")
    code, _, err = run("report", "pareto", "--by", "weight", "--db", db_url)
    assert code == 2 and "--by must be dollars or count" in err


def test_trend_command_with_event(db_url: str, tmp_path: Path) -> None:
    plot = tmp_path / "trend.svg"
    code, out, _ = run("report", "trend", "--by", "family", "--freq", "month", "--event",
                       "2026-02-01 new ED template", "--json", "--plot", str(plot),
                       "--db", db_url)  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["event"]["label"] == "new ED template"
    assert {s["key"] for s in data["series"]} == {"clinical", "coding", "technical"}
    assert plot.read_text().lstrip().startswith("<?xml")
    code, out, _ = run("report", "trend", "--db", db_url)
    assert code == 0 and "medical_necessity" in out
    code, _, err = run("report", "trend", "--freq", "hour", "--db", db_url)
    assert code == 2 and "--freq" in err


def test_export_parquet_round_trip(db_url: str, tmp_path: Path, analytics: AnalyticsDB) -> None:
    target = tmp_path / "export"
    code, out, _ = run("export", "parquet", str(target), "--db", db_url)
    assert code == 0 and "fact_denial: 5 rows" in out
    payers = sorted(p.name for p in (target / "fact_claim").iterdir())
    assert payers == ["payer_id=P1", "payer_id=P2"]
    months = sorted(p.name for p in (target / "fact_claim" / "payer_id=P1").iterdir())
    assert months == ["month=2026-01-01", "month=2026-02-01"]
    # the schema version travels in every file
    (first,) = list((target / "fact_case").glob("*.parquet"))
    assert pq.read_schema(first).metadata[b"denialops_fact_schema"] == b"1"
    # The reports read the export and agree with the database.
    code, out, _ = run("report", "kpis", "--format", "json", "--as-of", "2026-04-15",
                       "--from-parquet", str(target))  # fmt: skip
    assert code == 0
    from_db = compute_kpis(analytics, as_of=__import__("datetime").date(2026, 4, 15)).to_json()
    assert json.loads(out) == from_db


def test_export_library_counts(analytics: AnalyticsDB, tmp_path: Path) -> None:
    written = export_parquet(analytics, tmp_path / "x")
    assert written == {
        "fact_claim": 8,
        "fact_claim_family": 4,
        "fact_denial": 5,
        "fact_case": 4,
        "fact_appeal": 3,
    }


def test_export_into_an_earlier_export_replaces_it(db_url: str, tmp_path: Path) -> None:
    """Old partitions never survive a new export (they made --from-parquet double-count)."""
    target = tmp_path / "export"
    stale = target / "fact_claim" / "payer_id=P9" / "month=2020-01-01"
    stale.mkdir(parents=True)
    (stale / "part-0.parquet").write_bytes(b"stale")
    (target / "notes.txt").write_text("left by hand")
    code, _, _ = run("export", "parquet", str(target), "--db", db_url)
    assert code == 0
    assert not stale.exists() and not (target / "notes.txt").exists()
    code, out, _ = run("export", "parquet", str(target), "--db", db_url)
    assert code == 0
    code, out, _ = run("report", "kpis", "--format", "json", "--from-parquet", str(target))
    assert code == 0 and json.loads(out)["metrics"]["claims"] == 5
    assert not list(tmp_path.glob(".export.*"))  # no staging folders left behind


def test_outputs_to_a_missing_folder_are_one_line(db_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "kpis.csv"
    for args in (
        ["report", "kpis", "--format", "csv", "--out", str(missing)],
        ["report", "kpis", "--out", str(tmp_path)],
        ["report", "pareto", "--plot", str(tmp_path / "nowhere" / "p.png")],
        ["export", "parquet", str(tmp_path / "nowhere" / "export")],
    ):
        code, _, err = run(*args, "--db", db_url)
        assert code == 2, args
        assert err.count("\n") == 1 and "Traceback" not in err, args
        assert "does not exist" in err or "is a folder" in err, args


@pytest.mark.parametrize("suffix", [".png", ".svg", ".html"])
def test_every_chart_in_every_format(analytics: AnalyticsDB, tmp_path: Path, suffix: str) -> None:
    specs = {
        "pareto": pareto_spec(pareto(analytics)),
        "trend": trend_spec(trend(analytics, by="category", freq="week")),
        "breakdown": breakdown_spec(compute_kpis(analytics, by=["payer"])),
    }
    for name, spec in specs.items():
        assert spec["$schema"].endswith("vega-lite/v5.json")
        assert spec["data"]["values"], name
        path = render(spec, tmp_path / f"{name}{suffix}")
        assert path.stat().st_size > 500, name
    if suffix == ".html":
        html = (tmp_path / "pareto.html").read_text()
        assert "<svg" in html and 'id="vega-lite-spec"' in html
        # nothing is fetched from the network: hospital networks have no internet
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
        assert "cdn" not in html.lower() and "<script src" not in html


def test_kpis_plot_breakdown(db_url: str, tmp_path: Path) -> None:
    plot = tmp_path / "families.html"
    code, _, _ = run("report", "kpis", "--by", "payer", "--format", "json", "--plot", str(plot),
                     "--db", db_url)  # fmt: skip
    assert code == 0
    text = plot.read_text()
    spec = json.loads(text.split('id="vega-lite-spec">', 1)[1].split("</script>", 1)[0])
    assert {v["family"] for v in spec["data"]["values"]} >= {"clinical", "coding", "technical"}


def test_every_command_and_option_has_help() -> None:
    for command in (["report", "kpis"], ["report", "pareto"], ["report", "trend"],
                    ["export", "parquet"]):  # fmt: skip
        code, out, _ = run(*command, "--help")
        assert code == 0, command
        assert "--db" in out
    code, out, _ = run("report", "--help")
    assert code == 0 and all(name in out for name in ("kpis", "pareto", "trend"))
    from typer.main import get_command

    group = get_command(app)
    for group_name in ("report", "export"):
        sub = group.commands[group_name]  # type: ignore[attr-defined]
        for name, command in sub.commands.items():
            assert command.help, name
            for param in command.params:
                if param.param_type_name == "option":
                    assert param.help, (name, param.name)
