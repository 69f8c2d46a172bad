"""The case record's audit trail: every change, the latest reads only (a case page view
adds a row each time, so the whole trail grows with use); the whole trail stays readable."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, insert

from denialops.work import add_note, events, move
from denialops.work.detail import case_detail
from denialops.work.store import ACCESS_ACTIONS, RECENT_ACCESS, event_row, event_t, trail


def _read(engine: Engine, case_id: int, times: int, action: str = "view") -> None:
    rows = [event_row(case_id, actor=f"reader{i}", action=action) for i in range(times)]
    with engine.begin() as conn:
        conn.execute(insert(event_t), rows)


def test_a_case_read_often_shows_every_change_and_the_latest_reads(
    many_cases: tuple[Engine, Iterator[int]],
) -> None:
    engine, ids = many_cases
    case_id = next(ids)
    move(engine, case_id, "triaged", user="ana")
    _read(engine, case_id, RECENT_ACCESS + 15)
    add_note(engine, case_id, "called the payer", user="ana")
    _read(engine, case_id, 3, action="download")

    whole = events(engine, case_id)
    shown = trail(engine, case_id)
    reads = [e for e in whole if e.action in ACCESS_ACTIONS]
    changes = [e for e in whole if e.action not in ACCESS_ACTIONS]
    assert len(reads) == RECENT_ACCESS + 18
    assert shown.access_total == len(reads) and shown.access_shown == RECENT_ACCESS
    # every change, the newest reads, in the trail's own order
    assert [e.id for e in shown.events] == sorted(
        [e.id for e in changes] + [e.id for e in reads[-RECENT_ACCESS:]]
    )
    assert {"move", "note"} <= {e.action for e in shown.events}

    record = case_detail(engine, case_id)
    assert record["access"] == {"total": RECENT_ACCESS + 18, "shown": RECENT_ACCESS}
    assert len(record["events"]) == len(changes) + RECENT_ACCESS


def test_a_case_read_seldom_shows_its_whole_trail(
    many_cases: tuple[Engine, Iterator[int]],
) -> None:
    engine, ids = many_cases
    case_id = next(ids)
    _read(engine, case_id, 2)
    record = case_detail(engine, case_id)
    assert record["access"] == {"total": 2, "shown": 2}
    assert len(record["events"]) == len(events(engine, case_id))
