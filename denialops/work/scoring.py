"""The priority score, stored on the case so the queue can sort by it in SQL.

:func:`denialops.work.priority.priority` computes the score and its parts; this module
writes them onto ``denial_case`` (``priority_score``, ``p_overturn``, ``p_source``,
``expected_recovery``, ``cost_to_work``, ``age_factor``, ``deadline_factor``,
``priority_as_of``) for many cases at once: one query for the cases, one for the
payer/category history, one executemany for the writes.

Scores are recomputed when a case changes (every audited write, see
:func:`denialops.work.store.apply_changes`), when cases open or a remittance decides
them, and for every open case by :func:`refresh` (``denialops work refresh``, run daily:
age and days-to-deadline move with the calendar even when nothing else does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, tuple_, update

from denialops.work import states
from denialops.work.priority import (
    History,
    Priority,
    PrioritySettings,
    load_settings,
    overturn_rate,
    priority,
)
from denialops.work.store import CHUNK, case_t, chunks

SCORE_COLUMNS = (
    "priority_score",
    "p_overturn",
    "p_source",
    "expected_recovery",
    "cost_to_work",
    "age_factor",
    "deadline_factor",
    "priority_as_of",
)
_INPUTS = (
    case_t.c.id,
    case_t.c.payer_id,
    case_t.c.family,
    case_t.c.category,
    case_t.c.owner,
    case_t.c.at_risk,
    case_t.c.determination_date,
    case_t.c.opened_at,
    case_t.c.next_deadline,
)

HistoryTable = dict[tuple[str, str | None], History]


def today_utc() -> date:
    return datetime.now(UTC).date()


def history_table(
    conn: Connection, keys: Iterable[tuple[str, str | None]] | None = None
) -> HistoryTable:
    """Closed, worked cases per (payer, category): the evidence for P(overturn).

    ``keys`` limits the count to those payer/category pairs (the cases being scored).
    """
    query = (
        select(case_t.c.payer_id, case_t.c.category, case_t.c.state, func.count())
        .where(case_t.c.state.in_(states.OUTCOMES))
        .group_by(case_t.c.payer_id, case_t.c.category, case_t.c.state)
    )
    rows: list[Any] = []
    if keys is None:
        rows = list(conn.execute(query).all())
    else:
        wanted = sorted({(p, c) for p, c in keys if c is not None})
        payers_only = sorted({p for p, c in keys if c is None})
        for part in chunks(wanted, CHUNK // 2):
            rows.extend(
                conn.execute(
                    query.where(tuple_(case_t.c.payer_id, case_t.c.category).in_(list(part)))
                ).all()
            )
        for payers in chunks(payers_only):
            rows.extend(
                conn.execute(
                    query.where(case_t.c.payer_id.in_(payers), case_t.c.category.is_(None))
                ).all()
            )
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


def score(
    row: Mapping[str, Any], history: HistoryTable, settings: PrioritySettings, today: date
) -> Priority:
    """The priority of one case row (a mapping with the columns of ``_INPUTS``)."""
    opened = row["opened_at"]
    start = row["determination_date"] or (opened.date() if opened else today)
    deadline = row["next_deadline"]
    rate = overturn_rate(
        history.get((row["payer_id"], row["category"])), row["family"], row["category"], settings
    )
    return priority(
        at_risk=row["at_risk"],
        rate=rate,
        owner=row["owner"],
        age_days=(today - start).days,
        days_left=(deadline - today).days if deadline else None,
        settings=settings,
    )


def score_values(score: Priority, today: date) -> dict[str, object]:
    """The stored columns of a score."""
    return {
        "priority_score": score.score,
        "p_overturn": score.p_overturn,
        "p_source": score.p_source[:48],
        "expected_recovery": score.expected_recovery,
        "cost_to_work": score.cost_to_work,
        "age_factor": score.age_factor,
        "deadline_factor": score.deadline_factor,
        "priority_as_of": today,
    }


def score_rows(
    conn: Connection,
    rows: Sequence[Mapping[str, Any]],
    *,
    today: date | None = None,
    history: HistoryTable | None = None,
) -> list[dict[str, object]]:
    """Score columns for case rows not yet written (the bulk opening of cases)."""
    day = today or today_utc()
    settings = load_settings()
    table = (
        history
        if history is not None
        else history_table(conn, {(r["payer_id"], r["category"]) for r in rows})
    )
    return [score_values(score(r, table, settings, day), day) for r in rows]


def _write(conn: Connection, rows: Sequence[Any], today: date, history: HistoryTable) -> int:
    settings = load_settings()
    params = [
        {"case_id": r.id, **score_values(score(r._mapping, history, settings, today), today)}
        for r in rows
    ]
    statement = (
        update(case_t)
        .where(case_t.c.id == bindparam("case_id"))
        .values({name: bindparam(name) for name in SCORE_COLUMNS})
    )
    for part in chunks(params, 5000):
        conn.execute(statement, list(part))
    return len(params)


def rescore(conn: Connection, case_ids: Iterable[int], *, today: date | None = None) -> int:
    """Recompute and store the score of these cases; returns how many were scored."""
    day = today or today_utc()
    ids = sorted(set(case_ids))
    rows: list[Any] = []
    for part in chunks(ids):
        rows.extend(conn.execute(select(*_INPUTS).where(case_t.c.id.in_(part))).all())
    history = history_table(conn, {(r.payer_id, r.category) for r in rows})
    return _write(conn, rows, day, history)


def refresh(conn: Connection, *, today: date | None = None, include_closed: bool = False) -> int:
    """Rescore every open case (and closed ones with ``include_closed``) for ``today``.

    The date-driven factors (age, days to the deadline) and the history-based P(overturn)
    move without the case changing; run this daily (``denialops work refresh``). Reads in
    id order, a batch at a time, so memory stays flat at millions of cases.
    """
    day = today or today_utc()
    history = history_table(conn)
    done = 0
    last = 0
    while True:
        query = select(*_INPUTS).where(case_t.c.id > last).order_by(case_t.c.id).limit(20_000)
        if not include_closed:
            query = query.where(case_t.c.closed_at.is_(None))
        rows = conn.execute(query).all()
        if not rows:
            return done
        done += _write(conn, rows, day, history)
        last = rows[-1].id


def search_terms(pcn: str, icn: str, member_id: str, last_name: str, first_name: str) -> list[str]:
    """The upper-cased terms a case is found by (see ``case_search``)."""
    terms = [pcn, icn, member_id, last_name, f"{last_name} {first_name}".strip()]
    seen: list[str] = []
    for term in terms:
        clean = " ".join(term.split()).upper()[:130]
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def _name(last: str | None, first: str | None) -> str:
    last, first = (last or "").strip(), (first or "").strip()
    return f"{last}, {first}"[:130] if first else last[:130]


patient_name = _name
