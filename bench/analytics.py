"""Benchmark: the KPI report and the Pareto query over ~10 million adjustment rows.

Not a test. Run ``.venv/bin/python bench/analytics.py`` (``--rows`` to change the size,
``--no-write`` to leave bench/RESULTS.md alone).

How the data is built: ``denialops.synth.generate_with_meta`` makes a base set of
remittances (default 20,000 claims, ~89,000 adjustments); each adjustment is labelled
from the generator's own denial scenario (is_denial, family, category = scenario key,
owner and process step by family), standing in for the classifier. DuckDB then replicates
the base set until it holds the requested number of adjustments: each replica gets new
ids, its own patient control numbers, and its dates shifted by whole months (so a claim
never meets a replica of itself), and cases and appeals of the work register are derived
for its denials. The benchmark times only queries, never the build.

The floor is ``SELECT payer_id, count(*), sum(amount) FROM adj_fact GROUP BY payer_id``
on the same DuckDB facts in the same run; the target is the full KPI report by payer
within 5x of it.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from denialops.analytics.engine import AnalyticsDB, build_facts
from denialops.analytics.metrics import compute_kpis
from denialops.analytics.pareto import pareto
from denialops.synth import SCENARIOS, SynthConfig, generate_with_meta

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Analytics (issue 5)"
OWNER_BY_FAMILY = {
    "clinical": ("ur_cdi", "documentation"),
    "coding": ("coding_him", "coding"),
    "administrative": ("patient_access", "registration"),
    "technical": ("billing", "billing"),
}


def base_tables(claims: int, seed: int) -> dict[str, pa.Table]:
    """The synthetic base set as Arrow tables shaped like the ``src_*`` tables."""
    cols: dict[str, dict[str, list[Any]]] = {
        t: {} for t in ("remittance", "claim", "service_line", "adjustment")
    }

    def add(table: str, **values: Any) -> None:
        for name, value in values.items():
            cols[table].setdefault(name, []).append(value)

    claim_id = line_id = adj_id = 0
    for rem_id, (remittance, pairs) in enumerate(
        generate_with_meta(SynthConfig(seed=seed, claims=claims)), start=1
    ):
        add(
            "remittance",
            id=rem_id,
            payer_id=remittance.payer_id,
            payer_name=remittance.payer.name,
            payee_id=remittance.payee.identifier,
            payment_date=remittance.payment.payment_date,
            production_date=remittance.production_date,
        )
        for claim, meta in pairs:
            claim_id += 1
            scenario = SCENARIOS.get(meta.scenario)
            add(
                "claim",
                id=claim_id,
                remittance_id=rem_id,
                payer_id=remittance.payer_id,
                patient_control_number=claim.patient_control_number,
                status=claim.status,
                charge=claim.charge,
                paid=claim.paid,
                patient_responsibility=claim.patient_responsibility,
                facility_type=claim.facility_type,
                frequency=claim.frequency,
                rendering_npi=claim.rendering.identifier if claim.rendering else "",
                service_date=meta.service_date,
            )
            located = [(None, a) for a in claim.adjustments]
            for line in claim.lines:
                line_id += 1
                add(
                    "service_line",
                    id=line_id,
                    claim_id=claim_id,
                    qualifier=line.qualifier,
                    code=line.code,
                    revenue_code=line.revenue_code,
                )
                located += [(line_id, a) for a in line.adjustments]
            for lid, adj in located:
                adj_id += 1
                denial = bool(
                    scenario and adj.group == scenario.group and adj.reason == scenario.carc
                )
                family = scenario.family if denial and scenario else None
                owner, step = OWNER_BY_FAMILY.get(family or "", (None, None))
                add(
                    "adjustment",
                    id=adj_id,
                    claim_id=claim_id,
                    service_line_id=lid,
                    level="line" if lid else "claim",
                    group_code=adj.group,
                    reason_code=adj.reason,
                    amount=adj.amount,
                    is_denial=denial,
                    family=family,
                    category=meta.scenario if denial else None,
                    soft_or_hard=None,
                    process_step=step,
                    owner=owner,
                    next_action=None,
                )
    money = pa.decimal128(18, 2)
    tables = {}
    for table, columns in cols.items():
        arrays = {}
        for name, values in columns.items():
            if name in ("charge", "paid", "patient_responsibility", "amount"):
                arrays[name] = pa.array(values, type=money)
            else:
                arrays[name] = pa.array(values)
        tables[table] = pa.table(arrays)
    return tables


def replicate(con: duckdb.DuckDBPyConnection, base: dict[str, pa.Table], target_rows: int) -> int:
    """Fill ``src_*`` with enough replicas of the base set to reach ``target_rows``."""
    for table, data in base.items():
        con.register(f"base_{table}", data)
    factor = math.ceil(target_rows / base["adjustment"].num_rows)
    span = {
        t: int(con.execute(f"SELECT max(id) + 1 FROM base_{t}").fetchone()[0])  # type: ignore[index]
        for t in base
    }
    con.execute(
        f"""
        CREATE TABLE reps AS SELECT range AS rep FROM range({factor});
        CREATE TABLE src_remittance AS
        SELECT r.id + rep * {span["remittance"]} AS id, payer_id, payer_name, payee_id,
               CAST(payment_date + INTERVAL (rep % 24) MONTH AS DATE) AS payment_date,
               CAST(production_date + INTERVAL (rep % 24) MONTH AS DATE) AS production_date
        FROM base_remittance r, reps;
        CREATE TABLE src_claim AS
        SELECT c.id + rep * {span["claim"]} AS id,
               remittance_id + rep * {span["remittance"]} AS remittance_id,
               payer_id, patient_control_number || '-' || rep AS patient_control_number,
               status, charge, paid, patient_responsibility, facility_type, frequency,
               rendering_npi, CAST(service_date + INTERVAL (rep % 24) MONTH AS DATE) AS service_date
        FROM base_claim c, reps;
        CREATE TABLE src_service_line AS
        SELECT s.id + rep * {span["service_line"]} AS id,
               claim_id + rep * {span["claim"]} AS claim_id, qualifier, code, revenue_code
        FROM base_service_line s, reps;
        CREATE TABLE src_adjustment AS
        SELECT a.id + rep * {span["adjustment"]} AS id,
               claim_id + rep * {span["claim"]} AS claim_id,
               service_line_id + rep * {span["service_line"]} AS service_line_id,
               level, group_code, reason_code, amount, is_denial, family, category,
               soft_or_hard, process_step, owner, next_action
        FROM base_adjustment a, reps
        WHERE a.id + rep * {span["adjustment"]} < {target_rows} + 1;
        """
    )
    _derive_work_register(con)
    return factor


def _derive_work_register(con: duckdb.DuckDBPyConnection) -> None:
    """One case per denied claim, appeals for a third of them (states by hash: repeatable)."""
    con.execute(
        """
        CREATE TABLE src_denial_case AS
        WITH denied AS (
            SELECT a.claim_id, any_value(a.family) AS family, any_value(a.category) AS category,
                   any_value(a.owner) AS owner, SUM(a.amount) AS at_risk
            FROM src_adjustment a WHERE a.is_denial GROUP BY a.claim_id
        )
        SELECT row_number() OVER (ORDER BY d.claim_id) AS id, d.claim_id, d.family,
               d.category, d.owner,
               ['new', 'triaged', 'in_progress', 'appealed', 'resubmitted', 'won', 'lost',
                'written_off', 'partially_won', 'appealed'][1 + CAST(hash(d.claim_id) % 10 AS INT)]
                   AS state,
               d.at_risk,
               CASE WHEN hash(d.claim_id) % 10 IN (5, 8) THEN d.at_risk * 0.8 ELSE 0 END
                   AS recovered,
               COALESCE(r.payment_date, r.production_date) AS determination_date,
               COALESCE(r.payment_date, r.production_date) + 120 AS next_deadline,
               CASE WHEN hash(d.claim_id) % 10 IN (5, 6, 7, 8)
                    THEN COALESCE(r.payment_date, r.production_date) + 75 END AS closed_at
        FROM denied d JOIN src_claim c ON c.id = d.claim_id
        JOIN src_remittance r ON r.id = c.remittance_id;

        CREATE TABLE src_case_adjustment AS
        SELECT k.id AS case_id, a.id AS adjustment_id
        FROM src_denial_case k JOIN src_adjustment a ON a.claim_id = k.claim_id AND a.is_denial;

        CREATE TABLE src_case_event AS
        SELECT id AS case_id, determination_date + 9 AS "at", 'state' AS field,
               'resubmitted' AS new_value
        FROM src_denial_case WHERE state = 'resubmitted';

        CREATE TABLE src_appeal AS
        SELECT id AS id, id AS case_id, 1 AS level,
               CASE WHEN hash(id) % 4 = 0 THEN 'peer_to_peer' ELSE 'appeal' END AS kind,
               determination_date + 20 AS submitted_on,
               CASE WHEN state IN ('won', 'lost', 'partially_won')
                    THEN determination_date + 65 END AS decided_on,
               CASE WHEN state IN ('won', 'lost', 'partially_won') THEN state END AS outcome,
               CAST(recovered AS DECIMAL(18, 2)) AS recovered
        FROM src_denial_case WHERE state IN ('appealed', 'won', 'lost', 'partially_won');
        """
    )


def sqlite_load(base: dict[str, pa.Table], rows: int, path: Path) -> tuple[float, int]:
    """Seconds for :func:`open_analytics` to read a SQLite file holding ``rows`` adjustments.

    The file has only the columns the loader reads, stored the way SQLAlchemy stores them
    (money as REAL, dates as ISO text); it is written straight from DuckDB.
    """
    import sqlite3

    from denialops.analytics.engine import _SOURCE_COLUMNS, open_analytics

    source = duckdb.connect()
    replicate(source, base, rows)
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    for table, columns in _SOURCE_COLUMNS.items():
        names = ", ".join(f'"{c}"' for c in columns)
        target.execute(f'CREATE TABLE "{table}" ({names})')
        select = ", ".join(
            f'CAST("{c}" AS DOUBLE)' if kind == "money" else
            f'CAST("{c}" AS VARCHAR)' if kind in ("date", "timestamp") else
            f'CAST("{c}" AS INTEGER)' if kind == "bool" else f'"{c}"'
            for c, kind in columns.items()
        )  # fmt: skip
        cursor = source.execute(f"SELECT {select} FROM src_{table}")
        marks = ", ".join("?" for _ in columns)
        while batch := cursor.fetchmany(100_000):
            target.executemany(f'INSERT INTO "{table}" VALUES ({marks})', batch)
    target.commit()
    target.close()
    source.close()
    started = time.perf_counter()
    db = open_analytics(f"sqlite:///{path}")
    seconds = time.perf_counter() - started
    (loaded,) = db.con.execute("SELECT count(*) FROM adj_fact").fetchall()[0]
    db.close()
    path.unlink()
    return seconds, int(loaded)


def timed_rounds(runs: int, queries: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Wall seconds per query, interleaved round by round so that every query sees the
    same machine load (this machine is shared; a burst hits all queries alike)."""
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(runs):
        for name, query in queries.items():
            started = time.perf_counter()
            query()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="adjustment rows")
    parser.add_argument("--base-claims", type=int, default=20_000, help="synthetic base set")
    parser.add_argument("--runs", type=int, default=7, help="timed rounds")
    parser.add_argument("--no-write", action="store_true", help="do not edit RESULTS.md")
    parser.add_argument(
        "--sqlite-rows",
        type=int,
        default=1_000_000,
        help="adjustments in the SQLite file whose load into DuckDB is timed (0: skip)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    base = base_tables(args.base_claims, seed=5)
    synth_seconds = time.perf_counter() - started
    con = duckdb.connect()
    started = time.perf_counter()
    factor = replicate(con, base, args.rows)
    replicate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    build_facts(con, has_work=True)
    build_seconds = time.perf_counter() - started
    db = AnalyticsDB(con=con, has_work=True, source="bench")

    counts = {
        t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
        for t in ("adj_fact", "claim_fact", "case_fact", "appeal_fact")
    }
    cases = int(con.execute("SELECT count(DISTINCT case_id) FROM case_fact").fetchall()[0][0])
    denials = int(con.execute("SELECT count(*) FROM adj_fact WHERE is_denial").fetchone()[0])  # type: ignore[index]

    floor_sql = "SELECT payer_id, count(*), sum(amount) FROM adj_fact GROUP BY payer_id"
    times = timed_rounds(
        args.runs,
        {
            "floor": lambda: con.execute(floor_sql).fetchall(),
            "kpis_by_payer": lambda: compute_kpis(db, by=["payer"]),
            "kpis_all": lambda: compute_kpis(db),
            "kpis_payer_category": lambda: compute_kpis(db, by=["payer", "category"]),
            "pareto_all": lambda: pareto(db, share=0.7),
            "pareto_clinical": lambda: pareto(db, filters={"family": "clinical"}, share=0.7),
        },
    )
    best = {name: min(t) for name, t in times.items()}
    median = {name: statistics.median(t) for name, t in times.items()}
    payers = len(compute_kpis(db, by=["payer"]).groups)

    lines = [
        f"adjustment rows {counts['adj_fact']:,} (denials {denials:,}), claims "
        f"{counts['claim_fact']:,}, cases {cases:,}, appeals "
        f"{counts['appeal_fact']:,}; {payers} payers",
        f"synthetic base set {args.base_claims:,} claims in {synth_seconds:.1f} s, replicated "
        f"x{factor} in {replicate_seconds:.1f} s; facts and per-claim summaries built in "
        f"{build_seconds:.1f} s (build_facts: what open_analytics does after reading)",
        f"floor  count/sum GROUP BY payer      best {best['floor']:.3f} s  median "
        f"{median['floor']:.3f} s",
        f"kpis   full report --by payer        best {best['kpis_by_payer']:.3f} s  median "
        f"{median['kpis_by_payer']:.3f} s  ratio {best['kpis_by_payer'] / best['floor']:.1f}x "
        f"best, {median['kpis_by_payer'] / median['floor']:.1f}x median (target <= 5x)",
        f"kpis   full report, no cut           best {best['kpis_all']:.3f} s  median "
        f"{median['kpis_all']:.3f} s",
        f"kpis   --by payer,category (adjustment-row path)  best "
        f"{best['kpis_payer_category']:.3f} s  median {median['kpis_payer_category']:.3f} s  "
        f"ratio {best['kpis_payer_category'] / best['floor']:.1f}x",
        f"pareto category by dollars           best {best['pareto_all']:.3f} s  median "
        f"{median['pareto_all']:.3f} s  ratio {best['pareto_all'] / best['floor']:.1f}x",
        f"pareto clinical only                 best {best['pareto_clinical']:.3f} s  median "
        f"{median['pareto_clinical']:.3f} s",
    ]
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    if args.sqlite_rows:
        con.close()
        scratch = Path(tempfile.mkdtemp(prefix="denialops-bench-")) / "bench.sqlite"
        seconds, loaded = sqlite_load(base, args.sqlite_rows, scratch)
        scratch.parent.rmdir()
        lines.append(
            f"load   SQLite -> DuckDB facts ({loaded:,} adjustments, all tables)  "
            f"{seconds:.1f} s = {loaded / seconds:,.0f} adjustment rows/s"
        )
    for line in lines:
        print(line)
    if not args.no_write:
        write_section(lines, args.runs, threads)


def write_section(lines: list[str], runs: int, threads: int) -> None:
    """Replace (or add) this benchmark's section of bench/RESULTS.md, leaving others alone."""
    machine = f"{platform.machine()}, {platform.python_version()}, duckdb {duckdb.__version__}"
    body = "\n".join(
        [
            SECTION,
            "",
            f"`bench/analytics.py`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on "
            f"{machine}, DuckDB threads {threads}, load average "
            f"{os.getloadavg()[0]:.1f} (a shared machine: other sessions were running); "
            f"best and median of {runs} runs, wall seconds.",
            "Data: a `denialops.synth` base set replicated in DuckDB (see the module "
            "docstring); adjustments labelled from the generator's denial scenarios, "
            "not by the classifier.",
            "",
            "How to read it: the floor scans all adjustment rows. A report cut only by claim "
            "dimensions (payer, month, ...) reads the per-claim summaries that "
            "`build_facts` derives once at load (`claim_denial_fact`, `case_claim_fact`), "
            "so it touches far fewer rows; a cut by a denial dimension (category, CARC, ...) "
            "aggregates the denial rows themselves (`denial_fact`, built at load too: the "
            "~3% of adjustments that are denials), per claim and then per group (the "
            "`payer,category` line). The load line is the cost of reading a SQLite file "
            "without DuckDB's sqlite extension (not available offline): one SELECT per table "
            "streamed through Arrow.",
            "",
            "```",
            *lines,
            "```",
            "",
        ]
    )
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text.rstrip("\n") + "\n", "utf-8")


if __name__ == "__main__":
    main()
