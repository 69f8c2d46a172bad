"""An upgrade derives what later revisions derive: a database built by any earlier
revision, holding data, shows classifications and cases after the upgrade (issue 9)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from denialops.store import Database, schema
from denialops.store.migrate import alembic_config, backfill_hooks, head_revision
from denialops.work.tables import DenialCase
from tests.store.old_databases import OLD_AMOUNTS, seed_old_database

EARLIER = [
    rev.revision
    for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    if rev.revision != head_revision()
]
ADJUSTMENT = schema.Adjustment.__table__
CLAIM = schema.Claim.__table__
CASE = DenialCase.__table__


def test_the_pipeline_registers_its_backfill() -> None:
    assert [hook.__module__ for hook in backfill_hooks()] == ["denialops.pipeline.backfill"]


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_an_earlier_revision_backfills_cases(db_url: str, revision: str) -> None:
    seed_old_database(db_url, revision)
    with Database(db_url) as db:
        db.migrate()
        assert db.revision() == head_revision()
        with db.read() as conn:
            unclassified = conn.execute(
                select(func.count()).where(ADJUSTMENT.c.is_denial.is_(None))
            ).scalar_one()
            denied = conn.execute(
                select(func.count()).where(CLAIM.c.denial_status != "paid")
            ).scalar_one()
            cases = conn.execute(select(func.count()).select_from(CASE)).scalar_one()
    assert unclassified == 0
    assert denied > 0
    assert 0 < cases <= len(OLD_AMOUNTS)


def test_backfill_is_not_repeated_on_a_database_at_head(db_url: str) -> None:
    seed_old_database(db_url, "0001")
    with Database(db_url) as db:
        db.migrate()
        with db.read() as conn:
            before = conn.execute(select(func.count()).select_from(CASE)).scalar_one()
        db.migrate()
        with db.read() as conn:
            after = conn.execute(select(func.count()).select_from(CASE)).scalar_one()
    assert before == after > 0
