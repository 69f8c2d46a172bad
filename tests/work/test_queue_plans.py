"""Query plans of the queue's search page, on SQLite and PostgreSQL.

At 1,000,000 cases PostgreSQL answered ``--search name42`` in about 0.5 s: with terms
indexed only by term, its cheapest way from the matching terms to their cases was a
sequential scan of every open case, hashed against the terms, then a sort. Revision 0014
indexes ``case_search`` by case too, so the planner can walk the queue's priority index
in page order and check each case's terms by key, and still starts from
``ix_case_search_term`` for a term that matches a few cases. The case table here is
``bench/queue.py``'s generator (five terms a case, names shared by many cases),
analysed as a real database is by autovacuum.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bench.queue import build
from denialops.work.queue import QueueFilters, queue_page

CASES = 40_000


def _plan_of_search(engine: Engine, term: str) -> list[str]:
    """The plan of the page query ``queue_page`` runs for a search."""
    seen: list[tuple[str, Any]] = []

    def remember(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "case_search" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = queue_page(engine, QueueFilters(search=term), limit=50, today=date(2026, 6, 1))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert page.rows, f"nothing found for {term!r}: the plan would not mean much"
    (statement, parameters), *_ = seen
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(prefix + statement, parameters)
        return [str(row[-1] if engine.dialect.name == "sqlite" else row[0]) for row in cursor]


@pytest.mark.parametrize("term", ["name42", "N", "PCN12346"])
def test_a_search_page_reads_no_whole_table(engine: Engine, term: str) -> None:
    """A common prefix (name42: 1 case in 45; N: every case), and a selective one."""
    build(engine, CASES)
    lines = _plan_of_search(engine, term)
    if engine.dialect.name == "postgresql":
        walked = [x for x in lines if "Seq Scan" in x]
    else:
        walked = [x for x in lines if x.startswith("SCAN") and "USING" not in x]
    assert not walked, lines
