"""Benchmark: the work queue's pages at a million cases, on SQLite and PostgreSQL.

Not a test. Run ``.venv/bin/python bench/queue.py`` (``--cases`` to change the size,
``--no-pg`` to skip PostgreSQL, ``--no-write`` to leave bench/RESULTS.md alone).

The database is built once per size and kept (``bench/.cache/queue-N.db``; PostgreSQL is
rebuilt in a throwaway server each run) with INSERT ... SELECT over a generated series:
one remittance, N claims, N cases (one in five closed), one denial code and five search
terms per case, scores spread over a range. The build is not timed. Timed (best of 5):
:func:`denialops.work.queue.queue_page` first page, page 100 (its cursor fetched first),
and first pages filtered by owner, CARC, search and overdue. The baseline, in the same
run, is what the queue did before revision 0004 as its first step: read every open case
(``SELECT * FROM denial_case WHERE closed_at IS NULL``), before scoring them in Python.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and this file (queue.py) would
# shadow the standard library's queue module; the repository root must be importable
# for tests.pgserver.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import Engine, text  # noqa: E402

from denialops.store.db import make_engine  # noqa: E402
from denialops.store.migrate import upgrade  # noqa: E402
from denialops.work.queue import QueueFilters, queue_page  # noqa: E402

CACHE = Path(__file__).with_name(".cache")
TODAY = date(2026, 6, 1)


def _series(dialect: str, n: int) -> tuple[str, str]:
    if dialect == "sqlite":
        return (
            f"WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) ",
            "FROM s",
        )
    return "", f"FROM generate_series(1::bigint, {n}) AS s(x)"


def build(engine: Engine, n: int) -> None:
    dialect = engine.dialect.name
    true, false = ("1", "0") if dialect == "sqlite" else ("true", "false")
    day = (
        (lambda e: f"date('2026-01-01', '+' || ({e}) || ' days')")
        if dialect == "sqlite"
        else (lambda e: f"(DATE '2026-01-01' + ({e})::int)")
    )
    stamp = (
        "'2026-01-01 00:00:00'" if dialect == "sqlite" else "TIMESTAMPTZ '2026-01-01 00:00:00+00'"
    )
    money = (  # integer cents on SQLite (revision 0003), NUMERIC on PostgreSQL
        (lambda e: f"CAST(ROUND(({e}) * 100) AS INTEGER)")
        if dialect == "sqlite"
        else (lambda e: f"({e})")
    )
    blob = "X'00'" if dialect == "sqlite" else "decode('00', 'hex')"
    head, source = _series(dialect, n)
    statements = [
        f"""INSERT INTO source_file (id, path, name, sha256, size_bytes, ingested_at,
            transactions, quarantined) VALUES (1, 'bench', 'bench', 'x', 0, {stamp}, 1, 0)""",
        f"""INSERT INTO remittance (id, file_id, fingerprint, segment_number, isa_control,
            gs_control, st_control, sender_id, receiver_id, version, handling_code,
            payment_amount, credit_debit, payment_method, trace_number, trace_originator,
            payer_id, payer_name, payee_name, payee_id_qualifier, payee_id, claim_count,
            total_charge, total_paid, plb_total, balanced, balance_errors, detail, raw_x12,
            ingested_at) VALUES (1, 1, 'f', 1, '1', '1', '1', 's', 'r', '005010X221A1', 'I',
            0, 'C', 'ACH', 'T', '1', 'P', 'P', 'H', 'XX', '1', {n}, 0, 0, 0, {true}, '[]',
            '{{}}', {blob}, {stamp})""",
        f"""{head}INSERT INTO claim (id, remittance_id, seq, payer_id, patient_control_number,
            status, charge, paid, filing_indicator, payer_claim_control_number, facility_type,
            frequency, drg, patient_id, patient_last_name, patient_first_name, rendering_npi,
            remark_codes, line_count, balanced, denial_status, denied_amount, detail)
            SELECT x, 1, x, 'PAYER' || (x % 9), 'PCN' || x, '4', {money(100)}, 0, 'CI',
            'ICN' || x, '11', '1', '', 'M' || x, 'NAME' || (x % 5000), 'F', '1', '[]', 1,
            {true}, 'fully_denied', {money(100)}, '{{}}' {source}""",
        f"""{head}INSERT INTO denial_case (id, claim_id, remittance_id, payer_id,
            patient_control_number, payer_claim_control_number, filing_indicator,
            denial_status, family, category, owner, billed, paid_initial, at_risk,
            service_date, determination_date, state, appeal_level, next_deadline,
            next_deadline_kind, paid_to_date, recovered, opened_at, updated_at, closed_at,
            version, patient_id, patient_name, priority_score, p_overturn, p_source,
            expected_recovery, cost_to_work, age_factor, deadline_factor, priority_as_of)
            SELECT x, x, 1, 'PAYER' || (x % 9), 'PCN' || x, 'ICN' || x, 'CI', 'fully_denied',
            'clinical', 'medical_necessity',
            CASE x % 5 WHEN 0 THEN 'ur_cdi' WHEN 1 THEN 'coding_him' WHEN 2 THEN
            'patient_access' WHEN 3 THEN 'billing' ELSE 'managed_care' END,
            {money("(x % 9000) + 100")}, 0, {money("(x % 9000) + 100")}, {day("x % 300")},
            {day("x % 300")},
            CASE WHEN x % 5 = 0 THEN 'won' ELSE 'new' END, 0,
            {day("120 + x % 300")}, 'appeal level 1', 0, 0, {stamp}, {stamp},
            CASE WHEN x % 5 = 0 THEN {stamp} END, 1, 'M' || x, 'NAME' || (x % 5000),
            {money("((x * 7919) % 1000000) / 100.0 - 500")}, 0.4, 'prior', 0, 0, 1, 1,
            {day("150")}
            {source}""",
        """INSERT INTO case_search (case_id, term) SELECT id, patient_control_number
            FROM denial_case""",
        """INSERT INTO case_search (case_id, term) SELECT id, payer_claim_control_number
            FROM denial_case""",
        """INSERT INTO case_search (case_id, term) SELECT id, patient_id FROM denial_case""",
        """INSERT INTO case_search (case_id, term) SELECT id, patient_name FROM denial_case""",
    ]
    with engine.begin() as conn:
        if dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")  # no FK checks
        for statement in statements:
            conn.exec_driver_sql(_driver(statement, dialect))
    # one denial code per case: CARC by case id (x % 40), needs adjustment rows on PG only
    # for the foreign key, which replica mode skips
    with engine.begin() as conn:
        if dialect != "sqlite":
            conn.exec_driver_sql("SET session_replication_role = replica")
        conn.exec_driver_sql(
            _driver(
                "INSERT INTO adjustment (id, remittance_id, claim_id, level, segment_order, "
                "position, group_code, reason_code, amount, rarcs, needs_review, is_denial) "
                f"SELECT id, 1, id, 'claim', 1, 1, 'CO', CAST(id % 40 AS VARCHAR(8)), 100, '[]', "
                f"{false}, {true} FROM denial_case",
                dialect,
            )
        )
        conn.exec_driver_sql(
            _driver(
                "INSERT INTO case_adjustment (case_id, adjustment_id, group_code, reason_code, "
                "amount) SELECT id, id, 'CO', CAST(id % 40 AS VARCHAR(8)), 100 FROM denial_case",
                dialect,
            )
        )
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _driver(statement: str, dialect: str) -> str:
    """psycopg reads ``%`` as a placeholder in driver-level SQL: the modulo must be doubled."""
    return statement if dialect == "sqlite" else statement.replace("%", "%%")


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(engine: Engine) -> dict[str, float]:
    def page(filters: QueueFilters | None = None, cursor: str | None = None) -> object:
        return queue_page(engine, filters, limit=50, cursor=cursor, today=TODAY)

    cursor = None
    for _ in range(99):
        cursor = queue_page(engine, limit=50, cursor=cursor, today=TODAY).next_cursor

    def baseline() -> object:
        with engine.connect() as conn:
            return conn.execute(text("SELECT * FROM denial_case WHERE closed_at IS NULL")).all()

    return {
        "baseline: read all open cases": best(baseline, 2),
        "first page (priority)": best(page),
        "page 100 (priority)": best(lambda: page(cursor=cursor)),
        "first page --owner billing": best(lambda: page(QueueFilters(owner="billing"))),
        "first page --carc CO-17": best(lambda: page(QueueFilters(carc="CO-17"))),
        "first page --search name42": best(lambda: page(QueueFilters(search="name42"))),
        "first page --overdue": best(lambda: page(QueueFilters(overdue=True))),
        "first page --sort deadline": best(
            lambda: queue_page(engine, sort="deadline", limit=50, today=TODAY)
        ),
        "first page --sort amount": best(
            lambda: queue_page(engine, sort="amount", limit=50, today=TODAY)
        ),
    }


def report(name: str, figures: dict[str, float]) -> list[str]:
    base = figures["baseline: read all open cases"]
    lines = [f"{name}:"]
    for label, seconds in figures.items():
        lines.append(f"  {label:<34} {seconds * 1000:9.1f} ms   {seconds / base:7.4f} x baseline")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"queue-{args.cases}.db"
    url = f"sqlite:///{path}"
    if not path.exists():  # built under a temporary name, renamed when complete
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        upgrade(f"sqlite:///{partial}")
        builder = make_engine(f"sqlite:///{partial}")
        build(builder, args.cases)
        with builder.connect() as conn:  # fold the WAL into the file before renaming it
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        builder.dispose()
        partial.rename(path)
    lines = [f"load average {os.getloadavg()[0]:.2f}, {args.cases:,} cases"]
    sqlite = make_engine(url)
    lines += report("SQLite", measure(sqlite))
    sqlite.dispose()
    if not args.no_pg:
        from tests.pgserver import start_server

        server = start_server()
        try:
            pg_url = server.url("postgres")
            upgrade(pg_url)
            engine = make_engine(pg_url)
            build(engine, args.cases)
            lines += report("PostgreSQL", measure(engine))
            engine.dispose()
        finally:
            server.stop()
    lines.append(f"load average {os.getloadavg()[0]:.2f} at the end")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
