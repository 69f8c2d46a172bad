"""Benchmark: what re-routing open cases adds to ``reclassify`` (issue 11).

Builds (once, cached under bench/data/) a SQLite database of ``--claims`` synth claims
ingested with every step (cases opened), copies it, adds three rule overrides that move
common denials (CO-50, CO-16, CO-197: ~1/3 of the open cases' codes in the synth mix) to
other categories and owners, and times ``reclassify`` in-process: CPU and wall time of
the whole run and of :func:`denialops.work.reroute.reroute_open_cases` within it, with the
load average. ``--pg`` also runs on a throwaway PostgreSQL server (the database copied
from the SQLite one); there the server's CPU is another process, so compare wall times.

    .venv/bin/python bench/reclassify.py [--claims 20000] [--runs 3] [--pg]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(ROOT.parent))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

import denialops.work.reroute as reroute  # noqa: E402
from denialops.classify.apply import reclassify  # noqa: E402
from denialops.classify.overrides import OverrideSpec, add_override  # noqa: E402
from denialops.pipeline import ingest_paths  # noqa: E402
from denialops.store.db import make_engine  # noqa: E402
from denialops.store.migrate import upgrade  # noqa: E402
from denialops.synth import SynthConfig, write_files  # noqa: E402

OVERRIDES = (
    OverrideSpec(carc="50", group="CO", category="documentation", owner="coding_him"),
    OverrideSpec(carc="16", group="CO", category="authorization"),
    OverrideSpec(carc="197", group="CO", category="documentation"),
)


def stored_database(claims: int) -> Path:
    folder = ROOT / "data" / f"reclassify-{claims}"
    db = folder / "cases.db"
    if db.exists():
        return db
    files = write_files(folder / "835", SynthConfig(seed=9, claims=claims))
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    try:
        ingest_paths(engine, files)
    finally:
        engine.dispose()
    return db


def one_run(engine: Engine, name: str) -> str:
    for spec in OVERRIDES:
        add_override(engine, spec, actor="bench")
    with engine.connect() as conn:
        open_cases = conn.execute(
            text("SELECT COUNT(*) FROM denial_case WHERE closed_at IS NULL")
        ).scalar_one()
    spent = [0.0, 0.0]
    original = reroute.reroute_open_cases

    def timed(*args: Any, **kwargs: Any) -> reroute.RerouteSummary:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall

    reroute.reroute_open_cases = timed  # reclassify imports it at call time
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        summary = reclassify(engine)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        reroute.reroute_open_cases = original
        engine.dispose()
    return (
        f"{name}: {summary.examined:,} adjustments examined, {summary.changed:,} changed; "
        f"{summary.cases_rerouted:,} of {open_cases:,} open cases re-routed: reclassify "
        f"{cpu:.2f} s CPU / {wall:.2f} s wall, of which re-routing {spent[0]:.2f} s CPU "
        f"({spent[0] / cpu:.0%}) / {spent[1]:.2f} s wall ({spent[1] / wall:.0%}); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()
    base = stored_database(args.claims)
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            work = Path(tmp) / "run.db"
            shutil.copy(base, work)
            print(one_run(make_engine(f"sqlite:///{work}"), "SQLite"), flush=True)
    if args.pg:
        from bench._pgcopy import copy_database
        from tests.pgserver import start_server

        server = start_server()
        try:
            admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            for number in range(args.runs):
                with admin.connect() as conn:
                    conn.execute(text(f"CREATE DATABASE run{number}"))
                url = server.url(f"run{number}")
                copy_database(base, url, log=lambda _line: None)
                print(one_run(make_engine(url), "PostgreSQL"), flush=True)
            admin.dispose()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
