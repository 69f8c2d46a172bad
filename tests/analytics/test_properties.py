"""Properties of the metrics on random data sets built straight into DuckDB.

The per-claim summaries and the adjustment rows must agree for any data; groups must add
up to the whole where the definitions say they do; the Pareto answer must be the shortest
prefix reaching the share.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from denialops.analytics import metrics
from denialops.analytics.engine import AnalyticsDB, build_facts, create_source_tables
from denialops.analytics.pareto import pareto
from denialops.analytics.trend import holm

FAMILIES = ["clinical", "coding", "administrative", "technical"]

adjustment = st.fixed_dictionaries(
    {
        "line": st.booleans(),
        "amount": st.integers(min_value=-5_000, max_value=500_000),  # cents
        "denial": st.booleans(),
        "family": st.sampled_from(FAMILIES),
        "category": st.sampled_from(["a", "b", "c", "documentation_gap"]),
    }
)
claim = st.fixed_dictionaries(
    {
        "payer": st.sampled_from(["P1", "P2", "P3"]),
        "pcn": st.sampled_from(["A", "B", "C", "D", "E", "F"]),
        "status": st.sampled_from(["1", "1", "2", "4", "22", "19"]),
        "frequency": st.sampled_from(["1", "1", "7"]),
        "day": st.integers(min_value=0, max_value=120),
        "charge": st.integers(min_value=0, max_value=1_000_000),
        "paid_share": st.sampled_from([0, 50, 100]),
        "adjustments": st.lists(adjustment, max_size=4),
    }
)


def build(claims: list[dict[str, Any]]) -> AnalyticsDB:
    con = duckdb.connect()
    create_source_tables(con)
    start = date(2026, 1, 1)
    adj_id = line_id = 0
    for cid, c in enumerate(claims, start=1):
        paid = Decimal(c["charge"] * c["paid_share"] // 100) / 100
        con.execute(
            "INSERT INTO src_remittance VALUES (?, ?, ?, 'F1', ?, NULL)",
            [cid, c["payer"], c["payer"], start + timedelta(days=c["day"])],
        )
        con.execute(
            "INSERT INTO src_claim VALUES (?, ?, ?, ?, ?, ?, ?, 0, '11', ?, 'NPI', NULL)",
            [cid, cid, c["payer"], c["pcn"], c["status"], Decimal(c["charge"]) / 100, paid,
             c["frequency"]],
        )  # fmt: skip
        for a in c["adjustments"]:
            adj_id += 1
            lid = None
            if a["line"]:
                line_id += 1
                lid = line_id
                con.execute(
                    "INSERT INTO src_service_line VALUES (?, ?, 'HC', '99213', '0450')",
                    [lid, cid],
                )
            con.execute(
                "INSERT INTO src_adjustment VALUES (?, ?, ?, ?, 'CO', '50', ?, ?, ?, ?, NULL,"
                " 'coding', 'billing', NULL)",
                [adj_id, cid, lid, "line" if lid else "claim", Decimal(a["amount"]) / 100,
                 a["denial"], a["family"] if a["denial"] else None,
                 a["category"] if a["denial"] else None],
            )  # fmt: skip
    build_facts(con, has_work=False)
    return AnalyticsDB(con=con, has_work=False, source="hypothesis")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(claim, max_size=12))
def test_summary_and_rows_agree_and_groups_add_up(claims: list[dict[str, Any]]) -> None:
    db = build(claims)
    try:
        for cuts in [(), ("payer",), ("family",), ("payer", "month")]:
            fast = metrics._denial_side_per_claim(db, cuts, {}, None, None)
            slow = metrics._denial_side_per_adjustment(db, cuts, {}, None, None)
            assert fast == slow, cuts
        whole = metrics.compute_kpis(db).to_json()["metrics"]
        by_payer = metrics.compute_kpis(db, by=["payer"]).to_json()["groups"]
        # claim cuts partition the claims: counts and dollars add up exactly
        for metric_id in ("claims", "denied_claims", "fully_denied_claims", "denied_lines"):
            assert sum(g["metrics"][metric_id] for g in by_payer) == whole[metric_id]
        for metric_id in ("denial_dollars", "gross_charges", "net_patient_service_revenue"):
            total = sum((Decimal(g["metrics"][metric_id]) for g in by_payer), Decimal(0))
            assert total == Decimal(whole[metric_id])
        by_family = whole["denial_dollars_by_family"]
        assert sum((Decimal(v) for v in by_family.values()), Decimal(0)) == Decimal(
            whole["denial_dollars"]
        )
        assert (
            whole["fully_denied_claims"] + whole["partially_denied_claims"]
            == (whole["denied_claims"])
        )
        assert whole["denied_claims"] <= whole["claims"]
    finally:
        db.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(claim, max_size=12), st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0]))
def test_pareto_answer_is_the_shortest_prefix(claims: list[dict[str, Any]], share: float) -> None:
    db = build(claims)
    try:
        result = pareto(db, measure="count", share=share)
        values = [r.denied_claims for r in result.rows]
        assert values == sorted(values, reverse=True)
        total = sum(values)
        answer = len(result.answer)
        if total:
            assert sum(values[:answer]) >= share * total - 1e-9
            assert answer == 1 or sum(values[: answer - 1]) < share * total
        else:
            assert answer == 0
    finally:
        db.close()


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=20))
def test_holm_is_monotone_and_conservative(p_values: list[float]) -> None:
    adjusted = holm(p_values)
    assert all(a >= p - 1e-12 and a <= 1 for a, p in zip(adjusted, p_values, strict=True))
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    ranked = [adjusted[i] for i in order]
    assert ranked == sorted(ranked)
