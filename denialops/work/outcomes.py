"""Outcomes: what a later remittance (or a person) says happened to a denied claim.

A later 835 carries the same claim under the same patient control number and payer. It
may be a status-22 reversal (a negative payment that takes the earlier one back), a
repayment after such a reversal, a CLP09=7 replacement or a re-adjudication under the
same payer claim number (its payment replaces the earlier one), or a further payment.
The net paid after it, minus what was paid when the case opened, is the recovered
amount::

    recovered >= at risk   -> won
    0 < recovered < at risk -> partially_won
    recovered <= 0          -> lost

The claims after the case's opening claim are taken in the chain's order (the payer's
dates, see :mod:`denialops.work.chain`), never in the order files arrived, and the whole
chain is re-judged when any claim of it arrives: a remittance dated before others that
were already applied gives the same result as if it had come first.

A reversal alone decides nothing: the case waits for the repayment. A case already
closed by a disposition (written off, billed elsewhere) keeps its state but records the
late payment. Every change is audited with the remittance and claim that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from denialops.errors import StoreError
from denialops.money import ZERO
from denialops.work import states
from denialops.work.cases import cases_for_keys, move
from denialops.work.chain import REVERSAL_STATUS, ChainClaim, chains_touching
from denialops.work.deadlines import DeadlineFacts, assess, profile_for
from denialops.work.scoring import rescore
from denialops.work.store import (
    SYSTEM_USER,
    Case,
    appeal_t,
    apply_changes,
    case_t,
    chunks,
    day_start,
    ensure_user,
    event_row,
    event_t,
    insert_many,
    lock_row,
    now,
    transaction,
)

REPLACEMENT_FREQUENCY = "7"


def judge(recovered: Decimal, at_risk: Decimal) -> str:
    """won / partially_won / lost from the dollars recovered against the dollars at risk."""
    if recovered <= ZERO:
        return "lost"
    if recovered >= at_risk:
        return "won"
    return "partially_won"


def net_paid_after(
    paid_to_date: Decimal,
    claim_paid: Decimal,
    *,
    status: str,
    frequency: str,
    reversal_pending: bool,
    same_payer_claim: bool = False,
) -> Decimal:
    """The claim's net payment once this later claim payment is applied.

    A reversal takes money back and a payment after it adds. Without a reversal, a
    replacement (CLP09 7) or a re-adjudication under the same payer claim number states
    the claim's whole new payment, so it replaces; anything else is a further payment.
    """
    if status == REVERSAL_STATUS or reversal_pending:
        return paid_to_date + claim_paid
    if frequency == REPLACEMENT_FREQUENCY or same_payer_claim:
        return claim_paid
    return paid_to_date + claim_paid


@dataclass
class _Plan:
    """What the claims after the opening do to one case."""

    case: Case
    values: dict[str, object] = field(default_factory=dict)
    events: list[dict[str, object]] = field(default_factory=list)
    appeal_outcome: tuple[str, date, Decimal] | None = None


_OUTCOME_FIELDS = (
    "paid_to_date",
    "recovered",
    "outcome_remittance_id",
    "decided_on",
    "state",
    "next_deadline",
    "next_deadline_kind",
    "closed_at",
)


def match_outcomes(conn: Connection, remittance_ids: int | Iterable[int]) -> int:
    """Apply the claims of these remittances to the cases of the same claims; returns how
    many cases changed.

    Set-based: one query for the claim chains, one for their cases (row-locked on
    PostgreSQL), one for what was already applied, one for pending appeals, then
    batched writes. Idempotent: a claim already applied (an audit row names it) is not
    applied twice.
    """
    ids = [remittance_ids] if isinstance(remittance_ids, int) else list(remittance_ids)
    if not ids:
        return 0
    chains = chains_touching(conn, ids)
    cases = cases_for_keys(conn, ids)
    pairs = [(case, chains[key]) for key, case in cases.items() if key in chains]
    if not pairs:
        return 0
    seen = _applied_claims(conn, [case.id for case, _ in pairs])
    batch = set(ids)
    stamp = now()
    plans = [
        plan
        for case, chain in pairs
        if (plan := _plan(case, chain, seen.get(case.id, set()), batch, stamp)) is not None
    ]
    if not plans:
        return 0
    _write(conn, plans, stamp)
    return len(plans)


def _applied_claims(conn: Connection, case_ids: list[int]) -> dict[int, set[int]]:
    seen: dict[int, set[int]] = {}
    for part in chunks(sorted(case_ids)):
        rows = conn.execute(
            select(event_t.c.case_id, event_t.c.source_claim_id)
            .where(event_t.c.case_id.in_(part), event_t.c.source_claim_id.is_not(None))
            .distinct()
        ).all()
        for case_id, claim_id in rows:
            seen.setdefault(case_id, set()).add(claim_id)
    return seen


def _plan(
    case: Case, chain: list[ChainClaim], seen: set[int], batch: set[int], stamp: Any
) -> _Plan | None:
    position = next((i for i, c in enumerate(chain) if c.id == case.claim_id), None)
    if position is None:
        return None
    opening, after = chain[position], chain[position + 1 :]
    unseen = [c for c in after if c.id not in seen]
    if not after or not (unseen or opening.remittance_id in batch):
        return None
    plan = _Plan(case)
    paid, pending = case.paid_initial, False
    for claim in after:
        new_paid = net_paid_after(
            paid,
            claim.paid,
            status=claim.status,
            frequency=claim.frequency,
            reversal_pending=pending,
            same_payer_claim=bool(claim.payer_claim_control_number)
            and claim.payer_claim_control_number == case.payer_claim_control_number,
        )
        if claim.id not in seen:
            action = "reversal" if claim.status == REVERSAL_STATUS else "payment"
            plan.events.append(
                event_row(
                    case.id,
                    actor=SYSTEM_USER,
                    action=action,
                    field="paid_to_date" if new_paid != paid else None,
                    old=paid if new_paid != paid else None,
                    new=new_paid if new_paid != paid else None,
                    remittance_id=claim.remittance_id,
                    source_claim_id=claim.id,
                    note=f"{action} in remittance {claim.remittance_id}",
                    at=stamp,
                )
            )
        paid, pending = new_paid, claim.status == REVERSAL_STATUS
    values: dict[str, object] = {"paid_to_date": paid}
    deciding = next((c for c in reversed(after) if c.status != REVERSAL_STATUS), None)
    note: str | None = None
    if deciding is not None:
        recovered = paid - case.paid_initial
        decided = deciding.remit_date or stamp.date()
        values.update(
            recovered=max(recovered, ZERO),
            outcome_remittance_id=deciding.remittance_id,
            decided_on=decided,
        )
        if case.state in states.DISPOSITIONS:
            note = (
                f"payment in remittance {deciding.remittance_id} after the case was closed "
                f"as {case.state}"
            )
        elif deciding.opens_case and recovered <= ZERO:
            note = (
                f"denied again at level {case.appeal_level} by remittance {deciding.remittance_id}"
            )
            if case.state in states.WORKING_STATES:
                # the resubmission or appeal failed: back to work, the next level's window
                # counting from this decision
                values.update(
                    state="in_progress",
                    **_deadline_after(case, decided),
                )
                plan.appeal_outcome = ("denied_again", decided, ZERO)
        else:
            outcome = judge(recovered, case.at_risk)
            values.update(
                state=outcome,
                next_deadline=None,
                next_deadline_kind=None,
                closed_at=day_start(decided),
            )
            note = f"{outcome} by remittance {deciding.remittance_id}"
            if case.state not in states.CLOSED_STATES:
                plan.appeal_outcome = (outcome, decided, max(recovered, ZERO))
    changed = {k: v for k, v in values.items() if getattr(case, k) != v}
    if not changed and not unseen:
        return None
    reporter = deciding if deciding is not None else after[-1]
    action = "payment" if reporter.id not in seen else "reevaluate"
    logged_by_steps = any(e["field"] == "paid_to_date" for e in plan.events)
    for name, value in changed.items():
        if name == "paid_to_date" and logged_by_steps:
            continue
        plan.events.append(
            event_row(
                case.id,
                actor=SYSTEM_USER,
                action=action,
                field=name,
                old=getattr(case, name),
                new=value,
                remittance_id=reporter.remittance_id,
                source_claim_id=reporter.id,
                note=note,
                at=stamp,
            )
        )
    plan.values = {name: values.get(name, getattr(case, name)) for name in _OUTCOME_FIELDS}
    return plan


def _deadline_after(case: Case, decided: date) -> dict[str, object]:
    deadline = assess(
        DeadlineFacts(
            state="in_progress",
            appeal_level=case.appeal_level,
            service_date=case.service_date,
            determination_date=case.determination_date,
            last_decision_date=decided,
            correctable=case.correctable and case.appeal_level == 0,
            due_date=case.due_date,
        ),
        profile_for(case.payer_id, case.filing_indicator),
    ).next
    return {
        "next_deadline": deadline.due if deadline else None,
        "next_deadline_kind": deadline.kind if deadline else None,
    }


def _write(conn: Connection, plans: list[_Plan], stamp: Any) -> None:
    params = [
        {
            "case_id": p.case.id,
            "old_version": p.case.version,
            **p.values,
            "bumped": p.case.version + 1,
        }
        for p in plans
    ]
    statement = (
        update(case_t)
        .where(case_t.c.id == bindparam("case_id"), case_t.c.version == bindparam("old_version"))
        .values(
            {
                **{name: bindparam(name) for name in _OUTCOME_FIELDS},
                "version": bindparam("bumped"),
                "updated_at": stamp,
            }
        )
    )
    for part in chunks(params, 5000):
        conn.execute(statement, list(part))
    insert_many(conn, event_t, [e for p in plans for e in p.events])
    decided = {p.case.id: p.appeal_outcome for p in plans if p.appeal_outcome is not None}
    if decided:
        pending: list[Any] = []
        for ids in chunks(sorted(decided)):
            pending.extend(
                conn.execute(
                    select(appeal_t.c.id, appeal_t.c.case_id, appeal_t.c.level)
                    .where(appeal_t.c.case_id.in_(ids), appeal_t.c.closed_on.is_(None))
                    .order_by(appeal_t.c.case_id, appeal_t.c.level.desc())
                ).all()
            )
        top: dict[int, int] = {}
        for row in pending:
            top.setdefault(row.case_id, row.id)
        closing = [
            {
                "appeal_id": appeal_id,
                "outcome": decided[case_id][0],
                "day": decided[case_id][1],
                "amount": decided[case_id][2],
            }
            for case_id, appeal_id in top.items()
        ]
        if closing:
            conn.execute(
                update(appeal_t)
                .where(appeal_t.c.id == bindparam("appeal_id"))
                .values(
                    outcome=bindparam("outcome"),
                    decided_on=bindparam("day"),
                    closed_on=bindparam("day"),
                    recovered=bindparam("amount"),
                    decision_source="remittance",
                ),
                closing,
            )
    rescore(conn, [p.case.id for p in plans])


def record_outcome(
    engine_or_conn: Engine | Connection,
    case_id: int,
    outcome: str,
    recovered: Decimal,
    *,
    user: str,
    note: str | None = None,
    expected_version: int | None = None,
    on: date | None = None,
    force: bool = False,
) -> Case:
    """Enter an outcome by hand (a letter from the payer, a phone call).

    The move must be one the state machine allows from the case's state; ``recovered``
    is the dollars won back (0 for ``lost``, more than 0 for a win), at most the dollars
    at risk unless ``force`` (a payer may pay interest or more than expected, but a typo
    must not inflate recovery). ``on`` is the payer's decision date (default today).
    """
    if outcome not in states.OUTCOMES:
        raise StoreError(f"unknown outcome {outcome!r}; outcomes are {', '.join(states.OUTCOMES)}")
    if recovered < ZERO:
        raise StoreError("recovered dollars cannot be negative")
    if outcome == "lost" and recovered != ZERO:
        raise StoreError("a lost case recovers nothing; use partially_won for a partial payment")
    if outcome != "lost" and recovered == ZERO:
        raise StoreError(f"{outcome} needs the dollars recovered (more than 0)")
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        case = lock_row(conn, case_id, expected_version)
        states.check_move(case.state, outcome, appeal_level=case.appeal_level)
        if recovered > case.at_risk and not force:
            raise StoreError(
                f"case {case_id}: {recovered} recovered is more than the {case.at_risk} at "
                "risk; check the amount, or pass --force if the payer really paid more"
            )
        apply_changes(
            conn,
            case,
            {"recovered": recovered, "paid_to_date": case.paid_initial + recovered},
            actor=user,
            action="outcome",
            expected_version=expected_version,
            note=note,
            rescore=False,
        )
        return move(conn, case_id, outcome, user=user, on=on)
