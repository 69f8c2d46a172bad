"""Benchmark: peak memory of ingesting one large 835 transaction set, against its size.

Generates (once, cached under bench/data/) one file holding a single transaction set of
``--claims`` claims (synth seed 5), ingests a small warm-up file (imports, statement
caches), then ingests the big one with ``denialops.pipeline.ingest_paths`` (no steps)
into a fresh SQLite database under tracemalloc and prints the peak as a multiple of the
set's size. Holding the set as records took ~20x; streaming its claims aims at <= 3x.

    .venv/bin/python bench/stream_memory.py [--claims 20000] [--stream-claims 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(ROOT.parent))

from denialops.pipeline import IngestOptions, ingest_paths  # noqa: E402
from denialops.store.db import make_engine  # noqa: E402
from denialops.store.migrate import upgrade  # noqa: E402
from denialops.synth import write_one_set  # noqa: E402


def one_set(claims: int) -> Path:
    return write_one_set(ROOT / "data" / f"one-set-{claims}", claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--stream-claims", type=int, default=IngestOptions().stream_claims)
    args = parser.parse_args()
    path, warm = one_set(args.claims), one_set(20)
    options = IngestOptions(stream_claims=args.stream_claims)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        ingest_paths(engine, [warm], steps=[], options=options)
        tracemalloc.start()
        start = time.perf_counter()
        summary = ingest_paths(engine, [path], steps=[], options=options)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        engine.dispose()
    size = path.stat().st_size
    print(
        f"one set of {summary.claims:,} claims ({summary.transactions} set), {size / 1e6:.1f} MB:"
        f" peak {peak / 1e6:.1f} MB = {peak / size:.2f}x the set"
        f" ({seconds:.1f} s under tracemalloc; load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
