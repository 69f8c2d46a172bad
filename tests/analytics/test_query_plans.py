"""Query plans of what a report runs first and of its slowest query, on SQLite.

At 1,000,000 claims (bench/scale.py) two plans decided whether ``report kpis`` answers
in about a second or in many: the facts' staleness check walked every adjustment, and
the work metrics re-evaluated their date arithmetic in every sum. Both are checked here
with EXPLAIN QUERY PLAN on the statements actually run (PostgreSQL's plans depend on its
statistics, so there the results are what the other tests check)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from denialops.analytics.engine import open_analytics
from denialops.analytics.facts import staleness
from denialops.analytics.metrics import compute_kpis
from denialops.store.db import make_engine
from tests.analytics import factory


@pytest.fixture
def sqlite_engine(tmp_path: Path, _sqlite_template: Path) -> Iterator[Engine]:
    target = tmp_path / "plans.db"
    shutil.copyfile(_sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    factory.load(engine, with_work=True)
    yield engine
    engine.dispose()


def _plans(engine: Engine, run: Any) -> list[tuple[str, list[str]]]:
    """(statement, its EXPLAIN QUERY PLAN lines) for every SELECT ``run`` executes."""
    seen: list[tuple[str, Any]] = []

    def remember(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    out = []
    with engine.connect() as conn:
        cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in seen:
            rows = cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            out.append((statement, [str(r[-1]) for r in rows]))
    return out


def test_the_staleness_check_reads_no_adjustment_it_is_not_told_about(
    sqlite_engine: Engine,
) -> None:
    """Reclassified claims are found from the history rows past the watermark; the
    adjustments are looked up by id, never walked."""
    open_analytics(sqlite_engine).close()  # facts current: the check is what every report runs

    def run() -> None:
        with sqlite_engine.connect() as conn:
            staleness(conn)

    plans = _plans(sqlite_engine, run)
    history = [p for s, p in plans if "classification_history" in s and "adjustment" in s]
    assert history, "the staleness check no longer looks at the classification history"
    for lines in history:
        assert not [line for line in lines if line.startswith("SCAN")], lines


def test_the_work_metrics_compute_each_cases_dates_once(sqlite_engine: Engine) -> None:
    """The open/age/days-left columns are materialized once per case, not re-evaluated
    (two julianday() calls each) inside each of the ~30 sums that use them."""
    db = open_analytics(sqlite_engine)
    try:
        plans = _plans(sqlite_engine, lambda: compute_kpis(db, as_of=date(2026, 4, 15)))
    finally:
        db.close()
    aging = [p for s, p in plans if "open_now" in s]
    assert aging, "the work metrics no longer compute open_now"
    for lines in aging:
        assert any(line.startswith("MATERIALIZE aged") for line in lines), lines


def test_a_batch_refresh_touches_only_its_cube_cells(sqlite_engine: Engine) -> None:
    """Finding the cube cells of a batch and deleting them go by key and by the remit
    date index; both used to test every fact and cube row against every cell."""
    from sqlalchemy import text

    from denialops.analytics.facts import refresh_facts

    open_analytics(sqlite_engine).close()
    plans: list[tuple[str, list[str]]] = []

    def explain(_c: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "tmp_fact_cells" in statement and statement.lstrip().upper().startswith(
            ("INSERT INTO TMP_FACT_CELLS", "DELETE FROM FACT_CUBE")
        ):
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append((statement, [str(r[-1]) for r in rows.fetchall()]))

    with sqlite_engine.begin() as conn:
        (claim,) = conn.execute(text("SELECT MIN(id) FROM claim")).one()
        event.listen(sqlite_engine, "before_cursor_execute", explain)
        try:
            refresh_facts(conn, [claim])
        finally:
            event.remove(sqlite_engine, "before_cursor_execute", explain)
    assert len(plans) >= 3, [s for s, _ in plans]
    for statement, lines in plans:
        walked = [x for x in lines if x.startswith(("SCAN f", "SCAN fact_claim", "SCAN fact_cube"))]
        assert not walked, (statement, lines)
