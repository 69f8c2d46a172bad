"""Getting analytics out: the Parquet export for BI tools and KPI reports as files.

The Parquet export writes the fact tables the reports run on, so a BI tool and
``denialops report`` see the same numbers::

    DIR/adj_fact/month=2026-01-01/data_0.parquet    one row per adjustment (denials and not)
    DIR/claim_fact/month=2026-01-01/data_0.parquet  one row per claim payment
    DIR/case_fact/data_0.parquet, DIR/appeal_fact/  the work register, when present

Money columns are Parquet DECIMAL(18, 2). :meth:`AnalyticsDB.from_parquet` reads it back.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from denialops.analytics.engine import AnalyticsDB
from denialops.analytics.metrics import KpiReport


def export_parquet(db: AnalyticsDB, directory: str | Path) -> dict[str, int]:
    """Write the facts under ``directory`` (adjustments and claims partitioned by month)."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    tables = ["adj_fact", "claim_fact"] + (["case_fact", "appeal_fact"] if db.has_work else [])
    for table in tables:
        partition = "PARTITION_BY (month), " if table in ("adj_fact", "claim_fact") else ""
        path = root / table
        if not partition:
            path.mkdir(exist_ok=True)
            path = path / "data_0.parquet"
        target = str(path).replace("'", "''")
        source = (
            f"SELECT * REPLACE (COALESCE(month, DATE '1900-01-01') AS month) FROM {table}"
            if partition
            else f"SELECT * FROM {table}"
        )
        db.con.execute(
            f"COPY ({source}) TO '{target}' (FORMAT parquet, {partition}OVERWRITE_OR_IGNORE true)"
        )
        (count,) = db.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone() or (0,)
        written[table] = int(count)
    return written


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
    rows = report_rows(report)
    columns = _columns(rows)
    table = pa.table({c: [row.get(c) for row in rows] for c in columns})
    pq.write_table(table, str(path))


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
