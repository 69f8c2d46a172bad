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

A reversal alone decides nothing: the case waits for the repayment. A case already
closed by a disposition (written off, billed elsewhere) keeps its state but records the
late payment. Every change is audited with the remittance and claim that caused it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from denialops.errors import StoreError
from denialops.money import ZERO
from denialops.work import states
from denialops.work.cases import (
    REVERSAL_STATUS,
    Case,
    _apply,
    _decide_appeal,
    _lock_row,
    _open_appeal,
    case_t,
    claim_t,
    ensure_user,
    event_t,
    move,
    now,
    remit_t,
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


def match_outcomes(conn: Connection, remittance_id: int) -> int:
    """Apply every claim of a remittance that is about an earlier case; returns how many.

    Idempotent: a claim already applied to its case (an audit row names it) is skipped.
    """
    remit = conn.execute(select(remit_t.c.id).where(remit_t.c.id == remittance_id)).first()
    if remit is None:
        raise StoreError(f"no remittance {remittance_id}")
    claims = conn.execute(
        select(claim_t).where(claim_t.c.remittance_id == remittance_id).order_by(claim_t.c.seq)
    ).all()
    applied = 0
    for claim in claims:
        row = conn.execute(
            select(case_t).where(
                case_t.c.patient_control_number == claim.patient_control_number,
                case_t.c.payer_id == claim.payer_id,
                case_t.c.claim_id != claim.id,
                case_t.c.remittance_id != remittance_id,
            )
        ).first()
        if row is None:
            continue
        case = _lock_row(conn, row.id)  # a worker editing it now cannot fail the ingest
        seen = conn.execute(
            select(event_t.c.id).where(
                event_t.c.case_id == case.id, event_t.c.source_claim_id == claim.id
            )
        ).first()
        if seen is not None:
            continue
        _apply_claim(conn, case, claim, remittance_id)
        applied += 1
    return applied


def _reversal_pending(conn: Connection, case_id: int) -> bool:
    last = conn.execute(
        select(event_t.c.action)
        .where(event_t.c.case_id == case_id, event_t.c.action.in_(("reversal", "payment")))
        .order_by(event_t.c.id.desc())
    ).first()
    return last is not None and last.action == "reversal"


def _apply_claim(conn: Connection, case: Case, claim: Row[Any], remittance_id: int) -> Case:
    claim_id, status = claim.id, claim.status
    paid = net_paid_after(
        case.paid_to_date,
        claim.paid,
        status=status,
        frequency=claim.frequency,
        reversal_pending=_reversal_pending(conn, case.id),
        same_payer_claim=bool(claim.payer_claim_control_number)
        and claim.payer_claim_control_number == case.payer_claim_control_number,
    )
    if status == REVERSAL_STATUS:
        return _apply(
            conn,
            case,
            {"paid_to_date": paid},
            actor="system",
            action="reversal",
            expected_version=None,
            note=f"reversal in remittance {remittance_id}",
            remittance_id=remittance_id,
            source_claim_id=claim_id,
        )
    recovered = paid - case.paid_initial
    outcome = judge(recovered, case.at_risk)
    changes: dict[str, object] = {
        "paid_to_date": paid,
        "recovered": max(recovered, ZERO),
        "outcome_remittance_id": remittance_id,
    }
    if case.state in states.DISPOSITIONS:
        note = f"payment in remittance {remittance_id} after the case was closed as {case.state}"
    else:
        changes["state"] = outcome
        changes["next_deadline"] = None
        changes["next_deadline_kind"] = None
        if case.closed_at is None:
            changes["closed_at"] = now()
        note = f"{outcome} by remittance {remittance_id}"
        appeal = _open_appeal(conn, case.id)
        if appeal is not None:
            _decide_appeal(conn, appeal, outcome, now().date(), max(recovered, ZERO))
    return _apply(
        conn,
        case,
        changes,
        actor="system",
        action="payment",
        expected_version=None,
        note=note,
        remittance_id=remittance_id,
        source_claim_id=claim_id,
    )


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
) -> Case:
    """Enter an outcome by hand (a letter from the payer, a phone call).

    The move must be one the state machine allows from the case's state; ``recovered``
    is the dollars won back (0 for ``lost``, more than 0 for a win).
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
        case = _lock_row(conn, case_id, expected_version)
        states.check_move(case.state, outcome, appeal_level=case.appeal_level)
        _apply(
            conn,
            case,
            {"recovered": recovered, "paid_to_date": case.paid_initial + recovered},
            actor=user,
            action="outcome",
            expected_version=expected_version,
            note=note,
        )
        return move(conn, case_id, outcome, user=user, on=on)
