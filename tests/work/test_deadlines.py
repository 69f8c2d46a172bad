"""Deadlines from payer profiles: worked examples checked to the day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from denialops.work.cases import assess_case, case_t, get_case
from denialops.work.deadlines import (
    DateOutOfRange,
    DeadlineFacts,
    PayerProfileError,
    add_months,
    assess,
    case_deadlines,
    flag,
    load_profiles,
    next_deadline,
    notice_date,
)
from tests.work.builders import claim, ingest, remittance


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
    assert deadline.basis.startswith("120 days from initial determination")
    assert deadline.days_left(date(2026, 7, 1)) == 7
    # the regulation counts from receipt, presumed 5 days after the notice: shown, later
    assert deadline.latest == date(2026, 7, 13)


def test_medicare_reconsideration_is_180_days_from_the_redetermination_decision() -> None:
    # reopened after losing level 1, decided 2026-05-20: + 180 days = 2026-11-16
    deadline = next_deadline(
        facts(state="reopened", appeal_level=1, last_decision_date=date(2026, 5, 20)), MEDICARE
    )
    assert deadline is not None
    assert (deadline.kind, deadline.due) == ("appeal level 2 (reconsideration)", date(2026, 11, 16))


def test_medicare_timely_filing_is_12_months_from_the_date_of_service() -> None:
    # a soft denial with appeal rights: reopening (1 year from the initial determination),
    # timely filing (1 year from the date of service) and the redetermination window
    found = case_deadlines(facts(correctable=True, service_date=date(2026, 1, 15)), MEDICARE)
    kinds = {d.kind: d.due for d in found}
    assert kinds == {
        "corrected claim": date(2027, 3, 10),
        "timely filing": date(2027, 1, 15),
        "appeal level 1 (redetermination)": date(2026, 7, 8),
    }
    # MA130 / N211: no appeal rights, so only the correction windows
    no_rights = case_deadlines(
        facts(correctable=True, service_date=date(2026, 1, 15), appeal_rights=False), MEDICARE
    )
    assert {d.kind for d in no_rights} == {"corrected claim", "timely filing"}


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_a_hand_set_due_date_wins_when_earlier_and_waiting_states_only_have_it() -> None:
    early = date(2026, 4, 1)
    deadline = next_deadline(facts(due_date=early), MEDICARE)
    assert deadline is not None and (deadline.kind, deadline.due) == ("due date", early)
    assert next_deadline(facts(state="appealed", appeal_level=1), MEDICARE) is None  # no filing day
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


# ---------------------------------------------------------------- implausible dates


@pytest.mark.parametrize(
    "service",
    [date(9999, 12, 31), date(1899, 1, 1), date(2027, 3, 12)],  # > notice + 366 days
)
def test_an_implausible_service_date_is_left_out_with_a_note_never_an_overflow(
    service: date,
) -> None:
    for profile in BOOK.profiles:
        found = assess(facts(correctable=True, service_date=service), profile)
        assert "timely filing" not in {d.kind for d in found.deadlines}
        assert any("timely filing: date of service" in n and "plausible" in n for n in found.notes)


def test_an_implausible_notice_date_is_never_counted_from() -> None:
    found = assess(facts(determination_date=date(1, 1, 1)), MEDICARE)
    assert found.deadlines == [] and "plausible" in found.notes[0]
    # the last date the calendar has: a note, not OverflowError
    late = assess(facts(determination_date=date(9999, 12, 31)), MEDICARE)
    assert late.deadlines == [] and late.notes


def test_notice_date_is_the_earlier_plausible_remittance_date_never_missing_both() -> None:
    assert notice_date(date(2026, 3, 10), date(2026, 3, 13)) == date(2026, 3, 10)
    assert notice_date(None, date(2026, 3, 13)) == date(2026, 3, 13)
    assert notice_date(date(1, 1, 1), date(2026, 3, 13)) == date(2026, 3, 13)
    assert notice_date(None, None) is None


def test_date_arithmetic_past_the_calendar_raises_our_error() -> None:
    with pytest.raises(DateOutOfRange):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(DateOutOfRange):
        MEDICARE.timely_filing.due(date(9999, 12, 31))


def test_a_denied_claim_dated_9999_12_31_is_stored_and_gets_a_case(engine: Engine) -> None:
    """DTM*232*99991231 on a soft denial overflowed in deadlines and stopped the ingest."""
    bad = claim(
        "FAR1",
        charge="100",
        paid="0",
        adjustments=[("CO", "16", "100")],
        rarcs=["M51"],
        service_date=date(9999, 12, 31),
        filing="CI",
    )
    ingest(engine, remittance([bad], payment_date=date(2026, 3, 10)))
    with engine.connect() as conn:
        case_id = conn.execute(select(case_t.c.id)).scalar_one()
        case = get_case(conn, case_id)
        found = assess_case(conn, case)
    assert case.correctable
    assert {d.kind for d in found.deadlines} == {
        "appeal level 1 (first-level appeal)",
        "corrected claim",
    }
    assert any("9999-12-31" in note for note in found.notes)


# ---------------------------------------------------------------- payer types


def test_medicare_advantage_uses_the_65_day_reconsideration_window_of_42_cfr_422_582() -> None:
    ma = BOOK.for_payer("X", "16")
    assert ma.name == "medicare_advantage" and ma.medicare_advantage and not ma.needs_review
    assert "422.582" in ma.source
    deadline = next_deadline(facts(), ma)
    # 2026-03-10 + 65 days = 2026-05-14
    assert deadline is not None
    assert (deadline.kind, deadline.due) == ("appeal level 1 (reconsideration)", date(2026, 5, 14))


def test_a_payer_profile_marked_ma_cannot_allow_more_than_65_days(tmp_path: Path) -> None:
    mine = tmp_path / "ma.yaml"
    mine.write_text(
        "default_profile: p\nprofiles:\n  - name: p\n    medicare_advantage: true\n"
        "    timely_filing: {days: 90, from: date_of_service}\n"
        "    corrected_claim: {days: 60, from: initial_determination}\n"
        "    appeal_levels:\n"
        "      - {level: 1, name: first, days: 120, from: initial_determination}\n"
    )
    with pytest.raises(PayerProfileError, match="422.582"):
        load_profiles(mine)


def test_ma_independent_review_is_automatic_and_has_no_filing_deadline() -> None:
    ma = BOOK.for_payer("X", "16")
    found = assess(facts(state="reopened", appeal_level=1, last_decision_date=date(2026, 5, 1)), ma)
    assert found.deadlines == []
    assert "independent review entity" in found.notes[0]


def test_an_appealed_case_gets_a_follow_up_date_from_the_response_time() -> None:
    found = next_deadline(
        facts(state="appealed", appeal_level=1, appeal_filed_on=date(2026, 4, 1)), MEDICARE
    )
    # redetermination decided within 60 days (42 CFR 405.950): 2026-04-01 + 60 = 2026-05-31
    assert found is not None
    assert (found.kind, found.due) == ("follow up: appeal level 1", date(2026, 5, 31))


@pytest.mark.parametrize(
    ("indicator", "profile", "status"),
    [
        ("WC", "workers_compensation", "unknown: set a profile"),
        ("CH", "tricare", "default — review"),
        ("VA", "veterans_affairs", "unknown: set a profile"),
        ("OF", "other_government", "unknown: set a profile"),
        ("TV", "other_government", "unknown: set a profile"),
        ("CI", "commercial", "default — review"),
    ],
)
def test_government_and_workers_comp_payers_never_fall_to_the_commercial_default(
    indicator: str, profile: str, status: str
) -> None:
    chosen = BOOK.for_payer("X", indicator)
    assert (chosen.name, chosen.status) == (profile, status)
    assert chosen.warning == f"payer profile {profile}: {status}"
    assert assess(facts(), chosen).profile_warning == chosen.warning


# ---------------------------------------------------------------- safety table

# The regulation's own last day, computed here from the rule text, independently of the
# profile file: (payer type, deadline kind prefix, rule) where rule maps the anchor date
# to the last day. Medicare counts appeal windows from receipt, presumed 5 days after the
# notice (42 CFR 405.942, 405.962, 405.1002, 405.1102, 405.1136).
_MEDICARE_RULES: dict[str, Callable[[date], date]] = {
    "appeal level 1": lambda d: d + timedelta(days=5 + 120),
    "appeal level 2": lambda d: d + timedelta(days=5 + 180),
    "appeal level 3": lambda d: d + timedelta(days=5 + 60),
    "appeal level 4": lambda d: d + timedelta(days=5 + 60),
    "appeal level 5": lambda d: d + timedelta(days=5 + 60),
    "timely filing": lambda d: (
        d.replace(year=d.year + 1) if (d.month, d.day) != (2, 29) else date(d.year + 1, 2, 28)
    ),
    "corrected claim": lambda d: (
        d.replace(year=d.year + 1) if (d.month, d.day) != (2, 29) else date(d.year + 1, 2, 28)
    ),
}
_MA_RULES: dict[str, Callable[[date], date]] = {
    **_MEDICARE_RULES,
    "appeal level 1": lambda d: d + timedelta(days=65),  # 42 CFR 422.582(b), from the notice
}
REGULATIONS = {"medicare": _MEDICARE_RULES, "medicare_advantage": _MA_RULES}
_DATES = [
    date(2024, 2, 29), date(2024, 12, 31), date(2025, 1, 31), date(2025, 3, 1),
    date(2025, 6, 30), date(2025, 11, 30), date(2026, 2, 28), date(2026, 12, 31),
]  # fmt: skip


def test_every_reviewed_profile_has_a_regulation_table() -> None:
    reviewed = {p.payer_type for p in BOOK.profiles if not p.needs_review}
    assert reviewed == set(REGULATIONS)


@pytest.mark.parametrize("payer_type", sorted(REGULATIONS))
def test_no_computed_deadline_is_later_than_the_regulation(payer_type: str) -> None:
    profile = next(p for p in BOOK.profiles if p.payer_type == payer_type)
    rules = REGULATIONS[payer_type]
    checked = 0
    for day in _DATES:
        for level in range(0, 5):
            for correctable in (False, True):
                case = facts(
                    state="reopened" if level else "new",
                    appeal_level=level,
                    service_date=day - timedelta(days=40),
                    determination_date=day,
                    last_decision_date=day + timedelta(days=90) if level else None,
                    correctable=correctable,
                )
                for deadline in case_deadlines(case, profile):
                    rule = next(v for k, v in rules.items() if deadline.kind.startswith(k))
                    anchor = deadline.anchor_date
                    assert anchor is not None
                    assert deadline.due <= rule(anchor), (payer_type, deadline, day)
                    if deadline.latest is not None:
                        assert deadline.latest <= rule(anchor)
                    checked += 1
    assert checked > 50
