"""Web benchmark: concurrent clients on the queue page, the case page and the case API.

Works on a fresh copy of a base database with ``--cases`` cases (``bench/web_base.py``:
1,000,000 by default, an ingested seed cloned set-based in SQL; cached under bench/data/,
built there once when missing; its PostgreSQL twin is copied into the scale benchmark's
cluster), or of ``--base FILE``, or on the database given with ``--db`` as it is. Adds a
``bench`` user and API token, starts ``denialops serve`` in a subprocess on a free
loopback port, and runs CLIENTS threads, each with its own keep-alive connection and
API token, for DURATION seconds per target. Prints requests per second, p50/p95/p99
latency and errors per target, the ratio of each p50 to a baseline measured in the
same run (a static file served by the same app: what the framework and the network
cost without any database work), and the server's CPU time per request (the uvicorn
process, plus the PostgreSQL cluster's): what a request costs when the machine is not
shared.

    .venv/bin/python bench/web.py [--cases 1000000] [--databases sqlite,postgresql]
                                  [--clients 50] [--seconds 30] [--workers 1]
                                  [--db URL] [--base FILE]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
# bench/queue.py must not shadow the standard library's queue: the bench folder goes last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(db: str) -> tuple[str, list[int]]:
    """A ``bench`` user with an API token on the database; returns the token and the ids
    of the cases on the first pages of the queue (the clients take turns over them, as
    analysts open different cases: one case viewed thousands of times would measure its
    ever longer audit trail, every view being recorded)."""
    from sqlalchemy import text

    from denialops.store.database import Database
    from denialops.web.accounts import add_user, create_token, list_users
    from denialops.work.queue import queue_page

    database = Database(db)
    database.migrate()
    engine = database.engine
    try:
        if "bench" not in {u.login for u in list_users(engine)}:
            add_user(engine, "bench", role="analyst", password="benchmark-password")
        _id, token = create_token(engine, "bench", "bench", actor="bench")
        page = queue_page(engine, limit=200)
        if not page.rows:
            raise SystemExit(f"{db} has no open cases: nothing to benchmark")
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT COUNT(*) FROM denial_case")).scalar_one()
        print(f"{cases:,} cases", flush=True)
        return token, [row.case.id for row in page.rows]
    finally:
        database.close()


def wait_for(port: int, deadline: float = 60.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def answered(port: int, deadline: float = 120.0) -> None:
    """Wait until the application answers (workers import it after the port is bound)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/static/app.css")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)
    raise RuntimeError("the application did not answer")


def run_target(
    port: int, paths: list[str], token: str, clients: int, seconds: float
) -> tuple[list[float], int]:
    """Latencies (ms) of every successful request, and the number of errors; client ``i``
    requests ``paths[i]``, ``paths[i + clients]``, ... in turn."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html,application/json"}

    def client(number: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        turn = number
        while time.monotonic() < stop:
            path = paths[turn % len(paths)]
            turn += clients
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if ok:
                mine.append(elapsed)
            else:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process and its worker processes have used
    so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(_cpu(int(child)) for child in children)


def server_cpu() -> float:
    """The benchmark PostgreSQL cluster's CPU seconds (0 when measuring SQLite)."""
    import scale

    return scale.server_cpu()


def bench(db: str, label: str, clients: int, seconds: float, workers: int = 1) -> None:
    token, case_ids = prepare(db)
    port = free_port()
    env = {**os.environ, "DENIALOPS_UPLOAD_DIR": str(DATA / "uploads")}
    server = subprocess.Popen(
        [sys.executable, "-m", "denialops", "serve", "--db", db, "--port", str(port)]
        + ["--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        answered(port)
        time.sleep(5.0 if workers > 1 else 0.0)  # the other workers up too
        targets = {
            "baseline /static/app.css": ["/static/app.css"],
            "queue page": ["/queue?include_closed=false"],
            "case page": [f"/cases/{case_id}" for case_id in case_ids],
            "case API": [f"/api/v1/cases/{case_id}" for case_id in case_ids],
        }
        before = os.getloadavg()[0]
        results = {}
        for name, path in targets.items():
            cpu = _cpu(server.pid) + server_cpu()
            client_cpu = time.process_time()
            latencies, errors = run_target(port, path, token, clients, seconds)
            client_cpu = time.process_time() - client_cpu
            cpu = _cpu(server.pid) + server_cpu() - cpu
            results[name] = {
                "cpu": 1000 * cpu / max(1, len(latencies) + errors),
                "client": 1000 * client_cpu / max(1, len(latencies) + errors),
                "rps": len(latencies) / seconds,
                "p50": statistics.median(latencies) if latencies else float("nan"),
                "p95": percentile(latencies, 0.95),
                "p99": percentile(latencies, 0.99),
                "errors": errors,
                "load": os.getloadavg()[0],
            }
        base = results["baseline /static/app.css"]["p50"]
        print(
            f"{label}: {workers} worker(s), {clients} clients, {seconds:.0f} s per target, "
            f"load average {before:.1f} before",
            flush=True,
        )
        for name, r in results.items():
            print(
                f"  {name:<26} {r['rps']:8.1f} req/s  p50 {r['p50']:8.1f} ms  "
                f"p95 {r['p95']:8.1f} ms  p99 {r['p99']:8.1f} ms  errors {r['errors']}  "
                f"p50 {r['p50'] / base:6.1f}x baseline  server cpu {r['cpu']:5.1f} ms/request"
                f"  client cpu {r['client']:4.1f} ms/request"
                f"  (load {r['load']:.1f} after)",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="base to build/copy")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1, help="denialops serve --workers")
    parser.add_argument("--db", default=None, help="use this database as it is")
    parser.add_argument("--base", type=Path, help="copy this SQLite base instead")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    if args.db:
        bench(args.db, args.db, args.clients, args.seconds, args.workers)
        return
    import scale
    import web_base

    base = args.base or DATA / f"web-{args.cases}.db"
    if not base.exists():
        web_base.build(base, args.cases)
    scale.BASE.append(base.resolve())
    kinds = [d.strip() for d in args.databases.split(",") if d.strip()]
    if "sqlite" in kinds:
        with scale.sqlite_copy(0) as url:
            bench(url, f"SQLite, base {base.name}", args.clients, args.seconds, args.workers)
    if "postgresql" in kinds:
        with scale.pg_cluster() as server, scale.postgres_copy(server, 0) as url:
            label = f"PostgreSQL, base {base.name}"
            bench(url, label, args.clients, args.seconds, args.workers)


if __name__ == "__main__":
    main()
