"""Where reports read the analytical facts: the database itself, or a Parquet export.

Reports never copy the database: every KPI, Pareto and trend is a handful of aggregate
queries over the fact tables (:mod:`.fact_schema`), run where the facts are:

- in the denialops database (SQLite or PostgreSQL), through :func:`open_analytics`,
  which first brings the facts up to date (:func:`denialops.analytics.facts.catch_up`:
  a few index lookups when nothing is missing);
- in a Parquet export (``denialops export parquet``, or the Spark job's output), through
  :meth:`AnalyticsDB.from_parquet`, which puts DuckDB views over the files.

The report SQL is written once in a portable subset (``SUM(CASE ...)``, 0/1 flags, whole
cents) with named parameters (``:since``); :class:`AnalyticsDB` supplies the few spellings
that differ (date parameters and day differences) and runs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from denialops.analytics.fact_schema import (
    CLAIM_FACTS,
    FACT_SCHEMA_VERSION,
    FACT_TABLES,
    WORK_FACTS,
    duckdb_type,
)
from denialops.errors import StoreError
from denialops.store.db import make_engine

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass
class AnalyticsDB:
    """A read connection to the facts and the dialect its SQL is spelled in."""

    kind: str  # sqlite | postgresql | duckdb
    has_work: bool
    source: str
    has_cube: bool = False
    notes: list[str] = field(default_factory=list)
    conn: Connection | None = None
    engine: Engine | None = None
    duck: Any = None
    owns_engine: bool = False

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a report query (aggregated, so its result is small)."""
        values = {k: self._value(v) for k, v in (params or {}).items()}
        if self.duck is not None:
            return [tuple(r) for r in self.duck.execute(_PARAM.sub(r"$\1", sql), values).fetchall()]
        assert self.conn is not None
        return [tuple(r) for r in self.conn.execute(text(sql), values).fetchall()]

    def described(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a report query."""
        values = {k: self._value(v) for k, v in (params or {}).items()}
        if self.duck is not None:
            cursor = self.duck.execute(_PARAM.sub(r"$\1", sql), values)
            names = [d[0] for d in cursor.description]
            return names, [tuple(r) for r in cursor.fetchall()]
        assert self.conn is not None
        result = self.conn.execute(text(sql), values)
        names = list(result.keys())
        return names, [tuple(r) for r in result.fetchall()]

    def _value(self, value: Any) -> Any:
        if isinstance(value, date) and self.kind == "sqlite":
            return value.isoformat()
        return value

    def date_param(self, name: str) -> str:
        """SQL for a date parameter (SQLite stores dates as ISO text)."""
        return f":{name}" if self.kind == "sqlite" else f"CAST(:{name} AS DATE)"

    def days(self, later: str, earlier: str) -> str:
        """SQL for the number of days from ``earlier`` to ``later`` (dates)."""
        if self.kind == "sqlite":
            return f"(julianday({later}) - julianday({earlier}))"
        return f"({later} - {earlier})"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.engine is not None and self.owns_engine:
            self.engine.dispose()
        if self.duck is not None:
            self.duck.close()
            self.duck = None

    def __enter__(self) -> AnalyticsDB:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @classmethod
    def from_parquet(cls, directory: str | Path) -> AnalyticsDB:
        """DuckDB views over the fact tables written by ``export parquet`` (or by Spark)."""
        import duckdb

        root = Path(directory)
        if not root.is_dir():
            raise StoreError(f"{root}: no such folder (give a `denialops export parquet` folder)")
        found = {t.name for t in FACT_TABLES if any((root / t.name).glob("**/*.parquet"))}
        if not set(CLAIM_FACTS) <= found:
            raise StoreError(
                f"{root} holds no denialops fact export ({', '.join(CLAIM_FACTS)} missing)"
            )
        con = duckdb.connect()
        for table in FACT_TABLES:
            if table.name not in found:
                continue
            pattern = str(root / table.name / "**" / "*.parquet").replace("'", "''")
            version = con.execute(
                "SELECT DISTINCT value FROM parquet_kv_metadata(?) "
                "WHERE CAST(key AS VARCHAR) = 'denialops_fact_schema'",
                [str(root / table.name / "**" / "*.parquet")],
            ).fetchall()
            versions = {
                bytes(v[0]).decode() if not isinstance(v[0], str) else v[0] for v in version
            }
            if versions and versions != {str(FACT_SCHEMA_VERSION)}:
                con.close()
                raise StoreError(
                    f"{root / table.name}: written with fact schema {', '.join(sorted(versions))}, "
                    f"this version reads {FACT_SCHEMA_VERSION}; export again"
                )
            hive = "true" if table.partition_by else "false"
            columns = ", ".join(
                f'CAST("{c.name}" AS {duckdb_type(c.kind)}) AS "{c.name}"' for c in table.columns
            )
            con.execute(
                f"CREATE VIEW {table.name} AS SELECT {columns} FROM read_parquet('{pattern}', "
                f"hive_partitioning = {hive}, union_by_name = true)"
            )
        has_work = set(WORK_FACTS) <= found
        return cls(kind="duckdb", has_work=has_work, source=str(root), duck=con)


def open_analytics(
    url_or_engine: str | Engine | None = None, *, catch_up: bool = True
) -> AnalyticsDB:
    """The facts of a database, brought up to date first (unless ``catch_up=False``)."""
    from denialops.analytics import facts
    from denialops.store.migrate import upgrade

    owns = not isinstance(url_or_engine, Engine)
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        present = set(inspect(engine).get_table_names())
        missing = {"remittance", "claim", "adjustment"} - present
        if missing:
            raise StoreError(
                "the database has no remittance tables yet (missing "
                f"{', '.join(sorted(missing))}); run `denialops ingest` first"
            )
        if "fact_claim" not in present:
            upgrade(engine)
        notes: list[str] = []
        if catch_up:
            try:
                with engine.begin() as conn:
                    result = facts.catch_up(conn)
                notes += result.notes
            except (OperationalError, ProgrammingError) as exc:
                if "readonly" not in str(exc).replace(" ", "").lower():
                    raise
                notes.append("read-only database: facts not refreshed, figures may lag")
        conn = engine.connect()
        has_work = all(t in present for t in ("denial_case", "appeal"))
        return AnalyticsDB(
            kind=engine.dialect.name,
            has_work=has_work,
            source=engine.url.render_as_string(),
            notes=notes,
            conn=conn,
            engine=engine,
            owns_engine=owns,
            has_cube=True,
        )
    except BaseException:
        if owns:
            engine.dispose()
        raise
