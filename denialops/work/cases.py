"""The denial register: opening cases at ingest, moving them, and the audit trail.

Cases open set-based (:func:`open_cases`) over the remittances just stored: one query
for the claim chains they touch, one for the cases already open on those claims, one
for the denied adjustments, then batched inserts (cases, their adjustments, audit rows,
search terms) with deadlines and priority computed in Python over the rows fetched once.
Every later change goes through :func:`denialops.work.store.apply_changes` (optimistic
lock, audit rows, rescoring) after :func:`denialops.work.store.lock_row`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from denialops.errors import InputError, StateTransitionError, StoreError
from denialops.money import ZERO
from denialops.vocabulary import DENIAL_KIND, OWNERS
from denialops.work import states
from denialops.work.chain import (
    DENIED_STATUSES,
    REVERSAL_STATUS,
    ChainClaim,
    Key,
    chains_touching,
    first_denial,
)
from denialops.work.deadlines import (
    Assessment,
    Deadline,
    DeadlineFacts,
    assess,
    has_appeal_rights,
    load_profiles,
    notice_date,
    profile_for,
)
from denialops.work.expected import Line, at_risk, count_paid_lines, load_ratios
from denialops.work.scoring import patient_name, score_rows, search_terms
from denialops.work.store import (
    CASE_COLUMNS,
    SYSTEM_USER,
    Case,
    Event,
    adj_t,
    appeal_t,
    apply_changes,
    aware,
    case_adj_t,
    case_for_claim,
    case_t,
    chunks,
    claim_t,
    close_appeal,
    ensure_user,
    event_row,
    event_t,
    events,
    get_case,
    insert_many,
    line_t,
    lock_row,
    log,
    note_t,
    now,
    open_appeal,
    remit_t,
    search_t,
    transaction,
    user_t,
)

# Names other modules imported from here before the write layer had its own module.
_aware = aware
_lock_row = lock_row
_log = log
_apply = apply_changes

__all__ = [
    "CASE_COLUMNS",
    "DENIED_STATUSES",
    "OWNERS",
    "REVERSAL_STATUS",
    "SYSTEM_USER",
    "Case",
    "Event",
    "add_note",
    "adj_t",
    "appeal_t",
    "appeals",
    "assign",
    "case_adj_t",
    "case_adjustments",
    "case_for_claim",
    "case_t",
    "claim_t",
    "compute_deadline",
    "ensure_user",
    "event_t",
    "events",
    "get_case",
    "insert_cases",
    "move",
    "note_t",
    "notes",
    "now",
    "open_cases",
    "remit_t",
    "set_due_date",
    "set_owner",
    "transaction",
    "user_t",
    "work_hook",
]

_FAMILY_OWNER = {
    "clinical": "ur_cdi",
    "coding": "coding_him",
    "administrative": "patient_access",
    "technical": "billing",
}


# ---------------------------------------------------------------------------- deadlines


def last_decision_date(conn: Connection, case_id: int) -> date | None:
    value = conn.execute(
        select(func.max(appeal_t.c.decided_on)).where(appeal_t.c.case_id == case_id)
    ).scalar_one()
    return value if isinstance(value, date) else None


def deadline_facts(conn: Connection, case: Case, **override: Any) -> DeadlineFacts:
    """The facts :mod:`denialops.work.deadlines` counts from, read for one case.

    The notice date is the opening remittance's production or check date (never the day
    it was loaded); appeal rights are absent when a remark on the claim says so (MA130,
    N211); a pending appeal's filing day dates the follow-up.
    """
    remit = conn.execute(
        select(remit_t.c.production_date, remit_t.c.payment_date).where(
            remit_t.c.id == case.remittance_id
        )
    ).first()
    notice = notice_date(remit.production_date, remit.payment_date) if remit else None
    remarks = conn.execute(
        select(claim_t.c.remark_codes).where(claim_t.c.id == case.claim_id)
    ).scalar_one_or_none()
    line_remarks = conn.execute(
        select(line_t.c.remark_codes).where(line_t.c.claim_id == case.claim_id)
    ).scalars()
    codes = [*(remarks or []), *(c for row in line_remarks for c in (row or []))]
    filed = conn.execute(
        select(func.max(appeal_t.c.submitted_on)).where(
            appeal_t.c.case_id == case.id, appeal_t.c.level == case.appeal_level
        )
    ).scalar_one()
    facts = DeadlineFacts(
        state=case.state,
        appeal_level=case.appeal_level,
        service_date=case.service_date,
        determination_date=notice or case.determination_date,
        last_decision_date=last_decision_date(conn, case.id),
        correctable=case.correctable,
        due_date=case.due_date,
        appeal_rights=has_appeal_rights(codes),
        appeal_filed_on=filed if isinstance(filed, date) else None,
    )
    if override:
        facts = DeadlineFacts(
            **{**{f.name: getattr(facts, f.name) for f in fields(facts)}, **override}
        )
    return facts


def assess_case(conn: Connection, case: Case, **override: Any) -> Assessment:
    """Every deadline of the case, the notes on dates left out, the profile's warning."""
    profile = profile_for(case.payer_id, case.filing_indicator)
    return assess(deadline_facts(conn, case, **override), profile)


def compute_deadline(conn: Connection, case: Case, **override: Any) -> Deadline | None:
    return assess_case(conn, case, **override).next


def _deadline_changes(deadline: Deadline | None) -> dict[str, object]:
    return {
        "next_deadline": deadline.due if deadline else None,
        "next_deadline_kind": deadline.kind if deadline else None,
    }


def max_appeal_level(case: Case) -> int:
    """The payer profile's number of appeal levels (the state machine's maximum if none)."""
    levels = len(profile_for(case.payer_id, case.filing_indicator).appeal_levels)
    return min(levels, states.MAX_APPEAL_LEVEL) if levels else states.MAX_APPEAL_LEVEL


# ---------------------------------------------------------------------------- opening


def open_cases(conn: Connection, remittance_ids: int | Iterable[int]) -> int:
    """Open one case per denied claim of these remittances; returns how many were opened.

    A claim (patient control number + payer) has one case, opened at the first denied
    claim of its chain (see :mod:`denialops.work.chain`): a denial dated earlier than the
    one a case opened with, arriving later, moves the case to it (audited as
    ``reevaluate``); later claims are outcomes (:func:`denialops.work.outcomes.match_outcomes`).
    Idempotent. Set-based: a fixed number of statements per batch, not per case.
    """
    ids = [remittance_ids] if isinstance(remittance_ids, int) else list(remittance_ids)
    if not ids:
        return 0
    count_paid_lines(conn, ids)
    chains = chains_touching(conn, ids, keep=True)
    wanted = {key: first for key, chain in chains.items() if (first := first_denial(chain))}
    if not wanted:
        return 0
    existing = cases_for_keys(conn, ids)
    order = {c.id: c for chain in chains.values() for c in chain}
    to_open: list[ChainClaim] = []
    to_move: list[tuple[Case, ChainClaim]] = []
    for key, first in wanted.items():
        case = existing.get(key)
        if case is None:
            to_open.append(first)
        elif case.claim_id != first.id:
            current = order.get(case.claim_id)
            if current is None or first.order < current.order:
                to_move.append((case, first))
    details = _opening_details(conn, [c.id for c in to_open] + [c.id for _, c in to_move])
    if to_open:
        insert_cases(conn, [details[c.id] for c in to_open])
    for case, first in to_move:
        _move_opening(conn, case, details[first.id])
    return len(to_open)


def cases_for_keys(conn: Connection, remittance_ids: Sequence[int]) -> dict[Key, Case]:
    """The denial cases of the claims of these remittances, by key, locked for this
    transaction (underpayment cases are not decided by later remittances)."""
    found: dict[Key, Case] = {}
    for part in chunks(list(remittance_ids)):
        keys = (
            select(claim_t.c.patient_control_number, claim_t.c.payer_id)
            .where(claim_t.c.remittance_id.in_(part))
            .distinct()
            .subquery()
        )
        query = (
            select(case_t)
            .join(
                keys,
                and_(
                    keys.c.patient_control_number == case_t.c.patient_control_number,
                    keys.c.payer_id == case_t.c.payer_id,
                ),
            )
            .where(case_t.c.kind == DENIAL_KIND)
            .order_by(case_t.c.id)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(of=case_t)
        for row in conn.execute(query):
            case = Case.from_row(row)
            found.setdefault((case.patient_control_number, case.payer_id), case)
    return found


def claims_with_notice_dates(conn: Connection, claim_ids: Sequence[int]) -> dict[int, Any]:
    """Claim rows by id, each with its remittance's payment, production and ingest dates
    (``r_payment_date``, ``r_production_date``, ``r_ingested_at``): what a deadline's
    notice date is taken from."""
    claims: dict[int, Any] = {}
    for part in chunks(claim_ids):
        rows = conn.execute(
            select(
                claim_t,
                remit_t.c.payment_date.label("r_payment_date"),
                remit_t.c.production_date.label("r_production_date"),
                remit_t.c.ingested_at.label("r_ingested_at"),
            )
            .join(remit_t, remit_t.c.id == claim_t.c.remittance_id)
            .where(claim_t.c.id.in_(part))
        ).all()
        claims.update({r.id: r for r in rows})
    return claims


def _opening_details(conn: Connection, claim_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The case columns each claim would open with (deadline and score included)."""
    if not claim_ids:
        return {}
    claims = claims_with_notice_dates(conn, sorted(set(claim_ids)))
    denied: dict[int, list[Any]] = {}
    lines: dict[int, list[Any]] = {}
    for part in chunks(sorted(claims)):
        rows = conn.execute(
            select(adj_t).where(adj_t.c.claim_id.in_(part), adj_t.c.is_denial.is_(True))
        ).all()
        for row in rows:
            denied.setdefault(row.claim_id, []).append(row)
        for row in conn.execute(
            select(
                line_t.c.id, line_t.c.claim_id, line_t.c.code, line_t.c.charge, line_t.c.paid,
                line_t.c.allowed, line_t.c.remark_codes,
            ).where(line_t.c.claim_id.in_(part))
        ):  # fmt: skip
            lines.setdefault(row.claim_id, []).append(row)
    ratios = load_ratios(
        conn,
        sorted({c.payer_id for c in claims.values()}),
        sorted({line.code for found in lines.values() for line in found}),
    )
    profiles = load_profiles()  # read once for the batch (profile_for reads it per call)
    stamp = now()
    values: dict[int, dict[str, Any]] = {}
    for claim_id, claim in claims.items():
        adjs = sorted(denied.get(claim_id, []), key=lambda a: (-a.amount, a.id))
        top = adjs[0] if adjs else None
        family = claim.primary_denial_family or (top.family if top else None)
        category = claim.primary_denial_category or (top.category if top else None)
        owner = (top.owner if top and top.owner else None) or _FAMILY_OWNER.get(
            family or "", "billing"
        )
        by_line: dict[int | None, Decimal] = {}
        for adj in adjs:
            by_line[adj.service_line_id] = by_line.get(adj.service_line_id, ZERO) + adj.amount
        risk = at_risk(
            claim.payer_id,
            [
                Line(row.code, row.charge, row.paid, row.allowed, by_line.get(row.id, ZERO))
                for row in lines.get(claim_id, [])
            ],
            by_line.get(None, ZERO),
            ratios,
        )
        determination = (
            notice_date(claim.r_production_date, claim.r_payment_date)
            or claim.r_payment_date
            or claim.r_production_date
            or aware(claim.r_ingested_at).date()
        )
        remarks = [
            *(claim.remark_codes or []),
            *(c for row in lines.get(claim_id, []) for c in (row.remark_codes or [])),
        ]
        soft = top.soft_or_hard if top else None
        service_date = claim.service_date or claim.statement_from
        deadline = assess(
            DeadlineFacts(
                state="new",
                appeal_level=0,
                service_date=service_date,
                determination_date=determination,
                last_decision_date=None,
                correctable=soft == "soft",
                due_date=None,
                appeal_rights=has_appeal_rights(remarks),
            ),
            profiles.for_payer(claim.payer_id, claim.filing_indicator),
        ).next
        values[claim_id] = {
            "claim_id": claim.id,
            "remittance_id": claim.remittance_id,
            "payer_id": claim.payer_id,
            "patient_control_number": claim.patient_control_number,
            "payer_claim_control_number": claim.payer_claim_control_number,
            "filing_indicator": claim.filing_indicator,
            "denial_status": claim.denial_status,
            "family": family,
            "category": category,
            "owner": owner,
            "next_action": top.next_action if top else None,
            "soft_or_hard": soft,
            "billed": claim.charge,
            "paid_initial": claim.paid,
            "at_risk": risk.at_risk,
            "expected_payment": risk.expected,
            "at_risk_basis": risk.basis,
            "service_date": service_date,
            "determination_date": determination,
            "paid_to_date": claim.paid,
            "patient_id": claim.patient_id or "",
            "patient_name": patient_name(claim.patient_last_name, claim.patient_first_name),
            "opened_at": stamp,
            "updated_at": stamp,
            **_deadline_changes(deadline),
            "_terms": search_terms(
                claim.patient_control_number,
                claim.payer_claim_control_number,
                claim.patient_id or "",
                claim.patient_last_name or "",
                claim.patient_first_name or "",
            ),
        }
    opened: list[dict[str, Any]] = list(values.values())
    for entry, scored in zip(opened, score_rows(conn, opened), strict=True):
        entry.update(scored)
    return values


def insert_cases(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    *,
    kind: str = DENIAL_KIND,
    link: Callable[[Connection, Sequence[int]], None] | None = None,
) -> None:
    """Insert new cases of ``kind`` (one per claim) with their audit rows and search terms.

    ``rows`` are the case columns (keys starting with ``_`` are not columns; ``_terms``
    are the search terms); ``link`` fills ``case_adjustment`` for the new case ids (the
    denied adjustments by default). Batched: a fixed number of statements per call."""
    stamp = rows[0]["opened_at"]
    insert_many(
        conn,
        case_t,
        [
            {
                **{k: v for k, v in row.items() if not k.startswith("_")},
                "state": "new",
                "appeal_level": 0,
                "assignee": None,
                "due_date": None,
                "recovered": ZERO,
                "outcome_remittance_id": None,
                "closed_at": None,
                "version": 1,
                "kind": kind,
            }
            for row in rows
        ],
    )
    by_claim = {row["claim_id"]: row for row in rows}
    case_ids: dict[int, int] = {}
    for part in chunks(sorted(by_claim)):
        case_ids.update(
            conn.execute(
                select(case_t.c.claim_id, case_t.c.id).where(
                    case_t.c.claim_id.in_(part), case_t.c.kind == kind
                )
            ).all()
        )
    (link or _link_adjustments)(conn, sorted(case_ids.values()))
    insert_many(
        conn,
        event_t,
        [
            event_row(
                case_id,
                actor=SYSTEM_USER,
                action="open",
                field="state",
                new="new",
                remittance_id=by_claim[claim_id]["remittance_id"],
                source_claim_id=claim_id,
                at=stamp,
            )
            for claim_id, case_id in sorted(case_ids.items(), key=lambda item: item[1])
        ],
    )
    insert_many(
        conn,
        search_t,
        [
            {"case_id": case_id, "term": term}
            for claim_id, case_id in case_ids.items()
            for term in by_claim[claim_id]["_terms"]
        ],
    )


def _link_adjustments(conn: Connection, case_ids: Sequence[int]) -> None:
    """INSERT ... SELECT the denied adjustments of each case's claim into case_adjustment."""
    columns = ("group_code", "reason_code", "amount", "family", "category", "owner")
    for part in chunks(case_ids):
        source = (
            select(
                case_t.c.id,
                adj_t.c.id,
                adj_t.c.service_line_id,
                *(adj_t.c[name] for name in columns),
            )
            .join(adj_t, adj_t.c.claim_id == case_t.c.claim_id)
            .where(case_t.c.id.in_(part), adj_t.c.is_denial.is_(True))
            .order_by(case_t.c.id, adj_t.c.id)
        )
        conn.execute(
            insert(case_adj_t).from_select(
                ["case_id", "adjustment_id", "service_line_id", *columns], source
            )
        )


_MOVED_FIELDS = (
    "claim_id", "remittance_id", "payer_claim_control_number", "filing_indicator",
    "denial_status", "family", "category", "next_action", "soft_or_hard", "billed",
    "paid_initial", "at_risk", "expected_payment", "at_risk_basis", "service_date",
    "determination_date", "paid_to_date", "next_deadline", "next_deadline_kind",
)  # fmt: skip


def _move_opening(conn: Connection, case: Case, values: dict[str, Any]) -> None:
    """An earlier-dated denial of the same claim arrived after the case opened: the case
    now opens there (its denials, amounts and dates); what came after is re-judged."""
    changes = {name: values[name] for name in _MOVED_FIELDS}
    if case.state != "new":  # a case being worked keeps its deadline from the work done
        changes.pop("next_deadline")
        changes.pop("next_deadline_kind")
    conn.execute(delete(case_adj_t).where(case_adj_t.c.case_id == case.id))
    apply_changes(
        conn,
        case,
        changes,
        actor=SYSTEM_USER,
        action="reevaluate",
        expected_version=None,
        remittance_id=values["remittance_id"],
        source_claim_id=values["claim_id"],
        note="an earlier-dated remittance about this claim arrived later",
    )
    _link_adjustments(conn, [case.id])


def work_hook(conn: Connection, remittance_id: int) -> None:
    """The single-remittance ingest hook: cases for new denials, then outcomes.

    Kept for callers that store one remittance at a time; the pipeline calls
    :func:`open_cases` and :func:`denialops.work.outcomes.match_outcomes` with every
    remittance id it just stored.
    """
    from denialops.work.outcomes import match_outcomes

    open_cases(conn, [remittance_id])
    match_outcomes(conn, [remittance_id])


# ---------------------------------------------------------------------------- working

_APPEAL_STATES = ("appealed", "external_review")
_NO_PATIENT_BILLING = {
    "CO": "contractual obligation: the provider may not bill the patient",
    "PI": "payer-initiated reduction: the provider may not bill the patient",
}


def move(
    engine_or_conn: Engine | Connection,
    case_id: int,
    new_state: str,
    *,
    user: str,
    note: str | None = None,
    expected_version: int | None = None,
    on: date | None = None,
    next_level: bool = False,
    decided_on: date | None = None,
) -> Case:
    """Move a case along an allowed edge; refused moves raise StateTransitionError.

    Entering ``appealed`` (or ``external_review``) opens an appeal row at the next level.
    A move to the state the case is already in does nothing (so a repeated command is
    harmless) unless ``next_level`` asks for the next appeal level; ``decided_on`` is the
    payer's decision on the pending level (it is then recorded as upheld, and the next
    level's window counts from it). Escalating by hand (a new level while one is pending:
    ``next_level``, ``external_review``, back to ``appealed`` from peer-to-peer) requires
    ``decided_on`` (:class:`~denialops.errors.InputError` otherwise): the payer decided the
    pending level on that date, so it must be on or after the level was filed and not
    after ``on``. Levels never pass the payer profile's number of levels.
    Leaving an open appeal for a disposition closes it as withdrawn (not a decision).
    ``on`` is the business date of the step (default today, UTC).
    """
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        case = lock_row(conn, case_id, expected_version)
        if new_state == case.state and not next_level:
            states.check_move(case.state, new_state, appeal_level=0)
            return case
        if next_level and not (new_state == case.state == "appealed"):
            raise StateTransitionError(
                f"case {case_id}: --next-level applies to a case in 'appealed' moved to "
                f"'appealed'; it is in {case.state!r}"
            )
        ceiling = max_appeal_level(case)
        states.check_move(case.state, new_state, appeal_level=case.appeal_level)
        if new_state in _APPEAL_STATES and case.appeal_level >= ceiling:
            raise StateTransitionError(
                f"case {case_id}: cannot appeal beyond level {ceiling} (the payer's last "
                f"level); it is at level {case.appeal_level}"
            )
        if new_state == "billed_patient":
            _check_patient_billing(conn, case)
        day = on or now().date()
        changes: dict[str, object] = {"state": new_state}
        pending = open_appeal(conn, case_id)
        escalating = pending is not None and new_state in _APPEAL_STATES
        check_decision_date(case, pending if escalating else None, decided_on, day)
        if pending is not None and escalating:
            close_appeal(conn, pending, "upheld", decided_on or day, ZERO, source="user")
        if new_state in _APPEAL_STATES:
            level = case.appeal_level + 1
            window = compute_deadline(
                conn,
                case,
                state="in_progress",
                appeal_level=case.appeal_level,
                correctable=False,
                due_date=None,
            )
            conn.execute(
                insert(appeal_t).values(
                    case_id=case_id,
                    level=level,
                    kind="appeal" if new_state == "appealed" else new_state,
                    submitted_on=day,
                    deadline=window.due if window else None,
                    submitted_by=user,
                )
            )
            changes["appeal_level"] = level
        if pending is not None and new_state in states.CLOSED_STATES:
            if new_state in states.OUTCOMES:
                close_appeal(conn, pending, new_state, day, case.recovered, source="user")
            else:
                close_appeal(conn, pending, "withdrawn", day, None, source=None)
        if new_state in states.CLOSED_STATES:
            changes["closed_at"] = now()
            if new_state in states.OUTCOMES:
                changes["decided_on"] = day
        elif new_state == "reopened":
            changes["closed_at"] = None
        filed = {"appeal_filed_on": day} if new_state in _APPEAL_STATES else {}
        changes.update(
            _deadline_changes(
                compute_deadline(
                    conn,
                    case,
                    state=new_state,
                    appeal_level=int(str(changes.get("appeal_level", case.appeal_level))),
                    **filed,  # the appeal just filed dates the follow-up
                )
            )
        )
        updated = apply_changes(
            conn,
            case,
            changes,
            actor=user,
            action="move",
            expected_version=expected_version,
            always_log=("state",),
        )
        if note:
            add_note(conn, case_id, note, user=user)
        return updated


def check_decision_date(
    case: Case, pending: Any | None, decided_on: date | None, day: date
) -> None:
    """The one rule for escalating by hand (CLI and web call :func:`move`): filing the
    next level while one is pending needs the payer's decision date on the pending level,
    on or after that level was filed and not after the move's date; a decision date is
    refused on a move that escalates nothing."""
    if pending is None:
        if decided_on is not None:
            raise InputError(
                f"case {case.id}: a decision date (--decided-on) applies only when "
                "escalating a pending appeal to the next level"
            )
        return
    level = int(pending.level)
    if decided_on is None:
        raise InputError(
            f"case {case.id}: escalating needs the payer's decision date on level {level} "
            "(--decided-on YYYY-MM-DD); the next level's window counts from it"
        )
    if decided_on < pending.submitted_on:
        raise InputError(
            f"case {case.id}: decision date {decided_on.isoformat()} is before level {level} "
            f"was filed ({pending.submitted_on.isoformat()})"
        )
    if decided_on > day:
        raise InputError(
            f"case {case.id}: decision date {decided_on.isoformat()} is after the move's "
            f"date {day.isoformat()}"
        )


def _check_patient_billing(conn: Connection, case: Case) -> None:
    """Balance billing is refused: a CO (or PI) denial is the provider's, not the patient's."""
    rows = conn.execute(
        select(case_adj_t.c.group_code, case_adj_t.c.reason_code)
        .where(case_adj_t.c.case_id == case.id)
        .order_by(case_adj_t.c.id)
    ).all()
    for group, reason in rows:
        if group in _NO_PATIENT_BILLING:
            raise StateTransitionError(
                f"case {case.id}: cannot bill the patient for a {group}-{reason} denial "
                f"({_NO_PATIENT_BILLING[group]}); write it off, correct it or appeal it"
            )


def assign(
    engine_or_conn: Engine | Connection,
    case_id: int,
    assignee: str | None,
    *,
    user: str,
    expected_version: int | None = None,
) -> Case:
    """Give the case to a user (None takes it back to the owner queue)."""
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        if assignee is not None:
            ensure_user(conn, assignee)
        case = lock_row(conn, case_id, expected_version)
        return apply_changes(
            conn,
            case,
            {"assignee": assignee},
            actor=user,
            action="assign",
            expected_version=expected_version,
        )


def set_owner(
    engine_or_conn: Engine | Connection,
    case_id: int,
    owner: str,
    *,
    user: str,
    expected_version: int | None = None,
) -> Case:
    """Send the case to another owner queue (patient_access, ur_cdi, coding_him, billing)."""
    if owner not in OWNERS:
        raise StoreError(f"unknown owner {owner!r}; owners are {', '.join(OWNERS)}")
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        case = lock_row(conn, case_id, expected_version)
        return apply_changes(
            conn,
            case,
            {"owner": owner},
            actor=user,
            action="owner",
            expected_version=expected_version,
        )


def set_due_date(
    engine_or_conn: Engine | Connection,
    case_id: int,
    due: date | None,
    *,
    user: str,
    expected_version: int | None = None,
) -> Case:
    """Set (or clear) a hand-made due date; the next deadline is recomputed with it."""
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        case = lock_row(conn, case_id, expected_version)
        changes: dict[str, object] = {"due_date": due}
        changes.update(_deadline_changes(compute_deadline(conn, case, due_date=due)))
        return apply_changes(
            conn, case, changes, actor=user, action="due_date", expected_version=expected_version
        )


def add_note(engine_or_conn: Engine | Connection, case_id: int, text: str, *, user: str) -> int:
    """Append a note; notes are never edited, so they need no version check."""
    if not text.strip():
        raise StoreError("a note cannot be empty")
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        lock_row(conn, case_id)
        note_id = int(
            conn.execute(
                insert(note_t)
                .values(case_id=case_id, author=user, created_at=now(), text=text)
                .returning(note_t.c.id)
            ).scalar_one()
        )
        log(conn, case_id, actor=user, action="note", field="note", new=note_id)
        return note_id


def notes(engine_or_conn: Engine | Connection, case_id: int) -> list[tuple[Any, str, str]]:
    """(when, author, text) of every note, oldest first."""
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(note_t.c.created_at, note_t.c.author, note_t.c.text)
            .where(note_t.c.case_id == case_id)
            .order_by(note_t.c.id)
        ).all()
    return [(r.created_at, r.author, r.text) for r in rows]


def appeals(engine_or_conn: Engine | Connection, case_id: int) -> list[dict[str, Any]]:
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(appeal_t).where(appeal_t.c.case_id == case_id).order_by(appeal_t.c.level)
        ).all()
    return [dict(r._mapping) for r in rows]


def case_adjustments(engine_or_conn: Engine | Connection, case_id: int) -> list[dict[str, Any]]:
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(case_adj_t).where(case_adj_t.c.case_id == case_id).order_by(case_adj_t.c.id)
        ).all()
    return [dict(r._mapping) for r in rows]
