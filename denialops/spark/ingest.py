"""``denialops spark ingest``: 835 archives into Parquet facts on Apache Spark.

A thin layer over :mod:`denialops.spark.pieces` (what one task does, with the
single-machine pipeline) and :mod:`denialops.spark.split` (cutting large files):

1. The inputs (files, folders, zip archives; local paths or any Hadoop-compatible URL:
   ``hdfs://``, ``s3a://``, ``abfss://``...) are listed with Spark's ``binaryFile``
   reader (recursively). Files already ingested into ``--out`` (same SHA-256, in
   ``DIR/_files``) are skipped.
2. Each file becomes *units*: a zip archive is one unit (its members are read in one
   task), a plain file larger than ``--split-bytes`` is cut at ST..SE boundaries into
   pieces of about that size, anything smaller is one unit. The units are spread over
   ``min(units, 4 x default parallelism)`` partitions (a hash repartition), so the pieces
   of one huge file land on different tasks.
3. Each unit is ingested by the single-machine pipeline into a temporary SQLite
   database (parse -> store -> classify with the same rules -> facts), and its rows come
   out with global ids (:func:`denialops.spark.pieces.global_id`).
4. Across the whole dataset (this run's rows plus what ``--out`` already holds): the
   same file twice is kept once, a payment (fingerprint) already present is dropped,
   reversals are linked to the claims they take back, and the facts that depend on
   other claims (``is_initial``, ``resubmitted``, ``npsr_cents``) are recomputed with
   window functions exactly as :mod:`denialops.analytics.facts` defines them.
5. Written: the fact tables partitioned by ``payer_id`` and ``month`` (the layout of
   ``denialops export parquet``), ``quarantine``, ``raw_sets`` and the bookkeeping
   datasets ``_files``, ``_payments`` and ``_claims``.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from denialops.analytics.fact_schema import (
    BY_NAME,
    CLAIM_FACTS,
    FACT_CLAIM,
    FACT_SCHEMA_VERSION,
    FactTable,
)
from denialops.errors import InputError
from denialops.spark.pieces import (
    DEFAULT_SPLIT_BYTES,
    ClaimKey,
    QuarantineRow,
    RawSet,
    SourceFile,
    Unit,
    cob_level,
    display_name,
    link_reversals,
    run_unit,
    units_of_file,
)
from denialops.vocabulary import REVERSAL_STATUS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

PARTITIONS_PER_CORE = 4
BOOKKEEPING = ("_files", "_payments", "_claims")
"""Datasets under ``--out`` that make a re-run add nothing (see docs/scale-out.md)."""


# --------------------------------------------------------------------------- schemas


def spark_schema(table: FactTable | str) -> StructType:
    """The Spark schema of a fact table, from :mod:`denialops.analytics.fact_schema`."""
    from pyspark.sql import types as T

    spec = BY_NAME[table] if isinstance(table, str) else table
    kinds = {
        "id": T.LongType(),
        "int": T.IntegerType(),
        "text": T.StringType(),
        "date": T.DateType(),
        "flag": T.ByteType(),
        "cents": T.LongType(),
    }
    meta = {"denialops_fact_schema": str(FACT_SCHEMA_VERSION), "table": spec.name}
    return T.StructType([T.StructField(c.name, kinds[c.kind], True, meta) for c in spec.columns])


def _schema(spec: str) -> StructType:
    from pyspark.sql.types import StructType, _parse_datatype_string

    parsed = _parse_datatype_string(spec)
    assert isinstance(parsed, StructType)
    return parsed


CLAIMS_SCHEMA = (
    "claim_id bigint, payer_id string, pcn string, icn string, status string, "
    "charge_cents bigint, source string, set_segment int, claim_seq int, sha256 string, "
    "run string"
)
RAW_SCHEMA = (
    "remittance_id bigint, source string, sha256 string, segment_number int, "
    "st_control string, payer_id string, trace_number string, fingerprint string, "
    "claims int, raw binary, run string"
)
QUARANTINE_SCHEMA = (
    "source string, sha256 string, segment_number int, byte_offset bigint, "
    "st_control string, error string, error_segment int, error_element string, "
    "raw binary, run string"
)
FILES_SCHEMA = "sha256 string, source string, size bigint, run string"


# --------------------------------------------------------------------------- the tasks


@dataclass(frozen=True)
class _Job:
    """What every task needs (pickled to the executors)."""

    split_bytes: int
    rules_text: str | None
    repair: frozenset[str]
    explicit: frozenset[str]
    known_files: frozenset[str]
    run: str


def _units(job: _Job, path: str, content: bytes) -> list[Unit]:
    """The file's units; none when it is in ``--out`` already (same SHA-256)."""
    units = units_of_file(
        path, content, explicit=display_name(path) in job.explicit, split_bytes=job.split_bytes
    )
    return [u for u in units if u.sha256 not in job.known_files]


def _known(job: _Job, path: str, content: bytes) -> int:
    import hashlib

    return int(hashlib.sha256(content).hexdigest() in job.known_files)


def _records(job: _Job, unit: Unit) -> Iterator[tuple[str, tuple[Any, ...]]]:
    result = run_unit(unit, rules_text=job.rules_text, repair=job.repair)
    for name, rows in result.facts.items():
        for row in rows:
            yield name, row
    for key in result.claims:
        yield "_claims", (*_values(key), job.run)
    for raw in result.raw_sets:
        yield "raw_sets", (*_values(raw), job.run)
    for item in result.quarantine:
        yield "quarantine", (*_values(item), job.run)
    if unit.piece == 0:
        files = list(result.files)
        if unit.archive or not files:  # the archive itself: a re-run skips it whole
            files.append(SourceFile(unit.name, unit.sha256, len(unit.data)))
        for found in files:
            yield "_files", (found.sha256, found.source, found.size, job.run)


def _values(record: ClaimKey | RawSet | QuarantineRow) -> tuple[Any, ...]:
    return tuple(asdict(record).values())


# --------------------------------------------------------------------------- summary


@dataclass
class SparkIngestSummary:
    run: str
    files: int = 0
    files_skipped: int = 0
    units: int = 0
    partitions: int = 0
    transactions: int = 0
    claims: int = 0
    duplicates_skipped: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    total_charge_cents: int = 0
    total_paid_cents: int = 0
    denial_cents: int = 0
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return self.claims == 0 and not self.quarantined and self.transactions == 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("total_charge_cents", "total_paid_cents", "denial_cents"):
            cents = int(data.pop(name))
            sign = "-" if cents < 0 else ""
            data[name.removesuffix("_cents")] = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        data["nothing_new"] = self.nothing_new
        return data


# --------------------------------------------------------------------------- the job


def _is_url(text: str) -> bool:
    return "://" in text or text.startswith("file:")


def _resolve_inputs(sources: Sequence[str | Path]) -> tuple[list[str], frozenset[str]]:
    """Spark paths to read, and the display names of files named explicitly."""
    paths: list[str] = []
    explicit: set[str] = set()
    for raw in sources:
        text = str(raw)
        if _is_url(text) and not text.startswith("file:"):
            paths.append(text)
            explicit.add(display_name(text))
            continue
        local = Path(display_name(text)).expanduser().resolve()
        if not local.exists():
            raise InputError(f"no such file or folder: {raw}")
        paths.append(str(local))
        if local.is_file():
            explicit.add(str(local))
    return paths, frozenset(explicit)


def _exists(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return bool(fs.exists(hadoop_path))


def _replace_dir(spark: SparkSession, staged: str, target: str) -> None:
    """Swap a freshly written dataset in place of the old one (Hadoop FileSystem rename)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    source = jvm.org.apache.hadoop.fs.Path(staged)
    dest = jvm.org.apache.hadoop.fs.Path(target)
    fs = dest.getFileSystem(conf)
    if fs.exists(dest):
        fs.delete(dest, True)
    if not fs.rename(source, dest):
        raise OSError(f"could not move {staged} to {target}")


def _delete(spark: SparkSession, path: str) -> None:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    target = jvm.org.apache.hadoop.fs.Path(path)
    fs = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if fs.exists(target):
        fs.delete(target, True)


def _join(out: str, *parts: str) -> str:
    return "/".join([out.rstrip("/"), *parts])


def _read_existing(spark: SparkSession, out: str, name: str) -> DataFrame | None:
    """A dataset written by an earlier run; fact tables with their schema, so partition
    values keep their types (a payer id ``00123`` stays text, never the number 123)."""
    path = _join(out, name)
    if not _exists(spark, path):
        return None
    if name in BY_NAME:
        return spark.read.schema(spark_schema(name)).parquet(path)
    return spark.read.parquet(path)


def _rules_text(rules: Path | None) -> str | None:
    """The user rules file's text (argument, else $DENIALOPS_RULES), checked here first so
    a bad file fails before the job starts."""
    from denialops.classify._rules import RULES_ENV, load_rules

    env = os.environ.get(RULES_ENV)
    chosen = rules or (Path(env) if env else None)
    if chosen is None:
        return None
    load_rules(chosen)
    return chosen.read_text(encoding="utf-8")


def spark_ingest(
    spark: SparkSession,
    sources: Sequence[str | Path],
    out: str | Path,
    *,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
    rules: Path | None = None,
    repair: frozenset[str] = frozenset(),
) -> SparkIngestSummary:
    """Ingest 835 files, folders and zip archives into the Parquet dataset ``out``."""
    from pyspark import StorageLevel

    if split_bytes < 1:
        raise InputError("--split-bytes must be at least 1")
    started = time.monotonic()
    out_dir = str(out)
    if not _is_url(out_dir):
        out_dir = str(Path(out_dir).expanduser().resolve())
    paths, explicit = _resolve_inputs(sources)
    run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    summary = SparkIngestSummary(run=run)
    known_files = _read_existing(spark, out_dir, "_files")
    known = frozenset(r[0] for r in (known_files.select("sha256").collect() if known_files else []))
    job = _Job(split_bytes, _rules_text(rules), repair, explicit, known, run)

    listing = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(paths)
    sizes = [int(r[0]) for r in listing.select("length").collect()]
    if not sizes:
        summary.seconds = time.monotonic() - started
        return summary
    units_estimate = sum(max(1, math.ceil(size / split_bytes)) for size in sizes)
    parallelism = spark.sparkContext.defaultParallelism
    partitions = max(1, min(units_estimate, PARTITIONS_PER_CORE * parallelism))
    summary.partitions = partitions

    units_count = spark.sparkContext.accumulator(0)
    skipped = spark.sparkContext.accumulator(0)

    def file_units(row: Any) -> list[Unit]:
        found = _units(job, str(row[0]), bytes(row[1]))
        if not found and job.known_files:
            skipped.add(_known(job, str(row[0]), bytes(row[1])))
        return found

    units = listing.select("path", "content").rdd.flatMap(file_units)

    def run_partition(items: Any) -> Iterator[tuple[str, tuple[Any, ...]]]:
        for unit in items:
            units_count.add(1)
            yield from _records(job, unit)

    records = units.repartition(partitions).mapPartitions(run_partition)
    records.persist(StorageLevel.MEMORY_AND_DISK)
    frames: dict[str, DataFrame] = {}
    try:
        frames = {
            name: spark.createDataFrame(_of_kind(records, name), schema).cache()
            for name, schema in (
                *((n, spark_schema(n)) for n in CLAIM_FACTS),
                ("_claims", _schema(CLAIMS_SCHEMA)),
                ("raw_sets", _schema(RAW_SCHEMA)),
                ("quarantine", _schema(QUARANTINE_SCHEMA)),
                ("_files", _schema(FILES_SCHEMA)),
            )
        }
        new_files = frames["_files"].dropDuplicates(["sha256"]).cache()
        summary.files = new_files.count()
        summary.files_skipped = int(skipped.value)
        _finish(spark, out_dir, frames, new_files, summary)
    finally:
        for frame in frames.values():
            frame.unpersist()
        records.unpersist()
    summary.units = int(units_count.value)
    summary.seconds = time.monotonic() - started
    return summary


def _of_kind(records: Any, kind: str) -> Any:
    """The payloads of one kind of record (an RDD)."""
    return records.filter(lambda r: r[0] == kind).map(lambda r: r[1])


def _finish(
    spark: SparkSession,
    out: str,
    frames: dict[str, DataFrame],
    new_files: DataFrame,
    summary: SparkIngestSummary,
) -> None:
    """Deduplicate, recompute the cross-file facts, write."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # The same file twice in one run (a copy under another name): its rows have the same
    # global ids; keep the first name's.
    first_source = Window.partitionBy("sha256").orderBy("source")
    kept_files = (
        frames["_files"].withColumn("n", F.row_number().over(first_source)).where("n = 1").drop("n")
    )
    raw = frames["raw_sets"].join(kept_files.select("sha256", "source"), ["sha256", "source"])
    # A payment (fingerprint) already stored, or stored by an earlier file of this run.
    old_payments = _read_existing(spark, out, "_payments")
    by_fingerprint = Window.partitionBy("fingerprint").orderBy("source", "segment_number")
    raw = raw.withColumn("n", F.row_number().over(by_fingerprint)).where("n = 1").drop("n")
    if old_payments is not None:
        raw = raw.join(old_payments.select("fingerprint"), ["fingerprint"], "left_anti")
    raw = raw.cache()
    kept_remits = raw.select("remittance_id")
    new_claim = frames["fact_claim"].join(kept_remits, ["remittance_id"], "left_semi")
    kept_claims = new_claim.select("claim_id").cache()
    new_keys = (
        frames["_claims"].join(kept_claims, ["claim_id"], "left_semi").dropDuplicates(["claim_id"])
    )
    new_family = frames["fact_claim_family"].join(kept_claims, ["claim_id"], "left_semi")
    new_denial = frames["fact_denial"].join(kept_claims, ["claim_id"], "left_semi")
    new_claim = new_claim.dropDuplicates(["claim_id"]).cache()
    new_family = new_family.dropDuplicates(["claim_id", "family"])
    new_denial = new_denial.dropDuplicates(["adjustment_id"])
    quarantine = (
        frames["quarantine"]
        .join(kept_files.select("sha256", "source"), ["sha256", "source"], "left_semi")
        .cache()
    )

    totals = new_claim.agg(
        F.count("*"),
        F.coalesce(F.sum("charge_cents"), F.lit(0)),
        F.coalesce(F.sum("paid_cents"), F.lit(0)),
        F.coalesce(F.sum("denial_cents"), F.lit(0)),
    ).first()
    assert totals is not None
    summary.claims = int(totals[0])
    summary.total_charge_cents = int(totals[1])
    summary.total_paid_cents = int(totals[2])
    summary.denial_cents = int(totals[3])
    summary.transactions = raw.count()
    read_sets = frames["raw_sets"].select("remittance_id").distinct().count()
    summary.duplicates_skipped = read_sets - summary.transactions
    summary.quarantined = [
        {
            "file": r["source"],
            "segment_number": r["segment_number"],
            "byte_offset": r["byte_offset"],
            "st_control": r["st_control"],
            "error": r["error"],
        }
        for r in quarantine.select(
            "source", "segment_number", "byte_offset", "st_control", "error"
        ).collect()
    ]

    if summary.files == 0:
        return
    if summary.claims:
        old = {name: _read_existing(spark, out, name) for name in (*CLAIM_FACTS, "_claims")}
        keys = new_keys if old["_claims"] is None else old["_claims"].unionByName(new_keys)
        claim = _union(old["fact_claim"], new_claim, "fact_claim")
        family = _union(old["fact_claim_family"], new_family, "fact_claim_family")
        denial = _union(old["fact_denial"], new_denial, "fact_denial")
        facts = cross_file_facts(spark, claim, family, denial, keys)
        staging = _join(out, f"_staging-{summary.run}")
        for name, frame in facts.items():
            spec = BY_NAME[name]
            (
                frame.select(*spec.column_names)
                .repartition(*[F.col(c) for c in spec.partition_by])
                .write.mode("overwrite")
                .partitionBy(*spec.partition_by)
                .parquet(_join(staging, name))
            )
        new_keys.write.mode("append").parquet(_join(out, "_claims"))
        for name in facts:
            _replace_dir(spark, _join(staging, name), _join(out, name))
        _delete(spark, staging)
    raw.write.mode("append").parquet(_join(out, "raw_sets"))
    raw.select("fingerprint", "remittance_id", "sha256", "run").write.mode("append").parquet(
        _join(out, "_payments")
    )
    if summary.quarantined:
        quarantine.write.mode("append").parquet(_join(out, "quarantine"))
    kept_files.write.mode("append").parquet(_join(out, "_files"))
    _write_marker(spark, out)


def _union(old: DataFrame | None, new: DataFrame, name: str) -> DataFrame:
    from pyspark.sql import functions as F

    columns = BY_NAME[name].column_names
    fresh = new.select(*columns)
    if old is None:
        return fresh
    schema = spark_schema(name)
    return old.select(*[F.col(f.name).cast(f.dataType) for f in schema.fields]).unionByName(fresh)


def _write_marker(spark: SparkSession, out: str) -> None:
    """``DIR/_denialops.json``-like marker: the fact schema version the data was written in."""
    text = json.dumps({"denialops_fact_schema": FACT_SCHEMA_VERSION})
    spark.createDataFrame([(text,)], "value string").coalesce(1).write.mode("overwrite").text(
        _join(out, "_schema")
    )


# --------------------------------------------------------------------------- cross-file facts


def cross_file_facts(
    spark: SparkSession,
    claim: DataFrame,
    family: DataFrame,
    denial: DataFrame,
    keys: DataFrame,
) -> dict[str, DataFrame]:
    """Recompute the facts that depend on other claims over the whole dataset, as
    :func:`denialops.analytics.facts._insert_claims` defines them:

    - ``is_initial``: first adjudication of (payer, pcn) by remit date, then ingest order,
      and not a replacement/void (CLP09 7/8);
    - ``resubmitted``: a later adjudication of the same (payer, pcn) exists;
    - ``npsr_cents``: paid + patient responsibility unless a higher COB level of the same
      pcn adjudicated it (a reversal counts at the level of the claim it reverses).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    links = _reversal_links(spark, keys)
    status_of = keys.select(F.col("claim_id").alias("original_id"), F.col("status").alias("os"))
    order = keys.select("claim_id", "run", "source", "set_segment", "claim_seq")
    base = (
        claim.join(order, ["claim_id"], "left")
        .join(links, ["claim_id"], "left")
        .join(status_of, ["original_id"], "left")
    )
    base = base.withColumn(
        "cob_level",
        F.when(F.col("status") == REVERSAL_STATUS, _level(F.col("os"))).otherwise(
            _level(F.col("status"))
        ),
    )
    payer_pcn = Window.partitionBy("payer_id", "pcn")
    adjudication = F.col("is_adjudication") == 1
    base = (
        base.withColumn(
            "remit_number",
            F.when(
                adjudication,
                F.row_number().over(
                    Window.partitionBy("payer_id", "pcn", "is_adjudication").orderBy(
                        "remit_date", "run", "source", "set_segment", "claim_seq"
                    )
                ),
            ),
        )
        .withColumn(
            "adjudications",
            F.sum(F.when(adjudication, 1).otherwise(0)).over(payer_pcn),
        )
        .withColumn(
            "top_level",
            F.max(F.when(adjudication, F.col("cob_level")).otherwise(0)).over(
                Window.partitionBy("pcn")
            ),
        )
    )
    flag = F.col("remit_number")
    fixed = (
        base.withColumn(
            "is_initial",
            F.when((flag == 1) & ~F.col("frequency").isin("7", "8"), 1).otherwise(0).cast("byte"),
        )
        .withColumn(
            "resubmitted",
            F.when(flag < F.col("adjudications"), 1).otherwise(0).cast("byte"),
        )
        .withColumn(
            "npsr_cents",
            F.col("paid_cents")
            + F.when(
                (F.col("cob_level") == 0) | (F.col("cob_level") >= F.col("top_level")),
                F.col("patient_resp_cents"),
            ).otherwise(0),
        )
        .select(*FACT_CLAIM.column_names)
    ).cache()
    initial = fixed.select("claim_id", F.col("is_initial").alias("_initial"))

    def with_initial(frame: DataFrame, name: str) -> DataFrame:
        columns = BY_NAME[name].column_names
        return (
            frame.join(initial, ["claim_id"], "left")
            .withColumn("is_initial", F.coalesce(F.col("_initial"), F.col("is_initial")))
            .select(*columns)
        )

    return {
        "fact_claim": fixed,
        "fact_claim_family": with_initial(family, "fact_claim_family"),
        "fact_denial": with_initial(denial, "fact_denial"),
    }


def _level(status: Any) -> Any:
    """:func:`denialops.spark.pieces.cob_level` as a column expression."""
    from pyspark.sql import functions as F

    expr = F.lit(0)
    for level in (3, 2, 1):
        codes = [s for s in ("1", "4", "19", "2", "20", "3", "21") if cob_level(s) == level]
        expr = F.when(status.isin(*codes), level).otherwise(expr)
    return expr


def _reversal_links(spark: SparkSession, keys: DataFrame) -> DataFrame:
    """(claim_id, original_id) for reversals, linked within their (payer, pcn)."""
    from pyspark.sql import functions as F

    groups = keys.where(F.col("status") == REVERSAL_STATUS).select("payer_id", "pcn").distinct()
    candidates = keys.join(groups, ["payer_id", "pcn"], "left_semi")
    pairs = (
        candidates.rdd.map(
            lambda r: (
                (r["payer_id"], r["pcn"]),
                (
                    (r["run"], r["source"], r["set_segment"], r["claim_seq"]),
                    r["claim_id"],
                    r["status"],
                    r["icn"],
                    r["charge_cents"],
                ),
            )
        )
        .groupByKey()
        .flatMap(lambda kv: list(link_reversals(kv[1]).items()))
    )
    return spark.createDataFrame(pairs, "claim_id bigint, original_id bigint")


__all__ = ["SparkIngestSummary", "cross_file_facts", "spark_ingest", "spark_schema"]
