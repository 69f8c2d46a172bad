"""The first report after an ingest finds the pipeline's facts current: it does not
rebuild them all (at 1,000,000 claims that took minutes), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

from denialops.analytics.engine import open_analytics
from denialops.analytics.facts import catch_up, refresh_facts, staleness
from denialops.analytics.metrics import compute_kpis
from tests.analytics import factory


def _pipeline_facts(engine: Engine) -> None:
    """Facts as the ingest pipeline leaves them: refreshed for the claims it stored,
    with no bookkeeping (schema version, watermarks) written."""
    factory.load(engine, with_work=True)
    with engine.begin() as conn:
        ids = list(conn.execute(text("SELECT id FROM claim")).scalars())
        refresh_facts(conn, ids)
        conn.execute(text("DELETE FROM fact_meta"))


def test_facts_written_by_the_pipeline_are_checked_not_rebuilt(engine: Engine) -> None:
    _pipeline_facts(engine)
    with engine.begin() as conn:
        stale = staleness(conn)
        assert not stale.rebuild
        assert stale.claim_ids == []
        result = catch_up(conn)
        assert not result.rebuilt and result.claims == 0
    with engine.connect() as conn:
        assert staleness(conn).current


def test_a_claim_the_pipeline_left_without_facts_is_still_found(engine: Engine) -> None:
    _pipeline_facts(engine)
    with engine.begin() as conn:
        (missing,) = conn.execute(text("SELECT MAX(claim_id) FROM fact_claim")).one()
        conn.execute(text("DELETE FROM fact_claim WHERE claim_id = :c"), {"c": missing})
        assert staleness(conn).claim_ids == [missing]
    before = _kpis(engine)
    with engine.begin() as conn:
        full = refresh_facts(conn, None)
    assert full.rebuilt
    assert _kpis(engine) == before


def _kpis(engine: Engine) -> dict[str, object]:
    db = open_analytics(engine)
    try:
        return compute_kpis(db, as_of=date(2026, 4, 15)).to_json()["metrics"]  # type: ignore[no-any-return]
    finally:
        db.close()
