"""The state machine: every allowed edge, a sample of refused ones, and their audit rows."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from denialops.errors import StateTransitionError
from denialops.work import TRANSITIONS, events, get_case, move
from denialops.work.cases import appeal_t, case_t
from denialops.work.states import MAX_APPEAL_LEVEL, check_move
from denialops.work.store import open_appeal
from tests.work.builders import claim, ingest, remittance

EDGES = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets]


def path_to(state: str) -> list[str]:
    """Shortest list of moves from ``new`` to ``state`` (breadth-first over the table)."""
    queue: deque[list[str]] = deque([["new"]])
    seen = {"new"}
    while queue:
        trail = queue.popleft()
        if trail[-1] == state:
            return trail[1:]
        for nxt in TRANSITIONS[trail[-1]]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append([*trail, nxt])
    raise AssertionError(f"{state} unreachable")


_patients = itertools.count()


def _patient_case(engine: Engine) -> int:
    """A fresh case whose denial is the patient's (PR-96, non-covered charges)."""
    pcn = f"PR{next(_patients):03d}"
    ingest(
        engine, remittance([claim(pcn, charge="200", paid="0", adjustments=[("PR", "96", "200")])])
    )
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(case_t.c.id).where(case_t.c.patient_control_number == pcn)
            ).scalar_one()
        )


def test_every_state_is_reachable_and_has_an_exit() -> None:
    for state in TRANSITIONS:
        assert state == "new" or path_to(state)
        assert TRANSITIONS[state], f"{state} is a dead end"


@pytest.mark.parametrize(("src", "dst"), EDGES, ids=[f"{s}->{d}" for s, d in EDGES])
def test_allowed_move_is_made_and_audited(
    many_cases: tuple[Engine, Iterator[int]], src: str, dst: str
) -> None:
    engine, ids = many_cases
    # billing the patient needs a patient-responsibility (PR) denial, never a CO one
    case_id = _patient_case(engine) if "billed_patient" in (src, dst) else next(ids)
    for step in path_to(src):
        move(engine, case_id, step, user="setup")
    before = get_case(engine, case_id)
    assert before.state == src
    trail_before = len(events(engine, case_id))

    again = src == dst == "appealed"
    with engine.connect() as conn:
        pending = open_appeal(conn, case_id)
    escalates = pending is not None and dst in ("appealed", "external_review")
    after = move(
        engine,
        case_id,
        dst,
        user="ann",
        note=f"{src} to {dst}",
        next_level=again,
        decided_on=datetime.now(UTC).date() if escalates else None,
    )

    assert after.state == dst
    assert after.version == before.version + 1
    new_rows = events(engine, case_id)[trail_before:]
    state_rows = [e for e in new_rows if e.field == "state"]
    assert [(e.actor, e.action, e.old_value, e.new_value) for e in state_rows] == [
        ("ann", "move", src, dst)
    ]
    assert any(e.action == "note" for e in new_rows)
    if dst == "appealed":
        assert after.appeal_level == before.appeal_level + 1
        level_row = next(e for e in new_rows if e.field == "appeal_level")
        assert (level_row.old_value, level_row.new_value) == (
            str(before.appeal_level),
            str(after.appeal_level),
        )
    if dst in {
        "won",
        "partially_won",
        "lost",
        "written_off",
        "billed_patient",
        "billed_next_payer",
    }:
        assert after.closed_at is not None and after.next_deadline is None
    if dst == "reopened":
        assert after.closed_at is None


REFUSED = [
    ("new", "won"),
    ("new", "appealed"),
    ("new", "in_progress"),
    ("triaged", "resubmitted"),
    ("in_progress", "won"),
    ("won", "lost"),
    ("lost", "appealed"),
    ("written_off", "in_progress"),
    ("reopened", "won"),
    ("external_review", "appealed"),
]


@pytest.mark.parametrize(("src", "dst"), REFUSED, ids=[f"{s}->{d}" for s, d in REFUSED])
def test_refused_move_names_current_and_allowed_states_and_changes_nothing(
    many_cases: tuple[Engine, Iterator[int]], src: str, dst: str
) -> None:
    engine, ids = many_cases
    case_id = next(ids)
    for step in path_to(src):
        move(engine, case_id, step, user="setup")
    before = get_case(engine, case_id)
    trail_before = events(engine, case_id)

    with pytest.raises(StateTransitionError) as caught:
        move(engine, case_id, dst, user="ann")

    message = str(caught.value)
    assert f"from {src!r} to {dst!r}" in message
    assert ", ".join(TRANSITIONS[src]) in message
    assert get_case(engine, case_id) == before
    assert events(engine, case_id) == trail_before


def test_unknown_state_is_refused_with_the_allowed_moves() -> None:
    with pytest.raises(StateTransitionError, match="unknown state 'closed'.*triaged"):
        check_move("new", "closed")


def test_appeal_levels_stop_at_the_maximum(many_cases: tuple[Engine, Iterator[int]]) -> None:
    engine, ids = many_cases
    case_id = next(ids)
    for step in ("triaged", "in_progress"):
        move(engine, case_id, step, user="ann")
    days = [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
        date(2026, 7, 1),
    ]
    for level, day in enumerate(days, start=1):
        decided = day - timedelta(days=2) if level > 1 else None
        case = move(
            engine,
            case_id,
            "appealed",
            user="ann",
            on=day,
            next_level=level > 1,
            decided_on=decided,
        )
        assert case.appeal_level == level
    with pytest.raises(StateTransitionError, match=f"beyond level {MAX_APPEAL_LEVEL}"):
        move(engine, case_id, "appealed", user="ann", next_level=True, decided_on=days[-1])
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                appeal_t.c.level, appeal_t.c.submitted_on, appeal_t.c.decided_on, appeal_t.c.outcome
            )
            .where(appeal_t.c.case_id == case_id)
            .order_by(appeal_t.c.level)
        ).all()
    # each new level closes the one before it as upheld on the payer's decision date
    assert [tuple(r) for r in rows] == [
        (1, days[0], days[1] - timedelta(days=2), "upheld"),
        (2, days[1], days[2] - timedelta(days=2), "upheld"),
        (3, days[2], days[3] - timedelta(days=2), "upheld"),
        (4, days[3], days[4] - timedelta(days=2), "upheld"),
        (5, days[4], None, None),
    ]


def test_audit_trail_is_append_only(many_cases: tuple[Engine, Iterator[int]]) -> None:
    engine, ids = many_cases
    case_id = next(ids)
    move(engine, case_id, "triaged", user="ann")
    for statement in (
        f"UPDATE case_event SET actor = 'mallory' WHERE case_id = {case_id}",
        f"DELETE FROM case_event WHERE case_id = {case_id}",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert {e.actor for e in events(engine, case_id)} == {"system", "ann"}


@given(st.sampled_from(sorted(TRANSITIONS)), st.sampled_from(sorted(TRANSITIONS)))
def test_check_move_agrees_with_the_table(current: str, new: str) -> None:
    """Every pair of states: allowed exactly when the table has the edge."""
    if new in TRANSITIONS[current] and not (current == new == "appealed"):
        check_move(current, new)
    elif current == new == "appealed":
        check_move(current, new, appeal_level=1)
        with pytest.raises(StateTransitionError):
            check_move(current, new, appeal_level=MAX_APPEAL_LEVEL)
    else:
        with pytest.raises(StateTransitionError, match=f"allowed from {current!r}"):
            check_move(current, new)


def test_moving_to_appealed_sets_the_follow_up_from_the_response_time(
    many_cases: tuple[Engine, Iterator[int]],
) -> None:
    """Issue 8: after `appealed` the case waits on the payer; its next date is the filing
    day plus the level's response time in the payer profile (commercial: 60 days)."""
    engine, ids = many_cases
    case_id = next(ids)
    for step in ("triaged", "in_progress"):
        move(engine, case_id, step, user="ann")
    case = move(engine, case_id, "appealed", user="ann", on=date(2026, 3, 2))
    assert case.next_deadline == date(2026, 5, 1)
    assert case.next_deadline_kind == "follow up: appeal level 1"
