"""Child process of the crash test: ingest one file, slowly, until it is killed.

Commits after every transaction set, and a step sleeps inside each still-open database
transaction, so the kill almost always lands while a transaction set is half written:
exactly the case the atomicity guarantee is about.

Usage: python -m tests.store.crash_child FILE DATABASE_URL
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import Connection

from denialops.pipeline import Batch, IngestOptions, Step, ingest_paths
from denialops.store.db import make_engine


def _linger(conn: Connection, batch: Batch) -> None:
    time.sleep(0.02)


def main() -> None:
    path, url = sys.argv[1], sys.argv[2]
    ingest_paths(
        make_engine(url),
        [path],
        steps=[Step("linger", _linger)],
        options=IngestOptions(batch_claims=1, commit_bytes=1),
    )


if __name__ == "__main__":
    main()
