"""The analytics engine: a DuckDB database holding the facts every report reads.

Why a copy and not a live view: DuckDB's ``sqlite`` and ``postgres`` extensions are not
bundled with the wheel and are downloaded on first use, which an offline install cannot
do. So :func:`open_analytics` pulls the needed columns with one ``SELECT`` per table
through SQLAlchemy (money and dates as text, so nothing passes through a float), turns
each batch into an Arrow table column-wise, and lets DuckDB build two fact tables:

``claim_fact``
    one row per claim payment (CLP) with its dimensions (payer, facility, facility type,
    rendering provider, remittance date, month, week), whether it is the claim's *initial
    adjudication* or a later one, and whether it carries a denial.
``adj_fact``
    one row per adjustment (CAS triplet) with the claim's dimensions copied on, the
    service line's codes, and the classification (is_denial, family, category, owner,
    process step, ...).

and, when the work register (revision 0002) is in the database, ``case_fact`` and
``appeal_fact``. :meth:`AnalyticsDB.from_parquet` reads the same facts back from
:func:`denialops.analytics.export.export_parquet` output, so BI exports and reports agree.

All money is DuckDB ``DECIMAL(18, 2)``; no Python code touches individual rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, inspect

from denialops.errors import StoreError
from denialops.store.db import make_engine
from denialops.vocabulary import CLOSED_STATES, sql_list
from denialops.vocabulary import NOT_ADJUDICATIONS as NOT_ADJUDICATIONS

MONEY = "DECIMAL(18, 2)"
BATCH_ROWS = 200_000

# column kinds: "int" travels as int64; everything else travels as text and is cast
# in DuckDB ("money" -> DECIMAL, "date" and "timestamp" -> DATE, "bool" -> BOOLEAN).
_SOURCE_COLUMNS: dict[str, dict[str, str]] = {
    "remittance": {
        "id": "int",
        "payer_id": "text",
        "payer_name": "text",
        "payee_id": "text",
        "payment_date": "date",
        "production_date": "date",
    },
    "claim": {
        "id": "int",
        "remittance_id": "int",
        "payer_id": "text",
        "patient_control_number": "text",
        "status": "text",
        "charge": "money",
        "paid": "money",
        "patient_responsibility": "money",
        "facility_type": "text",
        "frequency": "text",
        "rendering_npi": "text",
        "service_date": "date",
    },
    "service_line": {
        "id": "int",
        "claim_id": "int",
        "qualifier": "text",
        "code": "text",
        "revenue_code": "text",
    },
    "adjustment": {
        "id": "int",
        "claim_id": "int",
        "service_line_id": "int",
        "level": "text",
        "group_code": "text",
        "reason_code": "text",
        "amount": "money",
        "is_denial": "bool",
        "family": "text",
        "category": "text",
        "soft_or_hard": "text",
        "process_step": "text",
        "owner": "text",
        "next_action": "text",
    },
    "denial_case": {
        "id": "int",
        "claim_id": "int",
        "family": "text",
        "category": "text",
        "owner": "text",
        "state": "text",
        "at_risk": "money",
        "recovered": "money",
        "determination_date": "date",
        "next_deadline": "date",
        "closed_at": "timestamp",
    },
    "case_adjustment": {"case_id": "int", "adjustment_id": "int"},
    "case_event": {
        "case_id": "int",
        "at": "timestamp",
        "field": "text",
        "new_value": "text",
    },
    "appeal": {
        "id": "int",
        "case_id": "int",
        "level": "int",
        "kind": "text",
        "submitted_on": "date",
        "decided_on": "date",
        "outcome": "text",
        "recovered": "money",
    },
}
WORK_TABLES = ("denial_case", "case_adjustment", "case_event", "appeal")

_DUCK_TYPES = {
    "int": "BIGINT",
    "money": MONEY,
    "date": "DATE",
    "timestamp": "DATE",  # reports work in days: the UTC calendar date
    "bool": "BOOLEAN",
    "text": "VARCHAR",
}


@dataclass
class AnalyticsDB:
    """A DuckDB connection holding the fact tables, and what it was built from."""

    con: duckdb.DuckDBPyConnection
    has_work: bool
    source: str

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its (aggregated, so small) result rows."""
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.con.close()

    @classmethod
    def from_parquet(cls, directory: str | Path) -> AnalyticsDB:
        """Open the facts written by :func:`~denialops.analytics.export.export_parquet`."""
        root = Path(directory)
        con = duckdb.connect()
        found = {}
        for table in ("claim_fact", "adj_fact", "case_fact", "appeal_fact"):
            part = root / table
            if any(part.glob("**/*.parquet")):
                found[table] = part
        if "claim_fact" not in found or "adj_fact" not in found:
            raise StoreError(f"{root} holds no denialops Parquet export (claim_fact/, adj_fact/)")
        for table, part in found.items():
            pattern = str(part / "**" / "*.parquet").replace("'", "''")
            con.execute(
                f"CREATE TABLE {table} AS SELECT * EXCLUDE (month), CAST(month AS DATE) AS month "
                f"FROM read_parquet('{pattern}', hive_partitioning = true)"
                if table in ("claim_fact", "adj_fact")
                else f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{pattern}')"
            )
        build_summaries(con, has_work="case_fact" in found)
        return cls(con=con, has_work="case_fact" in found, source=str(root))


def open_analytics(url_or_engine: str | Engine | None = None) -> AnalyticsDB:
    """Load the database's denial facts into an in-memory DuckDB."""
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        present = set(inspect(engine).get_table_names())
        missing = {"remittance", "claim", "service_line", "adjustment"} - present
        if missing:
            raise StoreError(
                "the database has no remittance tables yet (missing "
                f"{', '.join(sorted(missing))}); run `denialops ingest` first"
            )
        has_work = all(t in present for t in WORK_TABLES)
        con = duckdb.connect()
        for table, columns in _SOURCE_COLUMNS.items():
            if table in WORK_TABLES and not has_work:
                continue
            _copy_table(engine, con, table, columns)
        build_facts(con, has_work=has_work)
        return AnalyticsDB(con=con, has_work=has_work, source=engine.url.render_as_string())
    finally:
        if not isinstance(url_or_engine, Engine):
            engine.dispose()


def _copy_table(
    engine: Engine, con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]
) -> None:
    """One SELECT, streamed in batches into an Arrow table, then typed inside DuckDB.

    SQLite values travel as stored (text dates, integer cents for money, 0/1 booleans):
    asking SQLite to CAST them to text triples the read time. Cents become DECIMAL in
    DuckDB exactly. PostgreSQL sends everything but ids as text, exact for ``numeric``.
    """
    postgres = engine.dialect.name == "postgresql"

    def source(name: str, kind: str) -> str:
        if kind == "int" or not postgres:
            return f'"{name}"'
        if kind == "timestamp":
            # the UTC calendar day, whatever the session's time zone
            return f"CAST((\"{name}\" AT TIME ZONE 'UTC') AS TEXT)"
        return f'CAST("{name}" AS TEXT)'

    def arrow_type(kind: str) -> pa.DataType:
        if kind == "int" or (kind == "bool" and not postgres):
            return pa.int64()
        if kind == "money" and not postgres:
            return pa.int64()  # integer cents
        return pa.string()

    select_list = ", ".join(source(name, kind) for name, kind in columns.items())
    row_type = pa.struct([(name, arrow_type(kind)) for name, kind in columns.items()])
    batches: list[pa.RecordBatch] = []
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if raw is None:  # pragma: no cover - a live connection always has one
            raise StoreError("the database connection is closed")
        # A named (server-side) cursor keeps PostgreSQL from sending the table at once.
        cursor = raw.cursor(f"denialops_{table}") if postgres else raw.cursor()
        cursor.execute(f'SELECT {select_list} FROM "{table}"')
        while chunk := cursor.fetchmany(BATCH_ROWS):
            # Arrow builds the columns from the row tuples in C++ (no per-row Python).
            rows = pa.array(chunk, type=row_type)
            batches.append(pa.RecordBatch.from_struct_array(rows))
        cursor.close()
    schema = pa.schema(list(row_type))
    con.register(f"raw_{table}", pa.Table.from_batches(batches, schema=schema))
    casts = ", ".join(_typed(name, kind) for name, kind in columns.items())
    con.execute(f"CREATE TABLE src_{table} AS SELECT {casts} FROM raw_{table}")
    con.unregister(f"raw_{table}")


def _typed(name: str, kind: str) -> str:
    """DuckDB expression turning a travelled column into its analytic type."""
    column = f'"{name}"'
    if kind in ("int", "text"):
        return column
    if kind == "bool":
        # SQLite sends 1/0, PostgreSQL 'true'/'false'.
        text = f"CAST({column} AS VARCHAR)"
        return (
            f"CASE WHEN {text} IN ('1', 'true', 't') THEN TRUE "
            f"WHEN {text} IN ('0', 'false', 'f') THEN FALSE END AS {column}"
        )
    if kind in ("date", "timestamp"):
        return f"TRY_CAST(LEFT(CAST({column} AS VARCHAR), 10) AS DATE) AS {column}"
    # money: text (PostgreSQL numeric) is exact; integers are SQLite's cents
    return (
        f"CASE WHEN typeof({column}) = 'BIGINT' "
        f"THEN CAST(CAST(TRY_CAST({column} AS BIGINT) AS DECIMAL(18, 0)) * 0.01 AS {MONEY}) "
        f"ELSE CAST({column} AS {MONEY}) END AS {column}"
    )


def create_source_tables(con: duckdb.DuckDBPyConnection, *, with_work: bool = False) -> None:
    """Empty ``src_*`` tables, for callers (the benchmark) that fill them in DuckDB directly."""
    for table, columns in _SOURCE_COLUMNS.items():
        if table in WORK_TABLES and not with_work:
            continue
        cols = ", ".join(f'"{name}" {_DUCK_TYPES[kind]}' for name, kind in columns.items())
        con.execute(f"CREATE TABLE src_{table} ({cols})")


def build_facts(con: duckdb.DuckDBPyConnection, *, has_work: bool) -> None:
    """Derive the fact tables from the ``src_*`` copies (definitions in docs/kpis.md)."""
    excluded = ", ".join(f"'{s}'" for s in NOT_ADJUDICATIONS)
    con.execute(
        f"""
        CREATE TABLE claim_denial AS
        SELECT claim_id,
               SUM(amount) AS denial_dollars,
               COUNT(*) AS denial_adjustments
        FROM src_adjustment WHERE is_denial
        GROUP BY claim_id;

        CREATE TABLE claim_fact AS
        WITH base AS (
            SELECT c.id AS claim_id,
                   c.payer_id,
                   r.payer_name,
                   COALESCE(NULLIF(r.payee_id, ''), '(unknown)') AS facility,
                   COALESCE(NULLIF(c.facility_type, ''), '(unknown)') AS facility_type,
                   COALESCE(NULLIF(c.rendering_npi, ''), '(none)') AS rendering_provider,
                   c.patient_control_number AS pcn,
                   c.status,
                   c.frequency,
                   COALESCE(c.charge, 0) AS charge,
                   COALESCE(c.paid, 0) AS paid,
                   COALESCE(c.patient_responsibility, 0) AS patient_responsibility,
                   COALESCE(r.payment_date, r.production_date, c.service_date) AS remit_date,
                   c.status IN ({excluded}) AS not_adjudication,
                   d.claim_id IS NOT NULL AS denied,
                   COALESCE(d.denial_dollars, 0) AS denial_dollars
            FROM src_claim c
            JOIN src_remittance r ON r.id = c.remittance_id
            LEFT JOIN claim_denial d ON d.claim_id = c.id
        ),
        ordered AS (
            SELECT *,
                   ROW_NUMBER() OVER w AS remit_number,
                   LEAD(remit_date) OVER w AS next_remit_date
            FROM base WHERE NOT not_adjudication
            WINDOW w AS (PARTITION BY payer_id, pcn ORDER BY remit_date, claim_id)
        )
        SELECT b.*,
               CAST(date_trunc('month', b.remit_date) AS DATE) AS month,
               CAST(date_trunc('week', b.remit_date) AS DATE) AS week,
               COALESCE(o.remit_number = 1 AND b.frequency NOT IN ('7', '8'), FALSE)
                   AS is_initial,
               o.next_remit_date IS NOT NULL AS resubmitted,
               o.next_remit_date,
               b.denied AND (b.status = '4' OR b.paid = 0) AS fully_denied,
               b.denied AND NOT (b.status = '4' OR b.paid = 0) AS partially_denied,
               b.status IN ('1', '4', '19') AS is_primary
        FROM base b LEFT JOIN ordered o ON o.claim_id = b.claim_id;

        CREATE TABLE adj_fact AS
        SELECT a.id AS adjustment_id,
               a.claim_id,
               a.service_line_id,
               a.level,
               a.group_code,
               a.reason_code,
               a.group_code || '-' || a.reason_code AS carc,
               CAST(a.amount AS {MONEY}) AS amount,
               COALESCE(a.is_denial, FALSE) AS is_denial,
               COALESCE(a.family, '(unclassified)') AS family,
               COALESCE(a.category, '(unclassified)') AS category,
               COALESCE(a.owner, '(unassigned)') AS owner,
               COALESCE(a.process_step, '(unknown)') AS process_step,
               a.soft_or_hard,
               a.next_action,
               COALESCE(NULLIF(s.revenue_code, ''), '(none)') AS revenue_code,
               CASE WHEN s.id IS NULL THEN '(claim level)'
                    WHEN s.qualifier IN ('HC', 'HP') AND length(s.code) >= 5
                        THEN left(s.code, 3) || 'xx'
                    ELSE COALESCE(NULLIF(s.code, ''), '(none)') END AS procedure_range,
               CASE WHEN s.id IS NULL THEN '(claim level)'
                    WHEN COALESCE(s.revenue_code, '') <> '' THEN 'rev ' || s.revenue_code
                    WHEN s.qualifier IN ('HC', 'HP') AND length(s.code) >= 5
                        THEN left(s.code, 3) || 'xx'
                    ELSE COALESCE(NULLIF(s.code, ''), '(none)') END AS service_line,
               c.payer_id, c.facility, c.facility_type, c.rendering_provider,
               c.remit_date, c.month, c.week, c.is_initial, c.not_adjudication,
               c.fully_denied, c.partially_denied, c.is_primary
        FROM src_adjustment a
        JOIN claim_fact c ON c.claim_id = a.claim_id
        LEFT JOIN src_service_line s ON s.id = a.service_line_id;
        """
    )
    if has_work:
        _build_work_facts(con)
    build_summaries(con, has_work=has_work)


def _build_work_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Cases and appeals with the dimensions of their claim and their denials."""
    con.execute(
        f"""
        CREATE TABLE case_fact AS
        WITH resubmitted AS (
            SELECT case_id, MIN("at") AS resubmitted_on
            FROM src_case_event
            WHERE field = 'state' AND new_value = 'resubmitted'
            GROUP BY case_id
        ),
        first_appeal AS (
            SELECT case_id, MIN(submitted_on) AS first_appeal_on
            FROM src_appeal GROUP BY case_id
        )
        SELECT k.id AS case_id, k.claim_id, k.state,
               CAST(COALESCE(k.at_risk, 0) AS {MONEY}) AS at_risk,
               CAST(COALESCE(k.recovered, 0) AS {MONEY}) AS case_recovered,
               k.determination_date, k.next_deadline, k.closed_at,
               r.resubmitted_on, f.first_appeal_on,
               k.state IN ({sql_list(CLOSED_STATES)}) AS closed,
               COALESCE(a.family, k.family, '(unclassified)') AS family,
               COALESCE(a.category, k.category, '(unclassified)') AS category,
               COALESCE(a.owner, k.owner, '(unassigned)') AS owner,
               COALESCE(a.process_step, '(unknown)') AS process_step,
               COALESCE(a.carc, '(unknown)') AS carc,
               COALESCE(a.revenue_code, '(none)') AS revenue_code,
               COALESCE(a.procedure_range, '(claim level)') AS procedure_range,
               COALESCE(a.service_line, '(claim level)') AS service_line,
               c.payer_id, c.facility, c.facility_type, c.rendering_provider,
               c.remit_date, c.month, c.week
        FROM src_denial_case k
        JOIN claim_fact c ON c.claim_id = k.claim_id
        LEFT JOIN src_case_adjustment ca ON ca.case_id = k.id
        LEFT JOIN adj_fact a ON a.adjustment_id = ca.adjustment_id
        LEFT JOIN resubmitted r ON r.case_id = k.id
        LEFT JOIN first_appeal f ON f.case_id = k.id;

        CREATE TABLE appeal_fact AS
        SELECT p.id AS appeal_id, p.case_id, p.level, p.kind, p.submitted_on, p.decided_on,
               p.outcome, CAST(COALESCE(p.recovered, 0) AS {MONEY}) AS recovered
        FROM src_appeal p;
        """
    )


ALL_FAMILIES = "*"
CLAIM_COLUMNS = "payer_id, facility, facility_type, rendering_provider, remit_date, month, week"


def build_summaries(con: duckdb.DuckDBPyConnection, *, has_work: bool) -> None:
    """Per-claim and per-case summaries, so reports cut by claim dimensions never need
    COUNT(DISTINCT) over adjustment rows (derived from the facts: a cache, not a source).

    ``denial_fact``: the denial rows of ``adj_fact`` (a few percent of the adjustments),
    which is all that denial metrics, Pareto and trends read.
    ``claim_denial_fact``: one row per (denied claim, family) plus one per denied claim
    with family ``'*'`` (all families; its line count does not double-count a line denied
    for two families). ``case_claim_fact``: one row per case with its claim's dimensions.
    """
    documentation = "(process_step = 'documentation' OR category ILIKE '%documentation%')"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE denial_fact AS SELECT * FROM adj_fact WHERE is_denial;

        CREATE OR REPLACE TABLE claim_denial_fact AS
        WITH denials AS (
            SELECT claim_id, family, service_line_id, level, amount,
                   {documentation} AS documentation
            FROM denial_fact
        ),
        both_ways AS (
            SELECT claim_id, family, service_line_id, level, amount, documentation
            FROM denials
            UNION ALL
            SELECT claim_id, '{ALL_FAMILIES}', service_line_id, level, amount, documentation
            FROM denials
        ),
        per_claim AS (
            SELECT claim_id, family,
                   SUM(amount) AS dollars,
                   COUNT(DISTINCT service_line_id) FILTER (WHERE level = 'line') AS lines,
                   BOOL_OR(documentation) AS documentation
            FROM both_ways GROUP BY claim_id, family
        )
        SELECT p.*, c.is_initial, c.fully_denied, c.partially_denied, c.is_primary,
               c.not_adjudication, {", ".join("c." + x.strip() for x in CLAIM_COLUMNS.split(","))}
        FROM per_claim p JOIN claim_fact c USING (claim_id);
        """
    )
    if has_work:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE case_claim_fact AS
            SELECT DISTINCT case_id, state, closed, at_risk, case_recovered, determination_date,
                   next_deadline, closed_at, resubmitted_on, first_appeal_on, {CLAIM_COLUMNS}
            FROM case_fact;
            """
        )
