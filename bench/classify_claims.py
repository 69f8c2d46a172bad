"""Benchmark: classification of 100,000 stored claims, before and after set-based SQL.

Builds (once, cached under bench/data/) a SQLite database holding a 100,000-claim synth
835 stored WITHOUT classification, copies it for each contender and times, in one run:
  (a) baseline: the earlier ``classify_remittance`` (read every adjustment of a
      remittance into Python, one UPDATE per distinct result), loaded from git revision
      ``--baseline-rev`` so both run against today's rules and engine;
  (b) ``classify_remittance`` today (a wrapper over ``classify_claims``), per remittance
      as the pipeline calls it;
  (c) ``classify_claims`` over all claims at once (one scope, one UPDATE ... FROM).
Prints seconds, claims/s, the ratios against (a) and the load average.

    .venv/bin/python bench/classify_claims.py [--claims 100000] [--baseline-rev c27ac87]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

from sqlalchemy import Connection, text

from denialops.classify import load_rules
from denialops.classify.apply import classify_claims, classify_remittance
from denialops.pipeline import ingest_paths
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.synth import SynthConfig, write_files

HERE = Path(__file__).resolve().parent


def stored_database(claims: int) -> Path:
    folder = HERE / "data" / f"classify-{claims}"
    db = folder / "unclassified.db"
    if db.exists():
        return db
    folder.mkdir(parents=True, exist_ok=True)
    config = SynthConfig(seed=11, claims=claims, start=date(2026, 1, 1), end=date(2026, 6, 30))
    files = write_files(folder / "835", config, claims_per_file=claims * 2)
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    try:
        ingest_paths(engine, files, steps=[])
    finally:
        engine.dispose()
    return db


def baseline_module(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:denialops/classify/apply.py"],
        cwd=HERE.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "baseline_apply.py"
    path.write_text(source, "utf-8")
    spec = importlib.util.spec_from_file_location("baseline_apply", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_apply"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def timed(label: str, db: Path, work: Callable[[Connection, list[int], list[int]], None]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.db"
        shutil.copyfile(db, copy)
        engine = make_engine(f"sqlite:///{copy}")
        try:
            with engine.begin() as conn:
                remittances = list(conn.execute(text("SELECT id FROM remittance")).scalars())
                claims = list(conn.execute(text("SELECT id FROM claim")).scalars())
            start = time.perf_counter()
            with engine.begin() as conn:
                work(conn, remittances, claims)
            seconds = time.perf_counter() - start
            with engine.connect() as conn:
                left = conn.execute(
                    text("SELECT COUNT(*) FROM adjustment WHERE is_denial IS NULL")
                ).scalar_one()
        finally:
            engine.dispose()
    assert left == 0, f"{label}: {left} adjustments left unclassified"
    load = os.getloadavg()[0]
    print(
        f"{label:<46} {len(claims):>7} claims in {seconds:7.2f} s = "
        f"{len(claims) / seconds:>9,.0f} claims/s  (load {load:.1f})"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--baseline-rev", default="c27ac87")
    parser.add_argument(
        "--wrapper", action="store_true", help="also time (b), the per-remittance wrapper"
    )
    args = parser.parse_args()
    db = stored_database(args.claims)
    rules = load_rules()
    old = baseline_module(args.baseline_rev)

    def before(conn: Connection, remittances: list[int], _claims: list[int]) -> None:
        for rid in remittances:
            old.classify_remittance(conn, rid, rules)

    def wrapper(conn: Connection, remittances: list[int], _claims: list[int]) -> None:
        for rid in remittances:
            classify_remittance(conn, rid, rules)

    def at_once(conn: Connection, _remittances: list[int], claims: list[int]) -> None:
        classify_claims(conn, claims, rules)

    a = timed("(a) baseline classify_remittance (per remittance)", db, before)
    c = timed("(c) classify_claims (all claims, one scope)", db, at_once)
    print(f"ratio a/c (speed-up): {a / c:.2f}x")
    if args.wrapper:
        b = timed("(b) classify_remittance wrapper (per remittance)", db, wrapper)
        print(f"ratio a/b (speed-up): {a / b:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
