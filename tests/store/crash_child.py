"""Child process of the crash test: ingest one file, slowly, until it is killed.

Each remittance's hook sleeps inside the still-open database transaction, so the kill
almost always lands while a transaction set is half written: exactly the case the
atomicity guarantee is about.

Usage: python -m tests.store.crash_child FILE DATABASE_URL
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import Connection

from denialops.store.db import make_engine
from denialops.store.ingest import ingest_paths


def _linger(conn: Connection, remittance_id: int) -> None:
    time.sleep(0.02)


def main() -> None:
    path, url = sys.argv[1], sys.argv[2]
    ingest_paths(make_engine(url), [path], hooks=[_linger])


if __name__ == "__main__":
    main()
