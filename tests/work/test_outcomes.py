"""Outcomes: a later remittance about the same claim closes the right case, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from denialops.errors import StateTransitionError, StoreError
from denialops.work import events, get_case, match_outcomes, move, open_cases, record_outcome
from denialops.work.cases import appeal_t, case_adj_t, case_t
from denialops.work.outcomes import judge, net_paid_after
from denialops.x12.remittance import Remittance
from tests.work.builders import claim, ingest, remittance

FIRST = date(2026, 2, 2)
LATER = date(2026, 4, 6)


def _first_remittance() -> Remittance:
    return remittance(
        [
            claim("A1", charge="1000", paid="0", adjustments=[("CO", "50", "1000")], allowed="700"),
            claim("A2", charge="300", paid="200", adjustments=[("CO", "4", "100")]),
            claim("A3", charge="100", paid="80", adjustments=[("CO", "45", "20")]),
            claim("A4", charge="800", paid="0", adjustments=[("CO", "197", "800")]),
        ],
        payment_date=FIRST,
    )


def _first_batch(engine: Engine) -> int:
    return ingest(engine, _first_remittance())


def _case_by_pcn(engine: Engine, pcn: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(case_t.c.id).where(case_t.c.patient_control_number == pcn)
            ).scalar_one()
        )


def test_one_case_per_denied_claim_linked_and_never_duplicated(engine: Engine) -> None:
    first = _first_remittance()
    remittance_id = ingest(engine, first)
    assert ingest(engine, first) == remittance_id  # the same payment again is skipped
    with engine.begin() as conn:
        assert open_cases(conn, remittance_id) == 0  # the ingest hook already opened them
        assert match_outcomes(conn, remittance_id) == 0  # nothing earlier to decide
        cases = conn.execute(select(case_t).order_by(case_t.c.id)).all()
        links = conn.execute(select(case_adj_t).order_by(case_adj_t.c.case_id)).all()
    # at risk is the expected payment, not billed charges: the allowed amount when the
    # remittance gives one, else the denied charges x the paid-to-charge ratio (the
    # default 0.40 until this payer has five paid lines of history)
    assert [
        (c.patient_control_number, c.denial_status, c.owner, c.billed, c.at_risk, c.at_risk_basis)
        for c in cases
    ] == [
        ("A1", "fully_denied", "ur_cdi", Decimal("1000.00"), Decimal("700.00"), "allowed amount"),
        (
            "A2",
            "partially_denied",
            "coding_him",
            Decimal("300.00"),
            Decimal("40.00"),
            "denied x 0.40 (default ratio)",
        ),
        (
            "A4",
            "fully_denied",
            "patient_access",
            Decimal("800.00"),
            Decimal("320.00"),
            "denied x 0.40 (default ratio)",
        ),
    ]
    assert [(link.reason_code, link.category) for link in links] == [
        ("50", "medical_necessity"),
        ("4", "modifier"),
        ("197", "authorization"),
    ]
    first = get_case(engine, cases[0].id)
    assert (first.category, first.family, first.determination_date) == (
        "medical_necessity",
        "clinical",
        FIRST,
    )
    # Medicare Part B (filing MB): redetermination 120 days after 2026-02-02
    assert (first.next_deadline, first.next_deadline_kind) == (
        date(2026, 6, 2),
        "appeal level 1 (redetermination)",
    )


def test_repayment_after_reversal_wins_and_names_the_remittance(engine: Engine) -> None:
    _first_batch(engine)
    case_id = _case_by_pcn(engine, "A2")
    for step in ("triaged", "in_progress", "resubmitted"):
        move(engine, case_id, step, user="coder")
    later = ingest(
        engine,
        remittance(
            [
                claim(
                    "A2", charge="-300", paid="-200", status="22", adjustments=[("CO", "4", "-100")]
                ),
                claim("A2", charge="300", paid="300", frequency="7"),
            ],
            payment_date=LATER,
        ),
    )
    case = get_case(engine, case_id)
    assert (case.state, case.recovered, case.paid_to_date, case.outcome_remittance_id) == (
        "won",
        Decimal("100.00"),
        Decimal("300.00"),
        later,
    )
    trail = [e for e in events(engine, case_id) if e.remittance_id == later]
    changes = {(e.action, e.field): (e.old_value, e.new_value) for e in trail}
    assert changes[("reversal", "paid_to_date")] == ("200.00", "0.00")
    assert changes[("payment", "paid_to_date")] == ("0.00", "300.00")
    assert changes[("payment", "recovered")] == ("0.00", "100.00")
    assert changes[("payment", "state")] == ("resubmitted", "won")
    assert changes[("payment", "outcome_remittance_id")] == (None, str(later))
    assert any(e.field == "state" and e.new_value == "won" and e.actor == "system" for e in trail)
    assert all(e.remittance_id == later for e in trail)
    # nothing else moved, and the later claims opened no new case
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case_t)).scalar_one() == 3
    assert get_case(engine, _case_by_pcn(engine, "A1")).state == "new"


def test_partial_payment_on_appeal_is_partially_won_and_closes_the_appeal(engine: Engine) -> None:
    _first_batch(engine)
    case_id = _case_by_pcn(engine, "A1")
    for step in ("triaged", "in_progress", "appealed"):
        move(engine, case_id, step, user="nurse", on=date(2026, 3, 1))
    later = ingest(
        engine,
        remittance(
            [claim("A1", charge="1000", paid="600", adjustments=[("CO", "45", "400")])],
            payment_date=LATER,
        ),
    )
    case = get_case(engine, case_id)
    assert (case.state, case.recovered) == ("partially_won", Decimal("600.00"))
    assert case.outcome_remittance_id == later
    with engine.connect() as conn:
        appeal = conn.execute(select(appeal_t).where(appeal_t.c.case_id == case_id)).one()
    assert (appeal.level, appeal.outcome, appeal.recovered, appeal.submitted_on) == (
        1,
        "partially_won",
        Decimal("600.00"),
        date(2026, 3, 1),
    )


def test_denied_again_goes_back_to_work_and_a_disposition_keeps_its_state(engine: Engine) -> None:
    _first_batch(engine)
    resubmitted_id = _case_by_pcn(engine, "A4")
    written_id = _case_by_pcn(engine, "A1")
    for step in ("triaged", "in_progress", "resubmitted"):
        move(engine, resubmitted_id, step, user="pa")
    for step in ("triaged", "written_off"):
        move(engine, written_id, step, user="mgr")
    later = ingest(
        engine,
        remittance(
            [
                claim("A4", charge="800", paid="0", adjustments=[("CO", "197", "800")]),
                claim("A1", charge="1000", paid="250", adjustments=[("CO", "45", "750")]),
            ],
            payment_date=LATER,
        ),
    )
    # a resubmission denied again is not an appeal lost at level 0: the case goes back to
    # work, with the payer's decision date recorded
    again = get_case(engine, resubmitted_id)
    assert (again.state, again.recovered, again.closed_at, again.decided_on) == (
        "in_progress",
        Decimal("0.00"),
        None,
        LATER,
    )
    assert again.outcome_remittance_id == later
    assert any(
        e.note == f"denied again at level 0 by remittance {later}"
        for e in events(engine, resubmitted_id)
    )
    written = get_case(engine, written_id)
    assert (written.state, written.recovered) == ("written_off", Decimal("250.00"))


def test_appeal_denied_again_is_a_decision_and_the_next_window_counts_from_it(
    engine: Engine,
) -> None:
    _first_batch(engine)
    case_id = _case_by_pcn(engine, "A1")
    for step in ("triaged", "in_progress", "appealed"):
        move(engine, case_id, step, user="nurse", on=date(2026, 3, 1))
    ingest(
        engine,
        remittance(
            [claim("A1", charge="1000", paid="0", adjustments=[("CO", "50", "1000")])],
            payment_date=LATER,
        ),
    )
    case = get_case(engine, case_id)
    assert (case.state, case.appeal_level, case.decided_on) == ("in_progress", 1, LATER)
    # Medicare reconsideration: 180 days from the redetermination decision
    assert (case.next_deadline, case.next_deadline_kind) == (
        date(2026, 10, 3),
        "appeal level 2 (reconsideration)",
    )
    with engine.connect() as conn:
        appeal = conn.execute(select(appeal_t).where(appeal_t.c.case_id == case_id)).one()
    assert (appeal.outcome, appeal.decided_on, appeal.decision_source) == (
        "denied_again",
        LATER,
        "remittance",
    )


def test_recovered_above_the_amount_at_risk_needs_force(engine: Engine) -> None:
    _first_batch(engine)
    case_id = _case_by_pcn(engine, "A4")
    for step in ("triaged", "in_progress", "appealed"):
        move(engine, case_id, step, user="pa")
    with pytest.raises(StoreError, match="more than the 320.00 at risk"):
        record_outcome(engine, case_id, "won", Decimal("8000"), user="pa")
    case = record_outcome(
        engine, case_id, "won", Decimal("330"), user="pa", force=True, on=date(2026, 5, 2)
    )
    assert (case.state, case.recovered, case.decided_on) == (
        "won",
        Decimal("330.00"),
        date(2026, 5, 2),
    )


def test_manual_outcome_follows_the_state_machine(engine: Engine) -> None:
    _first_batch(engine)
    case_id = _case_by_pcn(engine, "A4")
    with pytest.raises(StateTransitionError, match="from 'new' to 'won'"):
        record_outcome(engine, case_id, "won", Decimal("800"), user="pa")
    with pytest.raises(StoreError, match="lost case recovers nothing"):
        record_outcome(engine, case_id, "lost", Decimal("5"), user="pa")
    for step in ("triaged", "in_progress", "appealed"):
        move(engine, case_id, step, user="pa")
    case = record_outcome(engine, case_id, "won", Decimal("320.00"), user="pa", note="letter")
    assert (case.state, case.recovered, case.paid_to_date) == (
        "won",
        Decimal("320.00"),
        Decimal("320.00"),
    )
    # the outcome's own events (the follow-up date cleared on closing is logged too)
    actions = [(e.actor, e.action, e.field) for e in events(engine, case_id)][-7:]
    assert ("pa", "outcome", "recovered") in actions and ("pa", "move", "state") in actions


@pytest.mark.parametrize(
    ("paid", "claim_paid", "status", "frequency", "pending", "expected"),
    [
        ("200", "-200", "22", "1", False, "0"),  # reversal takes the payment back
        ("0", "300", "1", "7", True, "300"),  # repayment after a reversal adds
        ("200", "300", "1", "7", False, "300"),  # replacement without reversal replaces
        ("200", "50", "1", "1", False, "250"),  # a further payment adds
    ],
)
def test_net_paid_rules(
    paid: str, claim_paid: str, status: str, frequency: str, pending: bool, expected: str
) -> None:
    result = net_paid_after(
        Decimal(paid),
        Decimal(claim_paid),
        status=status,
        frequency=frequency,
        reversal_pending=pending,
    )
    assert result == Decimal(expected)


def test_judge() -> None:
    assert judge(Decimal("100"), Decimal("100")) == "won"
    assert judge(Decimal("99.99"), Decimal("100")) == "partially_won"
    assert judge(Decimal("0"), Decimal("100")) == "lost"


def test_chains_are_read_only_for_claims_with_work(engine: Engine) -> None:
    """Issue 10: opening cases and matching outcomes read the chains of claims that open
    a case or have one, not of every claim paid without a denial (A3: CO-45 only)."""
    from denialops.work.chain import chains_touching

    remittance_id = _first_batch(engine)
    with engine.begin() as conn:
        chains = chains_touching(conn, [remittance_id])
    assert sorted(pcn for pcn, _payer in chains) == ["A1", "A2", "A4"]
