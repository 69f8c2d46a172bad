"""The queue learns P(overturn) from this database's own closed cases once there are enough."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from denialops.work import move, record_outcome
from denialops.work.priority import load_settings
from denialops.work.queue import history_table, queue, resolve_owner
from denialops.work.scoring import refresh
from tests.work.builders import claim, ingest, remittance

ENOUGH = load_settings().min_history  # 20


def test_history_replaces_the_prior_after_enough_closed_cases(engine: Engine) -> None:
    claims = [
        claim(f"H{i:02d}", charge="100", paid="0", adjustments=[("CO", "50", "100")])
        for i in range(ENOUGH + 1)
    ]
    ingest(engine, remittance(claims, payer_id="HISTPAY", payment_date=date(2026, 2, 2)))
    # close 20 cases: 10 won, 4 partially won, 6 lost -> (10 + 0.5 x 4) / 20 = 0.60
    for case_id in range(1, ENOUGH + 1):
        for step in ("triaged", "in_progress", "appealed"):
            move(engine, case_id, step, user="t")
        if case_id <= 10:
            record_outcome(engine, case_id, "won", Decimal("40"), user="t")
        elif case_id <= 14:
            record_outcome(engine, case_id, "partially_won", Decimal("20"), user="t")
        else:
            record_outcome(engine, case_id, "lost", Decimal("0"), user="t")
    with engine.connect() as conn:
        history = history_table(conn)[("HISTPAY", "medical_necessity")]
    assert (history.cases, history.won, history.partially_won) == (20, 10, 4)

    # the other cases' history reaches this one's stored score at the daily refresh
    with engine.begin() as conn:
        refresh(conn, today=date(2026, 3, 4))
    [row] = queue(engine, payer="HISTPAY", today=date(2026, 3, 4))
    assert row.case.id == ENOUGH + 1
    assert (row.priority.p_overturn, row.priority.p_source) == (
        Decimal("0.6"),
        "history (20 cases)",
    )
    # 40 at risk (100 denied x the default 0.40 paid-to-charge ratio) x 0.60 = 24.00
    # - 112.50 (90 min UR/CDI at 75/h) = -88.50: not worth an appeal
    assert row.case.at_risk == Decimal("40.00")
    assert row.priority.score == Decimal("-88.50")
    assert row.days_left == (date(2026, 6, 2) - date(2026, 3, 4)).days == 90
    everything = queue(engine, payer="HISTPAY", include_closed=True)
    assert len(everything) == ENOUGH + 1


def test_owner_prefixes() -> None:
    assert resolve_owner("coding") == "coding_him"
    assert resolve_owner("ur") == "ur_cdi"
    assert resolve_owner("billing") == "billing"
