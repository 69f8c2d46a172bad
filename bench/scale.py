"""Benchmark: denialops at scale: a 1,000,000-claim database, then the commands users run.

The base database is built once and cached under bench/data/ (git-ignored):

- SQLite: synthetic 835s (``denialops.synth``, seed 21, 2025-01 .. 2026-06, follow-ups
  included) ingested with the whole pipeline, one ``denialops ingest FILE`` per file
  (``scale-N.db``);
- PostgreSQL: a persistent throwaway cluster (``pg-cluster/``, fsync off as in the test
  suite) holding database ``scale_N``: the schema from the migrations, the rows copied
  from the SQLite base with COPY (``bench/_pgcopy.py``; same data, read through the ORM
  types, ids and sequences kept).

Each run works on a fresh copy (a file copy; ``CREATE DATABASE .. TEMPLATE``) and times,
per database:

  CLI, as a user runs it (``python -m denialops ... --db URL``; best and median of
  ``--repeat`` runs), each with its ratio to ``denialops --version`` (the start-up floor):
      report kpis / report kpis --by payer,category / report pareto
      queue (first page) / queue --page 100 / case show ID
  library, in-process on an open engine (best and median of ``--repeat`` x 3 calls),
  each with its ratio to a bare SQL baseline measured in the same run:
      compute_kpis (and --by payer,category), pareto    vs one scan of fact_claim
      queue_page first and 100th page                 vs the page's bare SELECT
      case_detail (the case page's read)               vs SELECT of the case row
  ingest of a further ``--more`` claims (``denialops ingest``, the whole pipeline),
  claims/s, against ``bytes.split`` over the same files (bench/_parse.py).

``--plans`` prints the query plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) of the queue
page and of the KPI report's queries.

    .venv/bin/python bench/scale.py [--claims 1000000] [--more 100000]
        [--databases sqlite,postgresql] [--repeat 3] [--plans] [--build-only] [--no-ingest]
        [--more-files N] [--base FILE.db]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA = ROOT / "data"
# The script's own folder comes first on sys.path; bench modules named like the standard
# library's (bench/queue.py) must not shadow it for psycopg: it goes last (for _parse and
# _pgcopy), the repository first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(REPO))
sys.path.append(str(ROOT))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

from denialops.synth import SynthConfig, write_files  # noqa: E402

CLAIMS_PER_FILE = 50_000
TODAY = date(2026, 9, 30)  # the queue's "today" in-process: the end of the data


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
    sample, out = run_measured(args, url)
    return sample[0], out


def run_measured(args: list[str], url: str | None) -> tuple[tuple[float, float], str]:
    """Run one denialops command; ((wall seconds, CPU seconds), stdout). CPU is the
    command's own user+system time plus the benchmark's PostgreSQL server's, if any."""
    before = _children_cpu() + server_cpu()
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
    cpu = _children_cpu() + server_cpu() - before
    if done.returncode not in (0, 1):
        raise RuntimeError(f"denialops {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return (seconds, cpu), done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


SERVER_PID: list[int] = []
"""The benchmark cluster's postmaster while PostgreSQL is measured (else empty)."""


def server_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL cluster being measured: the postmaster,
    its reaped children (backends of finished connections) and its live ones."""
    if not SERVER_PID:
        return 0.0
    pid = SERVER_PID[0]
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid):  # utime stime cutime cstime
            total += sum(int(f) for f in fields[11:15])
        elif fields[1] == str(pid):  # ppid
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


# --------------------------------------------------------------------------- databases


def build(url: str, claims: int) -> None:
    """Ingest the base files with the whole pipeline, printing progress per file."""
    files = base_files(claims)
    print(f"building the {claims:,}-claim base database ({len(files)} files) ...", flush=True)
    start = time.perf_counter()
    total = 0
    for index, path in enumerate(files, 1):
        seconds, out = run(["ingest", str(path), "--json", "--quiet"], url)
        stored = json.loads(out)["claims"] if out.strip() else 0
        total += stored
        print(
            f"  file {index}/{len(files)}: {stored:,} claims in {seconds:.1f} s "
            f"(total {total:,}, {load()})",
            flush=True,
        )
    print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)


BASE: list[Path] = []
"""``--base FILE``: measure this SQLite database (and its PostgreSQL copy) instead."""


def sqlite_base(claims: int) -> Path:
    """The cached base database file (built first when missing)."""
    if BASE:
        return BASE[0]
    cached = DATA / f"scale-{claims}.db"
    if not cached.exists() or cached.stat().st_size == 0:
        # An interrupted build resumes: ingest skips the files it finished before.
        building = DATA / f"scale-{claims}.building.db"
        build(f"sqlite:///{building}", claims)
        building.replace(cached)
    return cached


@contextmanager
def sqlite_copy(claims: int) -> Iterator[str]:
    """A fresh copy of the cached base database."""
    cached = sqlite_base(claims)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        copy = Path(tmp) / "scale.db"
        shutil.copyfile(cached, copy)
        yield f"sqlite:///{copy}"


@contextmanager
def pg_cluster() -> Iterator[Any]:
    """The persistent benchmark cluster under bench/data/pg-cluster (initialised once)."""
    sys.path.insert(0, str(REPO / "tests"))
    from pgserver import PostgresServer, _free_port, _unprivileged_user, find_bindir

    class Cluster(PostgresServer):
        def stop(self) -> None:  # keep the data directory
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"])

    root = DATA / "pg-cluster"
    server = Cluster(find_bindir(), root, _free_port(), _unprivileged_user())
    if not (root / "data" / "PG_VERSION").exists():
        server.initdb()
    server.stop()  # a server left running by an interrupted run
    server.launch("-c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB")
    SERVER_PID[:] = [int((root / "data" / "postmaster.pid").read_text().split()[0])]
    try:
        yield server
    finally:
        SERVER_PID.clear()
        server.stop()


def _databases(admin: Engine) -> set[str]:
    with admin.connect() as conn:
        return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())


def postgres_base(server: Any, claims: int) -> str:
    """Name of the cluster's base database (copied from the SQLite base when missing)."""
    from _pgcopy import copy_database

    name = (
        f"scale_{claims}"
        if not BASE
        else "base_" + "".join(c if c.isalnum() else "_" for c in BASE[0].stem.lower())
    )
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        if name not in _databases(admin):
            lite = sqlite_base(claims)
            loading = f"{name}_loading"
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{loading}"'))
                conn.execute(text(f'CREATE DATABASE "{loading}"'))
            print(f"copying {lite.name} into PostgreSQL ...", flush=True)
            started = time.perf_counter()
            copy_database(lite, server.url(loading))
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{loading}" RENAME TO "{name}"'))
            print(f"  copied in {time.perf_counter() - started:.0f} s", flush=True)
        return name
    finally:
        admin.dispose()


@contextmanager
def postgres_copy(server: Any, claims: int) -> Iterator[str]:
    """A fresh database made from the base by ``CREATE DATABASE .. TEMPLATE``."""
    base = postgres_base(server, claims)
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "scale_run"'))
            conn.execute(text(f'CREATE DATABASE "scale_run" TEMPLATE "{base}"'))
        yield server.url("scale_run")
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "scale_run" WITH (FORCE)'))
        admin.dispose()


# --------------------------------------------------------------------------- timings


Sample = tuple[float, float]  # (wall seconds, CPU seconds)


def _times(call: Callable[[], object], repeat: int) -> list[Sample]:
    """Wall and CPU time of each call: this process's CPU plus the PostgreSQL server's."""
    out = []
    for _ in range(repeat):
        cpu = time.process_time() + server_cpu()
        started = time.perf_counter()
        call()
        wall = time.perf_counter() - started
        out.append((wall, time.process_time() + server_cpu() - cpu))
    return out


def _line(label: str, samples: list[Sample], base: Sample, base_label: str, ms: bool) -> None:
    """Best and median wall time, median CPU time, and the medians' ratios to the
    baseline's (wall to wall, CPU to CPU; both measured in this run)."""
    scale, unit = (1000.0, "ms") if ms else (1.0, "s")
    wall, cpu = _medians(samples)
    best = min(w for w, _ in samples)
    print(
        f"  {label:<38} wall best {best * scale:8.1f} median {wall * scale:8.1f} {unit}"
        f" = {wall / base[0]:6.1f}x  cpu {cpu * scale:8.1f} {unit} = "
        f"{cpu / max(base[1], 1e-9):6.1f}x {base_label}  ({load()})",
        flush=True,
    )


def _medians(samples: list[Sample]) -> Sample:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def _cli(label: str, args: list[str], url: str, repeat: int, floor: Sample) -> None:
    try:
        samples = [run_measured(args, url)[0] for _ in range(repeat)]
    except RuntimeError as exc:
        print(f"  {label:<38} n/a: {str(exc).splitlines()[-1]}", flush=True)
        return
    _line(label, samples, floor, "start-up", ms=False)


def _cursor_before(engine: Engine, page: int) -> str | None:
    from denialops.work.queue import queue_page

    cursor = None
    for _ in range(page - 1):
        cursor = queue_page(engine, cursor=cursor, today=TODAY).next_cursor
        if cursor is None:
            return None
    return cursor


def _bare(engine: Engine, sql: str, params: dict[str, Any] | None = None) -> Callable[[], object]:
    def call() -> object:
        with engine.connect() as conn:
            return conn.execute(text(sql), params or {}).all()

    return call


def library(engine: Engine, case_id: int, repeat: int) -> None:
    """The same work in-process, each against a bare SQL baseline of the same run."""
    from denialops.analytics.engine import open_analytics
    from denialops.analytics.metrics import compute_kpis
    from denialops.analytics.pareto import pareto
    from denialops.web.readmodel import case_detail
    from denialops.work.queue import queue_page

    n = repeat * 3
    timed: list[tuple[str, Callable[[], object]]]

    def block(baseline: tuple[str, Callable[[], object]], name: str, timed: list[Any]) -> None:
        base = _times(baseline[1], n)
        floor = _medians(base)
        _line(baseline[0], base, floor, name, ms=True)
        for label, call in timed:
            _line(label, _times(call, n), floor, name, ms=True)

    scan = _bare(engine, "SELECT COUNT(*), SUM(charge_cents) FROM fact_claim")
    with open_analytics(engine, catch_up=False) as db:
        timed = [
            ("open_analytics (facts catch-up check)", lambda: open_analytics(engine).close()),
            ("compute_kpis", lambda: compute_kpis(db, as_of=TODAY)),
            (
                "compute_kpis by payer,category",
                lambda: compute_kpis(db, by=("payer", "category"), as_of=TODAY),
            ),
            ("pareto", lambda: pareto(db)),
        ]
        block(("bare SQL: one scan of fact_claim", scan), "scan", timed)

    page_sql = (
        "SELECT * FROM denial_case WHERE closed_at IS NULL "
        "ORDER BY priority_score DESC, id LIMIT 51"
    )
    cursor = _cursor_before(engine, 100)
    timed = [("queue_page first page", lambda: queue_page(engine, today=TODAY))]
    if cursor is not None:
        timed.append(
            ("queue_page page 100", lambda: queue_page(engine, cursor=cursor, today=TODAY))
        )
    block(("bare SQL: first page's SELECT", _bare(engine, page_sql)), "bare", timed)

    row = _bare(engine, "SELECT * FROM denial_case WHERE id = :i", {"i": case_id})
    timed = [(f"case_detail {case_id}", lambda: case_detail(engine, case_id, today=TODAY))]
    block(("bare SQL: the case row", row), "bare", timed)


def first_case(engine: Engine) -> int:
    from denialops.work.queue import queue_page

    return queue_page(engine, limit=1, today=TODAY).rows[0].case.id


def counts(engine: Engine) -> str:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT (SELECT COUNT(*) FROM claim), (SELECT COUNT(*) FROM adjustment), "
                "(SELECT COUNT(*) FROM denial_case), "
                "(SELECT COUNT(*) FROM denial_case WHERE closed_at IS NULL), "
                "(SELECT COUNT(*) FROM fact_cube)"
            )
        ).one()
    return (
        f"{found[0]:,} claims, {found[1]:,} adjustments, {found[2]:,} cases "
        f"({found[3]:,} open), {found[4]:,} fact_cube rows"
    )


def measure(
    kind: str, url: str, more: list[Path], floor: Sample, repeat: int, ingest: bool, plans: bool
) -> None:
    from denialops.store.database import Database

    database = Database(url)
    engine = database.engine
    try:
        print(f"{kind}: {counts(engine)} ({load()})", flush=True)
        case_id = first_case(engine)
        if plans:
            show_plans(engine)
        print(" CLI (python -m denialops ..., a fresh process each):", flush=True)
        # What the first report after the build does once (facts bookkeeping), timed
        # apart so it does not land in the first repeat of `report kpis`.
        _cli("report refresh (first report, once)", ["report", "refresh"], url, 1, floor)
        for label, args in (
            ("report kpis", ["report", "kpis", "--format", "json"]),
            (
                "report kpis --by payer,category",
                ["report", "kpis", "--by", "payer,category", "--format", "json"],
            ),
            ("report pareto", ["report", "pareto", "--json"]),
            ("queue (first page)", ["queue", "--json"]),
            ("queue --page 100", ["queue", "--page", "100", "--json"]),
            (f"case show {case_id}", ["case", "show", str(case_id), "--json"]),
        ):
            _cli(label, args, url, repeat, floor)
        print(" library (in-process, open engine):", flush=True)
        library(engine, case_id, repeat)
    finally:
        database.close()
    if not ingest:
        return
    from _parse import baseline_split

    started = time.perf_counter()
    split = sum(baseline_split(p) for p in more)
    split_seconds = time.perf_counter() - started
    wall = cpu = 0.0
    claims = 0
    for path in more:
        (seconds, used), out = run_measured(["ingest", str(path), "--json", "--quiet"], url)
        wall += seconds
        cpu += used
        claims += json.loads(out)["claims"] if out.strip() else 0
    print(
        f"  bytes.split over the further files     {split:,} claims in {split_seconds:7.1f} s"
        f" = {split / split_seconds:9,.0f} claims/s",
        flush=True,
    )
    print(
        f"  ingest {claims:,} more claims ({len(more)} files)  wall {wall:7.1f} s = "
        f"{claims / wall:7,.0f} claims/s  cpu {cpu:7.1f} s = {claims / cpu:7,.0f} claims/s  "
        f"wall ratio {split_seconds / wall:.3f} of bytes.split ({load()})",
        flush=True,
    )


def show_plans(engine: Engine) -> None:
    """The plans of the queue page and of the KPI report's queries."""
    from sqlalchemy import event

    from denialops.analytics.engine import open_analytics
    from denialops.analytics.metrics import compute_kpis
    from denialops.work.queue import queue_page

    sqlite = engine.dialect.name == "sqlite"
    statements: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        queue_page(engine, today=TODAY)
        with open_analytics(engine, catch_up=False) as db:
            compute_kpis(db, as_of=TODAY)
            compute_kpis(db, by=("payer", "category"), as_of=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        for statement, parameters in statements:
            print(" ".join(statement.split())[:300])
            cur = raw.cursor()
            cur.execute(prefix + statement, parameters)
            for row in cur.fetchall():
                print("    " + " | ".join(str(v) for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument("--build-only", action="store_true", help="build the caches, time nothing")
    parser.add_argument("--no-ingest", action="store_true", help="skip the further ingest")
    parser.add_argument("--more-files", type=int, default=0, help="ingest only the first N")
    parser.add_argument("--base", type=Path, help="measure this SQLite database instead")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    if args.base:
        BASE.append(args.base.resolve())
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    more = [] if args.no_ingest else more_files(args.more)
    if args.more_files:
        more = more[: args.more_files]
    if args.build_only:
        sqlite_base(args.claims)
        if "postgresql" in databases:
            with pg_cluster() as server:
                postgres_base(server, args.claims)
        return
    version = [run_measured(["--version"], None)[0] for _ in range(args.repeat)]
    floor = _medians(version)
    base = str(BASE[0]) if BASE else f"{args.claims:,} claims"
    print(f"base {base}, further {len(more)} files of {args.more:,} claims", flush=True)
    _line("start-up floor: denialops --version", version, floor, "start-up", ms=False)
    if "sqlite" in databases:
        with sqlite_copy(args.claims) as url:
            measure("SQLite", url, more, floor, args.repeat, not args.no_ingest, args.plans)
    if "postgresql" in databases:
        with pg_cluster() as server, postgres_copy(server, args.claims) as url:
            measure("PostgreSQL", url, more, floor, args.repeat, not args.no_ingest, args.plans)


if __name__ == "__main__":
    main()
