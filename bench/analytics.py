"""Benchmark: the report layer on a 1,000,000-claim database of analytical facts.

Not a test. Run ``.venv/bin/python bench/analytics.py`` (``--claims`` to change the size,
``--postgres`` to time PostgreSQL too on a throwaway server, ``--no-write`` to leave
bench/RESULTS.md alone).

What is built: the fact tables of revision 0005 (``fact_claim``, ``fact_claim_family``,
``fact_denial``, ``fact_case``, ``fact_appeal``) filled with synthetic rows generated in
DuckDB (hash-based, so the same every run) and bulk-inserted into a migrated SQLite file,
then ``fact_cube`` summed from them (``rebuild_cube``), cached under ``bench/data/``
(delete it to rebuild). Shape, after issue 10: 1,000,000
claims (9 payers, 24 months, ~10% later adjudications), ~41% of initial claims denied
(~370,000 cases), 1-2 denial rows per denied claim, an appeal for a third of the cases.
The remittance tables themselves stay empty: this measures the report layer, which reads
only the facts (the end-to-end figure with ingest is ``bench/scale.py``'s).

What is timed (wall seconds, best and median of ``--runs`` rounds interleaved so every
query sees the same machine load): each report as ``denialops report`` runs it, i.e.
opening the database (migration check and the facts catch-up included), computing, and
closing. The floor, measured in the same rounds, is one scan of the claim facts:
``SELECT payer_id, COUNT(*), SUM(charge_cents) FROM fact_claim GROUP BY payer_id``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, create_engine, text

from denialops.analytics.engine import open_analytics
from denialops.analytics.fact_schema import FACT_SCHEMA_VERSION, FACT_TABLES
from denialops.analytics.facts import rebuild_cube
from denialops.analytics.metrics import compute_kpis
from denialops.analytics.pareto import pareto
from denialops.analytics.trend import trend
from denialops.store.migrate import upgrade

RESULTS = Path(__file__).with_name("RESULTS.md")
DATA = Path(__file__).with_name("data")
SECTION = "## Analytics at 1,000,000 claims: the report layer (issue 10)"

CATEGORIES = [
    ("clinical", "medical_necessity"), ("clinical", "level_of_care"),
    ("clinical", "length_of_stay"), ("clinical", "experimental"),
    ("coding", "bundling_ncci"), ("coding", "missing_modifier"), ("coding", "cpt_icd_pairing"),
    ("coding", "diagnosis_specificity"), ("administrative", "eligibility"),
    ("administrative", "authorization_missing"), ("administrative", "timely_filing"),
    ("administrative", "coordination_of_benefits"), ("administrative", "duplicate"),
    ("technical", "missing_information"), ("technical", "invalid_identifier"),
    ("technical", "unprocessable"),
]  # fmt: skip


def generate(con: duckdb.DuckDBPyConnection, claims: int) -> None:
    """The five fact tables as DuckDB tables (``g_fact_*``), hash-based and repeatable."""
    families = "[" + ", ".join(f"'{f}'" for f, _ in CATEGORIES) + "]"
    categories = "[" + ", ".join(f"'{c}'" for _, c in CATEGORIES) + "]"
    n = len(CATEGORIES)
    con.execute(
        f"""
        CREATE TABLE g_fact_claim AS
        WITH base AS (
            SELECT range + 1 AS claim_id,
                   hash(range, 1) % 1000 AS h1, hash(range, 2) % 1000 AS h2,
                   hash(range, 3) % 1000 AS h3, hash(range, 4) % 730 AS day
            FROM range({claims})
        ),
        shaped AS (
            SELECT *, DATE '2024-01-01' + CAST(day AS INTEGER) AS remit_date,
                   h1 < 410 AS denied_b, h2 >= 100 AS initial_b, h3 < 20 AS reversal_b
            FROM base
        )
        SELECT claim_id, claim_id // 40 + 1 AS remittance_id,
               'P' || CAST(h2 % 9 AS VARCHAR) AS payer_id,
               'F' || CAST(h3 % 3 AS VARCHAR) AS facility,
               ['11', '13', '21', '22'][1 + CAST(h1 % 4 AS INTEGER)] AS facility_type,
               'NPI' || CAST((h1 * 7 + h3) % 60 AS VARCHAR) AS rendering_provider,
               remit_date, CAST(date_trunc('month', remit_date) AS DATE) AS month,
               CAST(date_trunc('week', remit_date) AS DATE) AS week, 1 AS date_ok,
               'PCN' || CAST(claim_id AS VARCHAR) AS pcn,
               CASE WHEN reversal_b THEN '22' WHEN denied_b AND h3 % 3 = 0 THEN '4'
                    ELSE '1' END AS status,
               CASE WHEN initial_b THEN '1' ELSE '7' END AS frequency,
               CASE WHEN reversal_b THEN 0 ELSE 1 END AS is_adjudication,
               CASE WHEN initial_b AND NOT reversal_b THEN 1 ELSE 0 END AS is_initial,
               CASE WHEN reversal_b THEN 0 ELSE 1 END AS is_primary,
               CASE WHEN denied_b AND NOT reversal_b AND h3 % 3 = 0 THEN 1 ELSE 0 END
                   AS fully_denied,
               CASE WHEN denied_b AND NOT reversal_b AND h3 % 3 <> 0 THEN 1 ELSE 0 END
                   AS partially_denied,
               CASE WHEN h3 % 11 = 0 THEN 1 ELSE 0 END AS resubmitted,
               CASE WHEN denied_b AND NOT reversal_b THEN 1 ELSE 0 END AS denied,
               CASE WHEN h2 % 97 = 0 THEN 1 ELSE 0 END AS duplicate_denied,
               CASE WHEN denied_b AND h2 % 5 = 0 THEN 1 ELSE 0 END AS documentation,
               CAST(10000 + h1 * 731 + h2 * 17 AS BIGINT) AS charge_cents,
               CAST(CASE WHEN denied_b AND h3 % 3 = 0 THEN 0 ELSE 6000 + h1 * 400 END AS BIGINT)
                   AS paid_cents,
               CAST(h2 * 5 AS BIGINT) AS patient_resp_cents,
               CAST(CASE WHEN denied_b AND h3 % 3 = 0 THEN 0 ELSE 6000 + h1 * 400 END
                    + h2 * 5 AS BIGINT) AS npsr_cents,
               CAST(CASE WHEN denied_b THEN 2000 + h2 * 90 ELSE 0 END AS BIGINT) AS denial_cents,
               CAST(CASE WHEN h2 % 97 = 0 THEN 1500 ELSE 0 END AS BIGINT) AS duplicate_cents,
               CASE WHEN denied_b THEN 1 + CAST(h3 % 2 AS INTEGER) ELSE 0 END AS denied_lines
        FROM shaped;

        CREATE TABLE g_fact_denial AS
        SELECT c.claim_id * 2 + k AS adjustment_id, c.claim_id,
               c.claim_id * 3 + k AS service_line_id,
               CASE WHEN k = 0 THEN 'line' ELSE 'claim' END AS level,
               'CO-' || CAST(16 + cat AS VARCHAR) AS carc, '' AS rarcs,
               CAST(CASE WHEN k = 0 THEN c.denial_cents ELSE 0 END AS BIGINT) AS amount_cents,
               {families}[1 + cat] AS family, {categories}[1 + cat] AS category,
               'billing' AS owner, 'billing' AS process_step, 'soft' AS soft_or_hard,
               'appeal' AS next_action, '0450' AS revenue_code, '992xx' AS procedure_range,
               'rev 0450' AS service_line, c.documentation, 0 AS is_duplicate,
               c.payer_id, c.facility, c.facility_type, c.rendering_provider, c.remit_date,
               c.month, c.week, c.date_ok, c.is_adjudication, c.is_initial, c.is_primary,
               c.fully_denied, c.partially_denied, c.charge_cents
        FROM g_fact_claim c,
             LATERAL (SELECT range AS k
                      FROM range(1 + CAST(hash(c.claim_id, 5) % 4 = 0 AS INTEGER))),
             LATERAL (SELECT CAST((hash(c.claim_id, 6) + k) % {n} AS INTEGER) AS cat)
        WHERE c.denied = 1;

        CREATE TABLE g_fact_claim_family AS
        SELECT d.claim_id, d.family, any_value(d.payer_id) AS payer_id,
               any_value(d.facility) AS facility, any_value(d.facility_type) AS facility_type,
               any_value(d.rendering_provider) AS rendering_provider,
               any_value(d.remit_date) AS remit_date, any_value(d.month) AS month,
               any_value(d.week) AS week, 1 AS date_ok,
               any_value(d.is_adjudication) AS is_adjudication,
               any_value(d.is_initial) AS is_initial, any_value(d.is_primary) AS is_primary,
               any_value(d.fully_denied) AS fully_denied,
               any_value(d.partially_denied) AS partially_denied,
               max(d.documentation) AS documentation, any_value(d.charge_cents) AS charge_cents,
               CAST(sum(d.amount_cents) AS BIGINT) AS denial_cents,
               CAST(count(*) FILTER (WHERE d.level = 'line') AS INTEGER) AS denied_lines
        FROM g_fact_denial d GROUP BY d.claim_id, d.family;

        CREATE TABLE g_fact_case AS
        SELECT c.claim_id AS case_id, c.claim_id, 1 AS case_version,
               ['new', 'in_progress', 'appealed', 'resubmitted', 'won', 'lost', 'written_off',
                'partially_won', 'in_progress', 'appealed'][1 + CAST(hash(c.claim_id, 7) % 10
                                                                    AS INTEGER)] AS state,
               0 AS closed, '' AS outcome, c.denial_cents AS at_risk_cents,
               c.denial_cents AS expected_cents, CAST(0 AS BIGINT) AS recovered_cents,
               c.remit_date AS determination_date,
               CAST(c.remit_date + INTERVAL 120 DAY AS DATE) AS next_deadline,
               CAST(NULL AS DATE) AS closed_on, CAST(NULL AS DATE) AS decided_on,
               CAST(NULL AS DATE) AS resubmitted_on, CAST(NULL AS DATE) AS first_appeal_on,
               f.family, f.category, 'billing' AS owner, c.payer_id, c.facility,
               c.facility_type, c.rendering_provider, c.remit_date, c.month, c.week, c.date_ok
        FROM g_fact_claim c
        JOIN (SELECT claim_id, any_value(family) AS family, any_value(category) AS category
              FROM g_fact_denial GROUP BY claim_id) f ON f.claim_id = c.claim_id
        WHERE c.is_initial = 1 AND c.denied = 1;

        UPDATE g_fact_case SET
            closed = CASE WHEN state IN ('won', 'lost', 'written_off', 'partially_won')
                          THEN 1 ELSE 0 END,
            outcome = CASE state WHEN 'won' THEN 'overturned'
                                 WHEN 'partially_won' THEN 'partially_overturned'
                                 WHEN 'lost' THEN 'upheld' ELSE '' END,
            closed_on = CASE WHEN state IN ('won', 'lost', 'written_off', 'partially_won')
                             THEN CAST(determination_date + INTERVAL 75 DAY AS DATE) END,
            decided_on = CASE WHEN state IN ('won', 'lost', 'partially_won')
                              THEN CAST(determination_date + INTERVAL 75 DAY AS DATE) END,
            recovered_cents = CASE WHEN state IN ('won', 'partially_won')
                                   THEN at_risk_cents * 8 // 10 ELSE 0 END,
            first_appeal_on = CASE WHEN state IN ('appealed', 'won', 'lost', 'partially_won')
                                   THEN CAST(determination_date + INTERVAL 20 DAY AS DATE) END,
            resubmitted_on = CASE WHEN state = 'resubmitted'
                                  THEN CAST(determination_date + INTERVAL 9 DAY AS DATE) END;

        CREATE TABLE g_fact_appeal AS
        SELECT case_id AS appeal_id, case_id, claim_id, 1 AS level,
               CASE WHEN case_id % 4 = 0 THEN 'peer_to_peer' ELSE 'appeal' END AS kind,
               first_appeal_on AS submitted_on, decided_on,
               CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END AS is_decision,
               CASE state WHEN 'partially_won' THEN 'partially_won' WHEN 'won' THEN 'won'
                          WHEN 'lost' THEN 'lost' ELSE '' END AS outcome,
               recovered_cents
        FROM g_fact_case WHERE first_appeal_on IS NOT NULL;
        """
    )


def build(url: str, claims: int, engine: Engine) -> dict[str, int]:
    """Migrate the database and bulk-load the generated facts into it."""
    upgrade(engine)
    con = duckdb.connect()
    generate(con, claims)
    counts: dict[str, int] = {}
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        for table in FACT_TABLES:
            names = ", ".join(table.column_names)
            # dates travel as ISO text (what SQLite stores; PostgreSQL's COPY parses it)
            select = ", ".join(
                f"CAST({c.name} AS VARCHAR)" if c.kind == "date" else c.name for c in table.columns
            )
            source = con.execute(f"SELECT {select} FROM g_{table.name} ORDER BY 1")
            counts[table.name] = 0
            if postgres:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    while batch := source.fetchmany(100_000):
                        for row in batch:
                            copy.write_row(row)
                        counts[table.name] += len(batch)
                continue
            marks = ", ".join("?" for _ in table.columns)
            while batch := source.fetchmany(100_000):
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", batch)
                counts[table.name] += len(batch)
        started = time.perf_counter()
        rebuild_cube(conn)
        counts["cube seconds"] = round(time.perf_counter() - started)
        for name, value in (("schema_version", str(FACT_SCHEMA_VERSION)),
                            ("claim_watermark", "0"), ("history_watermark", "0")):  # fmt: skip
            conn.execute(text("DELETE FROM fact_meta WHERE name = :n"), {"n": name})
            conn.execute(
                text("INSERT INTO fact_meta (name, value) VALUES (:n, :v)"), {"n": name, "v": value}
            )
    if not postgres:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    con.close()
    return counts


def timed_rounds(
    runs: int, queries: dict[str, Callable[[], object]]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds (this process) per query, interleaved round by round (a load
    burst hits all alike). On SQLite all the work is in this process, so CPU seconds are
    what the query costs whatever else the shared machine is doing."""
    times: dict[str, list[float]] = {name: [] for name in queries}
    cpu: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(runs):
        for name, query in queries.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            query()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    return times, cpu


def report(engine: Engine, work: Callable[[Any], object]) -> Callable[[], object]:
    """What ``denialops report ...`` does: open (catch-up included), compute, close."""

    def run() -> object:
        db = open_analytics(engine)
        try:
            return work(db)
        finally:
            db.close()

    return run


def measure(label: str, engine: Engine, runs: int) -> list[str]:
    floor_sql = "SELECT payer_id, COUNT(*), SUM(charge_cents) FROM fact_claim GROUP BY payer_id"

    def floor() -> object:
        with engine.connect() as conn:
            return conn.execute(text(floor_sql)).all()

    queries: dict[str, Callable[[], object]] = {
        "floor": floor,
        "kpis": report(engine, lambda db: compute_kpis(db)),
        "kpis_by_payer": report(engine, lambda db: compute_kpis(db, by=["payer"])),
        "kpis_payer_category": report(
            engine, lambda db: compute_kpis(db, by=["payer", "category"])
        ),
        "pareto": report(engine, lambda db: pareto(db)),
        "pareto_clinical_payer": report(
            engine, lambda db: pareto(db, filters={"family": "clinical", "payer": "P1"})
        ),
        "trend_week": report(engine, lambda db: trend(db, by="family", freq="week")),
    }
    times, cpu = timed_rounds(runs, queries)
    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    cpu_median = {k: statistics.median(v) for k, v in cpu.items()}
    targets = {"kpis": 2.0, "kpis_payer_category": 3.0}
    lines = []
    for name in queries:
        line = (
            f"{label:<10} {name:<22} wall best {best[name]:6.3f} s  median {median[name]:6.3f} s"
            f"  cpu {cpu_median[name]:6.3f} s"
            f"  ratio to floor {median[name] / median['floor']:5.1f}x"
        )
        if name in targets:
            met = "met" if median[name] < targets[name] else "MISSED"
            line += f"  target < {targets[name]:.0f} s: {met}"
        lines.append(line)
    lines.append(f"{label:<10} load average {os.getloadavg()[0]:.2f} after the rounds")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed rounds")
    parser.add_argument("--postgres", action="store_true", help="time PostgreSQL too")
    parser.add_argument("--no-write", action="store_true", help="do not edit RESULTS.md")
    args = parser.parse_args()

    DATA.mkdir(exist_ok=True)
    path = DATA / f"facts-{args.claims}-v{FACT_SCHEMA_VERSION}-cube.sqlite"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    lines = [f"load average {os.getloadavg()[0]:.2f} before the run"]
    if not path.exists():
        started = time.perf_counter()
        counts = build(url, args.claims, engine)
        lines.append(
            f"built {path.name} in {time.perf_counter() - started:.1f} s (cached for later runs)"
        )
    with engine.connect() as conn:
        counts = {
            t.name: int(conn.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar() or 0)
            for t in FACT_TABLES
        }
    lines.append("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    lines += measure("sqlite", engine, args.runs)
    engine.dispose()
    if args.postgres:
        from tests.pgserver import start_server

        server = start_server()
        try:
            pg = create_engine(server.url("postgres"))
            started = time.perf_counter()
            build(server.url("postgres"), args.claims, pg)
            lines.append(f"postgresql loaded by COPY in {time.perf_counter() - started:.1f} s")
            lines += measure("postgresql", pg, args.runs)
            pg.dispose()
        finally:
            server.stop()
    for line in lines:
        print(line)
    if not args.no_write:
        write_section(lines, args)


def write_section(lines: list[str], args: argparse.Namespace) -> None:
    """Replace (or add) this benchmark's section of bench/RESULTS.md, leaving others alone."""
    command = ".venv/bin/python bench/analytics.py" + (" --postgres" if args.postgres else "")
    body = "\n".join(
        [
            SECTION,
            "",
            f"`{command}`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on "
            f"{platform.machine()} ({os.cpu_count()} cores, shared with other sessions), "
            f"Python {platform.python_version()}; {args.runs} rounds, wall seconds. Each "
            "report is timed as the command runs it: open the database (migration check and "
            "the facts catch-up), compute, close. Data: synthetic fact rows (module "
            "docstring), not ingested files; the remittance tables are empty.",
            "",
            "```",
            *lines,
            "```",
            "",
        ]
    )
    text_ = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text_):
        text_ = pattern.sub(lambda _: body + "\n", text_)
    else:
        text_ = text_.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text_.rstrip("\n") + "\n", "utf-8")


if __name__ == "__main__":
    main()
