"""Query plans of what a report runs first, of its slowest query and of a batch's refresh.

At 1,000,000 claims (bench/scale.py) two plans decided whether ``report kpis`` answers
in about a second or in many: the facts' staleness check walked every adjustment, and
the work metrics re-evaluated their date arithmetic in every sum. Both are checked here
with EXPLAIN QUERY PLAN on the statements actually run on SQLite. The ingest's facts
refresh is checked on both databases: PostgreSQL's plans depend on its statistics, so
that test first fills the fact tables with rows of other cells and analyses them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

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


FACT_READS = ("fact_claim", "fact_claim_family", "fact_denial", "fact_cube")


def _fill_other_cells(engine: Engine, copies: int) -> None:
    """Copies of every fact and cube row, each on its own day long before the data, so the
    fact tables are mostly cells a refresh of the factory's claims does not touch. With
    statistics (PostgreSQL), a walk of such a table is then the planner's worst choice."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from denialops.analytics.fact_tables import TABLES

    ids = ("claim_id", "adjustment_id", "remittance_id", "service_line_id")
    with engine.begin() as conn:
        for name in FACT_READS:
            table = TABLES[name]
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            copied = []
            for n in range(1, copies + 1):
                day = date(2001, 1, 1) + timedelta(days=n)
                for row in rows:
                    extra = {k: row[k] + 1_000_000 * n for k in ids if row.get(k) is not None}
                    copied.append({**row, **extra, "remit_date": day, "month": day, "week": day})
            conn.execute(insert(table), copied)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))


def test_a_batch_refresh_reads_only_its_cube_cells_by_key(engine: Engine) -> None:
    """A batch's refresh finds the cube cells its claims fall in, the claims in those
    cells and their facts by key through indexes, on both databases: at 1,000,000
    claims the cube's re-sum read the whole of fact_denial and fact_claim_family (no cell
    index) fifteen times per batch. The temporary key tables are analysed first, so
    PostgreSQL does not take them for one row and SQLite for a million."""
    from denialops.analytics.facts import refresh_facts

    factory.load(engine, with_work=True)
    open_analytics(engine).close()
    _fill_other_cells(engine, copies=400)
    postgresql = engine.dialect.name == "postgresql"
    plans: list[tuple[str, list[str]]] = []

    def explain(_c: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        head = " ".join(statement.split()).upper()
        if not head.startswith(("INSERT", "DELETE", "SELECT", "WITH")) or "EXPLAIN" in head:
            return
        if not any(t in statement for t in FACT_READS):
            return
        prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
        rows = cursor.connection.execute(prefix + statement, parameters or ()).fetchall()
        plans.append((statement, [str(r[-1] if not postgresql else r[0]) for r in rows]))

    with engine.begin() as conn:
        (claim,) = conn.execute(text("SELECT MIN(id) FROM claim")).one()
        event.listen(engine, "before_cursor_execute", explain)
        try:
            refresh_facts(conn, [claim])
        finally:
            event.remove(engine, "before_cursor_execute", explain)
    cube = [s for s, _ in plans if "INSERT INTO fact_cube" in s]
    assert len(cube) == 2 + 2 * 7, "the cube is no longer re-summed per cut"
    assert all("tmp_fact_cell_claims" in s for s in cube), cube
    for statement, lines in plans:
        if postgresql:
            walked = [x for x in lines if any(f"Seq Scan on {t} " in x for t in FACT_READS)]
        else:  # nor, on SQLite, the claims and adjustments the facts are built from
            walked = [x for x in lines if re.match(r"SCAN (f|fact_\w+|c|a|claim|adjustment)\b", x)]
        assert not walked, (statement, lines)
