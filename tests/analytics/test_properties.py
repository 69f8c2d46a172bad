"""Properties of the metrics on random data sets built straight into DuckDB.

The per-claim summaries and the adjustment rows must agree for any data; groups must add
up to the whole where the definitions say they do; the Pareto answer must be the shortest
prefix reaching the share.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text

from denialops.analytics import metrics
from denialops.analytics.engine import AnalyticsDB, open_analytics
from denialops.analytics.facts import refresh_facts
from denialops.analytics.pareto import pareto
from denialops.analytics.trend import holm
from denialops.store import schema
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from tests.analytics import factory

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


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file copied for each example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("facts") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _rows(claims: list[dict[str, Any]], first: int = 1) -> tuple[list[Any], ...]:
    start = date(2026, 1, 1)
    remits, rows, lines, adjustments = [], [], [], []
    for cid, c in enumerate(claims, start=first):
        paid = Decimal(c["charge"] * c["paid_share"] // 100) / 100
        day = start + timedelta(days=c["day"])
        remits.append({**factory._remittance(cid, c["payer"], day, "F1"), "fingerprint": f"f{cid}"})
        row = factory._claim(
            cid, cid, c["payer"], c["pcn"], c["status"], c["frequency"],
            str(Decimal(c["charge"]) / 100), str(paid), "0",
        )  # fmt: skip
        rows.append({**row, "reverses_claim_id": None, "reversed_by_claim_id": None})
        for i, a in enumerate(c["adjustments"]):
            aid = cid * 10 + i
            lid = aid if a["line"] else None
            if lid:
                lines.append(factory._line(lid, cid, "99213", "0450", "1.00", "0.00"))
            adj = factory._adj(
                aid, cid, cid, lid, "CO", "50", str(Decimal(a["amount"]) / 100),
                a["family"] if a["denial"] else None, a["category"] if a["denial"] else None,
                "coding", "billing",
            )  # fmt: skip
            adjustments.append(adj)
    return remits, rows, lines, adjustments


def _insert(engine: Engine, claims: list[dict[str, Any]], first: int) -> list[int]:
    remits, rows, lines, adjustments = _rows(claims, first)
    with engine.begin() as conn:
        for table, values in (
            (schema.Remittance, remits),
            (schema.Claim, rows),
            (schema.ServiceLine, lines),
            (schema.Adjustment, adjustments),
        ):
            if values:
                conn.execute(insert(table), values)
    return [r["id"] for r in rows]


def build(claims: list[dict[str, Any]], template: Path, target: Path) -> AnalyticsDB:
    shutil.copy(template, target)
    engine = make_engine(f"sqlite:///{target}")
    with engine.begin() as conn:
        conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
    _insert(engine, claims, 1)
    return open_analytics(engine)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=st.lists(claim, max_size=12))
def test_summary_and_rows_agree_and_groups_add_up(
    claims: list[dict[str, Any]], template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = build(claims, template, tmp_path_factory.mktemp("p") / "x.db")
    try:
        for cuts in [(), ("payer",), ("family",), ("payer", "month")]:
            claim_side = metrics._claim_side(db, cuts, {}, None, None)
            fast = metrics._denial_side_per_claim(db, cuts, {}, None, None, claim_side)
            slow = metrics._denial_side_per_adjustment(db, cuts, {}, None, None)
            assert _normal(fast) == _normal(slow), cuts
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
@given(claims=st.lists(claim, max_size=12), share=st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0]))
def test_pareto_answer_is_the_shortest_prefix(
    claims: list[dict[str, Any]],
    share: float,
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = build(claims, template, tmp_path_factory.mktemp("p") / "x.db")
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


def _normal(side: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Numerators as ints, groups without any denial dropped (the per-claim path reports
    zero rows for groups the per-adjustment path never sees)."""
    out = {}
    for key, values in side.items():
        flat = {k: int(v or 0) for k, v in values.items() if k in metrics._DENIAL_NUMERATORS}
        families = {
            f: {k: int(v or 0) for k, v in fv.items() if k in metrics._DENIAL_NUMERATORS}
            for f, fv in values.get("by_family", {}).items()
        }
        if any(flat.values()) or families:
            out[key] = {**flat, "by_family": families}
    return out


def _facts(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t: sorted((tuple(r) for r in conn.execute(text(f"SELECT * FROM {t}"))), key=repr)
            for t in ("fact_claim", "fact_claim_family", "fact_denial", "fact_cube")
        }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(claim, max_size=8), later=st.lists(claim, max_size=8))
def test_incremental_refresh_equals_a_full_rebuild(
    first: list[dict[str, Any]],
    later: list[dict[str, Any]],
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Facts kept current batch by batch (as ingest does) equal facts rebuilt at once,
    whatever the later batch does to earlier claims (resubmissions, COB, reversals)."""
    target = tmp_path_factory.mktemp("r") / "x.db"
    shutil.copy(template, target)
    engine = make_engine(f"sqlite:///{target}")
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
        for batch, offset in ((first, 1), (later, 100)):
            ids = _insert(engine, batch, offset)
            with engine.begin() as conn:
                refresh_facts(conn, ids)
        incremental = _facts(engine)
        with engine.begin() as conn:
            refresh_facts(conn, None)
        assert incremental == _facts(engine)
    finally:
        engine.dispose()


CUBE_CUTS: list[tuple[tuple[str, ...], dict[str, str]]] = [
    ((), {}),
    (("payer",), {}),
    (("family",), {}),
    (("payer", "month"), {}),
    (("category",), {}),
    (("payer", "carc"), {}),
    (("week",), {"family": "clinical"}),
    (("payer",), {"category": "a"}),
    (("owner",), {"payer": "P1"}),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=st.lists(claim, max_size=12))
def test_the_cube_gives_what_the_facts_give(
    claims: list[dict[str, Any]], template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every report the pre-summed cube serves equals the same report from the fact rows."""
    db = build(claims, template, tmp_path_factory.mktemp("c") / "x.db")
    try:
        for cuts, filters in CUBE_CUTS:
            assert metrics._cube_serves(cuts, filters)
            db.has_cube = True
            fast = metrics.compute_kpis(db, by=cuts, filters=filters).to_json()
            db.has_cube = False
            slow = metrics.compute_kpis(db, by=cuts, filters=filters).to_json()
            assert fast == slow, (cuts, filters)
    finally:
        db.close()
