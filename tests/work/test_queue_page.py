"""The queue as one SQL query: filters, keyset pages, search; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from denialops.errors import StoreError
from denialops.work import assign, move
from denialops.work.queue import QueueFilters, as_record, queue_page
from tests.work.builders import claim, ingest, remittance

_FACTORS = ("p_overturn", "age_factor", "deadline_factor")


def _load(engine: Engine) -> None:
    claims = [
        claim(
            f"Q{i:02d}",
            charge=str(100 + 10 * i),
            paid="0",
            adjustments=[("CO", "50" if i % 2 else "197", str(100 + 10 * i))],
        )
        for i in range(23)
    ]
    ingest(engine, remittance(claims, payment_date=date(2026, 2, 2)))


def _all_pages(engine: Engine, filters: QueueFilters, sort: str, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = queue_page(engine, filters, sort=sort, limit=size, cursor=cursor)  # type: ignore[arg-type]
        assert len(page.rows) <= size
        seen.extend(r.case.id for r in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort", ["priority", "deadline", "amount", "age"])
def test_pages_follow_the_sort_without_gaps_or_repeats(engine: Engine, sort: str) -> None:
    _load(engine)
    move(engine, 3, "triaged", user="ann")
    move(engine, 3, "written_off", user="ann")  # closed: not in the open queue
    whole = queue_page(engine, sort=sort, limit=1000)  # type: ignore[arg-type]
    assert whole.next_cursor is None and len(whole.rows) == 22
    paged = _all_pages(engine, QueueFilters(), sort, 5)
    assert paged == [r.case.id for r in whole.rows]
    if sort == "amount":
        amounts = [r.case.at_risk for r in whole.rows]
        assert amounts == sorted(amounts, reverse=True)
    if sort == "priority":
        scores = [r.priority.score for r in whole.rows]
        assert scores == sorted(scores, reverse=True)
        # probabilities and factors are shown to two places (stored to four)
        shown = [as_record(r)[k] for r in whole.rows for k in _FACTORS]
        assert all(str(v).split(".")[1].__len__() == 2 for v in shown)


def test_filters_combine(engine: Engine) -> None:
    _load(engine)
    assign(engine, 2, "bob", user="ann")

    def ids(today: date = date(2026, 3, 1), **given: object) -> list[int]:
        filters = QueueFilters(**given)  # type: ignore[arg-type]
        return sorted(r.case.id for r in queue_page(engine, filters, limit=100, today=today).rows)

    assert ids(assignee="bob") == [2]
    assert ids(carc="CO-197") == ids(carc="197") == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
    assert ids(carc="PR-197") == []
    # at risk: the denied 100 + 10i x the default 0.40 ratio = 40 + 4i
    assert ids(min_amount=Decimal("120"), max_amount=Decimal("128")) == [21, 22, 23]
    assert ids(search="q0") == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # prefix, any case
    assert ids(search="icnq22") == [23]  # the payer claim number
    assert ids(search="testpatient alex") == ids()  # LAST FIRST
    assert ids(states=("new",)) == ids()
    assert ids(date_from=date(2026, 2, 3)) == []
    assert len(ids(date_from=date(2026, 2, 2), date_to=date(2026, 2, 2))) == 23
    assert ids(overdue=True) == []
    # Medicare redetermination: 120 days after 2026-02-02 is 2026-06-02
    assert ids(overdue=True, today=date(2026, 6, 2)) == []
    assert len(ids(overdue=True, today=date(2026, 6, 3))) == 23


def test_a_bad_cursor_is_one_clear_error(engine: Engine) -> None:
    _load(engine)
    first = queue_page(engine, limit=5)
    assert first.next_cursor
    with pytest.raises(StoreError, match="not a cursor of this queue sorted by amount"):
        queue_page(engine, sort="amount", cursor=first.next_cursor)
    with pytest.raises(StoreError, match="not a cursor"):
        queue_page(engine, cursor="garbage!")
