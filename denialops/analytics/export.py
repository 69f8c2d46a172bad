"""Getting analytics out: the facts as Parquet for BI tools, and KPI reports as files.

The Parquet export is the fact tables themselves (:mod:`.fact_schema`, the layout the
Spark job writes too), so a BI tool, ``report --from-parquet`` and ``report`` on the
database see the same numbers::

    DIR/fact_claim/payer_id=P1/month=2026-01-01/part-0.parquet   one row per claim payment
    DIR/fact_claim_family/...   DIR/fact_denial/...              same partitions
    DIR/fact_case/part-0.parquet, DIR/fact_appeal/                the work register

Money is whole cents (int64, ``*_cents``); the schema version is in each file's metadata.
An export replaces the folder as a whole (:func:`denialops.files.atomic_directory`: written
beside it and swapped in), so a second export never leaves the first one's partitions
behind, and a failed one leaves the previous export untouched. Report files are written
to a temporary file and renamed (:mod:`denialops.files`).
"""

from __future__ import annotations

import csv
import io
import json
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
from denialops.files import atomic_directory, atomic_output, atomic_path

BATCH_ROWS = 200_000


def export_parquet(db: AnalyticsDB, directory: str | Path) -> dict[str, int]:
    """Write the fact tables under ``directory`` (replacing an earlier export there)."""
    import pyarrow.parquet as pq

    root = Path(directory)
    names = [*CLAIM_FACTS, *(WORK_FACTS if db.has_work else ())]
    written: dict[str, int] = {}
    with atomic_directory(root) as staging:
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


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_output(path, text=True) as handle:
        handle.write(text)


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
