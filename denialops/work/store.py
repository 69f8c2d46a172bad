"""The write layer of the denial register: tables, the case record, locks, audited writes.

Every change to a case goes through :func:`apply_changes`, which checks the optimistic
lock (the row's ``version`` must still be the one read, else
:class:`~denialops.errors.ConflictError`), bumps the version and appends one
``case_event`` row per field that changed. Writers take the case's row lock first
(:func:`lock_row`: ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction is ``BEGIN IMMEDIATE``, which holds the database), so concurrent writers of
one case queue up instead of each acting on what it read before the other wrote.

Functions take an Engine (they open and commit their own transaction) or a Connection
(they join the caller's transaction, as ingest does). :mod:`denialops.work.cases` and
:mod:`denialops.work.outcomes` both build on this module; neither imports the other's
private names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Row, Select, Table, func, insert, select, update

from denialops.errors import ConflictError, StoreError
from denialops.store import schema
from denialops.store.database import write_transaction
from denialops.vocabulary import DENIAL_KIND
from denialops.work.tables import (
    Appeal,
    AppUser,
    CaseAdjustment,
    CaseEvent,
    CaseNote,
    CaseSearch,
    DenialCase,
)

SYSTEM_USER = "system"
MAX_ID = 2**31 - 1
"""Ids are INTEGER columns: anything beyond is no row at all (not an overflow error)."""
CHUNK = 500
"""Ids per ``IN (...)`` list: well under SQLite's bound-parameter limit."""

case_t = cast(Table, DenialCase.__table__)
event_t = cast(Table, CaseEvent.__table__)
appeal_t = cast(Table, Appeal.__table__)
note_t = cast(Table, CaseNote.__table__)
user_t = cast(Table, AppUser.__table__)
case_adj_t = cast(Table, CaseAdjustment.__table__)
search_t = cast(Table, CaseSearch.__table__)
claim_t = cast(Table, schema.Claim.__table__)
adj_t = cast(Table, schema.Adjustment.__table__)
line_t = cast(Table, schema.ServiceLine.__table__)
remit_t = cast(Table, schema.Remittance.__table__)

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    patient_id: str = ""
    patient_name: str = ""
    expected_payment: Decimal | None = None
    at_risk_basis: str = ""
    decided_on: date | None = None
    priority_score: Decimal = Decimal(0)
    p_overturn: Decimal | None = None
    p_source: str = ""
    expected_recovery: Decimal | None = None
    cost_to_work: Decimal | None = None
    age_factor: Decimal | None = None
    deadline_factor: Decimal | None = None
    priority_as_of: date | None = None
    kind: str = "denial"
    """``denial`` or ``underpayment`` (revision 0012)."""

    @classmethod
    def from_row(cls, row: Row[Any] | Mapping[str, Any]) -> Case:
        data = dict(zip(row._fields, row, strict=True)) if isinstance(row, Row) else row
        # Only the timestamps can come back naive (SQLite); the queue builds 50 a page.
        return cls(
            **{
                name: data[name].replace(tzinfo=UTC)
                if name in _TIMESTAMPS and data[name] is not None and data[name].tzinfo is None
                else data[name]
                for name in _CASE_FIELDS
                if name in data
            }
        )

    @property
    def correctable(self) -> bool:
        """A soft denial is fixed and resubmitted rather than appealed."""
        return self.soft_or_hard == "soft"


CASE_COLUMNS = tuple(f.name for f in fields(Case))
_CASE_FIELDS = CASE_COLUMNS
_TIMESTAMPS = frozenset({"opened_at", "updated_at", "closed_at"})


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


_EVENT_FIELDS = tuple(f.name for f in fields(Event))


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: Any) -> Any:
    """SQLite hands back naive datetimes for timezone columns; they were stored as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def day_start(day: date) -> datetime:
    """A business date as a timestamp (midnight UTC), for closed_at from a remittance date."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


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


def _checked_id(case_id: int) -> int:
    if not 1 <= case_id <= MAX_ID:
        raise StoreError(f"no case {case_id}")
    return case_id


def get_case(engine_or_conn: Engine | Connection, case_id: int) -> Case:
    _checked_id(case_id)
    with transaction(engine_or_conn) as conn:
        row = conn.execute(select(case_t).where(case_t.c.id == case_id)).first()
    if row is None:
        raise StoreError(f"no case {case_id}")
    return Case.from_row(row)


def case_for_claim(conn: Connection, claim_id: int, kind: str = DENIAL_KIND) -> Case | None:
    row = conn.execute(
        select(case_t).where(case_t.c.claim_id == claim_id, case_t.c.kind == kind)
    ).first()
    return None if row is None else Case.from_row(row)


def _select_events() -> Select[Any]:
    """The columns of :class:`Event`, in its field order."""
    return select(*(event_t.c[name] for name in _EVENT_FIELDS))


def _event(row: Row[Any]) -> Event:
    return Event(*(aware(value) for value in row))


def case_claim_rows(conn: Connection, case: Case) -> tuple[Row[Any], Row[Any], list[Row[Any]]]:
    """The case's claim, its remittance and the claim's service lines in order, as
    stored: what the case record and the corrected-claim worksheet both print."""
    claim = conn.execute(select(claim_t).where(claim_t.c.id == case.claim_id)).one()
    remit = conn.execute(select(remit_t).where(remit_t.c.id == case.remittance_id)).one()
    lines = conn.execute(
        select(line_t).where(line_t.c.claim_id == claim.id).order_by(line_t.c.seq)
    ).all()
    return claim, remit, list(lines)


def events(engine_or_conn: Engine | Connection, case_id: int) -> list[Event]:
    """The audit trail of a case, oldest first."""
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            _select_events().where(event_t.c.case_id == case_id).order_by(event_t.c.id)
        ).all()
    return [_event(r) for r in rows]


ACCESS_ACTIONS = ("view", "download", "letter")
"""Audit actions that record a read of the case (who looked, downloaded, drafted), not a
change. They are kept for access accounting but can outnumber the changes a
thousandfold, so a case record shows only the latest of them."""

RECENT_ACCESS = 20
"""How many of the latest access events a case record shows beside every change."""


@dataclass(frozen=True, slots=True)
class Trail:
    """A case's audit trail as a case record shows it: every change, and the latest
    ``RECENT_ACCESS`` access events; ``access_total`` counts all access events."""

    events: list[Event]
    access_total: int

    @property
    def access_shown(self) -> int:
        return sum(1 for e in self.events if e.action in ACCESS_ACTIONS)


def trail(
    engine_or_conn: Engine | Connection, case_id: int, *, recent_access: int = RECENT_ACCESS
) -> Trail:
    """Every change of a case and its latest ``recent_access`` reads, oldest first.

    A case page prints its trail and every view of it adds a row, so the whole trail
    grows without bound with use; :func:`events` still returns all of it."""
    is_access = event_t.c.action.in_(ACCESS_ACTIONS)
    of_case = event_t.c.case_id == case_id
    with transaction(engine_or_conn) as conn:
        changes = conn.execute(_select_events().where(of_case, ~is_access)).all()
        recent = conn.execute(
            _select_events().where(of_case, is_access).order_by(event_t.c.id.desc())
            .limit(recent_access)
        ).all()  # fmt: skip
        total = len(recent)
        if total == recent_access:
            total = int(
                conn.execute(
                    select(func.count()).select_from(event_t).where(of_case, is_access)
                ).scalar_one()
            )
    rows = sorted([*changes, *recent], key=lambda r: r.id)
    return Trail([_event(r) for r in rows], total)


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def event_row(
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
) -> dict[str, object]:
    """One ``case_event`` row as parameters, for a single insert or an executemany batch."""
    return {
        "case_id": case_id,
        "at": at or now(),
        "actor": actor,
        "action": action,
        "field": field,
        "old_value": as_text(old),
        "new_value": as_text(new),
        "remittance_id": remittance_id,
        "source_claim_id": source_claim_id,
        "note": note,
    }


def log(conn: Connection, case_id: int, **event: Any) -> None:
    conn.execute(insert(event_t), [event_row(case_id, **event)])


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """One executemany per batch (nothing to do for no rows)."""
    for part in chunks(rows, 5000):
        conn.execute(insert(table), list(part))


def lock_row(conn: Connection, case_id: int, expected_version: int | None = None) -> Case:
    """Read the case holding its row lock (PostgreSQL; SQLite writers hold the database).

    Concurrent writers of one case therefore queue up here, before any side effect, and a
    writer whose ``expected_version`` went stale meanwhile gets ConflictError at once.
    """
    _checked_id(case_id)
    row = conn.execute(select(case_t).where(case_t.c.id == case_id).with_for_update()).first()
    if row is None:
        raise StoreError(f"no case {case_id}")
    case = Case.from_row(row)
    check_version(case, expected_version)
    return case


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(
            f"case {case.id} changed since you read it (you have version {expected_version}, "
            f"it is now {case.version}); reload it and try again"
        )


def apply_changes(
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
    rescore: bool = True,
) -> Case:
    """Write ``changes`` if nobody else wrote since ``case`` was read; audit every field.

    Unchanged fields are not logged, except those in ``always_log`` (a move to the same
    state, such as the next appeal level, is still a move). The stored priority is
    recomputed from the new row (its history changed) unless ``rescore`` is False.
    """
    check_version(case, expected_version)
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
    rows = [
        event_row(
            case.id,
            actor=actor,
            action=action,
            field=name,
            old=before.get(name),
            new=value,
            remittance_id=remittance_id,
            source_claim_id=source_claim_id,
            note=note,
            at=stamp,
        )
        for name, value in changes.items()
        if before.get(name) != value or name in always_log
    ]
    if not rows:
        rows = [
            event_row(
                case.id,
                actor=actor,
                action=action,
                remittance_id=remittance_id,
                source_claim_id=source_claim_id,
                note=note,
                at=stamp,
            )
        ]
    insert_many(conn, event_t, rows)
    if rescore:
        from denialops.work.scoring import rescore as rescore_cases

        rescore_cases(conn, [case.id])
    return lock_row(conn, case.id)


def open_appeal(conn: Connection, case_id: int) -> Row[Any] | None:
    """The pending appeal (or resubmission) row of a case, highest level first."""
    return conn.execute(
        select(appeal_t)
        .where(appeal_t.c.case_id == case_id, appeal_t.c.closed_on.is_(None))
        .order_by(appeal_t.c.level.desc())
    ).first()


def close_appeal(
    conn: Connection,
    appeal: Row[Any],
    outcome: str,
    day: date,
    recovered: Decimal | None,
    *,
    source: str | None,
) -> None:
    """Close a pending appeal row. ``source`` names who decided (remittance, user); None
    means the row closed without a payer decision (escalated, withdrawn) and so is not
    counted as one: ``decided_on`` stays empty."""
    conn.execute(
        update(appeal_t)
        .where(appeal_t.c.id == appeal.id)
        .values(
            decided_on=day if source else None,
            outcome=outcome,
            recovered=recovered if source else None,
            decision_source=source,
            closed_on=day,
        )
    )


def fetch_cases(conn: Connection, case_ids: Iterable[int]) -> list[Case]:
    ids = sorted(set(case_ids))
    found: list[Case] = []
    for part in chunks(ids):
        found.extend(
            Case.from_row(r)
            for r in conn.execute(select(case_t).where(case_t.c.id.in_(part))).all()
        )
    return found
