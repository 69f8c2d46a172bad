"""Getting analytics out: the facts as Parquet for BI tools, and KPI reports as files.

The Parquet export is the fact tables themselves (:mod:`.fact_schema`, the layout the
Spark job writes too), so a BI tool, ``report --from-parquet`` and ``report`` on the
database see the same numbers::

    DIR/fact_claim/payer_id=P1/month=2026-01-01/part-0.parquet   one row per claim payment
    DIR/fact_claim_family/...   DIR/fact_denial/...              same partitions
    DIR/fact_case/part-0.parquet, DIR/fact_appeal/                the work register

Money is whole cents (int64, ``*_cents``); the schema version is in each file's metadata.
An export replaces the folder as a whole: it is written beside it and swapped in, so a
second export never leaves the first one's partitions behind, and a failed one leaves the
previous export untouched.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from denialops.analytics.engine import AnalyticsDB
from denialops.analytics.fact_schema import (
    CLAIM_FACTS,
    FACT_TABLES,
    WORK_FACTS,
    FactTable,
    arrow_schema,
)
from denialops.analytics.metrics import KpiReport
from denialops.errors import DenialopsError

BATCH_ROWS = 200_000


def export_parquet(db: AnalyticsDB, directory: str | Path) -> dict[str, int]:
    """Write the fact tables under ``directory`` (replacing an earlier export there)."""
    import pyarrow.parquet as pq

    root = Path(directory)
    names = [*CLAIM_FACTS, *(WORK_FACTS if db.has_work else ())]
    written: dict[str, int] = {}
    with replaced_directory(root) as staging:
        for table in FACT_TABLES:
            if table.name not in names:
                continue
            data = _read_table(db, table)
            written[table.name] = data.num_rows
            target = staging / table.name
            target.mkdir()
            if table.partition_by:
                pq.write_to_dataset(
                    data,
                    str(target),
                    partition_cols=list(table.partition_by),
                    basename_template="part-{i}.parquet",
                )
            else:
                pq.write_table(data, str(target / "part-0.parquet"))
    return written


def _read_table(db: AnalyticsDB, table: FactTable) -> Any:
    """The whole fact table as an Arrow table of the fact schema (batched reads)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    schema = arrow_schema(table)
    travel = pa.struct(
        [pa.field(f.name, pa.string() if pa.types.is_date32(f.type) else f.type) for f in schema]
    )
    columns = ", ".join(table.column_names)
    sql = f"SELECT {columns} FROM {table.name} ORDER BY {', '.join(table.key)}"
    batches = []
    if db.duck is not None:
        rows = db.duck.execute(sql).fetch_arrow_table()
        return rows.cast(schema)
    assert db.conn is not None
    result = db.conn.execution_options(yield_per=BATCH_ROWS).exec_driver_sql(sql)
    for chunk in result.partitions(BATCH_ROWS):
        values = [tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in chunk]
        batches.append(pa.RecordBatch.from_struct_array(pa.array(values, type=travel)))
    data = pa.Table.from_batches(batches, schema=pa.schema(list(travel)))
    arrays = [
        pc.cast(data.column(f.name), f.type) if pa.types.is_date32(f.type) else data.column(f.name)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


@contextmanager
def replaced_directory(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` that replaces it when the block ends cleanly.

    The old folder is moved aside, the new one renamed into place, then the old one
    removed: a crash leaves either the old export or the new one, never a mix.
    """
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise DenialopsError(f"{target}: the folder {parent} does not exist")
    if target.exists() and not target.is_dir():
        raise DenialopsError(f"{target}: exists and is not a folder")
    staging = parent / f".{target.name}.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Objects become dotted columns (``denial_dollars_by_family.clinical``)."""
    flat: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{name}.{sub}"] = v
        else:
            flat[name] = value
    return flat


def report_rows(report: KpiReport) -> list[dict[str, Any]]:
    """One flat row per group: the cut values, then every metric."""
    return [{**g.key, **flatten_metrics(g.metrics)} for g in report.groups]


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for name in row:
            if name not in columns:
                columns.append(name)
    return columns


def report_csv(report: KpiReport) -> str:
    rows = report_rows(report)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def report_parquet(report: KpiReport, path: str | Path) -> None:
    """Dollars stay strings (exact), rates floats, counts ints; one row per group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = report_rows(report)
    columns = _columns(rows)
    table = pa.table({c: [row.get(c) for row in rows] for c in columns})
    with atomic_path(Path(path)) as temporary:
        pq.write_table(table, str(temporary))


def check_output_file(path: Path) -> None:
    """One clear error when ``path`` cannot be written as a file (``--out``, ``--plot``)."""
    if path.is_dir():
        raise DenialopsError(f"{path}: is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DenialopsError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DenialopsError(f"{path}: no permission to write in {parent}")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that is renamed over it when the block ends
    cleanly: a full disk or a crash never leaves a truncated file."""
    check_output_file(path)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, "utf-8")


def report_table(report: KpiReport) -> str:
    """A plain text table: metrics down, groups across (readable in a terminal)."""
    rows = report_rows(report)
    labels = [", ".join(f"{k}={v}" for k, v in g.key.items()) or "all" for g in report.groups]
    metrics = [c for c in _columns(rows) if c not in report.by]
    width = max((len(m) for m in metrics), default=10)
    col = max([14, *(len(label) for label in labels)])
    lines = [f"{'metric':<{width}}  " + "  ".join(f"{label:>{col}}" for label in labels)]
    for metric in metrics:
        cells = []
        for row in rows:
            value = row.get(metric)
            cells.append(f"{'-' if value is None else value!s:>{col}}")
        lines.append(f"{metric:<{width}}  " + "  ".join(cells))
    return "\n".join(lines) + "\n"


def report_json(report: KpiReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"
