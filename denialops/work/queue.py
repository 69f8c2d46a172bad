"""Work queues: open cases filtered by owner, payer, family and deadline, sorted, scored.

Each row carries its deadline (days left, flag) and the full priority breakdown, so the
CLI, the web view and a CSV export all show why a case sits where it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import Connection, Engine, func, select

from denialops.errors import StoreError
from denialops.work import states
from denialops.work.cases import OWNERS, Case, case_t, transaction
from denialops.work.deadlines import Deadline, Flag, flag, load_profiles
from denialops.work.priority import History, Priority, load_settings, overturn_rate, priority

SortKey = Literal["priority", "deadline", "amount", "age"]
SORT_KEYS: tuple[SortKey, ...] = ("priority", "deadline", "amount", "age")


@dataclass(frozen=True, slots=True)
class QueueRow:
    case: Case
    age_days: int
    days_left: int | None
    flag: Flag | None
    priority: Priority


def resolve_owner(text: str) -> str:
    """``coding`` -> ``coding_him``: an owner named by any unambiguous prefix."""
    matches = [o for o in OWNERS if o == text] or [o for o in OWNERS if o.startswith(text)]
    if len(matches) != 1:
        raise StoreError(f"owner {text!r} is not one of {', '.join(OWNERS)}")
    return matches[0]


def history_table(conn: Connection) -> dict[tuple[str, str | None], History]:
    """Closed, worked cases per (payer, category): the evidence for P(overturn)."""
    rows = conn.execute(
        select(case_t.c.payer_id, case_t.c.category, case_t.c.state, func.count())
        .where(case_t.c.state.in_(states.OUTCOMES))
        .group_by(case_t.c.payer_id, case_t.c.category, case_t.c.state)
    ).all()
    tally: dict[tuple[str, str | None], dict[str, int]] = {}
    for payer, category, state, count in rows:
        tally.setdefault((payer, category), {})[state] = int(count)
    return {
        key: History(
            cases=sum(counts.values()),
            won=counts.get("won", 0),
            partially_won=counts.get("partially_won", 0),
        )
        for key, counts in tally.items()
    }


def queue(
    engine_or_conn: Engine | Connection,
    *,
    owner: str | None = None,
    payer: str | None = None,
    family: str | None = None,
    overdue: bool = False,
    include_closed: bool = False,
    sort: SortKey = "priority",
    today: date | None = None,
    limit: int | None = None,
    case_id: int | None = None,
) -> list[QueueRow]:
    """Open cases (or all with ``include_closed``), scored and sorted, highest first."""
    day = today or datetime.now(UTC).date()
    query = select(case_t)
    if case_id is not None:
        query = query.where(case_t.c.id == case_id)
    if not include_closed:
        query = query.where(case_t.c.state.not_in(sorted(states.CLOSED_STATES)))
    if owner:
        query = query.where(case_t.c.owner == resolve_owner(owner))
    if payer:
        query = query.where(case_t.c.payer_id == payer)
    if family:
        query = query.where(case_t.c.family == family)
    with transaction(engine_or_conn) as conn:
        cases = [Case.from_row(r) for r in conn.execute(query).all()]
        history = history_table(conn)
    book = load_profiles()
    settings = load_settings()
    rows = []
    for case in cases:
        deadline = (
            Deadline(case.next_deadline_kind or "", case.next_deadline, "")
            if case.next_deadline
            else None
        )
        days_left = deadline.days_left(day) if deadline else None
        mark = flag(deadline, day, book.warn_days)
        if overdue and mark != "overdue":
            continue
        age = (day - (case.determination_date or case.opened_at.date())).days
        rate = overturn_rate(
            history.get((case.payer_id, case.category)), case.family, case.category, settings
        )
        score = priority(
            at_risk=case.at_risk,
            rate=rate,
            owner=case.owner,
            age_days=age,
            days_left=days_left,
            settings=settings,
        )
        rows.append(QueueRow(case, age, days_left, mark, score))
    rows.sort(key=_sort_key(sort))
    return rows[:limit] if limit else rows


def _sort_key(sort: SortKey) -> Callable[[QueueRow], tuple[object, ...]]:
    far = 10**9
    keys: dict[str, Callable[[QueueRow], tuple[object, ...]]] = {
        "priority": lambda r: (-r.priority.score, r.case.id),
        "deadline": lambda r: (r.days_left if r.days_left is not None else far, r.case.id),
        "amount": lambda r: (-r.case.at_risk, r.case.id),
        "age": lambda r: (-r.age_days, r.case.id),
    }
    return keys[sort]


def as_record(row: QueueRow) -> dict[str, object]:
    """One flat record for JSON/CSV (money as two-decimal strings by the caller's encoder)."""
    case, score = row.case, row.priority
    return {
        "case_id": case.id,
        "state": case.state,
        "owner": case.owner,
        "assignee": case.assignee or "",
        "payer_id": case.payer_id,
        "claim": case.patient_control_number,
        "family": case.family or "",
        "category": case.category or "",
        "at_risk": case.at_risk,
        "next_deadline": case.next_deadline,
        "deadline_kind": case.next_deadline_kind or "",
        "days_left": row.days_left,
        "flag": row.flag or "",
        "age_days": row.age_days,
        "p_overturn": score.p_overturn,
        "p_source": score.p_source,
        "expected_recovery": score.expected_recovery,
        "cost_to_work": score.cost_to_work,
        "age_factor": score.age_factor,
        "deadline_factor": score.deadline_factor,
        "score": score.score,
    }
