"""Escalating a case by hand needs the payer's decision date (issue 14, "Deadlines by
payer type and level"): the library refuses the move without it, the CLI says so in one
line (exit 2), and the next level's window counts from that date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.cli import app
from denialops.errors import InputError
from denialops.work import get_case, move
from denialops.work.cases import appeal_t
from tests.work.builders import claim, ingest, remittance

runner = CliRunner()
FILED = date(2026, 3, 2)
MOVED = date(2026, 5, 1)
TODAY = datetime.now(UTC).date()


def _case_in_progress(engine: Engine) -> int:
    """A Medicare (filing MB) CO-50 denial being worked."""
    ingest(
        engine,
        remittance([claim("ESC1", charge="300", paid="0", adjustments=[("CO", "50", "300")])]),
    )
    for state in ("triaged", "in_progress"):
        move(engine, 1, state, user="ann")
    return 1


def _appealed_case(engine: Engine) -> int:
    """The same, appealed at level 1 on FILED."""
    move(engine, _case_in_progress(engine), "appealed", user="ann", on=FILED)
    return 1


def _appeals(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                appeal_t.c.level,
                appeal_t.c.outcome,
                appeal_t.c.decided_on,
                appeal_t.c.decision_source,
                appeal_t.c.deadline,
            ).order_by(appeal_t.c.level)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("target", "next_level", "decided_on", "message"),
    [
        ("appealed", True, None, "needs the payer's decision date on level 1"),
        ("external_review", False, None, "needs the payer's decision date on level 1"),
        ("appealed", True, FILED - timedelta(days=1), "is before level 1 was filed"),
        ("appealed", True, MOVED + timedelta(days=1), "is after the move's date"),
    ],
    ids=["next-level-without-date", "external-review-without-date", "before-filing", "future"],
)
def test_escalating_without_a_valid_decision_date_is_refused(
    engine: Engine, target: str, next_level: bool, decided_on: date | None, message: str
) -> None:
    case_id = _appealed_case(engine)
    before = get_case(engine, case_id)
    with pytest.raises(InputError, match=message):
        move(
            engine,
            case_id,
            target,
            user="ann",
            on=MOVED,
            next_level=next_level,
            decided_on=decided_on,
        )
    assert get_case(engine, case_id) == before  # nothing written
    assert [row[:2] for row in _appeals(engine)] == [(1, None)]


def test_a_decision_date_on_a_move_that_escalates_nothing_is_refused(engine: Engine) -> None:
    case_id = _case_in_progress(engine)
    with pytest.raises(InputError, match="applies only when escalating"):
        move(engine, case_id, "appealed", user="ann", decided_on=FILED)


@pytest.mark.parametrize(
    ("decided_on", "level_2_deadline"),
    [
        # Medicare reconsideration: 180 days from the redetermination decision (42 CFR
        # 405.962), counted from the decision's date itself (the safer date)
        (date(2026, 4, 1), date(2026, 4, 1) + timedelta(days=180)),
        (date(2026, 4, 20), date(2026, 4, 20) + timedelta(days=180)),
        (FILED, FILED + timedelta(days=180)),
    ],
)
def test_the_next_levels_window_counts_from_the_decision_date(
    engine: Engine, decided_on: date, level_2_deadline: date
) -> None:
    case_id = _appealed_case(engine)
    case = move(
        engine,
        case_id,
        "appealed",
        user="ann",
        on=MOVED,
        next_level=True,
        decided_on=decided_on,
    )
    assert case.appeal_level == 2
    rows = _appeals(engine)
    assert [row[:4] for row in rows] == [(1, "upheld", decided_on, "user"), (2, None, None, None)]
    assert rows[1][4] == level_2_deadline


def test_cli_requires_decided_on_with_next_level(engine: Engine) -> None:
    case_id = _appealed_case(engine)
    url = engine.url.render_as_string(hide_password=False)
    refused = runner.invoke(
        app, ["case", "move", str(case_id), "appealed", "--next-level", "--db", url]
    )
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0  # one line
    assert "decision date on level 1 (--decided-on YYYY-MM-DD)" in refused.stderr
    assert get_case(engine, case_id).appeal_level == 1
    done = runner.invoke(
        app,
        ["case", "move", str(case_id), "appealed", "--next-level", "--db", url,
         "--decided-on", TODAY.isoformat()],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert get_case(engine, case_id).appeal_level == 2
    assert _appeals(engine)[0][:3] == (1, "upheld", TODAY)
