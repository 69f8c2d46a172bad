"""Benchmark: 835 ingestion throughput against a bytes.split baseline, in one run.

Generates (once, cached under bench/data/) a 100,000-claim 835 with ``denialops.synth``
and measures on it:
  (a) baseline: split the file into segments and elements with bytes.split (streaming),
  (b) parse into typed records (denialops.x12.read_835),
  (c) parse and store into a fresh SQLite file (the pipeline with no steps),
  (d) the whole ingest as ``denialops ingest`` runs it (parse, store, classify, outcomes,
      cases: :func:`denialops.pipeline.ingest_paths` with the default steps) on SQLite,
  (e), (f) the same as (c) and (d) on a throwaway PostgreSQL server the benchmark starts
      itself (tests/pgserver.py: fsync off, as in the test suite).
Prints claims/second for each and each one's throughput as a ratio of (a)'s.

    .venv/bin/python bench/ingest_835.py [--claims 100000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The script's own folder comes first on sys.path; put it last, so bench modules named
# like the standard library's (bench/queue.py) do not shadow it for psycopg.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(ROOT.parent))
sys.path.append(str(ROOT))

from _parse import baseline_split, parse_typed  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from denialops.pipeline import ingest_paths  # noqa: E402
from denialops.store.db import make_engine  # noqa: E402
from denialops.store.migrate import upgrade  # noqa: E402
from denialops.synth import SynthConfig, write_files  # noqa: E402

TARGETS = {"(b)": 0.35, "(d)": 0.10, "(f)": 0.07}


def sample_file(claims: int) -> Path:
    folder = ROOT / "data" / f"ingest-{claims}"
    existing = sorted(folder.glob("*.835"))
    if existing:
        return existing[0]
    config = SynthConfig(seed=11, claims=claims, start=date(2026, 1, 1), end=date(2026, 6, 30))
    return write_files(folder, config, claims_per_file=claims * 2)[0]


def timed(label: str, func: Callable[..., int], *args: object) -> tuple[float, int]:
    start = time.perf_counter()
    count = func(*args)
    seconds = time.perf_counter() - start
    print(
        f"{label:<44} {count:>8} claims in {seconds:8.2f} s = {count / seconds:>10,.0f} claims/s",
        flush=True,
    )
    return seconds, count


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/bench.db"


@contextmanager
def postgres_server() -> Iterator[Callable[[], str]]:
    """A throwaway server; the callable makes a fresh empty database on it."""
    from tests.pgserver import start_server

    server = start_server()
    count = 0

    def fresh() -> str:
        nonlocal count
        count += 1
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "bench_{count}"'))
        admin.dispose()
        return server.url(f"bench_{count}")

    try:
        yield fresh
    finally:
        server.stop()


def migrated(url: str) -> str:
    """Bring an empty database to the newest schema (not timed: done once per database)."""
    upgrade(url)
    return url


def ingest(url: str, path: Path, whole: bool) -> int:
    """Ingest the file into a migrated database, with or without the steps."""
    engine = make_engine(url)
    try:
        summary = ingest_paths(engine, [path]) if whole else ingest_paths(engine, [path], steps=[])
    finally:
        engine.dispose()
    return int(summary.claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    databases = {d.strip() for d in args.databases.split(",") if d.strip()}
    path = sample_file(args.claims)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB; load average {os.getloadavg()}")
    results: list[tuple[str, float]] = []
    a, _ = timed("(a) baseline bytes.split", baseline_split, path)
    b, _ = timed("(b) parse to typed records", parse_typed, path)
    results.append(("(b)", b))
    if "sqlite" in databases:
        with sqlite_database() as url:
            c, _ = timed("(c) parse + store, SQLite", ingest, migrated(url), path, False)
        with sqlite_database() as url:
            d, _ = timed("(d) whole ingest, SQLite", ingest, migrated(url), path, True)
        results += [("(c)", c), ("(d)", d)]
    if "postgresql" in databases:
        with postgres_server() as fresh:
            e, _ = timed("(e) parse + store, PostgreSQL", ingest, migrated(fresh()), path, False)
            f, _ = timed("(f) whole ingest, PostgreSQL", ingest, migrated(fresh()), path, True)
        results += [("(e)", e), ("(f)", f)]
    for label, seconds in results:
        target = TARGETS.get(label)
        wanted = f"   target >= {target:.2f}" if target else ""
        print(f"ratio {label}/(a) (throughput): {a / seconds:.3f}{wanted}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
