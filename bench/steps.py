"""Benchmark: what each post-store step of ingest costs, against parse + store, in one run.

Not a test. Uses the same cached 835 as ``bench/ingest_835.py`` (synth seed 11) and runs
the whole ingest (:func:`denialops.pipeline.ingest_paths` with the default steps) into a
fresh database, timing every step's calls (classify, cases, facts) separately, so the
steps' share of the whole ingest is measured in the same run as the rest. ``--profile``
writes a cProfile of the whole ingest (``--profile FILE``; read it with ``pstats``).

``--base N`` ingests into a database that already holds N other claims (synth seed 12,
the same payers and months, so the file's claims fall in cells the base already fills):
the steps whose cost grows with the database (the facts cube) show here, not on an empty
one. The base is ingested once with the whole pipeline into bench/data/steps-base-N.db
(cached) and each run works on a copy; PostgreSQL gets the same rows by COPY
(``bench/_pgcopy.py``), then ``ANALYZE``.

    .venv/bin/python bench/steps.py [--claims 20000] [--databases sqlite,postgresql]
        [--profile out.prof] [--statements 30] [--base 100000]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(ROOT.parent))
sys.path.append(str(ROOT))

from ingest_835 import migrated, postgres_server, sample_file, sqlite_database  # noqa: E402
from sqlalchemy import Connection, Engine, event, text  # noqa: E402

from denialops.pipeline import ingest_paths  # noqa: E402
from denialops.pipeline.steps import Batch, Step, default_steps  # noqa: E402
from denialops.store.db import make_engine  # noqa: E402
from denialops.synth import SynthConfig, write_files  # noqa: E402


def base_database(claims: int) -> Path:
    """A SQLite database holding ``claims`` claims of seed 12, ingested once (cached)."""
    target = ROOT / "data" / f"steps-base-{claims}.db"
    if target.exists():
        return target
    folder = ROOT / "data" / f"steps-base-{claims}"
    config = SynthConfig(seed=12, claims=claims, start=date(2026, 1, 1), end=date(2026, 6, 30))
    files = sorted(folder.glob("*.835")) or write_files(folder, config, claims_per_file=50_000)
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    url = migrated(f"sqlite:///{building}")
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        summary = ingest_paths(engine, sorted(files))
        print(f"base: {summary.claims} claims ingested in {time.perf_counter() - start:.1f} s")
    finally:
        engine.dispose()
    building.rename(target)
    return target


def with_base(url: str, base: Path | None) -> str:
    """Fill a migrated database with the base's rows (a file copy or COPY), untimed."""
    if base is None:
        return url
    if url.startswith("sqlite:///"):
        shutil.copyfile(base, url.removeprefix("sqlite:///"))
        return url
    from _pgcopy import copy_database

    copy_database(base, url, log=lambda _line: None)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return url


def timed_steps(spent: dict[str, float]) -> list[Step]:
    """The default steps, each adding its wall time to ``spent[name]``."""

    def wrap(step: Step) -> Step:
        inner: Callable[[Connection, Batch], object] = step.run

        def run(conn: Connection, batch: Batch) -> object:
            start = time.perf_counter()
            try:
                return inner(conn, batch)
            finally:
                spent[step.name] = spent.get(step.name, 0.0) + time.perf_counter() - start

        return Step(step.name, run)

    return [wrap(step) for step in default_steps()]


def statement_timer(engine: Engine, spent: dict[str, float]) -> None:
    """Add each statement's wall time to ``spent`` under its first words."""
    started: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(*_args: object) -> None:
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def after(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        key = " ".join(statement.split())[:110]
        spent[key] = spent.get(key, 0.0) + time.perf_counter() - started.pop()


def measure(label: str, url: str, path: Path, profile: str | None, top: int) -> None:
    spent: dict[str, float] = {}
    statements: dict[str, float] = {}
    engine = make_engine(url)
    if top:
        statement_timer(engine, statements)
    profiler = cProfile.Profile() if profile else None
    try:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        summary = ingest_paths(engine, [path], steps=timed_steps(spent))
        if profiler:
            profiler.disable()
        whole = time.perf_counter() - start
    finally:
        engine.dispose()
    if profiler and profile:
        profiler.dump_stats(profile)
    claims = int(summary.claims)
    steps = sum(spent.values())
    print(
        f"{label}: whole ingest {claims} claims in {whole:.2f} s = {claims / whole:,.0f} claims/s;"
        f" parse + store {whole - steps:.2f} s; steps {steps:.2f} s ({steps / whole:.0%})"
    )
    for name, seconds in spent.items():
        print(f"    {name:<10} {seconds:8.2f} s  {seconds / whole:5.1%} of the whole ingest")
    for key, seconds in sorted(statements.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {seconds:7.2f} s  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--profile", default=None, help="write a cProfile here (per database)")
    parser.add_argument("--statements", type=int, default=0, help="list the N costliest SQL")
    parser.add_argument(
        "--base", type=int, default=0, help="ingest into a database already holding N claims"
    )
    args = parser.parse_args()
    databases = {d.strip() for d in args.databases.split(",") if d.strip()}
    path = sample_file(args.claims)
    base = base_database(args.base) if args.base else None
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB; load average {os.getloadavg()}")
    if base:
        print(f"into a copy of {base.name} ({args.base:,} claims already stored)")
    if "sqlite" in databases:
        with sqlite_database() as url:
            prof = f"{args.profile}.sqlite" if args.profile else None
            target = url if base else migrated(url)
            measure("SQLite", with_base(target, base), path, prof, args.statements)
    if "postgresql" in databases:
        with postgres_server() as fresh:
            prof = f"{args.profile}.postgresql" if args.profile else None
            measure("PostgreSQL", with_base(migrated(fresh()), base), path, prof, args.statements)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
