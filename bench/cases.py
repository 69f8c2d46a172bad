"""Benchmark: the cases step of ingest (open cases, match outcomes) against storing alone.

Not a test. Run ``.venv/bin/python bench/cases.py [--claims 10000]``. Generates (once,
cached under bench/data/) a synthetic 835 with ``denialops.synth`` and its follow-ups,
then ingests it three times into fresh SQLite files in the same run: (a) parse + store
only (no steps), (b) + classification, (c) + classification + cases (the full default
pipeline); then the follow-up file into (c)'s database (outcomes). The cases step's
cost is (c) - (b); the baseline is (a). Issue 10 measured the per-case step at 31 of
38 s for 10,000 claims before it was set-based.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from denialops.pipeline import ingest_paths
from denialops.pipeline.steps import default_steps
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.synth import SynthConfig, generate_followups, write_files
from denialops.work.cases import case_t
from denialops.x12.write835 import format_835


def sample(claims: int) -> tuple[Path, Path]:
    folder = Path(__file__).resolve().parent / "data" / f"cases-{claims}"
    config = SynthConfig(seed=7, claims=claims, start=date(2026, 1, 1), end=date(2026, 3, 31))
    base = sorted(folder.glob("base*.835"))
    later = folder / "later.835"
    if not base:
        folder.mkdir(parents=True, exist_ok=True)
        written = write_files(folder, config, claims_per_file=claims * 2)
        written[0].rename(folder / "base.835")
        later.write_text(format_835(list(generate_followups(config))), encoding="utf-8")
    return folder / "base.835", later


def run(path: Path, steps: str, later: Path | None = None) -> tuple[float, float, int]:
    chosen = {"none": [], "classify": default_steps()[:1], "all": default_steps()}[steps]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        try:
            start = time.perf_counter()
            ingest_paths(engine, [path], steps=chosen)
            first = time.perf_counter() - start
            second = 0.0
            if later is not None:
                start = time.perf_counter()
                ingest_paths(engine, [later], steps=chosen)
                second = time.perf_counter() - start
            with engine.connect() as conn:
                cases = int(conn.execute(select(func.count()).select_from(case_t)).scalar_one())
        finally:
            engine.dispose()
    return first, second, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    args = parser.parse_args()
    base, later = sample(args.claims)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.claims:,} claims")
    a, _, _ = run(base, "none")
    b, _, _ = run(base, "classify")
    c, outcomes, cases = run(base, "all", later)
    print(f"(a) parse + store                 {a:8.2f} s")
    print(f"(b) + classify                    {b:8.2f} s")
    print(f"(c) + cases ({cases:,} opened)    {c:8.2f} s")
    print(f"cases step (c - b)                {c - b:8.2f} s = {(c - b) / a:.3f} x (a)")
    print(f"follow-up file with all steps     {outcomes:8.2f} s (outcomes matched)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
