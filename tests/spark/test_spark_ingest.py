"""`denialops spark ingest` (local[2]) against the single-machine `denialops ingest`.

One corpus, ingested once each way (module fixtures, to keep Spark time small): a small
synth archive (reversals, secondary payers and follow-up remittances across files), the
repository's 835 fixtures, and a malformed file. The Spark run cuts files into pieces
(``split_bytes`` far below the file sizes), so equality also shows that splitting
changes nothing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from denialops.analytics.export import flatten_metrics
from denialops.cli import app
from denialops.synth.generate import SynthConfig, write_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"
SPLIT_BYTES = 30_000
AS_OF = ["--as-of", "2026-06-30"]


@dataclass
class Corpus:
    inputs: Path
    db: Path
    out: Path
    summary: Any
    cli_json: dict[str, Any]


def _corpus(folder: Path) -> Path:
    inputs = folder / "in"
    config = SynthConfig(seed=5, claims=500, claims_per_payment=(3, 12))
    written = write_files(inputs / "synth", config, claims_per_file=150, followups=True)
    (inputs / "z-later").mkdir()
    for path in written:  # follow-ups arrive later: the second Spark run reads them
        if "followups" in path.name:
            path.rename(inputs / "z-later" / path.name)
    shutil.copytree(FIXTURES, inputs / "fixtures")
    zipped = write_files(folder / "zipped", SynthConfig(seed=6, claims=60), claims_per_file=30)
    with zipfile.ZipFile(inputs / "archive.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in zipped:
            archive.write(path, f"era/{path.name}")
    good = (FIXTURES / "professional.835").read_bytes()
    start = good.find(b"CLP*")
    end = good.find(b"~", start)
    fields = good[start:end].split(b"*")
    fields[3] = b"12X.00"  # CLP03 not a number
    (inputs / "bad.835").write_bytes(good[:start] + b"*".join(fields) + good[end:])
    return inputs


@pytest.fixture(scope="module")
def corpus(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    from denialops.spark.ingest import spark_ingest

    folder = tmp_path_factory.mktemp("spark-corpus")
    inputs = _corpus(folder)
    db = folder / "single.db"
    result = CliRunner().invoke(app, ["--db", str(db), "ingest", str(inputs), "--json"])
    assert result.exit_code == 1, result.output  # the malformed set is quarantined
    cli_json = json.loads(result.stdout)
    out = folder / "out"
    # two runs: the first claims, then everything (follow-ups resubmit claims of the
    # first run: their flags are recomputed across runs)
    first = spark_ingest(spark, [str(inputs / "synth")], str(out), split_bytes=SPLIT_BYTES)
    assert first.claims > 0 and first.files_skipped == 0
    assert first.units > first.files  # the synth files were cut into pieces
    summary = spark_ingest(spark, [str(inputs)], str(out), split_bytes=SPLIT_BYTES)
    assert summary.files_skipped == first.files
    summary.claims += first.claims
    summary.transactions += first.transactions
    yield Corpus(inputs, db, out, summary, cli_json)


def _sqlite_totals(db: Path) -> dict[str, tuple[int, int, int, int]]:
    con = sqlite3.connect(str(db))
    try:
        rows = con.execute(
            "SELECT f.path, COUNT(*), SUM(c.charge), SUM(c.paid), SUM(fc.denial_cents) "
            "FROM claim c JOIN remittance r ON r.id = c.remittance_id "
            "JOIN source_file f ON f.id = r.file_id "
            "JOIN fact_claim fc ON fc.claim_id = c.id GROUP BY f.path"
        ).fetchall()
    finally:
        con.close()
    return {str(p): (int(n), int(ch), int(pd), int(dn)) for p, n, ch, pd, dn in rows}


def _parquet_totals(spark: Any, out: Path) -> dict[str, tuple[int, int, int, int]]:
    claims = spark.read.parquet(str(out / "fact_claim"))
    sets = spark.read.parquet(str(out / "raw_sets")).select("remittance_id", "source")
    rows = (
        claims.join(sets, ["remittance_id"])
        .groupBy("source")
        .agg({"*": "count", "charge_cents": "sum", "paid_cents": "sum", "denial_cents": "sum"})
        .collect()
    )
    return {
        r["source"]: (
            int(r["count(1)"]),
            int(r["sum(charge_cents)"]),
            int(r["sum(paid_cents)"]),
            int(r["sum(denial_cents)"]),
        )
        for r in rows
    }


def test_totals_per_file_equal_the_single_machine_ingest_to_the_cent(
    spark: Any, corpus: Corpus
) -> None:
    expected = _sqlite_totals(corpus.db)
    found = _parquet_totals(spark, corpus.out)
    assert found == expected
    names = set(found)
    assert any("/synth/" in n for n in names) and any("/fixtures/" in n for n in names)
    assert any("archive.zip!era/synth-s6-" in n for n in names)
    assert sum(t[0] for t in found.values()) == corpus.cli_json["claims"] > 500
    assert corpus.summary.claims == corpus.cli_json["claims"]
    assert corpus.summary.transactions == corpus.cli_json["transactions"]


def test_every_fact_row_equals_the_single_machine_facts(spark: Any, corpus: Corpus) -> None:
    """Cross-file flags (initial, resubmitted, NPSR with COB and reversals) included."""
    con = sqlite3.connect(str(corpus.db))
    try:
        expected = sorted(
            con.execute(
                "SELECT pcn, status, remit_date, charge_cents, paid_cents, is_initial, "
                "resubmitted, npsr_cents, denied, denial_cents FROM fact_claim"
            ).fetchall()
        )
    finally:
        con.close()
    found = sorted(
        (r[0], r[1], r[2].isoformat(), *r[3:])
        for r in spark.read.parquet(str(corpus.out / "fact_claim"))
        .select(
            "pcn",
            "status",
            "remit_date",
            "charge_cents",
            "paid_cents",
            "is_initial",
            "resubmitted",
            "npsr_cents",
            "denied",
            "denial_cents",
        )  # fmt: skip
        .collect()
    )
    assert found == expected


def _kpis(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--format", "json", *AS_OF])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_report_kpis_from_the_spark_output_equal_report_kpis_on_the_database(
    corpus: Corpus,
) -> None:
    for by in ([], ["--by", "payer"], ["--by", "family"]):
        on_db = _kpis(["--db", str(corpus.db), "report", "kpis", *by])
        on_parquet = _kpis(["report", "kpis", "--from-parquet", str(corpus.out), *by])
        if not by:
            # the work register (cases, appeals) is not part of a Spark run: those
            # metrics are null on the Parquet side; every claim-fact metric is equal
            metrics = {k: v for k, v in on_parquet["metrics"].items() if v is not None}
            assert len(metrics) > 20
            assert metrics == {k: on_db["metrics"][k] for k in metrics}
        else:
            assert len(on_parquet["groups"]) == len(on_db["groups"]) > 1
            for mine, theirs in zip(on_parquet["groups"], on_db["groups"], strict=True):
                kept = {k: v for k, v in flatten_metrics(mine).items() if v is not None}
                assert kept == {k: v for k, v in flatten_metrics(theirs).items() if k in kept}


def test_quarantine_holds_the_cli_error_text(spark: Any, corpus: Corpus) -> None:
    con = sqlite3.connect(str(corpus.db))
    try:
        expected = sorted(
            con.execute("SELECT path, segment_number, byte_offset, error FROM quarantine")
        )
    finally:
        con.close()
    found = sorted(
        tuple(r)
        for r in spark.read.parquet(str(corpus.out / "quarantine"))
        .select("source", "segment_number", "byte_offset", "error")
        .collect()
    )
    assert found == expected
    assert any(str(corpus.inputs / "bad.835") in row[3] and "CLP03" in row[3] for row in found)


def test_raw_sets_keep_every_transaction_set_whole(spark: Any, corpus: Corpus) -> None:
    con = sqlite3.connect(str(corpus.db))
    try:
        expected = sorted(
            zlib.decompress(r[0]) for r in con.execute("SELECT raw_x12 FROM remittance")
        )
    finally:
        con.close()
    found = sorted(
        bytes(r[0])
        for r in spark.read.parquet(str(corpus.out / "raw_sets")).select("raw").collect()
    )
    assert found == expected


def test_a_rerun_over_the_same_input_adds_nothing(spark: Any, corpus: Corpus) -> None:
    """Through the command line (the session under test is reused: --master is ignored)."""

    def counts() -> dict[str, int]:
        return {
            name: spark.read.parquet(str(corpus.out / name)).count()
            for name in ("fact_claim", "fact_denial", "fact_claim_family", "raw_sets",
                         "quarantine", "_files", "_payments", "_claims")
        }  # fmt: skip

    before = counts()
    args = ["spark", "ingest", str(corpus.inputs), "--out", str(corpus.out), "--master",
            "local[2]", "--split-bytes", str(SPLIT_BYTES), "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["nothing_new"] and again["claims"] == 0 and again["files"] == 0
    read = [p for p in corpus.inputs.rglob("*") if p.is_file() and p.name != "README.md"]
    assert again["files_skipped"] == len(read) > 10
    assert counts() == before
