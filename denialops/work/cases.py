"""The denial register: opening cases at ingest, moving them, and the audit trail.

Every write goes through :func:`_apply`, which checks the optimistic lock (the row's
``version`` must still be the one read, else :class:`~denialops.errors.ConflictError`),
bumps the version and appends one ``case_event`` row per field that changed. Functions
take an Engine (they open and commit their own transaction) or a Connection (they join
the caller's transaction, as the ingest hook does).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Engine, Row, Table, func, insert, select, update

from denialops.errors import ConflictError, NotFoundError, StoreError
from denialops.money import ZERO, total
from denialops.store import schema
from denialops.store.database import MAX_ID, write_transaction
from denialops.vocabulary import OWNERS as OWNERS
from denialops.vocabulary import REVERSAL_STATUS as REVERSAL_STATUS
from denialops.work import states
from denialops.work.deadlines import Deadline, DeadlineFacts, load_profiles, next_deadline
from denialops.work.tables import Appeal, AppUser, CaseAdjustment, CaseEvent, CaseNote, DenialCase

SYSTEM_USER = "system"
DENIED_STATUSES = ("partially_denied", "fully_denied")

case_t = cast(Table, DenialCase.__table__)
event_t = cast(Table, CaseEvent.__table__)
appeal_t = cast(Table, Appeal.__table__)
note_t = cast(Table, CaseNote.__table__)
user_t = cast(Table, AppUser.__table__)
case_adj_t = cast(Table, CaseAdjustment.__table__)
claim_t = cast(Table, schema.Claim.__table__)
adj_t = cast(Table, schema.Adjustment.__table__)
remit_t = cast(Table, schema.Remittance.__table__)

_FAMILY_OWNER = {
    "clinical": "ur_cdi",
    "coding": "coding_him",
    "administrative": "patient_access",
    "technical": "billing",
}


@dataclass(frozen=True, slots=True)
class Case:
    """A snapshot of one ``denial_case`` row."""

    id: int
    claim_id: int
    remittance_id: int
    payer_id: str
    patient_control_number: str
    payer_claim_control_number: str
    filing_indicator: str
    denial_status: str
    family: str | None
    category: str | None
    owner: str
    next_action: str | None
    soft_or_hard: str | None
    billed: Decimal
    paid_initial: Decimal
    at_risk: Decimal
    service_date: date | None
    determination_date: date | None
    state: str
    appeal_level: int
    assignee: str | None
    due_date: date | None
    next_deadline: date | None
    next_deadline_kind: str | None
    paid_to_date: Decimal
    recovered: Decimal
    outcome_remittance_id: int | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    version: int

    @classmethod
    def from_row(cls, row: Row[Any] | Mapping[str, Any]) -> Case:
        data = row._mapping if isinstance(row, Row) else row
        return cls(**{f.name: _aware(data[f.name]) for f in fields(cls)})

    @property
    def correctable(self) -> bool:
        """A soft denial is fixed and resubmitted rather than appealed."""
        return self.soft_or_hard == "soft"


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    case_id: int
    at: datetime
    actor: str
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
    remittance_id: int | None
    source_claim_id: int | None
    note: str | None


def now() -> datetime:
    return datetime.now(UTC)


def _aware(value: Any) -> Any:
    """SQLite hands back naive datetimes for timezone columns; they were stored as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@contextmanager
def transaction(
    engine_or_conn: Engine | Connection, *, write: bool = False
) -> Iterator[Connection]:
    """The caller's transaction when given a Connection in one, else a new one committed here.

    A new write transaction on SQLite takes the write lock up front (``BEGIN IMMEDIATE``):
    a deferred one that reads and then writes fails at once if another writer got in
    between, instead of waiting its turn.
    """
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            with _begin(conn, write):
                yield conn
    elif engine_or_conn.in_transaction():
        yield engine_or_conn
    else:
        with _begin(engine_or_conn, write):
            yield engine_or_conn


@contextmanager
def _begin(conn: Connection, write: bool) -> Iterator[None]:
    if write:
        with write_transaction(conn):
            yield
        return
    with conn.begin():
        yield


def ensure_user(conn: Connection, login: str) -> None:
    """Record a login the first time it acts or is assigned, so users are listable."""
    if not login or len(login) > 64:
        raise StoreError("a user login must be 1 to 64 characters")
    exists = conn.execute(select(user_t.c.id).where(user_t.c.login == login)).first()
    if exists is None:
        conn.execute(insert(user_t).values(login=login, display_name="", created_at=now()))


def get_case(engine_or_conn: Engine | Connection, case_id: int) -> Case:
    if not 0 < case_id <= MAX_ID:  # no such row, and the driver could not even bind it
        raise NotFoundError(f"no case {case_id}")
    with transaction(engine_or_conn) as conn:
        row = conn.execute(select(case_t).where(case_t.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    return Case.from_row(row)


def case_for_claim(conn: Connection, claim_id: int) -> Case | None:
    row = conn.execute(select(case_t).where(case_t.c.claim_id == claim_id)).first()
    return None if row is None else Case.from_row(row)


def events(engine_or_conn: Engine | Connection, case_id: int) -> list[Event]:
    """The audit trail of a case, oldest first."""
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(event_t).where(event_t.c.case_id == case_id).order_by(event_t.c.id)
        ).all()
    return [Event(**{f.name: _aware(r._mapping[f.name]) for f in fields(Event)}) for r in rows]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _log(
    conn: Connection,
    case_id: int,
    *,
    actor: str,
    action: str,
    field: str | None = None,
    old: object = None,
    new: object = None,
    remittance_id: int | None = None,
    source_claim_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        insert(event_t).values(
            case_id=case_id,
            at=at or now(),
            actor=actor,
            action=action,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            remittance_id=remittance_id,
            source_claim_id=source_claim_id,
            note=note,
        )
    )


def _lock_row(conn: Connection, case_id: int, expected_version: int | None = None) -> Case:
    """Read the case holding its row lock (PostgreSQL; SQLite writers hold the database).

    Concurrent writers of one case therefore queue up here, before any side effect, and a
    writer whose ``expected_version`` went stale meanwhile gets ConflictError at once.
    """
    if not 0 < case_id <= MAX_ID:
        raise NotFoundError(f"no case {case_id}")
    row = conn.execute(select(case_t).where(case_t.c.id == case_id).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    case = Case.from_row(row)
    _check_version(case, expected_version)
    return case


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(
            f"case {case.id} changed since you read it (you have version {expected_version}, "
            f"it is now {case.version}); reload it and try again"
        )


def _apply(
    conn: Connection,
    case: Case,
    changes: dict[str, object],
    *,
    actor: str,
    action: str,
    expected_version: int | None,
    remittance_id: int | None = None,
    source_claim_id: int | None = None,
    note: str | None = None,
    always_log: tuple[str, ...] = (),
) -> Case:
    """Write ``changes`` if nobody else wrote since ``case`` was read; audit every field.

    Unchanged fields are not logged, except those in ``always_log`` (a move to the same
    state, such as the next appeal level, is still a move).
    """
    _check_version(case, expected_version)
    stamp = now()
    result = conn.execute(
        update(case_t)
        .where(case_t.c.id == case.id, case_t.c.version == case.version)
        .values(**changes, version=case.version + 1, updated_at=stamp)
    )
    if result.rowcount != 1:
        raise ConflictError(
            f"case {case.id} was changed by someone else while you edited it "
            f"(version {case.version} is stale); reload it and try again"
        )
    before = {f.name: getattr(case, f.name) for f in fields(Case)}
    changed = [(name, before[name], value) for name, value in changes.items()]
    logged = False
    for name, old, new in changed:
        if old == new and name not in always_log:
            continue
        _log(
            conn,
            case.id,
            actor=actor,
            action=action,
            field=name,
            old=old,
            new=new,
            remittance_id=remittance_id,
            source_claim_id=source_claim_id,
            note=note,
            at=stamp,
        )
        logged = True
    if not logged:
        _log(
            conn,
            case.id,
            actor=actor,
            action=action,
            remittance_id=remittance_id,
            source_claim_id=source_claim_id,
            note=note,
            at=stamp,
        )
    return _lock_row(conn, case.id)


# ---------------------------------------------------------------------------- deadlines


def last_decision_date(conn: Connection, case_id: int) -> date | None:
    value = conn.execute(
        select(func.max(appeal_t.c.decided_on)).where(appeal_t.c.case_id == case_id)
    ).scalar_one()
    return value if isinstance(value, date) else None


def deadline_facts(conn: Connection, case: Case, **override: Any) -> DeadlineFacts:
    facts = DeadlineFacts(
        state=case.state,
        appeal_level=case.appeal_level,
        service_date=case.service_date,
        determination_date=case.determination_date,
        last_decision_date=last_decision_date(conn, case.id),
        correctable=case.correctable,
        due_date=case.due_date,
    )
    if override:
        facts = DeadlineFacts(
            **{**{f.name: getattr(facts, f.name) for f in fields(facts)}, **override}
        )
    return facts


def compute_deadline(conn: Connection, case: Case, **override: Any) -> Deadline | None:
    profile = load_profiles().for_payer(case.payer_id, case.filing_indicator)
    return next_deadline(deadline_facts(conn, case, **override), profile)


def _deadline_changes(deadline: Deadline | None) -> dict[str, object]:
    return {
        "next_deadline": deadline.due if deadline else None,
        "next_deadline_kind": deadline.kind if deadline else None,
    }


# ---------------------------------------------------------------------------- opening


def open_cases(conn: Connection, remittance_id: int) -> int:
    """Open one case per denied claim of a remittance; returns how many were opened.

    Idempotent: a claim that already has a case, or whose patient control number and
    payer already belong to a case (a later remittance about the same claim, which
    :func:`denialops.work.outcomes.match_outcomes` handles), opens nothing.
    """
    remit = conn.execute(
        select(remit_t.c.payment_date, remit_t.c.production_date, remit_t.c.ingested_at).where(
            remit_t.c.id == remittance_id
        )
    ).first()
    if remit is None:
        raise StoreError(f"no remittance {remittance_id}")
    determination = remit.payment_date or remit.production_date or remit.ingested_at.date()
    claims = conn.execute(
        select(claim_t)
        .where(
            claim_t.c.remittance_id == remittance_id,
            claim_t.c.denial_status.in_(DENIED_STATUSES),
            claim_t.c.status != REVERSAL_STATUS,
        )
        .order_by(claim_t.c.seq)
    ).all()
    opened = 0
    for claim in claims:
        if case_for_claim(conn, claim.id) is not None:
            continue
        same_claim = conn.execute(
            select(case_t.c.id).where(
                case_t.c.patient_control_number == claim.patient_control_number,
                case_t.c.payer_id == claim.payer_id,
            )
        ).first()
        if same_claim is not None:
            continue
        _open_one(conn, claim, determination)
        opened += 1
    return opened


def _open_one(conn: Connection, claim: Row[Any], determination: date) -> int:
    denied = conn.execute(
        select(adj_t)
        .where(adj_t.c.claim_id == claim.id, adj_t.c.is_denial.is_(True))
        .order_by(adj_t.c.amount.desc(), adj_t.c.id)
    ).all()
    top = denied[0] if denied else None
    family = claim.primary_denial_family or (top.family if top else None)
    category = claim.primary_denial_category or (top.category if top else None)
    owner = (top.owner if top and top.owner else None) or _FAMILY_OWNER.get(family or "", "billing")
    at_risk = claim.denied_amount or total(a.amount for a in denied)
    stamp = now()
    values: dict[str, object] = {
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
        "soft_or_hard": top.soft_or_hard if top else None,
        "billed": claim.charge,
        "paid_initial": claim.paid,
        "at_risk": at_risk if at_risk > ZERO else ZERO,
        "service_date": claim.service_date or claim.statement_from,
        "determination_date": determination,
        "state": "new",
        "appeal_level": 0,
        "assignee": None,
        "due_date": None,
        "paid_to_date": claim.paid,
        "recovered": ZERO,
        "opened_at": stamp,
        "updated_at": stamp,
        "version": 1,
    }
    provisional = Case.from_row(
        {
            **values,
            "id": 0,
            "next_deadline": None,
            "next_deadline_kind": None,
            "outcome_remittance_id": None,
            "closed_at": None,
        }
    )
    values.update(_deadline_changes(compute_deadline(conn, provisional, last_decision_date=None)))
    case_id = int(conn.execute(insert(case_t).values(**values).returning(case_t.c.id)).scalar_one())
    for adj in denied:
        conn.execute(
            insert(case_adj_t).values(
                case_id=case_id,
                adjustment_id=adj.id,
                service_line_id=adj.service_line_id,
                group_code=adj.group_code,
                reason_code=adj.reason_code,
                amount=adj.amount,
                family=adj.family,
                category=adj.category,
                owner=adj.owner,
            )
        )
    _log(
        conn,
        case_id,
        actor=SYSTEM_USER,
        action="open",
        field="state",
        new="new",
        remittance_id=claim.remittance_id,
        source_claim_id=claim.id,
        at=stamp,
    )
    return case_id


def work_hook(conn: Connection, remittance_id: int) -> None:
    """The ingest hook: outcomes for earlier cases first, then cases for new denials.

    Run it after classification (it reads ``claim.denial_status``), inside the ingest
    transaction, so a remittance and the cases it opened commit or roll back together.
    """
    from denialops.work.outcomes import match_outcomes

    match_outcomes(conn, remittance_id)
    open_cases(conn, remittance_id)


# ---------------------------------------------------------------------------- working


def move(
    engine_or_conn: Engine | Connection,
    case_id: int,
    new_state: str,
    *,
    user: str,
    note: str | None = None,
    expected_version: int | None = None,
    on: date | None = None,
) -> Case:
    """Move a case along an allowed edge; refused moves raise StateTransitionError.

    Entering ``appealed`` (or ``external_review``) opens an appeal row at the next level;
    leaving an open appeal for another level marks it upheld, and an outcome closes it.
    ``on`` is the business date of the step (default today, UTC).
    """
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        case = _lock_row(conn, case_id, expected_version)
        states.check_move(case.state, new_state, appeal_level=case.appeal_level)
        day = on or now().date()
        changes: dict[str, object] = {"state": new_state}
        open_appeal = _open_appeal(conn, case_id)
        if open_appeal is not None and new_state in ("appealed", "external_review"):
            _decide_appeal(conn, open_appeal, "upheld", day, ZERO)
        if new_state in ("appealed", "external_review"):
            level = case.appeal_level + 1
            window = compute_deadline(
                conn,
                case,
                state="in_progress",
                appeal_level=case.appeal_level,
                correctable=False,
                due_date=None,
                last_decision_date=last_decision_date(conn, case_id),
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
        if open_appeal is not None and new_state in states.CLOSED_STATES:
            outcome = new_state if new_state in states.OUTCOMES else "withdrawn"
            _decide_appeal(conn, open_appeal, outcome, day, case.recovered)
        if new_state in states.CLOSED_STATES:
            changes["closed_at"] = now()
        elif new_state == "reopened":
            changes["closed_at"] = None
        changes.update(
            _deadline_changes(
                compute_deadline(
                    conn,
                    case,
                    state=new_state,
                    appeal_level=int(str(changes.get("appeal_level", case.appeal_level))),
                    last_decision_date=last_decision_date(conn, case_id),
                )
            )
        )
        updated = _apply(
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


def _open_appeal(conn: Connection, case_id: int) -> Row[Any] | None:
    return conn.execute(
        select(appeal_t)
        .where(appeal_t.c.case_id == case_id, appeal_t.c.decided_on.is_(None))
        .order_by(appeal_t.c.level.desc())
    ).first()


def _decide_appeal(
    conn: Connection, appeal: Row[Any], outcome: str, day: date, recovered: Decimal
) -> None:
    conn.execute(
        update(appeal_t)
        .where(appeal_t.c.id == appeal.id)
        .values(decided_on=day, outcome=outcome, recovered=recovered)
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
        case = _lock_row(conn, case_id, expected_version)
        return _apply(
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
        case = _lock_row(conn, case_id)
        return _apply(
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
        case = _lock_row(conn, case_id)
        changes: dict[str, object] = {"due_date": due}
        changes.update(_deadline_changes(compute_deadline(conn, case, due_date=due)))
        return _apply(
            conn, case, changes, actor=user, action="due_date", expected_version=expected_version
        )


def add_note(engine_or_conn: Engine | Connection, case_id: int, text: str, *, user: str) -> int:
    """Append a note; notes are never edited, so they need no version check."""
    if not text.strip():
        raise StoreError("a note cannot be empty")
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        _lock_row(conn, case_id)
        note_id = int(
            conn.execute(
                insert(note_t)
                .values(case_id=case_id, author=user, created_at=now(), text=text)
                .returning(note_t.c.id)
            ).scalar_one()
        )
        _log(conn, case_id, actor=user, action="note", field="note", new=note_id)
        return note_id


def notes(engine_or_conn: Engine | Connection, case_id: int) -> list[tuple[datetime, str, str]]:
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
