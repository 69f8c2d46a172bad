"""Benchmark: 835 ingestion throughput against a bytes.split baseline, in one run.

Generates (once, cached under bench/data/) a 100,000-claim 835 with ``denialops.synth``
and measures on it:
  (a) baseline: split the file into segments and elements with bytes.split (streaming),
  (b) parse into typed records (denialops.x12.read_835),
  (c) parse and store into a fresh SQLite file (denialops.store.ingest, no hooks).
Prints claims/second for each and the ratios b/a and c/a.

    .venv/bin/python bench/ingest_835.py [--claims 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _parse import baseline_split, parse_typed  # noqa: E402

from denialops.pipeline import ingest_paths  # noqa: E402
from denialops.store.db import make_engine  # noqa: E402
from denialops.store.migrate import upgrade  # noqa: E402
from denialops.synth import SynthConfig, write_files  # noqa: E402


def sample_file(claims: int) -> Path:
    folder = Path(__file__).resolve().parent / "data" / f"ingest-{claims}"
    existing = sorted(folder.glob("*.835"))
    if existing:
        return existing[0]
    config = SynthConfig(seed=11, claims=claims, start=date(2026, 1, 1), end=date(2026, 6, 30))
    return write_files(folder, config, claims_per_file=claims * 2)[0]


def timed(label: str, func: object, *args: object) -> tuple[float, int]:
    start = time.perf_counter()
    count = func(*args)  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label:<34} {count:>8} claims in {seconds:7.2f} s = {count / seconds:>10,.0f} claims/s")
    return seconds, count


def store(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        try:
            summary = ingest_paths(engine, [path], steps=[])
        finally:
            engine.dispose()
    return int(summary.claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    path = sample_file(args.claims)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB")
    a, n = timed("(a) baseline bytes.split", baseline_split, path)
    b, _ = timed("(b) parse to typed records", parse_typed, path)
    c, _ = timed("(c) parse + store into SQLite", store, path)
    print(f"ratio b/a (throughput): {a / b:.3f}   target >= 0.35")
    print(f"ratio c/a (throughput): {a / c:.3f}   target >= 0.15")
    del n


if __name__ == "__main__":
    main()
