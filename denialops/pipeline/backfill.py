"""After an upgrade: derive what later revisions derive, for data stored before them.

A database ingested at revision 0001 has remittances but no cases (the denial register
came with 0002); one filled by hand or by an older tool may have adjustments never
classified. :meth:`denialops.store.Database.migrate` calls :func:`backfill` (registered
as a ``denialops.backfill`` entry point, so ``store`` does not import the pipeline) in
the upgrade's own transaction: the upgrade and its backfill commit together or not at
all. The steps are the ingest pipeline's own, so the result is what ingesting the same
files today gives; they are idempotent, so a rerun changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import cast

from sqlalchemy import Connection, Table, select

from denialops.pipeline.steps import Batch, default_steps
from denialops.store import schema

REMITTANCE = cast(Table, schema.Remittance.__table__)
CLAIM = cast(Table, schema.Claim.__table__)
ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
WORK_REGISTER_REVISION = "0002"
"""The revision that created the denial register: upgrading across it derives every case."""


def backfill(conn: Connection, applied: Sequence[str]) -> int:
    """Run the pipeline's steps over remittances stored before the steps existed.

    ``applied`` are the revisions this upgrade ran. Returns how many remittances were
    processed (file by file, in the order they were stored).
    """
    query = select(REMITTANCE.c.id, REMITTANCE.c.file_id).order_by(REMITTANCE.c.id)
    if WORK_REGISTER_REVISION not in applied:
        unclassified = select(ADJUSTMENT.c.remittance_id).where(ADJUSTMENT.c.is_denial.is_(None))
        query = query.where(REMITTANCE.c.id.in_(unclassified))
    rows = conn.execute(query).all()
    steps = default_steps()
    for file_id, group in groupby(rows, key=lambda row: row.file_id):
        remittance_ids = tuple(row.id for row in group)
        claim_ids = tuple(
            conn.execute(
                select(CLAIM.c.id)
                .where(CLAIM.c.remittance_id.in_(remittance_ids))
                .order_by(CLAIM.c.id)
            ).scalars()
        )
        batch = Batch(file_id=file_id, remittance_ids=remittance_ids, claim_ids=claim_ids)
        for step in steps:
            step.run(conn, batch)
    return len(rows)
