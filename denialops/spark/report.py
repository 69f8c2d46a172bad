"""KPI reports on a cluster: the report SQL of :mod:`denialops.analytics.metrics`, run
by Spark SQL over the Parquet facts (``denialops spark ingest`` output or an export).

The KPI definitions are not written again for Spark. :func:`~denialops.analytics.metrics.
compute_kpis` already builds its queries in a portable SQL subset and asks its
:class:`~denialops.analytics.engine.AnalyticsDB` for the few spellings that differ between
engines; :class:`SparkFacts` is that object for Spark. It answers the dialect questions
(a date parameter is ``CAST(:name AS DATE)``, a day difference is ``DATEDIFF``) and
renders the two spellings of the portable text Spark's parser rejects
(:func:`spark_sql`): ``CAST(x AS VARCHAR)`` (Spark wants ``STRING``, or a length) and
double-quoted identifiers (Spark quotes with backticks). Everything else, grouping,
numerators, denominators and the division into rates and dollars in Python ``Decimal``,
is the same code the DuckDB and database reports run; ``tests/spark`` checks that both
engines give the same figures on the same files.

The data that reaches the driver is one row per group, as on one machine: Spark does
the scans and the aggregation in the executors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from denialops.analytics.engine import AnalyticsDB
from denialops.analytics.fact_schema import (
    CLAIM_FACTS,
    FACT_SCHEMA_VERSION,
    FACT_TABLES,
    WORK_FACTS,
)
from denialops.errors import StoreError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_VARCHAR = re.compile(r"\bAS\s+VARCHAR\s*\)", re.IGNORECASE)
_QUOTED = re.compile(r'"([^"\n]*)"')
_MATERIALIZED = re.compile(r"\bAS\s+(?:NOT\s+)?MATERIALIZED\s*\(", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")

VERSION_KEY = "denialops_fact_schema"
"""The Parquet key-value metadata key that carries the fact schema version."""


def spark_sql(sql: str) -> str:
    """The portable report SQL spelled for Spark SQL.

    ``CAST(x AS VARCHAR)`` becomes ``CAST(x AS STRING)`` and ``"name"`` becomes
    ``\\`name\\```, ``WITH x AS MATERIALIZED (`` loses the hint; string literals
    (single quotes) are left as they are."""
    out: list[str] = []
    position = 0
    for literal in _LITERAL.finditer(sql):
        out.append(_render(sql[position : literal.start()]))
        out.append(literal.group(0))
        position = literal.end()
    out.append(_render(sql[position:]))
    return "".join(out)


def _render(code: str) -> str:
    code = _VARCHAR.sub("AS STRING)", code)
    code = _MATERIALIZED.sub("AS (", code)  # a planner hint Spark's parser does not take
    return _QUOTED.sub(lambda m: "`" + m.group(1).replace("`", "``") + "`", code)


@dataclass
class SparkFacts(AnalyticsDB):
    """The fact tables of a Parquet folder as Spark temporary views, and the Spark
    spellings of the report SQL. ``close()`` drops the views, not the session."""

    spark: Any = None
    views: list[str] = field(default_factory=list)

    def described(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        frame = self.spark.sql(spark_sql(sql), args=dict(params or {}))
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.described(sql, params)[1]

    def date_param(self, name: str) -> str:
        return f"CAST(:{name} AS DATE)"

    def days(self, later: str, earlier: str) -> str:
        return f"DATEDIFF({later}, {earlier})"

    def close(self) -> None:
        if self.spark is not None:
            for view in self.views:
                self.spark.catalog.dropTempView(view)
            self.views = []
            self.spark = None

    def __enter__(self) -> SparkFacts:
        return self


def open_spark_facts(spark: SparkSession, directory: str) -> SparkFacts:
    """Temporary views ``fact_claim``, ... over the Parquet facts under ``directory``
    (a local path or any Hadoop-compatible URL the session can read).

    Refuses a folder without the claim facts, and files written under another fact
    schema version (read from each file's footer, as ``--from-parquet`` does)."""
    root = directory.rstrip("/")
    files = _parquet_files(spark, root)
    found = {t.name for t in FACT_TABLES if files.get(t.name)}
    if not set(CLAIM_FACTS) <= found:
        raise StoreError(
            f"{root} holds no denialops fact export ({', '.join(CLAIM_FACTS)} missing)"
        )
    from denialops.spark.ingest import spark_schema

    marker = _marker_version(spark, root)
    if marker is not None and marker != str(FACT_SCHEMA_VERSION):
        raise StoreError(
            f"{root}: written with fact schema {marker} (its _schema), this version reads "
            f"{FACT_SCHEMA_VERSION}; ingest or export again"
        )
    notes: list[str] = []
    for table in FACT_TABLES:
        if table.name not in found:
            continue
        versions = _versions(spark, files[table.name])
        if versions and versions != {str(FACT_SCHEMA_VERSION)}:
            raise StoreError(
                f"{root}/{table.name}: written with fact schema {', '.join(sorted(versions))}, "
                f"this version reads {FACT_SCHEMA_VERSION}; export again"
            )
    facts = SparkFacts(
        kind="spark",
        has_work=set(WORK_FACTS) <= found,
        source=root,
        notes=notes,
        spark=spark,
    )
    for table in FACT_TABLES:
        if table.name not in found:
            continue
        path = f"{root}/{table.name}"
        reader = spark.read.schema(spark_schema(table)).option("basePath", path)
        reader.parquet(path).createOrReplaceTempView(table.name)
        facts.views.append(table.name)
    return facts


def _is_local(root: str) -> bool:
    return re.match(r"^[A-Za-z][\w+.-]*://", root) is None


def _parquet_files(spark: SparkSession, root: str) -> dict[str, list[str]]:
    """The Parquet files of each fact table under ``root`` (hidden and ``_`` files, such
    as Spark's ``_SUCCESS``, left out as Spark leaves them out). A plain path is listed
    here; a URL (``hdfs://``, ``s3a://``, ``file://``...) through the session's Hadoop
    filesystems, so whatever the cluster can read works."""
    if _is_local(root):
        base = Path(root)
        if not base.is_dir():
            raise StoreError(f"{root}: no such folder (give a `denialops export parquet` folder)")
        return {
            t.name: sorted(str(f) for f in (base / t.name).rglob("*.parquet") if _visible(f.name))
            for t in FACT_TABLES
            if (base / t.name).is_dir()
        }
    jvm, conf = _hadoop(spark)
    path = jvm.org.apache.hadoop.fs.Path(root)
    fs = path.getFileSystem(conf)
    if not fs.exists(path) or not fs.getFileStatus(path).isDirectory():
        raise StoreError(f"{root}: no such folder (give a `denialops export parquet` folder)")
    out: dict[str, list[str]] = {}
    for table in FACT_TABLES:
        table_path = jvm.org.apache.hadoop.fs.Path(f"{root}/{table.name}")
        if not fs.exists(table_path):
            continue
        listing = fs.listFiles(table_path, True)
        names: list[str] = []
        while listing.hasNext():
            file_path = listing.next().getPath()
            if file_path.getName().endswith(".parquet") and _visible(file_path.getName()):
                names.append(file_path.toString())
        out[table.name] = sorted(names)
    return out


def _marker_version(spark: SparkSession, root: str) -> str | None:
    """The version in ``DIR/_schema`` (written by ``spark ingest``), None without one."""
    if _is_local(root):
        if not (Path(root) / "_schema").is_dir():
            return None
    else:
        jvm, conf = _hadoop(spark)
        path = jvm.org.apache.hadoop.fs.Path(f"{root}/_schema")
        if not path.getFileSystem(conf).exists(path):
            return None
    versions = {
        str(json.loads(row[0]).get(VERSION_KEY))
        for row in spark.read.text(f"{root}/_schema").collect()
        if row[0].strip()
    }
    return ", ".join(sorted(versions)) if versions else None


def _hadoop(spark: SparkSession) -> tuple[Any, Any]:
    """The session's JVM and Hadoop configuration (a classic session, not Spark Connect)."""
    context = spark.sparkContext
    jvm: Any = context._jvm
    if jvm is None or context._jsc is None:
        raise StoreError("this Spark session has no JVM gateway: give a local folder")
    return jvm, context._jsc.hadoopConfiguration()


def _visible(name: str) -> bool:
    return not name.startswith(("_", "."))


def _versions(spark: SparkSession, files: Sequence[str]) -> set[str]:
    """The fact schema versions in the footers of ``files`` (empty when none says).

    Local files: every footer (pyarrow; about a millisecond each). Files behind a URL:
    the footers of the first, middle and last file, read through the JVM (a round trip
    per call: reading thousands of remote footers from the driver would take minutes;
    a dataset is written by one version of the job, so a sample finds a stale one)."""
    if not files:
        return set()
    if _is_local(files[0]):
        import pyarrow.parquet as pq

        found: set[str] = set()
        for name in files:
            metadata = pq.read_metadata(name).metadata or {}
            value = metadata.get(VERSION_KEY.encode())
            if value is not None:
                found.add(value.decode())
        return found
    jvm, conf = _hadoop(spark)
    sample = sorted({files[0], files[len(files) // 2], files[-1]})
    found = set()
    for url in sample:
        source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
            jvm.org.apache.hadoop.fs.Path(url), conf
        )
        reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
        try:
            value = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(VERSION_KEY)
        finally:
            reader.close()
        if value is not None:
            found.add(str(value))
    return found
