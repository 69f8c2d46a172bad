"""Each KPI on the hand-made data set of tests/analytics/factory.py, worked out to the cent.

Runs on SQLite and on PostgreSQL (the ``engine`` fixture); a separate test loads the same
rows into both and compares the whole report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from denialops.analytics.dimensions import UnknownDimensionError
from denialops.analytics.engine import AnalyticsDB, open_analytics
from denialops.analytics.metrics import METRIC_IDS, compute_kpis
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.analytics import factory

D = Decimal
AS_OF = date(2026, 4, 15)


def rate(num: Decimal | int, den: Decimal | int) -> float:
    return round(float(D(num) / D(den)), 6)


def cents(value: Decimal) -> str:
    return str(value.quantize(D("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def db(engine: Engine) -> Iterator[AnalyticsDB]:
    factory.load(engine, with_work=True)
    analytics = open_analytics(engine)
    yield analytics
    analytics.close()


# Worked out from the factory table:
# initial adjudications: C1 C2 C3 C4 C5 (C6 is a frequency-7 correction and a later remit of
# pcn B, C7 a reversal, C8 a later remit of pcn A).
CHARGES = D("1000.00") + D("500.00") + D("300.00") + D("2000.00") + D("100.00")
CLINICAL = D("50.00") + D("150.25")  # C1 L2, C4 L5
CODING = D("250.00")  # C4 L4
TECHNICAL = D("500.00")  # C2 claim level
DENIED = CLINICAL + CODING + TECHNICAL
# NPSR: paid + patient responsibility of every claim row, the reversal netting out C1.
NPSR = (
    (D("800.00") + D("50.00"))
    + D("0.00")
    + D("300.00")
    + (D("1500.00") + D("100.00"))
    + D("100.00")
    + D("450.00")
    + (D("-800.00") + D("-50.00"))
    + (D("850.00") + D("50.00"))
)


def test_claim_and_denial_metrics(db: AnalyticsDB) -> None:
    m = compute_kpis(db, as_of=AS_OF).to_json()["metrics"]
    assert set(m) == set(METRIC_IDS)
    assert m["claims"] == 5
    assert m["gross_charges"] == cents(CHARGES) == "3900.00"
    assert m["fully_denied_claims"] == 1  # C2
    assert m["partially_denied_claims"] == 2  # C1, C4
    assert m["denied_claims"] == 3
    assert m["denied_lines"] == 3  # L2, L4, L5; C2's denial is claim level
    # C8's OA-18 is a duplicate-claim denial (left out) on a later remit (not initial)
    assert m["denied_lines_by_family"] == {
        "clinical": 2,
        "coding": 1,
        "technical": 0,
    }
    assert m["denial_dollars"] == cents(DENIED) == "950.25"
    assert m["denial_dollars_by_family"] == {
        "clinical": cents(CLINICAL),
        "coding": cents(CODING),
        "technical": cents(TECHNICAL),
    }
    assert m["initial_denial_rate_claims"] == rate(3, 5)
    # HFMA CITF: gross charges of the denied claims C1 C2 C4 over all gross charges
    assert m["denied_charges"] == "3500.00"
    assert m["initial_denial_rate_dollars"] == rate(D("3500.00"), CHARGES) == 0.897436
    # the denied amounts over charges keep a name of their own
    assert m["denial_adjustment_rate_dollars"] == rate(DENIED, CHARGES) == 0.243654
    assert m["claims_basis"] == "remitted"
    assert m["denial_rate_claims_by_family"] == {
        "clinical": rate(2, 5),
        "coding": rate(1, 5),
        "technical": rate(1, 5),
    }
    assert m["denials_per_1000_claims"] == 600.0
    # AR-5 counts every adjudication: C1-C6 and C8 (7), denied C1 C2 C4 (C8's only denial
    # is a duplicate-claim denial, not lost revenue).
    assert m["remittance_denial_rate"] == rate(3, 7)
    assert m["duplicate_denied_claims"] == 0  # C8 is not an initial adjudication
    assert m["duplicate_denial_dollars"] == "0.00"
    # primary remits: statuses 1/4/19 = C1 C2 C3 C4 C6 C8; zero-pay with a denial: C2.
    assert m["primary_denial_rate"] == rate(1, 6)
    # clean and never re-remitted: C3 and C5 (C1 was re-adjudicated as C8).
    assert m["first_pass_yield"] == rate(2, 5)
    assert m["coding_denial_rate_claims"] == rate(1, 5)
    assert m["clinical_denial_dollars"] == cents(CLINICAL)
    assert m["net_patient_service_revenue"] == cents(NPSR) == "3350.00"
    assert m["clinical_denials_pct_npsr"] == rate(CLINICAL, NPSR)
    # 200.25 / 2 = 100.125, rounded half up to the cent
    assert m["avg_dollars_at_risk_per_clinical_denial"] == cents(CLINICAL / 2) == "100.13"
    # C1's clinical denial carries M127 (missing medical record), C4's no evidence.
    assert m["clinical_documentation_share"] == rate(1, 2)


def test_work_register_metrics(db: AnalyticsDB) -> None:
    m = compute_kpis(db, as_of=AS_OF).to_json()["metrics"]
    assert m["appeal_volume"] == 3
    assert m["appeals_decided"] == 2
    assert m["appeal_overturn_rate"] == rate(1, 2)
    # initial denials decided: K2 won (closed Feb 15); K8 was written off, not decided
    assert m["denials_decided"] == 1
    assert m["denials_overturned"] == 1
    assert m["overturn_rate"] == 1.0
    assert m["partial_overturn_rate"] == 0.0
    assert m["overturned_recovered_dollars"] == "450.00"
    assert m["days_from_denial_to_resolution"] == 36.0  # Feb 15 - Jan 10
    assert m["appeal_recovered_dollars"] == "50.00"
    assert m["recovery_per_worked_appeal"] == cents(D("50.00") / 2) == "25.00"
    # the priority score's cost model (priority.yaml): every factory case is billing's,
    # 15 minutes at $35.00 an hour = $8.75 an appeal, a peer-to-peer 0.75 of it:
    # (8.75 + 6.5625 + 8.75) / 3 appeals
    assert m["cost_per_worked_appeal"] == cents(D("24.0625") / 3) == "8.02"
    # (Mar 1 - Jan 25 = 35) and (Feb 11 - Feb 1 = 10)
    assert m["appeal_cycle_time_days"] == (35 + 10) / 2
    # K1: Jan 25 - Jan 10 = 15; K4: Feb 1 - Jan 20 = 12
    assert m["days_from_denial_to_appeal"] == (15 + 12) / 2
    assert m["days_to_correct_and_resubmit"] == 7.0  # K2: Jan 17 - Jan 10
    # open on Apr 15: K1 (95 days) and K4 (85 days)
    assert m["open_denials_by_aging"] == {"0-30": 0, "31-60": 0, "61-90": 1, "91-120": 1, "120+": 0}
    assert m["open_denial_dollars_by_aging"]["91-120"] == "50.00"
    assert m["open_denial_dollars_by_aging"]["61-90"] == "400.25"
    # K1 deadline Apr 20 (5 days left), K4 May 20 (35 days left)
    assert m["open_denials_by_deadline_risk"] == {
        "overdue": 0,
        "due_0_7": 1,
        "due_8_30": 0,
        "due_31_plus": 1,
        "no_deadline": 0,
    }
    assert m["denial_write_offs"] == "100.00"
    assert m["denial_write_offs_pct_npsr"] == rate(D("100.00"), NPSR)


def test_cut_by_payer_splits_both_sides(db: AnalyticsDB) -> None:
    report = compute_kpis(db, by=["payer"], as_of=AS_OF).to_json()
    groups = {g["key"]["payer"]: g["metrics"] for g in report["groups"]}
    assert set(groups) == {"P1", "P2"}
    p1, p2 = groups["P1"], groups["P2"]
    assert (p1["claims"], p2["claims"]) == (3, 2)
    assert p1["denial_dollars"] == cents(D("50.00") + D("500.00"))
    assert p2["denial_dollars"] == cents(D("250.00") + D("150.25"))
    assert p1["initial_denial_rate_claims"] == rate(2, 3)
    assert p2["initial_denial_rate_dollars"] == rate(D("2000.00"), D("2100.00"))
    assert p2["denial_adjustment_rate_dollars"] == rate(D("400.25"), D("2100.00"))
    assert p1["net_patient_service_revenue"] == cents(
        D("850") + D("0") + D("300") + D("450") - D("850") + D("900")
    )
    assert p2["appeal_volume"] == 2 and p1["appeal_volume"] == 1
    assert p1["denial_write_offs"] == "100.00" and p2["denial_write_offs"] == "0.00"


def test_cut_by_family_keeps_scope_denominators(db: AnalyticsDB) -> None:
    report = compute_kpis(db, by=["family"], as_of=AS_OF).to_json()
    groups = {g["key"]["family"]: g["metrics"] for g in report["groups"]}
    clinical = groups["clinical"]
    assert clinical["claims"] == 5  # the scope's claims, not split
    assert clinical["denied_claims"] == 2
    assert clinical["initial_denial_rate_claims"] == rate(2, 5)
    assert clinical["denial_dollars"] == cents(CLINICAL)
    assert clinical["first_pass_yield"] is None  # a claim-level metric
    assert groups["technical"]["fully_denied_claims"] == 1


EVERY_CUT: list[tuple[str, dict[str, str]]] = [
    ("carc", {"CO-50": "200.25", "CO-97": "250.00", "CO-16": "500.00"}),
    ("owner", {"ur_cdi": "200.25", "coding_him": "250.00", "billing": "500.00"}),
    ("process_step", {"documentation": "50.00", "utilization_review": "150.25"}),
    ("revenue_code", {"0320": "50.00", "0730": "250.00", "0450": "150.25"}),
    ("procedure_range", {"710xx": "50.00", "930xx": "250.00", "992xx": "150.25"}),
    ("service_line", {"rev 0320": "50.00", "(claim level)": "500.00"}),
    ("facility_type", {"13": "550.00", "11": "400.25"}),
    ("rendering_provider", {"1111111111": "50.00", "2222222222": "900.25"}),
    ("month", {"2026-01-01": "950.25"}),
    ("week", {"2026-01-05": "550.00", "2026-01-19": "400.25"}),
    ("facility", {"F1": "950.25"}),
]


def test_every_cut(db: AnalyticsDB) -> None:
    """Denial dollars per value of each cut (one database for all cuts: fixtures are slow)."""
    for cut, expected in EVERY_CUT:
        report = compute_kpis(db, by=[cut], as_of=AS_OF).to_json()
        dollars = {g["key"][cut]: g["metrics"]["denial_dollars"] for g in report["groups"]}
        for key, value in expected.items():
            assert dollars[key] == value, (cut, key)


def test_period_and_filters(db: AnalyticsDB) -> None:
    january = compute_kpis(db, since=date(2026, 1, 1), until=date(2026, 1, 31), as_of=AS_OF)
    m = january.to_json()["metrics"]
    assert m["claims"] == 5 and m["denial_dollars"] == "950.25"
    february = compute_kpis(db, since=date(2026, 2, 1), until=date(2026, 2, 28), as_of=AS_OF)
    f = february.to_json()["metrics"]
    assert f["claims"] == 0 and f["initial_denial_rate_claims"] is None
    # AR-5 still sees February's re-adjudications: C6 (clean) and C8 (a duplicate only)
    assert f["remittance_denial_rate"] == 0.0
    only_p2 = compute_kpis(db, filters={"payer": "P2"}, as_of=AS_OF).to_json()["metrics"]
    assert only_p2["claims"] == 2 and only_p2["denial_dollars"] == "400.25"
    with pytest.raises(UnknownDimensionError):
        compute_kpis(db, by=["planet"])


@pytest.mark.postgres
def test_sqlite_and_postgresql_agree(tmp_path: Path, pg_url: str) -> None:
    reports: list[dict[str, Any]] = []
    for url in (f"sqlite:///{tmp_path / 'a.db'}", pg_url):
        upgrade(url)
        engine = make_engine(url)
        factory.load(engine, with_work=True)
        analytics = open_analytics(engine)
        reports.append(
            {
                "all": compute_kpis(analytics, as_of=AS_OF).to_json(),
                "payer_month": compute_kpis(
                    analytics, by=["payer", "month"], as_of=AS_OF
                ).to_json(),
                "category": compute_kpis(analytics, by=["category"], as_of=AS_OF).to_json(),
            }
        )
        analytics.close()
        engine.dispose()
    assert reports[0] == reports[1]


def test_every_metric_and_cut_is_documented() -> None:
    from denialops.analytics.dimensions import DIMENSIONS

    text = (Path(__file__).parents[2] / "docs" / "kpis.md").read_text("utf-8")
    for metric_id in METRIC_IDS:
        assert f"| `{metric_id}` |" in text, metric_id
    for cut in DIMENSIONS:
        assert f"`{cut}`" in text, cut
    for hfma in ("AR-5", "AR-6", "CL-1", "Claim Integrity Task Force"):
        assert hfma in text


def test_per_claim_summary_agrees_with_adjustment_rows(db: AnalyticsDB) -> None:
    """The fast path (claim facts) and the general one (denial facts) agree."""
    from denialops.analytics import metrics

    cases: list[tuple[tuple[str, ...], dict[str, str]]] = [
        ((), {}),
        (("payer",), {}),
        (("family",), {}),
        (("payer", "month"), {"facility": "F1"}),
    ]
    for cuts, filters in cases:
        claims = metrics._claim_side(db, cuts, filters, None, None)
        fast = metrics._denial_side_per_claim(db, cuts, filters, None, None, claims)
        slow = metrics._denial_side_per_adjustment(db, cuts, filters, None, None)
        assert fast == slow, cuts
