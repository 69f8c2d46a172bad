"""Deadlines from payer profiles: worked examples checked to the day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from denialops.work.deadlines import (
    DeadlineFacts,
    PayerProfileError,
    add_months,
    case_deadlines,
    flag,
    load_profiles,
    next_deadline,
)


def facts(**kw: object) -> DeadlineFacts:
    base: dict[str, object] = {
        "state": "new",
        "appeal_level": 0,
        "service_date": date(2026, 1, 15),
        "determination_date": date(2026, 3, 10),
        "last_decision_date": None,
        "correctable": False,
        "due_date": None,
    }
    base.update(kw)
    return DeadlineFacts(**base)  # type: ignore[arg-type]


BOOK = load_profiles()
MEDICARE = BOOK.for_payer("ANY", "MB")


def test_profiles_are_chosen_by_payer_id_then_filing_indicator_then_default() -> None:
    assert BOOK.for_payer("X", "MA").name == "medicare"
    assert BOOK.for_payer("X", "MC").name == "medicaid"
    assert BOOK.for_payer("X", "CI").name == "commercial"
    assert MEDICARE.needs_review is False
    assert BOOK.for_payer("X", "MC").needs_review and BOOK.for_payer("X", "CI").needs_review
    assert BOOK.for_payer("X", "MC").status == "default — review"


def test_medicare_redetermination_is_120_days_from_the_initial_determination() -> None:
    # 2026-03-10 + 120 days: 21 left in March, 30 April, 31 May, 30 June = 112 -> July 8
    deadline = next_deadline(facts(), MEDICARE)
    assert deadline is not None
    assert (deadline.kind, deadline.due) == ("appeal level 1 (redetermination)", date(2026, 7, 8))
    assert deadline.basis == "120 days from initial determination"
    assert deadline.days_left(date(2026, 7, 1)) == 7


def test_medicare_reconsideration_is_180_days_from_the_redetermination_decision() -> None:
    # reopened after losing level 1, decided 2026-05-20: + 180 days = 2026-11-16
    deadline = next_deadline(
        facts(state="reopened", appeal_level=1, last_decision_date=date(2026, 5, 20)), MEDICARE
    )
    assert deadline is not None
    assert (deadline.kind, deadline.due) == ("appeal level 2 (reconsideration)", date(2026, 11, 16))


def test_medicare_timely_filing_is_12_months_from_the_date_of_service() -> None:
    found = case_deadlines(facts(correctable=True, service_date=date(2026, 1, 15)), MEDICARE)
    kinds = {d.kind: d.due for d in found}
    assert kinds == {"corrected claim": date(2027, 1, 15), "timely filing": date(2027, 1, 15)}


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_a_hand_set_due_date_wins_when_earlier_and_waiting_states_only_have_it() -> None:
    early = date(2026, 4, 1)
    deadline = next_deadline(facts(due_date=early), MEDICARE)
    assert deadline is not None and (deadline.kind, deadline.due) == ("due date", early)
    assert next_deadline(facts(state="appealed", appeal_level=1), MEDICARE) is None
    waiting = next_deadline(facts(state="appealed", appeal_level=1, due_date=early), MEDICARE)
    assert waiting is not None and waiting.due == early
    assert next_deadline(facts(state="won", due_date=early), MEDICARE) is None


def test_commercial_default_counts_from_the_determination() -> None:
    deadline = next_deadline(facts(), BOOK.for_payer("X", "CI"))
    # 2026-03-10 + 180 days = 2026-09-06
    assert deadline is not None and deadline.due == date(2026, 9, 6)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 6, 23), None),  # 15 days left
        (date(2026, 6, 24), "due_soon"),  # 14 days left = warn_days
        (date(2026, 7, 8), "due_soon"),  # due today
        (date(2026, 7, 9), "overdue"),
    ],
)
def test_flags_past_and_close_deadlines(today: date, expected: str | None) -> None:
    deadline = next_deadline(facts(), MEDICARE)
    assert BOOK.warn_days == 14
    assert flag(deadline, today, BOOK.warn_days) == expected


def test_a_user_profile_file_is_validated_with_a_readable_error(tmp_path: Path) -> None:
    bad = tmp_path / "profiles.yaml"
    bad.write_text(
        "default_profile: p\nprofiles:\n  - name: p\n"
        "    timely_filing: {days: 1, months: 2, from: date_of_service}\n"
        "    corrected_claim: {days: 1, from: date_of_service}\n    appeal_levels: []\n"
    )
    with pytest.raises(
        PayerProfileError, match="profiles.0.timely_filing.*exactly one of days or months"
    ):
        load_profiles(bad)
    good = tmp_path / "mine.yaml"
    good.write_text(
        "default_profile: p\nprofiles:\n  - name: p\n    status: reviewed\n"
        "    match: {payer_ids: [ACME]}\n"
        "    timely_filing: {days: 90, from: date_of_service}\n"
        "    corrected_claim: {days: 60, from: initial_determination}\n"
        "    appeal_levels:\n"
        "      - {level: 1, name: first, days: 30, from: initial_determination}\n"
    )
    profile = load_profiles(good).for_payer("ACME", "CI")
    deadline = next_deadline(facts(), profile)
    assert deadline is not None and deadline.due == date(2026, 4, 9)
