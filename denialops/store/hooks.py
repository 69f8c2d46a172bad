"""What runs right after a remittance is stored, inside the same database transaction.

Each hook is called as ``hook(conn, remittance_id)`` once the remittance's rows are
inserted and before they are committed, so a crash leaves neither the rows nor the
hook's work (classification, opened cases) behind.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

IngestHook = Callable[[Connection, int], None]


def default_hooks() -> list[IngestHook]:
    """The hooks ingest runs when the caller names none, in order.

    Classification first: the work register opens cases from the claim-level denial
    status that classification sets.
    """
    from denialops.classify.apply import classify_remittance
    from denialops.work import work_hook

    return [classify_remittance, work_hook]
