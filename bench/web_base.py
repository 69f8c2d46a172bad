"""The web benchmark's base: 1,000,000 denial cases with everything the case page reads.

Ingesting enough 835s for a million cases (about one claim in ten opens one: ~10 M
claims) takes many hours on this machine. This builds it in minutes, honestly:

1. ``denialops demo --claims SEED_CLAIMS`` ingests synthetic remittances through the
   whole pipeline (parse, store, classify, open cases, score) into SQLite: real cases,
   claims, service lines, adjustments with CARC/RARC, audit events, search terms.
2. Those cases are cloned set-based in SQL (``INSERT ... SELECT`` joined with a table of
   copy numbers) until there are at least ``--cases``: copy ``k`` of each row has its id
   moved by ``k`` times the table's largest id (foreign keys likewise) and its account
   number (PCN), payer claim number and member id suffixed ``-k``. Cloned per copy: the
   claims of each case's account and payer (the remittance history the case page shows),
   their service lines and adjustments, the cases, their denial codes
   (``case_adjustment``), audit events, search terms and appeals. Remittances, source
   files and the analytics fact tables are the seed's, not cloned (the queue and the case
   views do not read the facts).

The PostgreSQL twin is the same file copied with ``COPY`` (``bench/_pgcopy.py``).

    .venv/bin/python bench/web_base.py [--cases 1000000] [--seed-claims 20000] OUT.db
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (table, join/where on the source rows, {column: expression}); ``s`` is the source row,
# ``k`` the copy number, ``{t}`` the offset of table t's ids (k times its largest id).
IDENT = "s.{col} || '-' || k.k"
CLONES: list[tuple[str, str, dict[str, str]]] = [
    (
        "claim",
        "WHERE s.id IN (SELECT claim_id FROM bench_related)",
        {
            "id": "s.id + {claim}",
            "patient_control_number": IDENT,
            "payer_claim_control_number": IDENT,
            "patient_id": IDENT,
            "reverses_claim_id": "s.reverses_claim_id + {claim}",
            "reversed_by_claim_id": "s.reversed_by_claim_id + {claim}",
        },
    ),
    (
        "service_line",
        "WHERE s.claim_id IN (SELECT claim_id FROM bench_related)",
        {"id": "s.id + {service_line}", "claim_id": "s.claim_id + {claim}"},
    ),
    (
        "adjustment",
        "WHERE s.claim_id IN (SELECT claim_id FROM bench_related)",
        {
            "id": "s.id + {adjustment}",
            "claim_id": "s.claim_id + {claim}",
            "service_line_id": "s.service_line_id + {service_line}",
        },
    ),
    (
        "denial_case",
        "",
        {
            "id": "s.id + {denial_case}",
            "claim_id": "s.claim_id + {claim}",
            "patient_control_number": IDENT,
            "payer_claim_control_number": IDENT,
            "patient_id": IDENT,
        },
    ),
    (
        "case_adjustment",
        "",
        {
            "id": "s.id + {case_adjustment}",
            "case_id": "s.case_id + {denial_case}",
            "adjustment_id": "s.adjustment_id + {adjustment}",
            "service_line_id": "s.service_line_id + {service_line}",
        },
    ),
    (
        "case_event",
        "",
        {
            "id": "s.id + {case_event}",
            "case_id": "s.case_id + {denial_case}",
            "source_claim_id": "s.source_claim_id + {claim}",
        },
    ),
    (
        "case_search",
        "JOIN denial_case c ON c.id = s.case_id",
        {
            "id": "s.id + {case_search}",
            "case_id": "s.case_id + {denial_case}",
            # account, payer claim number and member id terms are per copy; names repeat
            "term": "CASE WHEN s.term IN (upper(c.patient_control_number), "
            "upper(c.payer_claim_control_number), upper(c.patient_id)) "
            "THEN s.term || '-' || k.k ELSE s.term END",
        },
    ),
    (
        "appeal",
        "",
        {"id": "s.id + {appeal}", "case_id": "s.case_id + {denial_case}"},
    ),
]


def ingest_seed(path: Path, claims: int, seed: int) -> None:
    """The seed database: ``denialops demo`` (synth, then the whole ingest pipeline)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "denialops",
                "demo",
                "--claims",
                str(claims),
                "--seed",
                str(seed),
                "--out",
                tmp,
                "--db",
                f"sqlite:///{path}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=tmp,
        )


def clone(path: Path, cases: int) -> int:
    """Clone the seed's cases in place until there are at least ``cases``; their count."""
    say = print
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -1000000")
        seed_cases = db.execute("SELECT COUNT(*) FROM denial_case").fetchone()[0]
        if seed_cases == 0:
            raise SystemExit("the seed database has no cases")
        copies = math.ceil(cases / seed_cases)
        offsets = {
            table: db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
            for table, _, _ in CLONES
        }
        db.execute("CREATE TABLE bench_related (claim_id INTEGER PRIMARY KEY)")
        db.execute(
            "INSERT INTO bench_related SELECT DISTINCT c.id FROM claim c JOIN denial_case d "
            "ON d.patient_control_number = c.patient_control_number AND d.payer_id = c.payer_id"
        )
        db.execute("CREATE TABLE bench_copy (k INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO bench_copy VALUES (?)", [(k,) for k in range(1, copies)])
        say(f"  seed: {seed_cases:,} cases; {copies - 1} copies of each")
        for table, where, overrides in CLONES:
            started = time.perf_counter()
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            shift = {name: f"(k.k * {span})" for name, span in offsets.items()}
            exprs = [
                overrides[c].format(col=c, **shift) if c in overrides else f"s.{c}" for c in columns
            ]
            db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
                f"FROM {table} s CROSS JOIN bench_copy k {where} ORDER BY k.k, s.id"
            )
            db.commit()
            rows = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            say(f"  {table}: {rows:,} rows ({time.perf_counter() - started:.0f} s)")
        db.execute("DROP TABLE bench_related")
        db.execute("DROP TABLE bench_copy")
        db.commit()
        db.execute("ANALYZE")
        total: int = db.execute("SELECT COUNT(*) FROM denial_case").fetchone()[0]
        return total
    finally:
        db.close()


def build(out: Path, cases: int, seed_claims: int = 20_000, seed: int = 7) -> None:
    """``out``: a seed of ``seed_claims`` ingested claims, cloned to ``cases`` cases."""
    out = out.resolve()
    building = out.with_suffix(".building.db")
    building.unlink(missing_ok=True)
    started = time.perf_counter()
    print(f"building {out.name}: ingesting {seed_claims:,} synthetic claims ...", flush=True)
    ingest_seed(building, seed_claims, seed)
    print(f"  ingested in {time.perf_counter() - started:.0f} s; cloning ...", flush=True)
    total = clone(building, cases)
    building.replace(out)
    load = os.getloadavg()[0]
    print(
        f"  {total:,} cases in {time.perf_counter() - started:.0f} s (load {load:.1f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed-claims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    build(args.out, args.cases, args.seed_claims, args.seed)


if __name__ == "__main__":
    main()
