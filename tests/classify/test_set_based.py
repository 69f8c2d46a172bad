"""Set-based classification over many claims, dated judgment, liability columns (issues 8,
10, 14), on SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event, select

from denialops.classify import classify, load_rules
from denialops.classify.apply import (
    claim_denial_view,
    classify_claims,
    classify_remittances,
    reclassify,
)
from denialops.store import schema
from denialops.store.ingest import ingest_remittance
from denialops.x12.remittance import Remittance, ServiceLine
from tests.classify.helpers import D, adj, claim, line, new_file, remittance, sample

ADJ = schema.Adjustment.__table__
CLAIM = schema.Claim.__table__
SL = schema.ServiceLine.__table__
REM = schema.Remittance.__table__
RULES = load_rules()


def _store_only(engine: Engine, remittances: list[Remittance], name: str = "f") -> list[int]:
    """Store without classifying; returns the claim ids."""
    with engine.begin() as conn:
        file_id = new_file(conn, name)
        for rem in remittances:
            ingest_remittance(conn, rem, file_id)
        return list(conn.execute(select(CLAIM.c.id).order_by(CLAIM.c.id)).scalars())


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _copies(n: int) -> Remittance:
    base = sample()
    claims = [
        replace(c, patient_control_number=f"{c.patient_control_number}{i}")
        for i in range(n)
        for c in base.claims
    ]
    return remittance("TRACE-MANY", "PAYER1", *claims)


def test_the_number_of_statements_does_not_grow_with_the_claims(engine: Engine) -> None:
    small = _store_only(engine, [_copies(1)])
    with _counting(engine) as few, engine.begin() as conn:
        classify_claims(conn, small, RULES)
    with engine.begin() as conn:
        conn.execute(ADJ.update().values(is_denial=None, category=None, ruleset_version=None))
    many_ids = _store_only(engine, [_copies(40)], "many")
    many = [i for i in many_ids if i not in small]
    with _counting(engine) as lots, engine.begin() as conn:
        summary = classify_claims(conn, many, RULES)
    assert summary.claims == 240 and summary.examined == 0  # no history asked for
    assert summary.combinations == 8  # distinct (payer, group, CARC, RARCs): dates agree
    # scope and result inserts are executemany (one statement each per 5,000 rows)
    assert len(lots) == len(few), (len(few), len(lots))


def test_set_based_results_equal_classifying_each_adjustment(engine: Engine) -> None:
    claim_ids = _store_only(engine, [sample(), _copies(3)])
    with engine.begin() as conn:
        classify_claims(conn, claim_ids, RULES)
        rows = conn.execute(
            select(
                ADJ,
                CLAIM.c.payer_id,
                CLAIM.c.service_date.label("claim_date"),
                SL.c.service_date.label("line_date"),
                REM.c.production_date,
            )
            .join(CLAIM, CLAIM.c.id == ADJ.c.claim_id)
            .join(REM, REM.c.id == ADJ.c.remittance_id)
            .outerjoin(SL, SL.c.id == ADJ.c.service_line_id)
        ).mappings()
        checked = 0
        for row in rows:
            on = row["line_date"] or row["claim_date"] or row["production_date"]
            one = classify(
                row["group_code"], row["reason_code"], row["rarcs"], payer=row["payer_id"], on=on
            )
            stored = (
                row["is_denial"],
                row["family"],
                row["category"],
                row["next_action"],
                row["owner"],
                row["rule_id"],
                row["needs_review"],
                row["liability"],
                tuple(row["checks"] or ()),
                tuple(row["warnings"] or ()),
            )
            assert stored == (
                one.is_denial,
                one.family,
                one.category,
                one.next_action,
                one.owner,
                one.rule,
                one.needs_review,
                one.liability,
                one.checks,
                one.warnings,
            )
            checked += 1
    assert checked == 9 + 9 * 3


def _dated_line(carc: str, on: date) -> ServiceLine:
    return ServiceLine(
        qualifier="HC",
        code="99213",
        charge=D("40"),
        paid=D("0"),
        adjustments=[adj("CO", carc, "40")],
        service_date=on,
    )


def test_codes_are_judged_on_the_service_date(engine: Engine) -> None:
    """CARC 165 stopped 2018-05-01: a service before that is judged without a warning
    even on a remittance produced in 2025; a later service gets the dated warning."""
    rem = remittance(
        "TRACE-DATED",
        "PAYER1",
        claim(
            "G",
            "1",
            "80",
            "0",
            _dated_line("165", date(2018, 4, 15)),
            _dated_line("165", date(2018, 6, 1)),
        ),
    )
    with engine.begin() as conn:
        file_id = new_file(conn, "g")
        rid = ingest_remittance(conn, rem, file_id)
        assert rid is not None
        classify_remittances(conn, [rid], RULES)
        rows = conn.execute(
            select(SL.c.service_date, ADJ.c.category, ADJ.c.warnings, ADJ.c.needs_review)
            .join(SL, SL.c.id == ADJ.c.service_line_id)
            .order_by(SL.c.service_date)
        ).all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (date(2018, 4, 15), "authorization", None, False),
        (
            date(2018, 6, 1),
            "authorization",
            ["CARC 165 was deactivated on 2018-06-01 (stop date 2018-05-01)"],
            False,
        ),
    ]


def test_a_reason_seen_on_many_dates_is_one_result_unless_a_date_changes_it(
    engine: Engine,
) -> None:
    """Issue 10: results are keyed by (payer, group, CARC, RARCs) and by the date only
    where the date changes the result (CARC 165's stop date), so the number of results
    does not grow with the spread of service dates; each row still gets its own date's."""
    days = [date(2018, 4, 1) + timedelta(days=7 * i) for i in range(12)]  # across 2018-05-01
    lines = [_dated_line(carc, day) for day in days for carc in ("50", "165")]
    rem = remittance("TRACE-DAYS", "PAYER1", claim("J", "1", str(40 * len(lines)), "0", *lines))
    claim_ids = _store_only(engine, [rem], "days")
    with engine.begin() as conn:
        summary = classify_claims(conn, claim_ids, RULES)
        rows = conn.execute(
            select(SL.c.service_date, ADJ.c.reason_code, ADJ.c.category, ADJ.c.warnings)
            .join(SL, SL.c.id == ADJ.c.service_line_id)
            .order_by(SL.c.service_date, ADJ.c.reason_code)
        ).all()
    expired = [day for day in days if day >= date(2018, 5, 1)]
    # CO-50: one result for every date; CO-165: one per date (the warning names the date)
    assert summary.combinations == 1 + len(days)
    assert len(rows) == 2 * len(days)
    for day, carc, category, warnings in rows:
        one = classify("CO", carc, payer="PAYER1", on=day, rules=RULES)
        assert (category, tuple(warnings or ())) == (one.category, one.warnings)
    assert [w for _d, carc, _c, w in rows if carc == "165" and w] == [
        [f"CARC 165 was deactivated on {day.isoformat()} (stop date 2018-05-01)"] for day in expired
    ]


def test_pr_denial_lines_count_as_the_patients(engine: Engine) -> None:
    """PR-96 with N386 (ABN): the patient owes it, so the claim is not a lost claim."""
    rem = remittance(
        "TRACE-PR",
        "PAYER1",
        claim(
            "H",
            "1",
            "100",
            "0",
            line("100", "0", adj("PR", "96", "100"), remarks=["N386"]),
        ),
    )
    with engine.begin() as conn:
        file_id = new_file(conn, "h")
        rid = ingest_remittance(conn, rem, file_id)
        assert rid is not None
        classify_remittances(conn, [rid], RULES)
        row = conn.execute(
            select(
                ADJ.c.is_denial,
                ADJ.c.next_action,
                ADJ.c.liability,
                ADJ.c.checks,
                CLAIM.c.denial_status,
                CLAIM.c.denied_amount,
            ).join(CLAIM, CLAIM.c.id == ADJ.c.claim_id)
        ).one()
    is_denial, action, liability, checks, status, denied = row
    assert (is_denial, action, liability) == (True, "bill_patient", "patient")
    assert checks and "ABN" in checks[0]
    assert status == "partially_denied"  # the patient's share is not nothing
    assert Decimal(str(denied)).quantize(D("0.01")) == D("100.00")


def test_the_claim_view_reports_the_patient_share() -> None:
    view = claim_denial_view("1", D("0"), {("coverage_policy", "clinical"): D("100")}, D("100"))
    assert view.denial_status == "partially_denied"
    assert view.patient_responsibility == D("100")


def test_reclassify_takes_the_same_path_and_fills_the_new_columns(engine: Engine) -> None:
    claim_ids = _store_only(engine, [sample()])
    summary = reclassify(engine, RULES)
    assert summary.examined == 9 and summary.history_rows == 0  # nothing was classified
    assert summary.claims == len(claim_ids)
    with engine.connect() as conn:
        liabilities = set(conn.execute(select(ADJ.c.liability)).scalars())
    assert liabilities == {"provider", "patient"}


def test_the_claim_view_written_in_sql_is_the_python_rule(engine: Engine) -> None:
    """Issue 10: the claims' denial view is one UPDATE ... FROM; on every kind of claim it
    is what :func:`claim_denial_view` says from the claim's classified adjustments (ties
    to the alphabetically first category, reversals, status 4, PR shares, nothing)."""
    rem = remittance(
        "TRACE-VIEW",
        "PAYER1",
        claim(
            "TIE", "1", "100", "40", line("100", "40", adj("CO", "50", "30"), adj("CO", "97", "30"))
        ),
        claim("FOUR", "4", "80", "0", line("80", "0", adj("CO", "45", "80"))),
        claim("REV", "22", "-100", "-60", line("-100", "-60", adj("CO", "50", "-40"))),
        claim("PR", "1", "100", "0", line("100", "0", adj("PR", "96", "100"), remarks=["N386"])),
        claim("ZERO", "1", "100", "0", line("100", "0", adj("CO", "50", "100"))),
        claim("PAID", "1", "100", "90", line("100", "90", adj("CO", "45", "10"))),
        claim("NET", "1", "100", "100", line("100", "100", adj("CO", "50", "-5"))),
        claim("NONE", "1", "100", "100", line("100", "100")),
    )
    claim_ids = _store_only(engine, [rem], "view")
    with engine.begin() as conn:
        summary = classify_claims(conn, claim_ids, RULES)
        again = classify_claims(conn, claim_ids, RULES)
        claims = conn.execute(select(CLAIM).order_by(CLAIM.c.id)).mappings().all()
        adjustments = conn.execute(select(ADJ)).mappings().all()
    # stored as paid with nothing denied: all but PAID and NONE change, once
    assert (summary.claims_updated, again.claims_updated) == (len(claims) - 2, 0)
    seen = set()
    for row in claims:
        denied: dict[tuple[str | None, str | None], Decimal] = {}
        patient = Decimal(0)
        for a in adjustments:
            if a["claim_id"] != row["id"]:
                continue
            if a["is_denial"]:
                key = (a["category"], a["family"])
                denied[key] = denied.get(key, Decimal(0)) + a["amount"]
            if a["group_code"] == "PR":
                patient += a["amount"]
        view = claim_denial_view(row["status"], row["paid"], denied, patient)
        stored = (
            row["denial_status"],
            row["primary_denial_category"],
            row["primary_denial_family"],
            row["denied_amount"],
        )
        assert stored == (
            view.denial_status,
            view.primary_category,
            view.primary_family,
            view.denied_amount,
        ), row["patient_control_number"]
        seen.add(view.denial_status)
    assert seen == {"paid", "partially_denied", "fully_denied"}
