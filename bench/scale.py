"""Benchmark: denialops at scale: a 1,000,000-claim database, then the commands users run.

Builds the base database once per database kind and caches it under bench/data/
(SQLite: the database file; PostgreSQL: a ``pg_dump -Fc`` archive), by generating
synthetic 835s (``denialops.synth``) and ingesting them with the whole pipeline
(classification, cases). Then, on a fresh copy of the cached database, times:

  ingest of a further ``--more`` claims (default 100,000)   (denialops ingest)
  report kpis / report kpis --by payer,category / report pareto
  queue (first page) / queue --page 100
  case show (the first case of the queue)

Each command runs as a user runs it (``python -m denialops ... --db URL``), so figures
include interpreter start-up; ``denialops --version`` is timed too as the floor, and
every figure is printed with its ratio to that floor. PostgreSQL is a throwaway server
started by the benchmark (tests/pgserver.py: fsync off, as in the test suite).

    .venv/bin/python bench/scale.py [--claims 1000000] [--more 100000]
                                    [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA = ROOT / "data"
# The script's own folder comes first on sys.path; bench modules named like the standard
# library's (bench/queue.py) must not shadow it for psycopg.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from denialops.synth import SynthConfig, write_files  # noqa: E402

CLAIMS_PER_FILE = 50_000


def _files(name: str, claims: int, seed: int, start: date, end: date) -> list[Path]:
    """Synthetic 835s for ``claims`` claims, generated once into bench/data/NAME/."""
    folder = DATA / name
    done = folder / ".complete"
    if done.exists():
        return sorted(folder.glob("*.835"))
    shutil.rmtree(folder, ignore_errors=True)
    config = SynthConfig(seed=seed, claims=claims, start=start, end=end)
    files = write_files(folder, config, claims_per_file=CLAIMS_PER_FILE, followups=True)
    done.write_text("ok\n")
    return files


def base_files(claims: int) -> list[Path]:
    return _files(f"scale-base-{claims}", claims, 21, date(2025, 1, 1), date(2026, 6, 30))


def more_files(claims: int) -> list[Path]:
    return _files(f"scale-more-{claims}", claims, 22, date(2026, 7, 1), date(2026, 9, 30))


def run(args: list[str], url: str | None) -> tuple[float, str]:
    """Run one denialops command as a user does; (seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "denialops", *args, *(["--db", url] if url else [])],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"denialops {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, done.stdout


def report_line(label: str, seconds: float, floor: float) -> None:
    print(f"  {label:<44} {seconds:8.2f} s   {seconds / floor:6.1f}x start-up", flush=True)


# --------------------------------------------------------------------------- databases


@contextmanager
def sqlite_copy(claims: int) -> Iterator[str]:
    """A fresh copy of the cached base database (built first when missing)."""
    cached = DATA / f"scale-{claims}.db"
    if not cached.exists():
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            building = Path(tmp) / "building.db"
            build(f"sqlite:///{building}", claims)
            building.replace(cached)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "scale.db"
        shutil.copyfile(cached, copy)
        yield f"sqlite:///{copy}"


@contextmanager
def postgres_copy(claims: int) -> Iterator[str]:
    """A throwaway server holding the cached base database (restored from its dump)."""
    from tests.pgserver import find_bindir, start_server

    server = start_server()
    bindir = find_bindir()
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "scale"'))
        url = server.url("scale")
        plain = f"postgresql://denialops@127.0.0.1:{server.port}/scale"
        dump = DATA / f"scale-{claims}.pgdump"
        if dump.exists():
            subprocess.run(
                [str(bindir / "pg_restore"), "--no-owner", "-d", plain, str(dump)], check=True
            )
        else:
            build(url, claims)
            partial = dump.with_suffix(".partial")
            subprocess.run([str(bindir / "pg_dump"), "-Fc", "-f", str(partial), plain], check=True)
            partial.replace(dump)
        yield url
    finally:
        admin.dispose()
        server.stop()


def build(url: str, claims: int) -> None:
    """Ingest the base files with the whole pipeline, printing progress per file."""
    files = base_files(claims)
    print(f"building the {claims:,}-claim base database ({len(files)} files) ...", flush=True)
    start = time.perf_counter()
    for index, path in enumerate(files, 1):
        seconds, out = run(["ingest", str(path), "--json", "--quiet"], url)
        stored = json.loads(out)["claims"] if out.strip() else 0
        print(f"  file {index}/{len(files)}: {stored:,} claims in {seconds:.1f} s", flush=True)
    print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)


# --------------------------------------------------------------------------- timings


def first_case(url: str) -> int | None:
    _, out = run(["queue", "--json", "--limit", "1"], url)
    data = json.loads(out) if out.strip() else {}
    rows = data.get("cases", data) if isinstance(data, dict) else data
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        case_id = rows[0].get("id") or rows[0].get("case_id")
        return int(case_id) if case_id is not None else None
    return None


def measure(kind: str, url: str, more: list[Path], floor: float) -> None:
    print(f"{kind} (load average {os.getloadavg()[0]:.1f}):", flush=True)
    for label, args in (
        ("report kpis", ["report", "kpis", "--format", "json"]),
        (
            "report kpis --by payer,category",
            ["report", "kpis", "--by", "payer,category", "--format", "json"],
        ),
        ("report pareto", ["report", "pareto", "--json"]),
        ("queue (first page)", ["queue", "--json"]),
        ("queue --page 100", ["queue", "--page", "100", "--json"]),
    ):
        try:
            seconds, _ = run(args, url)
        except RuntimeError as exc:  # e.g. no page 100 on a small database
            print(f"  {label:<44} n/a: {str(exc).splitlines()[-1]}", flush=True)
            continue
        report_line(label, seconds, floor)
    case_id = first_case(url)
    if case_id is not None:
        seconds, _ = run(["case", "show", str(case_id), "--json"], url)
        report_line(f"case show {case_id}", seconds, floor)
    start = time.perf_counter()
    claims = 0
    for path in more:
        _, out = run(["ingest", str(path), "--json", "--quiet"], url)
        claims += json.loads(out)["claims"] if out.strip() else 0
    seconds = time.perf_counter() - start
    report_line(f"ingest {claims:,} more claims ({claims / seconds:,.0f}/s)", seconds, floor)
    print(f"  load average after: {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    more = more_files(args.more)
    floor, _ = run(["--version"], None)
    print(f"base {args.claims:,} claims, further {args.more:,}; start-up floor {floor:.2f} s")
    if "sqlite" in databases:
        with sqlite_copy(args.claims) as url:
            measure("SQLite", url, more, floor)
    if "postgresql" in databases:
        with postgres_copy(args.claims) as url:
            measure("PostgreSQL", url, more, floor)


if __name__ == "__main__":
    main()
