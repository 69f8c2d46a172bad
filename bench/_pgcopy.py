"""Copy a denialops SQLite database into an empty PostgreSQL database, table by table.

For the scale benchmark: the 1,000,000-claim base is ingested once through the whole
pipeline into SQLite (``bench/scale.py``); its PostgreSQL twin is the same rows, copied
with ``COPY`` instead of ingested a second time (hours on the shared machine). The
PostgreSQL schema comes from the migrations (``Database.migrate``), exactly as ingest
would create it; every column is read through its SQLAlchemy type (money cents ->
Decimal, ISO text -> date, 0/1 -> bool), so the values are what the ORM reads from the
SQLite file, and each id sequence is moved past the largest id copied.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, Numeric, inspect

from denialops.store.database import Database, SQLDialect
from denialops.store.schema import Base, MoneyType

BATCH = 50_000


def _text_expression(table_name: str, name: str) -> str:
    """SQLite SQL giving the column in PostgreSQL's COPY text format (NULL as ``\\N``)."""
    table = Base.metadata.tables.get(table_name)
    column = table.c.get(name) if table is not None else None
    kind = column.type if column is not None else None
    quoted = f'"{name}"'
    if isinstance(kind, MoneyType):  # integer cents -> exact decimal text
        value = SQLDialect.for_dialect("sqlite").money_sql(quoted)
    elif isinstance(kind, LargeBinary):
        value = f"'\\\\x' || hex({quoted})"
    elif isinstance(kind, Boolean | Integer | Numeric | Date | DateTime):
        value = f"CAST({quoted} AS TEXT)"
    else:  # text: escape what COPY's text format treats specially
        value = (
            f"replace(replace(replace(replace(CAST({quoted} AS TEXT), '\\', '\\\\'), "
            f"char(9), '\\t'), char(10), '\\n'), char(13), '\\r')"
        )
    return f"coalesce({value}, '\\N')"


def copy_database(sqlite_path: Path, pg_url: str, *, log: Callable[[str], None] = print) -> None:
    """Migrate ``pg_url`` to the newest revision and fill it with the SQLite file's rows."""
    target = Database(pg_url)
    target.migrate()
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        pg_tables = set(inspect(target.engine).get_table_names())
        lite_tables = [
            r[0]
            for r in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version'"
            )
        ]
        order = [t.name for t in Base.metadata.sorted_tables]
        tables = [t for t in order if t in lite_tables and t in pg_tables]
        tables += sorted(t for t in lite_tables if t in pg_tables and t not in order)
        with target.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cur:
                cur.execute("SET TIME ZONE 'UTC'")
                cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
                for name in tables:
                    _copy_table(source, cur, name, log)
                cur.execute(
                    "SELECT table_name, pg_get_serial_sequence(table_name, 'id') "
                    "FROM information_schema.columns WHERE column_name = 'id' "
                    "AND table_schema = current_schema()"
                )
                for name, sequence in cur.fetchall():
                    if sequence and name in tables:
                        cur.execute(
                            f"SELECT setval(%s, COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, "
                            "false)",
                            (sequence,),
                        )
            raw.commit()
            raw.autocommit = True
            with raw.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
            raw.autocommit = False
    finally:
        source.close()
        target.close()


def _copy_table(
    source: sqlite3.Connection, cur: Any, name: str, log: Callable[[str], None]
) -> None:
    """Rows as COPY text lines built by SQLite itself: no per-value work in Python."""
    started = time.perf_counter()
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (name,))
    pg_columns = {r[0] for r in cur.fetchall()}
    names = [r[1] for r in source.execute(f"PRAGMA table_info({name})") if r[1] in pg_columns]
    line = " || char(9) || ".join(_text_expression(name, n) for n in names)
    rows = source.execute(f"SELECT {line} FROM {name}")
    count = 0
    quoted = ", ".join(f'"{n}"' for n in names)
    with cur.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
        while True:
            batch = rows.fetchmany(BATCH)
            if not batch:
                break
            copy.write("".join(f"{r[0]}\n" for r in batch))
            count += len(batch)
    if count:
        log(f"  {name}: {count:,} rows in {time.perf_counter() - started:.1f} s")
