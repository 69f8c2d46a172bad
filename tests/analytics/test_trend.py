"""Spike detection (robust z-score on a trailing median/MAD) and the before/after test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from denialops.analytics.engine import AnalyticsDB, open_analytics
from denialops.analytics.trend import (
    SpikeSettings,
    detect_spikes,
    holm,
    parse_event,
    rate_change_test,
    robust_z_scores,
    trend,
)
from denialops.errors import DenialopsError
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.analytics import factory

# The bounds the docstring of denialops.analytics.trend states.
MAX_POINT_FALSE_POSITIVE_RATE = 0.005
MAX_SERIES_FALSE_POSITIVE_RATE = 0.06  # for means of 3 and more, 104 periods


def test_baseline_uses_only_earlier_periods() -> None:
    values = [10, 10, 10, 10, 10, 40]
    z, baseline = robust_z_scores(values)
    assert np.isnan(z[:4]).all()  # fewer than min_history earlier periods
    assert baseline[5] == 10  # the 40 is not part of its own baseline
    # MAD of a flat window is 0, so the Poisson floor sqrt(10) + 1 is the scale.
    assert z[5] == pytest.approx((40 - 10) / (np.sqrt(10) + 1))


def test_injected_spike_is_found_with_its_start() -> None:
    rng = np.random.default_rng(7)
    values = rng.poisson(20, 52).astype(float)
    values[30:34] += 30  # four weeks of +30 over a mean of 20
    spikes = detect_spikes(values.tolist())
    assert [s.start_index for s in spikes] == [30]
    assert spikes[0].end_index >= 31
    assert spikes[0].peak_z >= SpikeSettings().threshold


def test_detection_power_over_seeds() -> None:
    found = 0
    for seed in range(200):
        values = np.random.default_rng(seed).poisson(20, 52).astype(float)
        values[30:33] += 25  # about +5.6 standard deviations
        found += any(s.start_index == 30 for s in detect_spikes(values.tolist()))
    assert found / 200 >= 0.8


@pytest.mark.parametrize("mean", [0.5, 3, 20, 200])
def test_flat_series_false_positive_rate(mean: float) -> None:
    seeds, periods = 600, 104
    flagged_points = series_with_flag = 0
    for seed in range(seeds):
        values = np.random.default_rng(1000 + seed).poisson(mean, periods)
        spikes = detect_spikes(values.tolist())
        series_with_flag += bool(spikes)
        flagged_points += sum(s.end_index - s.start_index + 1 for s in spikes)
    assert flagged_points / (seeds * periods) < MAX_POINT_FALSE_POSITIVE_RATE
    if mean >= 3:
        assert series_with_flag / seeds < MAX_SERIES_FALSE_POSITIVE_RATE


def test_constant_and_short_series_are_quiet() -> None:
    assert detect_spikes([5.0] * 30) == []
    assert detect_spikes([0.0] * 30) == []
    assert detect_spikes([1.0, 100.0]) == []


def test_rate_change_test_and_holm() -> None:
    # same rate per exposure: nothing to see
    assert rate_change_test(50, 50, 1000, 1000) == pytest.approx(1.0)
    # 20 -> 80 on equal exposure is far beyond chance
    assert rate_change_test(20, 80, 1000, 1000) < 1e-6
    # doubled exposure after, doubled count: no change
    assert rate_change_test(30, 60, 1000, 2000) > 0.5
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert parse_event("2026-09-01 new ED template") == (date(2026, 9, 1), "new ED template")
    with pytest.raises(DenialopsError):
        parse_event("September new template")


START = date(2026, 1, 5)  # a Monday
WEEKS = 20
# medical necessity: ~5 a week with a spike in week 14; level of care: 2 a week, then 9 a
# week from week 10 (the event); coding: flat 4.
WEEKLY = {
    "medical_necessity": [5, 4, 6, 5, 5, 4, 6, 5, 5, 4, 5, 6, 5, 4, 25, 22, 5, 4, 6, 5],
    "level_of_care": [2, 2, 1, 3, 2, 2, 2, 1, 2, 3, 9, 8, 10, 9, 9, 8, 9, 10, 9, 9],
    "bundling_ncci": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
}
FAMILY = {"medical_necessity": "clinical", "level_of_care": "clinical", "bundling_ncci": "coding"}


@pytest.fixture(scope="module")
def weekly_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnalyticsDB]:
    path: Path = tmp_path_factory.mktemp("trend") / "weekly.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    factory.load_weekly(
        engine, start=START, claims_per_week=60, denials_per_week=WEEKLY, family_of=FAMILY
    )
    db = open_analytics(engine)
    yield db
    db.close()
    engine.dispose()


def test_trend_flags_the_spike_week(weekly_db: AnalyticsDB) -> None:
    result = trend(weekly_db, by="category", freq="week")
    series = {s.key: s for s in result.series}
    assert set(series) == set(WEEKLY)
    med = series["medical_necessity"]
    assert [int(v) for v in med.values] == WEEKLY["medical_necessity"]
    assert [med.periods[s.start_index] for s in med.spikes] == [START + timedelta(weeks=14)]
    assert series["bundling_ncci"].spikes == []
    data = result.to_json()
    spikes = {s["key"]: s["spikes"] for s in data["series"]}  # type: ignore[index]
    assert spikes["medical_necessity"][0]["start"] == "2026-04-13"


def test_trend_dollars_and_months(weekly_db: AnalyticsDB) -> None:
    result = trend(weekly_db, by="family", freq="month", measure="dollars")
    coding = next(s for s in result.series if s.key == "coding")
    # January has four Mondays from Jan 5: 4 weeks x 4 denials x $100
    assert coding.periods[0] == date(2026, 1, 1)
    assert coding.values[0] == 4 * 4 * 100


def test_event_reports_which_categories_moved(weekly_db: AnalyticsDB) -> None:
    event_day = START + timedelta(weeks=10)
    result = trend(weekly_db, by="category", freq="week", event=(event_day, "new ED template"))
    assert result.event is not None
    moves = {m.key: m for m in result.event.moves}
    assert result.event.claims_before == 10 * 60 and result.event.claims_after == 10 * 60
    loc = moves["level_of_care"]
    assert (loc.before, loc.after) == (
        sum(WEEKLY["level_of_care"][:10]),
        sum(WEEKLY["level_of_care"][10:]),
    )
    assert loc.moved and loc.direction == "up"
    assert not moves["bundling_ncci"].moved
    assert moves["bundling_ncci"].p_value == pytest.approx(1.0)
    # medical necessity moved too: its spike (weeks 14-15) falls after the event.
    assert (moves["medical_necessity"].before, moves["medical_necessity"].after) == (49, 87)
    assert [m.key for m in result.event.moves if m.moved] == ["level_of_care", "medical_necessity"]


def test_trend_chart_marks_the_spike(weekly_db: AnalyticsDB, tmp_path: Path) -> None:
    from denialops.analytics.charts import render, trend_spec

    result = trend(weekly_db, by="category", freq="week", event=(START + timedelta(weeks=10), "x"))
    spec = trend_spec(result)
    marked = {(v["key"], v["period"]) for v in spec["data"]["values"] if v["spike"]}
    assert ("medical_necessity", "2026-04-13") in marked
    assert not any(key == "bundling_ncci" for key, _ in marked)
    assert spec["usermeta"]["denialops"]["event"]["date"] == "2026-03-16"
    assert render(spec, tmp_path / "trend.png").stat().st_size > 5000


def test_dollar_series_are_tested_in_claim_units() -> None:
    """A dollar series whose weekly count of denied claims is steady (Poisson) must not be
    flagged week after week. Before the fix the count floor sqrt(median) + 1 was applied to
    dollars: for a category denied about every other week (median 0, MAD 0) the z-score
    was the dollar amount itself, so every week with a denial was a 'spike'."""
    from denialops.analytics.trend import dollars_in_claims

    rng = np.random.default_rng(8)
    old_flags = new_flags = periods = 0
    for _ in range(50):
        counts = rng.poisson(0.5, 104)
        dollars = [Decimal(str(round(float(rng.gamma(2.0, 400.0, n).sum()), 2))) for n in counts]
        old_flags += sum(s.end_index - s.start_index + 1 for s in detect_spikes(
            [float(d) for d in dollars]))  # fmt: skip
        new = detect_spikes(dollars_in_claims(dollars, [int(c) for c in counts]))
        new_flags += sum(s.end_index - s.start_index + 1 for s in new)
        periods += 104
    assert old_flags / periods > 0.2  # the defect: every week with a denial "spiked"
    assert new_flags / periods < 0.02
    # a real jump (four times the usual denied dollars for three weeks) is still found
    counts = [6] * 30 + [24] * 3 + [6] * 10
    dollars = [Decimal(c * 800) for c in counts]
    spikes = detect_spikes(dollars_in_claims(dollars, counts))
    assert [s.start_index for s in spikes] == [30]


def test_trend_dollars_finds_the_same_spike_as_counts(weekly_db: AnalyticsDB) -> None:
    by_count = {s.key: s for s in trend(weekly_db, by="category", freq="week").series}
    by_dollars = {
        s.key: s for s in trend(weekly_db, by="category", freq="week", measure="dollars").series
    }
    med = by_dollars["medical_necessity"]
    assert med.values[14] == Decimal("2500.00")
    assert (
        [s.start_index for s in med.spikes]
        == [s.start_index for s in by_count["medical_necessity"].spikes]
        == [14]
    )
    assert by_dollars["bundling_ncci"].spikes == []


def test_implausible_dates_are_left_out_of_trends_with_a_note(tmp_path: Path) -> None:
    """One BPR16=00010101 once made a daily trend of 739,648 days; now it is a note."""
    from sqlalchemy import insert

    from denialops.store import schema

    url = f"sqlite:///{tmp_path / 'dates.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory.load(engine)
    odd = [(9, date(1, 1, 1)), (10, date(2031, 6, 1))]  # before 1990; years after the file
    with engine.begin() as conn:
        for rid, day in odd:
            remittance = {**factory._remittance(rid, "P1", day, "F1"), "fingerprint": f"odd{rid}"}
            conn.execute(insert(schema.Remittance), [remittance])
            claim = factory._claim(rid, rid, "P1", f"Z{rid}", "4", "1", "10.00", "0.00", "0")
            conn.execute(
                insert(schema.Claim),
                [{**claim, "reverses_claim_id": None, "reversed_by_claim_id": None}],
            )
            conn.execute(
                insert(schema.Adjustment),
                [factory._adj(100 + rid, rid, rid, None, "CO", "16", "10.00", "technical",
                              "missing_information", "billing", "billing")],
            )  # fmt: skip
    db = open_analytics(engine)
    try:
        result = trend(db, by="family", freq="day")
        days = len(result.series[0].periods)
        assert days == 11  # 2026-01-10 .. 2026-01-20: the plausible remit dates
        assert any("2 denied claims ignored" in note for note in result.notes)
        assert result.to_json()["notes"] == result.notes
    finally:
        db.close()
        engine.dispose()


def test_a_trend_too_long_to_draw_is_refused(weekly_db: AnalyticsDB) -> None:
    with pytest.raises(DenialopsError, match="narrow it"):
        trend(weekly_db, by="category", freq="day", max_periods=50)
