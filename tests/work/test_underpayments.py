"""Underpayment cases (issue 14): contractual (CO-45) lines the payer allowed below the
loaded fee schedule open a case of their own at ingest, or when the schedule is loaded
after the remittances (``refdata load-fees --db``); without a schedule nothing is checked
and the run says so. SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from denialops import codes
from denialops.analytics.engine import open_analytics
from denialops.analytics.metrics import compute_kpis
from denialops.classify.fees import SKIPPED, install_fee_schedule, installed_fee_schedule
from denialops.cli import app
from denialops.pipeline import ingest_paths
from denialops.work.queue import QueueFilters, as_record, queue_page
from denialops.work.store import Case, case_adj_t, case_t
from denialops.work.underpayments import open_underpayment_cases
from denialops.x12.write835 import format_835
from tests.work.builders import claim, ingest, remittance

D = Decimal
runner = CliRunner()
SCHEDULE = """payer,code,modifier,allowed,effective_from,effective_to
PAYER1,99214,,80.00,2026-01-01,
PAYER1,99213,,50.00,2026-01-01,
"""


@pytest.fixture
def fees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user code folder of the test's own; returns the schedule's source file."""
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(tmp_path / "codes"))
    source = tmp_path / "fees.csv"
    source.write_text(SCHEDULE, "utf-8")
    return source


def _cases(engine: Engine, kind: str | None = None) -> list[Case]:
    query = select(case_t).order_by(case_t.c.id)
    if kind is not None:
        query = query.where(case_t.c.kind == kind)
    with engine.connect() as conn:
        return [Case.from_row(r) for r in conn.execute(query).all()]


# pcn, charge, paid, adjustments, allowed (AMT*B6), code, payer -> (expected, at risk) or None
LINES = [
    ("UNDER", "100", "70", [("CO", "45", "30")], None, "99214", "PAYER1", ("80.00", "10.00")),
    ("AT-CONTRACT", "100", "80", [("CO", "45", "20")], None, "99214", "PAYER1", None),
    ("ABOVE", "100", "90", [("CO", "45", "10")], None, "99214", "PAYER1", None),
    # the remittance's allowed amount wins over charge - CO-45: 60 allowed, 20 short
    ("B6", "100", "48", [("CO", "45", "40"), ("PR", "2", "12")], "60", "99214", "PAYER1",
     ("80.00", "20.00")),
    ("OTHER-CODE", "100", "30", [("CO", "45", "70")], None, "99215", "PAYER1", None),
    ("OTHER-PAYER", "100", "30", [("CO", "45", "70")], None, "99214", "PAYER9", None),
    # a denial and an underpayment on one claim: two cases, each of its kind
    ("BOTH", "100", "0", [("CO", "45", "30"), ("CO", "50", "70")], None, "99214", "PAYER1",
     ("80.00", "10.00")),
    ("SMALL", "60", "40", [("CO", "45", "20")], None, "99213", "PAYER1", ("50.00", "10.00")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("pcn", "charge", "paid", "adjustments", "allowed", "code", "payer", "case"),
    LINES,
    ids=[row[0] for row in LINES],
)
def test_ingest_opens_an_underpayment_case_for_lines_allowed_below_the_schedule(
    engine: Engine,
    fees: Path,
    pcn: str,
    charge: str,
    paid: str,
    adjustments: list[tuple[str, str, str]],
    allowed: str | None,
    code: str,
    payer: str,
    case: tuple[str, str] | None,
) -> None:
    install_fee_schedule(fees)
    line = claim(pcn, charge=charge, paid=paid, adjustments=adjustments, allowed=allowed, code=code)
    ingest(engine, remittance([line], payer_id=payer, payment_date=date(2026, 2, 1)))
    found = _cases(engine, "underpayment")
    if case is None:
        assert found == []
        return
    (opened,) = found
    assert (opened.kind, opened.category, opened.family, opened.owner) == (
        "underpayment", "underpayment", "administrative", "managed_care",
    )  # fmt: skip
    assert (opened.next_action, opened.soft_or_hard, opened.state) == (
        "dispute_underpayment", "hard", "new",
    )  # fmt: skip
    assert (opened.expected_payment, opened.at_risk) == (D(case[0]), D(case[1]))
    # Medicare (filing MB) redetermination: 120 days from the notice (2026-02-01)
    assert (opened.next_deadline, opened.determination_date) == (
        date(2026, 6, 1), date(2026, 2, 1),
    )  # fmt: skip
    assert opened.priority_score != 0 and opened.p_source == "prior for category underpayment"
    with engine.connect() as conn:
        linked = conn.execute(
            select(case_adj_t.c.group_code, case_adj_t.c.reason_code).where(
                case_adj_t.c.case_id == opened.id
            )
        ).all()
    assert [tuple(r) for r in linked] == [("CO", "45")]
    denials = _cases(engine, "denial")
    assert [c.patient_control_number for c in denials] == (["BOTH"] if pcn == "BOTH" else [])


def test_reingest_and_rechecks_open_nothing_twice(engine: Engine, fees: Path) -> None:
    install_fee_schedule(fees)
    under = claim("U1", charge="100", paid="70", adjustments=[("CO", "45", "30")])
    ingest(engine, remittance([under]))
    # the same claim re-adjudicated on a later remittance, still underpaid
    again = claim("U1", charge="100", paid="72", adjustments=[("CO", "45", "28")])
    ingest(engine, remittance([again], payment_date=date(2026, 3, 1)))
    with engine.begin() as conn:
        rerun = open_underpayment_cases(conn, installed_fee_schedule())
    assert rerun.opened == 0 and len(rerun.check.underpaid) == 2
    (only,) = _cases(engine, "underpayment")
    assert (only.patient_control_number, only.at_risk) == ("U1", D("10.00"))


def test_without_a_schedule_nothing_is_checked_and_the_run_says_so(
    engine: Engine, fees: Path, tmp_path: Path
) -> None:
    under = claim("U2", charge="100", paid="70", adjustments=[("CO", "45", "30")])
    path = tmp_path / "u2.835"
    path.write_text(format_835([remittance([under])]), "utf-8")
    summary = ingest_paths(engine, [path])
    assert summary.underpayment_check == f"skipped: {SKIPPED}"
    assert summary.to_json()["underpayment_cases_opened"] == 0
    assert _cases(engine) == []
    with engine.begin() as conn:
        assert open_underpayment_cases(conn, None).skipped == SKIPPED


def test_a_schedule_loaded_after_the_remittances_opens_cases_with_db(
    engine: Engine, fees: Path
) -> None:
    ingest(engine, remittance([claim("LATE", charge="100", paid="70",
                                     adjustments=[("CO", "45", "30")])]))  # fmt: skip
    assert _cases(engine) == []
    url = engine.url.render_as_string(hide_password=False)
    without_db = runner.invoke(app, ["refdata", "load-fees", str(fees)])
    assert without_db.exit_code == 0 and "give --db" in without_db.stdout
    assert _cases(engine) == []
    loaded = runner.invoke(app, ["refdata", "load-fees", str(fees), "--db", url, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["cases_opened"] == 1
    again = runner.invoke(app, ["refdata", "load-fees", str(fees), "--db", url])
    assert again.exit_code == 0 and "0 underpayment cases opened" in again.stdout
    (opened,) = _cases(engine, "underpayment")
    assert opened.patient_control_number == "LATE" and opened.at_risk == D("10.00")


def test_the_case_shows_in_the_queue_and_case_show_and_stays_out_of_denial_kpis(
    engine: Engine, fees: Path
) -> None:
    install_fee_schedule(fees)
    ingest(
        engine,
        remittance(
            [
                claim("Q-UNDER", charge="100", paid="70", adjustments=[("CO", "45", "30")]),
                claim("Q-DENIED", charge="100", paid="0", adjustments=[("CO", "50", "100")]),
            ]
        ),
    )
    page = queue_page(engine, QueueFilters(category="underpayment"))
    assert [(r["claim"], r["kind"], r["owner"]) for r in map(as_record, page.rows)] == [
        ("Q-UNDER", "underpayment", "managed_care")
    ]
    (under,) = _cases(engine, "underpayment")
    url = engine.url.render_as_string(hide_password=False)
    shown = runner.invoke(app, ["case", "show", str(under.id), "--db", url, "--json"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)["case"]
    assert (record["kind"], record["expected_payment"], record["at_risk"]) == (
        "underpayment", "80.00", "10.00",
    )  # fmt: skip
    assert record["next_deadline"] == "2026-06-01"
    text = runner.invoke(app, ["case", "show", str(under.id), "--db", url]).stdout
    assert "kind           underpayment" in text and "dispute_underpayment" in text
    # a later remittance about the claim decides the denial case, never the underpayment
    ingest(engine, remittance([claim("Q-UNDER", charge="100", paid="80",
                                     adjustments=[("CO", "45", "20")])],
                              payment_date=date(2026, 3, 1)))  # fmt: skip
    assert _cases(engine, "underpayment")[0].state == "new"
    analytics = open_analytics(engine)
    try:
        kpis = compute_kpis(analytics, as_of=date(2026, 3, 15)).to_json()["metrics"]
    finally:
        analytics.close()
    assert sum(kpis["open_denials_by_aging"].values()) == 1  # Q-DENIED only
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case_t)).scalar_one() == 2


def test_reversed_claims_and_reversals_are_not_checked(engine: Engine, fees: Path) -> None:
    install_fee_schedule(fees)
    original = claim("REV", charge="100", paid="70", adjustments=[("CO", "45", "30")])
    ingest(engine, remittance([original]))
    reversal = claim(
        "REV", charge="-100", paid="-70", adjustments=[("CO", "45", "-30")], status="22"
    )
    ingest(engine, remittance([reversal], payment_date=date(2026, 3, 1)))
    with engine.begin() as conn:
        check = open_underpayment_cases(conn, installed_fee_schedule()).check
    assert check.underpaid == [] and check.checked == 0
