"""The analytical facts: kept current by refresh_facts and catch_up, and the definitions
that live in them (coordination of benefits, duplicates, documentation evidence,
overturns), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, text, update
from typer.testing import CliRunner

from denialops.analytics.engine import open_analytics
from denialops.analytics.facts import refresh_facts, staleness
from denialops.analytics.metrics import compute_kpis
from denialops.analytics.pareto import pareto
from denialops.cli import app
from denialops.store import schema
from denialops.work import tables as work
from tests.analytics import factory

AS_OF = date(2026, 4, 15)


def metrics(engine: Engine, **kwargs: Any) -> dict[str, Any]:
    db = open_analytics(engine)
    try:
        return compute_kpis(db, as_of=AS_OF, **kwargs).to_json()["metrics"]  # type: ignore[no-any-return]
    finally:
        db.close()


def add_claim(
    engine: Engine, cid: int, payer: str, pcn: str, status: str, charge: str, paid: str,
    pr: str, day: date, denials: list[tuple[str, str, str, str | None, list[str]]] = (),  # type: ignore[assignment]
) -> None:  # fmt: skip
    """A remittance with one claim and its denials (group, CARC, amount, family, RARCs)."""
    with engine.begin() as conn:
        remittance = {**factory._remittance(cid, payer, day, "F1"), "fingerprint": f"x{cid}"}
        conn.execute(insert(schema.Remittance), [remittance])
        row = factory._claim(cid, cid, payer, pcn, status, "1", charge, paid, pr)
        conn.execute(
            insert(schema.Claim), [{**row, "reverses_claim_id": None, "reversed_by_claim_id": None}]
        )
        for i, (group, carc, amount, family, rarcs) in enumerate(denials):
            category = "duplicate" if carc == "18" else f"cat_{carc}"
            adj = factory._adj(cid * 10 + i, cid, cid, None, group, carc, amount, family,
                               category if family else None, "billing", "billing")  # fmt: skip
            conn.execute(insert(schema.Adjustment), [{**adj, "rarcs": rarcs}])


def test_npsr_counts_a_secondary_payers_share_once(engine: Engine) -> None:
    """Primary pays 800 and leaves 200 to the patient; the secondary pays 150 of that and
    leaves 50. NPSR is 800 + 150 + 50, not 800 + 200 + 150 + 50 (the COB double count)."""
    with engine.begin() as conn:
        conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
    add_claim(engine, 1, "P1", "COB", "1", "1000.00", "800.00", "200.00", date(2026, 1, 5))
    add_claim(engine, 2, "P2", "COB", "2", "200.00", "150.00", "50.00", date(2026, 1, 20))
    add_claim(engine, 3, "P1", "SOLO", "1", "300.00", "250.00", "50.00", date(2026, 1, 5))
    m = metrics(engine)
    assert m["net_patient_service_revenue"] == "1300.00"  # 800 + 150 + 50 + 250 + 50
    assert m["claims"] == 3  # each payer's first adjudication of the PCN


def test_duplicates_are_left_out_and_counted_apart(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
    day = date(2026, 1, 5)
    add_claim(engine, 1, "P1", "A", "4", "500.00", "0.00", "0", day,
              [("OA", "18", "500.00", "administrative", [])])  # fmt: skip
    add_claim(engine, 2, "P1", "B", "4", "300.00", "0.00", "0", day,
              [("CO", "50", "300.00", "clinical", [])])  # fmt: skip
    m = metrics(engine)
    assert m["denied_claims"] == 1 and m["denial_dollars"] == "300.00"
    assert m["duplicate_denied_claims"] == 1 and m["duplicate_denial_dollars"] == "500.00"
    assert m["initial_denial_rate_claims"] == 0.5
    db = open_analytics(engine)
    try:
        assert [r.cause for r in pareto(db).rows] == ["cat_50"]
        assert [r.cause for r in pareto(db, include_duplicates=True).rows] == [
            "duplicate",
            "cat_50",
        ]
    finally:
        db.close()


def test_documentation_share_comes_from_evidence(engine: Engine) -> None:
    """A rule's process step 'documentation' is not evidence; the payer's remark is."""
    with engine.begin() as conn:
        conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
    day = date(2026, 1, 5)
    add_claim(engine, 1, "P1", "A", "4", "100.00", "0.00", "0", day,
              [("CO", "50", "100.00", "clinical", ["N706"])])  # fmt: skip
    add_claim(engine, 2, "P1", "B", "4", "100.00", "0.00", "0", day,
              [("CO", "50", "100.00", "clinical", ["N115"])])  # fmt: skip
    add_claim(engine, 3, "P1", "C", "4", "100.00", "0.00", "0", day,
              [("CO", "252", "100.00", "clinical", [])])  # fmt: skip
    add_claim(engine, 4, "P1", "D", "4", "100.00", "0.00", "0", day,
              [("CO", "50", "100.00", "clinical", [])])  # fmt: skip
    # every one of them mapped to the documentation step by the rules: not evidence
    with engine.begin() as conn:
        conn.execute(update(schema.Adjustment).values(process_step="documentation"))
    assert metrics(engine)["clinical_documentation_share"] == 0.5  # N706 and CARC 252


def test_overturns_count_later_payment_and_not_automatic_rows(engine: Engine) -> None:
    factory.load(engine, with_work=True)
    with engine.begin() as conn:
        # case 4 lost at level 1 (a decision) and its level 2 closed as 'upheld' when the
        # case was escalated by hand: not a decision.
        conn.execute(
            update(work.Appeal)
            .where(work.Appeal.id == 3)
            .values(decided_on=date(2026, 3, 1), outcome="upheld")
        )
        # case 1 paid in full on a later remittance after a corrected claim: won, no appeal
        # decision needed
        conn.execute(
            update(work.DenialCase)
            .where(work.DenialCase.id == 1)
            .values(
                state="won",
                recovered=Decimal("50.00"),
                version=2,
                closed_at=datetime(2026, 3, 2, tzinfo=UTC),
            )  # fmt: skip
        )
    m = metrics(engine)
    assert m["denials_decided"] == 2  # K1 and K2 won; K8 written off is no decision
    assert m["denials_overturned"] == 2 and m["overturn_rate"] == 1.0
    assert m["overturned_recovered_dollars"] == "500.00"
    assert m["appeals_decided"] == 2  # the 'upheld' row is not counted


def test_reports_catch_up_with_what_the_hooks_missed(engine: Engine) -> None:
    factory.load(engine, with_work=True)
    assert metrics(engine)["claims"] == 5  # first report: the backfill
    # a claim stored without a refresh, a reclassified adjustment, a changed case
    add_claim(engine, 20, "P3", "NEW", "4", "70.00", "0.00", "0", date(2026, 1, 12),
              [("CO", "97", "70.00", "coding", [])])  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            insert(schema.ClassificationHistory),
            [{"adjustment_id": 4, "is_denial": True, "family": "coding",
              "category": "bundling_ncci", "replaced_at": factory.NOW}],
        )  # fmt: skip
        conn.execute(
            update(schema.Adjustment).where(schema.Adjustment.id == 4).values(family="clinical")
        )
        conn.execute(
            update(work.DenialCase)
            .where(work.DenialCase.id == 4)
            .values(state="written_off", version=2, closed_at=datetime(2026, 3, 5, tzinfo=UTC))
        )
    with engine.connect() as conn:
        stale = staleness(conn)
    assert stale.claim_ids == [4, 20] and stale.case_ids == [4]
    m = metrics(engine)
    assert m["claims"] == 6
    assert m["denial_dollars_by_family"]["coding"] == "70.00"
    assert m["denial_write_offs"] == "500.25"  # K8 100.00 + K4 400.25
    with engine.connect() as conn:
        assert staleness(conn).current


def test_refresh_of_one_claim_rebuilds_its_pcn_siblings(engine: Engine) -> None:
    """A later remittance for the same PCN turns the earlier claim into a resubmitted one."""
    with engine.begin() as conn:
        conn.execute(insert(schema.SourceFile), [factory.SOURCE_FILE])
    add_claim(engine, 1, "P1", "A", "4", "100.00", "0.00", "0", date(2026, 1, 5),
              [("CO", "16", "100.00", "technical", [])])  # fmt: skip
    with engine.begin() as conn:
        refresh_facts(conn, [1])
    add_claim(engine, 2, "P1", "A", "1", "100.00", "100.00", "0", date(2026, 2, 5))
    with engine.begin() as conn:
        refresh_facts(conn, [2])
        rows = conn.execute(
            text("SELECT claim_id, is_initial, resubmitted FROM fact_claim ORDER BY claim_id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 1, 1), (2, 0, 0)]


def test_report_refresh_command_backfills(engine: Engine) -> None:
    factory.load(engine, with_work=True)
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", "refresh", "--full", "--db", url])
    assert result.exit_code == 0, result.output
    assert "facts rebuilt: 8 claims, 4 cases" in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM fact_denial")).scalar() == 5


def test_write_offs_are_valued_at_the_expected_payment(engine: Engine) -> None:
    factory.load(engine, with_work=True)
    with engine.begin() as conn:
        # K8 was billed for services the payer would have paid 80.00 for (not 100.00)
        conn.execute(
            update(work.DenialCase)
            .where(work.DenialCase.id == 8)
            .values(expected_payment=Decimal("80.00"), version=2)
        )
    m = metrics(engine)
    assert m["denial_write_offs"] == "80.00"
    assert m["denial_write_offs_pct_npsr"] == round(80 / 3350, 6)


def test_as_of_reports_use_the_decision_date_not_the_closing_time(engine: Engine) -> None:
    """K2 was won by a remittance dated Jan 30 that was ingested Feb 15: on Feb 1 it was
    already decided, so it is not an open denial then."""
    factory.load(engine, with_work=True)
    with engine.begin() as conn:
        conn.execute(
            update(work.DenialCase)
            .where(work.DenialCase.id == 2)
            .values(decided_on=date(2026, 1, 30), version=2)
        )
    db = open_analytics(engine)
    try:
        feb1 = compute_kpis(db, as_of=date(2026, 2, 1)).to_json()["metrics"]
        jan29 = compute_kpis(db, as_of=date(2026, 1, 29)).to_json()["metrics"]
    finally:
        db.close()
    # open on Feb 1: K1 (22 days) and K4 (12 days); K2 decided Jan 30; K8 not yet determined
    assert sum(feb1["open_denials_by_aging"].values()) == 2
    assert sum(jan29["open_denials_by_aging"].values()) == 3  # K2 still open on Jan 29
    assert feb1["days_from_denial_to_resolution"] == 20.0  # Jan 30 - Jan 10
