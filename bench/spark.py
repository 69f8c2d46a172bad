"""Benchmark: one skewed 835 archive, ingested by the single-process pipeline and by Spark.

The archive: ``--claims`` claims (default 1,000,000) in ``--files`` files (default 100),
sizes skewed: one file, in the middle of the name order, holds ``--big-share`` (30%) of
the claims, the others share the rest equally. Generated once with ``denialops.synth``
and cached under bench/data/ (git-ignored).

Timed, each as a user runs it (``python -m denialops ...``, so JVM and interpreter
start-up are in the wall time; Spark's own job time is printed beside it):

  single   ``denialops ingest DIR --db sqlite:///...`` (the whole single-machine pipeline)
  split    ``denialops spark ingest DIR --out ... --master local[2] --split-bytes S``:
           S defaults to the size of an ordinary file of the archive, so the big file
           is cut at ST..SE boundaries into pieces about that size
  unsplit  the same with ``--split-bytes`` larger than any file: the big file is one task

Printed: claims/s of each, Spark over single (the ratio of throughputs), unsplit over
split (the ratio of times: what cutting the big file saves), claims per core-second,
the core count and the load average before and after. Record the block in
bench/RESULTS.md with the command line.

    .venv/bin/python bench/spark.py [--claims 1000000] [--files 100] [--big-share 0.3]
                                    [--master local[2]] [--split-bytes N]
                                    [--skip single,unsplit]
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
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA = ROOT / "data"
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(REPO))

from denialops.synth import SynthConfig, generate  # noqa: E402
from denialops.x12.write835 import write_835  # noqa: E402

NO_SPLIT = 1 << 50


def file_sizes(claims: int, files: int, big_share: float) -> list[int]:
    """Claims per file: one file (the middle one) holds ``big_share`` of them."""
    if files < 2:
        return [claims]
    big = round(claims * big_share)
    rest = claims - big
    small = [rest // (files - 1) + (1 if i < rest % (files - 1) else 0) for i in range(files - 1)]
    middle = (files - 1) // 2
    return [*small[:middle], big, *small[middle:]]


def archive(claims: int, files: int, big_share: float, seed: int) -> tuple[Path, dict[str, int]]:
    """The cached archive folder and its manifest (claims written, bytes, big file)."""
    folder = DATA / f"spark-{claims}-{files}-{int(big_share * 100)}-s{seed}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        return folder, json.loads(manifest_path.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config = SynthConfig(seed=seed, claims=claims, start=date(2024, 1, 1), end=date(2025, 12, 31))
    remittances = generate(config)
    pending = next(remittances, None)
    written = []
    for number, quota in enumerate(file_sizes(claims, files, big_share), start=1):
        batch = []
        count = 0
        while pending is not None and (count < quota or number == files):
            batch.append(pending)
            count += len(pending.claims)
            pending = next(remittances, None)
        path = folder / f"archive-{number:04d}.835"
        with path.open("w", encoding="latin-1", newline="") as handle:
            write_835(iter(batch), handle, interchange_control=number)
        written.append(count)
    sizes = [p.stat().st_size for p in sorted(folder.glob("*.835"))]
    manifest = {
        "claims": sum(written),
        "files": len(written),
        "bytes": sum(sizes),
        "big_file_claims": max(written),
        "big_file_bytes": max(sizes),
        "median_file_bytes": sorted(sizes)[len(sizes) // 2],
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return folder, manifest


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1) or not done.stdout.strip():
        # 1 with a report: something quarantined; 1 with no report: the command failed
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def single(folder: Path, work: Path) -> float:
    database = work / "single.db"
    seconds, _ = timed(
        [sys.executable, "-m", "denialops", "ingest", str(folder), "--db", f"sqlite:///{database}"]
    )
    return seconds


def spark(folder: Path, work: Path, name: str, master: str, split: int) -> tuple[float, dict]:
    out = work / name
    seconds, stdout = timed(
        [sys.executable, "-m", "denialops", "spark", "ingest", str(folder), "--out", str(out),
         "--master", master, "--split-bytes", str(split), "--json"]
    )  # fmt: skip
    return seconds, json.loads(stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--big-share", type=float, default=0.30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--split-bytes", type=int, default=0, help="0: an ordinary file's size")
    parser.add_argument("--skip", default="", help="comma-separated: single, unsplit")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    started = time.perf_counter()
    folder, manifest = archive(args.claims, args.files, args.big_share, args.seed)
    print(f"archive {folder.relative_to(REPO)}: {json.dumps(manifest)} "
          f"({time.perf_counter() - started:.0f} s to make or find)")  # fmt: skip
    claims = manifest["claims"]
    split = args.split_bytes or manifest["median_file_bytes"]
    cores = os.cpu_count() or 1
    print(f"nproc {cores}; load average before: {load()}")

    results: dict[str, tuple[float, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as temporary:
        work = Path(temporary)
        if "single" not in skip:
            results["single"] = (single(folder, work), None)
            print(f"single   {results['single'][0]:8.1f} s   load {load()}")
        seconds, summary = spark(folder, work, "split", args.master, split)
        results["split"] = (seconds, float(summary["seconds"]))
        print(f"split    {seconds:8.1f} s (job {summary['seconds']:.1f} s, "
              f"{summary['units']} units, {summary['partitions']} partitions, "
              f"{summary['claims']} claims)   load {load()}")  # fmt: skip
        if summary["claims"] != claims:
            print(f"  note: Spark counted {summary['claims']} claims, the archive has {claims}")
        if "unsplit" not in skip:
            seconds, summary = spark(folder, work, "unsplit", args.master, NO_SPLIT)
            results["unsplit"] = (seconds, float(summary["seconds"]))
            print(f"unsplit  {seconds:8.1f} s (job {summary['seconds']:.1f} s, "
                  f"{summary['units']} units, {summary['partitions']} partitions)   "
                  f"load {load()}")  # fmt: skip

    threads = _threads(args.master, cores)
    print()
    print("| run | wall s | claims/s (wall) | job s | claims/s (job) | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    base = claims / results["single"][0] if "single" in results else None
    for name, (wall, job) in results.items():
        rate = claims / wall
        job_rate = f"{claims / job:,.0f}" if job else "-"
        ratio = "baseline" if name == "single" else (f"{rate / base:.2f}x single" if base else "-")
        if name == "unsplit":
            ratio = f"{wall / results['split'][0]:.2f}x the split run's time"
        print(f"| {name} | {wall:.1f} | {rate:,.0f} | {job or 0:.1f} | {job_rate} | {ratio} |")
    split_job = results["split"][1] or results["split"][0]
    print(f"\nSpark: {claims / split_job / threads:,.0f} claims per core-second "
          f"({threads} threads, job time); split bytes {split:,}; load after {load()}")  # fmt: skip


def _threads(master: str, cores: int) -> int:
    if master.startswith("local[") and master.endswith("]"):
        inner = master[6:-1].split(",")[0]
        return cores if inner == "*" else int(inner)
    return cores


if __name__ == "__main__":
    main()
