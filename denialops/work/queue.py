"""Work queues: one SQL query over stored scores, with filters, sort and keyset pages.

The priority score and its parts are stored on each case (:mod:`denialops.work.scoring`),
so a page of the queue is a single indexed ``SELECT ... ORDER BY ... LIMIT n+1``; the
next page starts after the last row's sort value and id (a keyset cursor), so page 100
costs what page 1 costs and no row is skipped or repeated when cases change between
pages. Each row carries its deadline (days left, flag) and the full priority breakdown,
so the CLI, the web view and a CSV export all show why a case sits where it does.

Indexes (declared on :class:`denialops.work.tables.DenialCase`, revision 0004), all
partial over open cases (``closed_at IS NULL``, the predicate every open-queue query
carries):

=====================================  ==============================================
``ix_denial_case_open_priority``       sort=priority, no owner/assignee/payer filter
``ix_denial_case_open_owner_priority`` ``--owner`` with sort=priority
``ix_denial_case_open_assignee_...``   ``--assignee`` with sort=priority
``ix_denial_case_open_payer_priority`` ``--payer`` with sort=priority
``ix_denial_case_open_deadline``       sort=deadline and ``--overdue``
``ix_denial_case_open_amount``         sort=amount and the amount range
``ix_denial_case_open_age``            sort=age and the date range
``ix_case_adjustment_reason``          ``--carc`` (EXISTS on the case's denial codes)
``ix_case_search_term``                ``--search`` (prefix range on upper-cased terms)
``ix_case_search_case_term``           ``--search`` checked per case (revision 0014)
=====================================  ==============================================

The search is ``id IN (SELECT case_id FROM case_search WHERE term >= :low AND term <
:high)``, which lets the planner pick by the prefix's selectivity: a term matching few
cases starts from ``ix_case_search_term`` and fetches them by key; a common prefix
(a frequent name, ``N``) walks the sort's index and checks each case's terms through
``ix_case_search_case_term``, stopping after a page. Before revision 0014 PostgreSQL
could only join the matching terms to every open case (a sequential scan, 0.5 s at
1,000,000 cases); ``tests/work/test_queue_plans.py`` checks both databases' plans.

Other filters (family, category, state) narrow the rows an index walk reads; with
``include_closed`` the walk is not over a partial index and costs more.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    exists,
    or_,
    select,
)

from denialops.errors import StoreError
from denialops.work import states
from denialops.work.cases import OWNERS
from denialops.work.deadlines import Deadline, Flag, flag, load_profiles, profile_for
from denialops.work.priority import Priority, PrioritySettings, load_settings
from denialops.work.scoring import history_table, today_utc
from denialops.work.store import Case, case_adj_t, case_t, search_t, transaction

__all__ = [
    "DEFAULT_PAGE",
    "SORT_KEYS",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "SortKey",
    "as_record",
    "history_table",
    "queue",
    "queue_page",
    "resolve_owner",
]

SortKey = Literal["priority", "deadline", "amount", "age"]
SORT_KEYS: tuple[SortKey, ...] = ("priority", "deadline", "amount", "age")
DEFAULT_PAGE = 50
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class QueueRow:
    case: Case
    age_days: int
    days_left: int | None
    flag: Flag | None
    priority: Priority


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the queue shows; every field is optional and they combine with AND.

    ``search`` matches the start of the patient control number, the payer claim number,
    the member id or the patient's last name (or ``LAST FIRST``), ignoring case.
    ``carc`` is a reason code (``50``) or group and code (``CO-50``). The amount range is
    over dollars at risk; the date range over the denial's determination date.
    """

    owner: str | None = None
    assignee: str | None = None
    states: tuple[str, ...] = ()
    payer: str | None = None
    family: str | None = None
    category: str | None = None
    carc: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    search: str | None = None
    include_closed: bool = False
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    """Pass it back as ``cursor`` for the next page; None on the last page."""
    sort: SortKey = "priority"
    filters: QueueFilters = field(default_factory=QueueFilters)


def resolve_owner(text: str) -> str:
    """``coding`` -> ``coding_him``: an owner named by any unambiguous prefix."""
    matches = [o for o in OWNERS if o == text] or [o for o in OWNERS if o.startswith(text)]
    if len(matches) != 1:
        raise StoreError(f"owner {text!r} is not one of {', '.join(OWNERS)}")
    return matches[0]


# ---------------------------------------------------------------------------- sort + cursor

_DESCENDING = {"priority": True, "amount": True, "deadline": False, "age": False}
_NULLABLE = {"priority": False, "amount": False, "deadline": True, "age": True}


def _sort_column(sort: SortKey) -> Any:
    return {
        "priority": case_t.c.priority_score,
        "amount": case_t.c.at_risk,
        "deadline": case_t.c.next_deadline,
        "age": case_t.c.determination_date,
    }[sort]


def _encode(sort: SortKey, phase: int, value: object, case_id: int) -> str:
    text = value.isoformat() if isinstance(value, date) else None if value is None else str(value)
    raw = json.dumps([sort, phase, text, case_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: SortKey) -> tuple[int, object, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, phase, text, case_id = json.loads(raw)
        if name != sort or phase not in (0, 1) or not isinstance(case_id, int):
            raise ValueError(name)
        value: object = None
        if phase == 0:
            if sort in ("deadline", "age"):
                value = date.fromisoformat(text)
            else:
                value = Decimal(text)
                if not value.is_finite():
                    raise ValueError(text)
        return phase, value, case_id
    except (ValueError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError):
        raise StoreError(
            f"--after {cursor!r} is not a cursor of this queue sorted by {sort}; "
            "use the one the previous page printed"
        ) from None


def _order(query: Select[Any], sort: SortKey, phase: int) -> Select[Any]:
    column = _sort_column(sort)
    if phase == 1:
        return query.where(column.is_(None)).order_by(case_t.c.id)
    if _NULLABLE[sort]:
        query = query.where(column.is_not(None))
    return query.order_by(column.desc() if _DESCENDING[sort] else column, case_t.c.id)


def _after(sort: SortKey, phase: int, value: object, case_id: int) -> ColumnElement[bool]:
    column = _sort_column(sort)
    if phase == 1:
        return case_t.c.id > case_id
    beyond = column < value if _DESCENDING[sort] else column > value
    return or_(beyond, and_(column == value, case_t.c.id > case_id))


# ---------------------------------------------------------------------------- filters


def _prefix_bounds(term: str) -> tuple[str, str]:
    low = " ".join(term.split()).upper()
    return low, low[:-1] + chr(ord(low[-1]) + 1)


def _filtered(filters: QueueFilters, today: date) -> Select[Any]:
    query = select(case_t)
    f = filters
    closed_wanted = f.include_closed or any(s in states.CLOSED_STATES for s in f.states)
    if not closed_wanted:
        query = query.where(case_t.c.closed_at.is_(None))
        query = query.where(case_t.c.state.not_in(sorted(states.CLOSED_STATES)))
    if f.case_id is not None:
        query = query.where(case_t.c.id == f.case_id)
    if f.owner:
        query = query.where(case_t.c.owner == resolve_owner(f.owner))
    if f.assignee:
        query = query.where(case_t.c.assignee == f.assignee)
    if f.states:
        unknown = [s for s in f.states if s not in states.STATES]
        if unknown:
            raise StoreError(f"unknown state {unknown[0]!r}; states are {', '.join(states.STATES)}")
        query = query.where(case_t.c.state.in_(list(f.states)))
    if f.payer:
        query = query.where(case_t.c.payer_id == f.payer)
    if f.family:
        query = query.where(case_t.c.family == f.family)
    if f.category:
        query = query.where(case_t.c.category == f.category)
    if f.carc:
        group, _, code = f.carc.strip().upper().rpartition("-")
        match = and_(case_adj_t.c.case_id == case_t.c.id, case_adj_t.c.reason_code == code)
        if group:
            match = and_(match, case_adj_t.c.group_code == group)
        query = query.where(exists().where(match))
    if f.min_amount is not None:
        query = query.where(case_t.c.at_risk >= f.min_amount)
    if f.max_amount is not None:
        query = query.where(case_t.c.at_risk <= f.max_amount)
    if f.date_from is not None:
        query = query.where(case_t.c.determination_date >= f.date_from)
    if f.date_to is not None:
        query = query.where(case_t.c.determination_date <= f.date_to)
    if f.overdue:
        query = query.where(case_t.c.next_deadline < today)
    if f.search and f.search.strip():
        low, high = _prefix_bounds(f.search)
        query = query.where(
            case_t.c.id.in_(
                select(search_t.c.case_id).where(search_t.c.term >= low, search_t.c.term < high)
            )
        )
    return query


# ---------------------------------------------------------------------------- the queue


def queue_page(
    engine_or_conn: Engine | Connection,
    filters: QueueFilters | None = None,
    *,
    sort: SortKey = "priority",
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
    today: date | None = None,
) -> QueuePage:
    """One page of the queue, highest priority (or nearest deadline, largest amount,
    oldest) first, with the cursor of the next page."""
    if sort not in SORT_KEYS:
        raise StoreError(f"sort must be one of {', '.join(SORT_KEYS)}, got {sort!r}")
    if not 1 <= limit <= MAX_PAGE:
        raise StoreError(f"a page holds 1 to {MAX_PAGE} rows, got {limit}")
    chosen = filters or QueueFilters()
    day = today or today_utc()
    base = _filtered(chosen, day)
    phase, value, after_id = _decode(cursor, sort) if cursor else (0, None, 0)
    found: list[Case] = []
    with transaction(engine_or_conn) as conn:
        for current in (0, 1) if _NULLABLE[sort] else (0,):
            if current < phase:
                continue
            query = _order(base, sort, current)
            if cursor and current == phase:
                query = query.where(_after(sort, phase, value, after_id))
            rows = conn.execute(query.limit(limit + 1 - len(found))).all()
            found.extend(Case.from_row(r) for r in rows)
            if len(found) > limit:
                break
    more = len(found) > limit
    page = found[:limit]
    next_cursor = None
    if more and page:
        last = page[-1]
        last_value = getattr(last, _sort_column(sort).name)
        next_cursor = _encode(sort, 0 if last_value is not None else 1, last_value, last.id)
    settings, warn_days = load_settings(), load_profiles().warn_days
    shown = [_row(c, day, settings, warn_days) for c in page]
    return QueuePage(shown, next_cursor, sort, chosen)


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
    """Every row of the queue (or the first ``limit``): :func:`queue_page` followed page by
    page, for exports and callers that want a list."""
    filters = QueueFilters(
        owner=owner,
        payer=payer,
        family=family,
        overdue=overdue,
        include_closed=include_closed,
        case_id=case_id,
    )
    rows: list[QueueRow] = []
    cursor: str | None = None
    while True:
        size = MAX_PAGE if limit is None else min(MAX_PAGE, limit - len(rows))
        page = queue_page(
            engine_or_conn, filters, sort=sort, limit=size, cursor=cursor, today=today
        )
        rows.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None or (limit is not None and len(rows) >= limit):
            return rows


def queue_row(case: Case, today: date | None = None) -> QueueRow:
    """The queue's row for a case already read (deadline flag, age, explained score), as
    :func:`queue_page` shows it, without querying again."""
    return _row(case, today or today_utc(), load_settings(), load_profiles().warn_days)


def _row(case: Case, today: date, settings: PrioritySettings, warn_days: int) -> QueueRow:
    deadline = (
        Deadline(case.next_deadline_kind or "", case.next_deadline, "")
        if case.next_deadline
        else None
    )
    days_left = deadline.days_left(today) if deadline else None
    start = case.determination_date or case.opened_at.date()
    age = (today - start).days
    cost = settings.cost_for(case.owner)
    score = Priority(
        at_risk=case.at_risk,
        p_overturn=case.p_overturn if case.p_overturn is not None else Decimal(0),
        p_source=case.p_source,
        expected_recovery=case.expected_recovery or Decimal("0.00"),
        minutes=cost.minutes,
        hourly_cost=cost.hourly_cost,
        cost_to_work=case.cost_to_work or Decimal("0.00"),
        age_days=age,
        age_factor=case.age_factor if case.age_factor is not None else Decimal(1),
        days_left=days_left,
        deadline_factor=case.deadline_factor if case.deadline_factor is not None else Decimal(1),
        score=case.priority_score,
    )
    return QueueRow(case, age, days_left, flag(deadline, today, warn_days), score)


def as_record(row: QueueRow) -> dict[str, object]:
    """One flat record for JSON/CSV (money as two-decimal strings by the caller's encoder;
    probabilities and factors rounded to two places for display)."""
    case, score = row.case, row.priority
    return {
        "case_id": case.id,
        "kind": case.kind,
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
        "p_overturn": _shown(score.p_overturn),
        "p_source": score.p_source,
        "expected_recovery": score.expected_recovery,
        "cost_to_work": score.cost_to_work,
        "age_factor": _shown(score.age_factor),
        "deadline_factor": _shown(score.deadline_factor),
        "score": score.score,
        **_profile_fields(case),
    }


def _profile_fields(case: Case) -> dict[str, object]:
    """The payer profile behind the deadline, and its warning when not reviewed."""
    profile = profile_for(case.payer_id, case.filing_indicator)
    return {"payer_profile": profile.name, "profile_warning": profile.warning or ""}


def _shown(value: Decimal) -> Decimal:
    """A probability or factor as shown: two places (the score used the full value)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def page_ids(rows: Sequence[QueueRow]) -> list[int]:
    return [r.case.id for r in rows]
