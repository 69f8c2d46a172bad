"""Benchmark: scrubbing 837 claims against a 2,000,000-pair NCCI table, against parsing.

Generates once (cached under bench/data/scrub-*): 100,000 synthetic professional claims
with planted defects (``denialops.synth.claims837``) written as 837 files, and a CMS-
layout NCCI PTP file of at least 2,000,000 pairs (every code of the practitioner MUE
table as column 1, random column 2 codes, plus the planted pairs) loaded into a
reference store. Then, in one run:
  (a) parse: read every claim into typed records (denialops.x12.parse837),
  (b) parse + scrub: the same, then every edit on every claim (what `denialops scrub`
      does), with the PTP table looked up by index, never held in memory.
Prints claims/second for each and the ratio a-time / b-time (1.0 = scrubbing is free;
0.5 = scrubbing costs as much as parsing again: the target is >= 0.5).

    .venv/bin/python bench/scrub.py [--claims 100000] [--pairs 2000000]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date
from pathlib import Path

from denialops.scrub import Scrubber
from denialops.scrub.tables import EditTables, load_ptp, shipped_mue
from denialops.synth.claims837 import PLANTED_PTP, generate_claims, write_claim_files
from denialops.x12.claim837 import SubmittedClaim
from denialops.x12.parse837 import iter_claims

DATA = Path(__file__).resolve().parent / "data"


def claim_files(claims: int) -> list[Path]:
    folder = DATA / f"scrub-claims-{claims}"
    existing = sorted(folder.glob("*.837"))
    if existing:
        return existing
    planted = list(generate_claims(seed=13, claims=claims, start=date(2025, 1, 1)))
    paths, _ = write_claim_files(folder, planted, seed=13, claims_per_batch=20_000)
    return paths


def ptp_store(pairs: int) -> Path:
    folder = DATA / f"scrub-ptp-{pairs}"
    if (folder / "refdata" / "cms.sqlite").exists():
        return folder / "refdata"
    folder.mkdir(parents=True, exist_ok=True)
    codes = sorted(c for c in shipped_mue("practitioner") if c[:1].isdigit())
    rng = random.Random(5)
    per_code = pairs // len(codes) + 1
    path = folder / "ccipra-synthetic-f1.txt"
    written = 0
    with path.open("w", encoding="latin-1") as out:
        out.write("CPT codes and descriptions only are copyright American Medical Association.\n\n")
        out.write("Column 1\tColumn 2\t*\tEffective Date\tDeletion Date\tModifier\tRationale\n")
        for first, second, modifier in PLANTED_PTP:
            out.write(f"{first}\t{second}\t \t20200101\t*\t{modifier}\tplanted\n")
        for first in codes:
            for second in rng.sample(codes, min(per_code, len(codes))):
                if second != first:
                    out.write(f"{first}\t{second}\t \t20190101\t*\t{rng.choice('019')}\tfiller\n")
                    written += 1
    started = time.perf_counter()
    result = load_ptp(path, "practitioner", folder=folder / "refdata")
    print(f"loaded {result.rows:,} PTP pairs in {time.perf_counter() - started:.1f} s")
    path.unlink()
    return folder / "refdata"


def parse_only(paths: list[Path]) -> int:
    return sum(1 for path in paths for c in iter_claims(path) if isinstance(c, SubmittedClaim))


def parse_and_scrub(paths: list[Path], refdata: Path) -> tuple[int, int]:
    claims = flagged = 0
    with EditTables(refdata) as tables:
        scrubber = Scrubber(tables=tables)
        # the one-off loads every CLI run pays once: shipped tables, ICD-10 tabular
        scrubber.scrub(next(c for c in iter_claims(paths[0]) if isinstance(c, SubmittedClaim)))
        scrubber.context.seen.clear()
        for path in paths:
            for claim in iter_claims(path):
                if isinstance(claim, SubmittedClaim):
                    # judged on the day each claim was submitted (BHT04), as a billing
                    # system scrubbing its outgoing batch would
                    result = scrubber.scrub(claim, as_of=claim.submitted)
                    claims += 1
                    flagged += not result.clean
    return claims, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=2_000_000)
    args = parser.parse_args()
    paths = claim_files(args.claims)
    refdata = ptp_store(args.pairs)
    with EditTables(refdata) as tables:
        assert tables.store is not None
        rows = tables.store.execute("SELECT count(*) FROM ncci_ptp").fetchone()[0]
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"claims: {len(paths)} files, {size:.1f} MB; NCCI PTP pairs: {rows:,}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # warm the ICD-10 tabular (a one-off ~3 s load, the same for every run of the CLI)
    from denialops.scrub import icd10

    icd10.check("E119")
    started = time.perf_counter()
    parsed = parse_only(paths)
    a = time.perf_counter() - started
    print(
        f"(a) parse 837 to typed records   {parsed:>8} claims in {a:7.2f} s = {parsed / a:>9,.0f}/s"
    )
    started = time.perf_counter()
    scrubbed, flagged = parse_and_scrub(paths, refdata)
    b = time.perf_counter() - started
    rate = scrubbed / b
    print(f"(b) parse + scrub (all edits)    {scrubbed:>8} claims in {b:7.2f} s = {rate:>9,.0f}/s")
    print(f"    claims with findings: {flagged:,} ({flagged / scrubbed:.1%})")
    print(
        f"ratio a/b (time): {a / b:.3f}   target >= 0.5 (scrubbing costs at most the parse again)"
    )


if __name__ == "__main__":
    main()
