"""Profile: where one whole SQLite ingest's CPU goes, step by step.

Runs ``ingest_paths`` (parse, store, classify, cases, facts, outcomes) under cProfile on
the ``bench/ingest_835.py`` sample file into a fresh migrated SQLite database and prints
each part's cumulative share, then the top of the cumulative profile. Record the block in
bench/RESULTS.md with the load average.

    .venv/bin/python bench/profile_ingest.py [--claims 20000] [--top 45]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
sys.path.insert(0, str(ROOT.parent))
sys.path.append(str(ROOT))

from ingest_835 import ingest, migrated, sample_file  # noqa: E402

PARTS = {
    "parse (read_835)": ("parse835.py", "read_835"),
    "store (store_batch)": ("ingest.py", "store_batch"),
    "steps (_run_steps)": ("run.py", "_run_steps"),
    "  classify_remittances": ("apply.py", "classify_remittances"),
    "  open cases": ("cases.py", "open_cases"),
    "  facts_batch": ("steps.py", "facts_batch"),
    "  match outcomes": ("outcomes.py", "match_outcomes"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    path = sample_file(args.claims)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        url = migrated(f"sqlite:///{tmp}/profile.db")
        profile = cProfile.Profile()
        started = time.process_time()
        profile.enable()
        claims = ingest(url, path, True)
        profile.disable()
        total = time.process_time() - started
    print(f"claims {claims} cpu {total:.2f} s (under cProfile)")
    stats = pstats.Stats(profile)
    table = stats.stats  # type: ignore[attr-defined]
    for label, (filename, function) in PARTS.items():
        spent = sum(v[3] for k, v in table.items() if k[0].endswith(filename) and k[2] == function)
        print(f"{label:<28} {spent:7.2f} s cum  {100 * spent / total:5.1f}%")
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(args.top)
    print(text.getvalue())
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
