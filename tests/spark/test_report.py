"""`denialops spark report kpis DIR` (Spark SQL) gives the figures of
`denialops report kpis --from-parquet DIR` (DuckDB) on the same files: every KPI, to the
cent and the same ratio, without cuts and cut by payer and category.

Two data sets, both written by `denialops export parquet`: a synthetic corpus ingested
with `denialops ingest` (many payers and months, every denial family, follow-up
remittances) and the hand-made analytics data set with its work register (appeals,
decided and open cases), so the work-register metrics are compared on real values too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from denialops.errors import StoreError
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.analytics import factory

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def synth_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus through the single-machine ingest, exported as Parquet."""
    root = tmp_path_factory.mktemp("synth")
    url = f"sqlite:///{root / 'synth.db'}"
    run("synth", "--out", str(root / "835"), "--claims", "600", "--claims-per-file", "150",
        "--followups", "--start", "2025-01-01", "--end", "2025-03-31")  # fmt: skip
    run("ingest", str(root / "835"), "--db", url)
    run("export", "parquet", str(root / "facts"), "--db", url)
    return root / "facts"


@pytest.fixture(scope="module")
def spark_output(spark: Any, synth_export: Path) -> Path:
    """The same synthetic corpus through `denialops spark ingest` (local[2])."""
    from denialops.spark.ingest import spark_ingest

    root = synth_export.parent
    spark_ingest(spark, [str(root / "835")], str(root / "spark-out"), split_bytes=20_000)
    return root / "spark-out"


@pytest.fixture(scope="module")
def work_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made data set with appeals and cases, exported as Parquet."""
    root = tmp_path_factory.mktemp("work")
    url = f"sqlite:///{root / 'work.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory.load(engine, with_work=True)
    engine.dispose()
    run("export", "parquet", str(root / "facts"), "--db", url)
    return root / "facts"


def both(directory: Path | str, *options: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON of `report kpis --from-parquet` (DuckDB) and of `spark report kpis`."""
    local = str(directory).removeprefix("file://")
    duck = json.loads(run("report", "kpis", "--from-parquet", local, "--format", "json", *options))
    spark = json.loads(
        run("spark", "report", "kpis", str(directory), "--master", "local[2]", "--json", *options)
    )
    return duck, spark


CUTS: tuple[list[str], ...] = ([], ["--by", "payer,category"])


@pytest.mark.parametrize("cut", CUTS, ids=["all", "payer-category"])
def test_synth_corpus_same_figures(spark: Any, synth_export: Path, cut: list[str]) -> None:
    duck, on_spark = both(synth_export, "--as-of", "2025-06-30", *cut)
    assert on_spark == duck
    groups = duck["groups"] if cut else [{"metrics": duck["metrics"]}]
    if cut:  # several payers, several categories: the cut is really exercised
        assert len({g["key"]["payer"] for g in groups}) >= 3
        assert len({g["key"]["category"] for g in groups}) >= 5
    else:
        metrics = groups[0]["metrics"]
        assert metrics["claims"] >= 500
        assert metrics["denied_claims"] > 0 and metrics["denial_dollars"] != "0.00"
        assert metrics["denials_decided"] > 0  # follow-ups decided some cases


@pytest.mark.parametrize("cut", CUTS, ids=["all", "payer-category"])
def test_spark_ingest_output_same_figures(spark: Any, spark_output: Path, cut: list[str]) -> None:
    """On `spark ingest` output (files cut at ST..SE, written by Spark) the two engines
    agree too; the claim figures are those of the single-machine export."""
    duck, on_spark = both(spark_output, "--as-of", "2025-06-30", *cut)
    assert on_spark == duck
    if not cut:
        exported = json.loads(
            run(
                "report",
                "kpis",
                "--from-parquet",
                str(spark_output.parent / "facts"),
                "--format",
                "json",
                "--as-of",
                "2025-06-30",
            )  # fmt: skip
        )["metrics"]
        for name in ("claims", "gross_charges", "denied_claims", "denial_dollars",
                     "net_patient_service_revenue", "first_pass_yield"):  # fmt: skip
            assert duck["metrics"][name] == exported[name], name


@pytest.mark.parametrize("cut", CUTS, ids=["all", "payer-category"])
def test_work_register_same_figures(spark: Any, work_export: Path, cut: list[str]) -> None:
    duck, on_spark = both(work_export, "--as-of", "2026-03-01", *cut)
    assert on_spark == duck
    if not cut:
        metrics = duck["metrics"]
        assert metrics["appeal_volume"] > 0 and metrics["appeals_decided"] > 0
        assert metrics["appeal_cycle_time_days"] is not None
        assert sum(metrics["open_denials_by_aging"].values()) > 0


def test_period_filter_and_hadoop_url(spark: Any, synth_export: Path) -> None:
    """A file:// URL goes through Spark's Hadoop filesystems (as hdfs:// or s3a:// would);
    --since/--until/--where take the same path through the shared SQL."""
    duck, on_spark = both(
        f"file://{synth_export}",
        "--since", "2025-02-01", "--until", "2025-03-31", "--where", "family=clinical",
        "--by", "month",
    )  # fmt: skip
    assert on_spark == duck
    with_claims = [g["key"]["month"] for g in duck["groups"] if g["metrics"]["claims"]]
    assert with_claims == ["2025-02-01", "2025-03-01"]


def test_another_fact_schema_version_is_refused(
    spark: Any, work_export: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    from denialops.spark.report import open_spark_facts

    target = tmp_path / "facts"
    for table in ("fact_claim", "fact_claim_family", "fact_denial"):
        for source in (work_export / table).rglob("*.parquet"):
            data = pq.read_table(source)
            data = data.replace_schema_metadata({"denialops_fact_schema": "0"})
            destination = target / source.relative_to(work_export)
            destination.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(data, destination)
    with pytest.raises(StoreError, match="fact schema 0"):
        open_spark_facts(spark, str(target))
    (target / "_schema").mkdir()
    (target / "_schema" / "part-0.txt").write_text('{"denialops_fact_schema": 0}\n')
    for source in target.rglob("*.parquet"):  # a version only in the marker, as Spark writes
        pq.write_table(pq.read_table(source).replace_schema_metadata({}), source)
    with pytest.raises(StoreError, match="fact schema 0 \\(its _schema\\)"):
        open_spark_facts(spark, str(target))
    result = runner.invoke(app, ["spark", "report", "kpis", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such folder" in result.stderr
