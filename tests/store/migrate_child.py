"""Run in a child process by test_open.py: migrate, then stop just before the commit.

``python -m tests.store.migrate_child URL REVISION MARKER``: the revisions run (inside
the one migration transaction), MARKER is written, and the process sleeps until the
test kills it with SIGKILL.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from alembic import command

from denialops.store import migrate


def main() -> None:
    url, revision, marker = sys.argv[1:4]
    real_upgrade = command.upgrade  # migrate imports alembic.command only to upgrade

    def upgrade_then_hang(config: Any, target: str) -> None:
        real_upgrade(config, target)
        Path(marker).write_text("migrated, not committed\n")
        time.sleep(600)

    command.upgrade = upgrade_then_hang  # type: ignore[assignment]
    migrate.upgrade(url, revision)


if __name__ == "__main__":
    main()
