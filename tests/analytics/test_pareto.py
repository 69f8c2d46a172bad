"""Pareto of root causes on the hand-made data set (tests/analytics/factory.py)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from denialops.analytics.engine import AnalyticsDB, open_analytics
from denialops.analytics.pareto import pareto
from denialops.errors import DenialopsError
from tests.analytics import factory

D = Decimal


@pytest.fixture
def db(engine: Engine) -> Iterator[AnalyticsDB]:
    factory.load(engine)
    analytics = open_analytics(engine)
    yield analytics
    analytics.close()


def test_pareto_by_dollars(db: AnalyticsDB) -> None:
    result = pareto(db, cause="category", measure="dollars", share=0.7)
    total = D("500.00") + D("250.00") + D("50.00") + D("150.25")
    assert [r.cause for r in result.rows] == [
        "missing_information",
        "bundling_ncci",
        "medical_necessity",
    ]
    assert [r.dollars for r in result.rows] == [D("500.00"), D("250.00"), D("200.25")]
    assert result.rows[0].share == round(float(D("500.00") / total), 6)
    assert result.rows[1].cumulative_share == round(float(D("750.00") / total), 6)
    assert result.rows[2].cumulative_share == 1.0
    # 500 alone is 52.6%; with 250 it is 78.9% >= 70%: two causes answer the question.
    assert [r.cause for r in result.answer] == ["missing_information", "bundling_ncci"]
    assert [r.cause for r in pareto(db, share=0.5).answer] == ["missing_information"]
    assert len(pareto(db, share=1.0).answer) == 3


def test_pareto_by_count_breaks_ties_by_name(db: AnalyticsDB) -> None:
    result = pareto(db, measure="count", share=0.7)
    assert [(r.cause, r.denied_claims) for r in result.rows] == [
        ("medical_necessity", 2),
        ("bundling_ncci", 1),
        ("missing_information", 1),
    ]
    assert [r.cumulative_share for r in result.rows] == [0.5, 0.75, 1.0]
    assert [r.cause for r in result.answer] == ["medical_necessity", "bundling_ncci"]


def test_pareto_with_family_and_payer(db: AnalyticsDB) -> None:
    result = pareto(db, filters={"family": "clinical", "payer": "P2"}, share=0.7)
    assert [(r.cause, r.dollars) for r in result.rows] == [("medical_necessity", D("150.25"))]
    assert result.to_json()["answer"] == ["medical_necessity"]
    by_carc = pareto(db, cause="carc", filters={"family": "clinical"})
    assert [(r.cause, r.dollars) for r in by_carc.rows] == [("CO-50", D("200.25"))]
    assert pareto(db, filters={"payer": "nobody"}).rows == []
    with pytest.raises(DenialopsError):
        pareto(db, share=1.5)
