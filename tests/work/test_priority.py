"""Priority score: worked examples checked to the cent, with every part shown."""

from __future__ import annotations

from decimal import Decimal

from denialops.work.priority import History, load_settings, overturn_rate, priority

SETTINGS = load_settings()


def test_worked_example_clinical_case_with_prior() -> None:
    rate = overturn_rate(None, "clinical", "medical_necessity", SETTINGS)
    assert (rate.probability, rate.source) == (Decimal("0.40"), "prior for family clinical")
    result = priority(
        at_risk=Decimal("1000.00"),
        rate=rate,
        owner="ur_cdi",
        age_days=45,
        days_left=20,
        settings=SETTINGS,
    )
    # 1000 x 0.40 = 400.00; 90 min x 75.00/h = 112.50; net 287.50
    # age 45/90 x 0.25 -> x1.125; 20 days left -> x1.25; 287.50 x 1.125 x 1.25 = 404.296875
    assert result.expected_recovery == Decimal("400.00")
    assert result.cost_to_work == Decimal("112.50")
    assert result.age_factor == Decimal("1.125")
    assert result.deadline_factor == Decimal("1.25")
    assert result.score == Decimal("404.30")
    assert "400.00 expected" in result.explain() and "112.50 to work" in result.explain()


def test_worked_example_category_prior_overdue_and_old() -> None:
    rate = overturn_rate(None, "administrative", "timely_filing", SETTINGS)
    assert rate.probability == Decimal("0.10")
    result = priority(
        at_risk=Decimal("2500.00"),
        rate=rate,
        owner="billing",
        age_days=200,
        days_left=-3,
        settings=SETTINGS,
    )
    # 250.00 - 15 min x 35.00/h (8.75) = 241.25; age capped -> x1.25; overdue -> x0.25
    assert result.cost_to_work == Decimal("8.75")
    assert result.score == Decimal("75.39")  # 241.25 x 1.25 x 0.25 = 75.390625


def test_a_case_costing_more_than_it_can_return_keeps_its_negative_score_unscaled() -> None:
    rate = overturn_rate(None, "administrative", "duplicate", SETTINGS)
    result = priority(
        at_risk=Decimal("60.00"),
        rate=rate,
        owner="billing",
        age_days=90,
        days_left=2,
        settings=SETTINGS,
    )
    # 60 x 0.05 = 3.00 - 8.75 = -5.75, not multiplied by 1.25 x 1.5
    assert result.score == Decimal("-5.75")


def test_history_replaces_the_prior_once_there_is_enough() -> None:
    thin = History(cases=SETTINGS.min_history - 1, won=19, partially_won=0)
    assert overturn_rate(thin, "coding", "modifier", SETTINGS).source == "prior for family coding"
    enough = History(cases=20, won=9, partially_won=4)
    rate = overturn_rate(enough, "coding", "modifier", SETTINGS)
    assert (rate.probability, rate.source) == (Decimal("0.55"), "history (20 cases)")
    result = priority(
        at_risk=Decimal("333.33"),
        rate=rate,
        owner="coding_him",
        age_days=0,
        days_left=None,
        settings=SETTINGS,
    )
    # 333.33 x 0.55 = 183.3315 -> 183.33; 30 min x 45/h = 22.50; net 160.8315 -> 160.83
    assert (result.expected_recovery, result.cost_to_work, result.score) == (
        Decimal("183.33"),
        Decimal("22.50"),
        Decimal("160.83"),
    )


def test_one_cost_model_for_the_score_and_the_cost_per_appeal() -> None:
    settings = load_settings()
    # UR/CDI: 90 minutes at 75.00/h = 112.50 an appeal; external review is twice the work
    assert settings.work_cost("ur_cdi") == Decimal("112.50")
    assert settings.work_cost("ur_cdi", "external_review") == Decimal("225.00")
    assert settings.work_cost("ur_cdi", "peer_to_peer") == Decimal("84.375")
    score = priority(
        at_risk=Decimal("1000.00"),
        rate=overturn_rate(None, "clinical", None, settings),
        owner="ur_cdi",
        age_days=0,
        days_left=None,
        settings=settings,
    )
    assert score.cost_to_work == settings.work_cost("ur_cdi")
