"""Applying rules to stored remittances, on SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from denialops import codes
from denialops.classify import load_rules
from denialops.classify.apply import (
    claim_denial_view,
    coverage,
    denial_summary,
    reclassify,
)
from denialops.cli import app
from denialops.store import schema
from tests.classify.helpers import sample, store

D = Decimal
ADJ = schema.Adjustment.__table__
CLAIM = schema.Claim.__table__
HISTORY = schema.ClassificationHistory.__table__
BUNDLED = ("bundling_ncci", "coding")
AUTH = ("authorization", "administrative")


def _adjustments(engine: Engine) -> dict[tuple[str, str], dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(CLAIM.c.patient_control_number, ADJ).join(CLAIM, CLAIM.c.id == ADJ.c.claim_id)
        ).mappings()
        return {
            (r["patient_control_number"], f"{r['group_code']}-{r['reason_code']}"): dict(r)
            for r in rows
        }


def _claims(engine: Engine) -> dict[str, tuple[str, str | None, str | None, Decimal]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                CLAIM.c.patient_control_number,
                CLAIM.c.denial_status,
                CLAIM.c.primary_denial_category,
                CLAIM.c.primary_denial_family,
                CLAIM.c.denied_amount,
            )
        ).all()
    return {r[0]: (r[1], r[2], r[3], D(r[4]).quantize(D("0.01"))) for r in rows}


@pytest.fixture
def codes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "codes"
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(folder))
    return folder


def test_classify_remittance_sets_adjustments_and_claims(engine: Engine, codes_dir: Path) -> None:
    rules = load_rules()
    store(engine, [sample()], rules)
    adjustments = _adjustments(engine)
    bundled = adjustments[("A", "CO-97")]
    assert (bundled["is_denial"], bundled["family"], bundled["category"]) == (
        True,
        "coding",
        "bundled_distinct_service",
    )
    assert bundled["next_action"] == "coder_review"
    assert (
        bundled["rule_id"] == "coder-review-distinct-service"
        and bundled["ruleset_version"] == rules.version
    )
    assert bundled["rarcs"] == ["M15"]
    assert adjustments[("A", "CO-45")]["is_denial"] is False
    assert adjustments[("A", "PR-2")]["next_action"] == "bill_patient"
    assert adjustments[("E", "CO-16")]["category"] == "unprocessable"
    unknown = adjustments[("F", "CO-999")]
    assert (unknown["category"], unknown["family"], unknown["needs_review"]) == (
        "unclassified",
        None,
        True,
    )
    assert all(a["is_denial"] is not None for a in adjustments.values())
    assert _claims(engine) == {
        "A": ("partially_denied", "bundled_distinct_service", "coding", D("50.00")),
        "B": ("fully_denied", "authorization", "administrative", D("200.00")),
        "C": ("paid", None, None, D("0.00")),
        "D": ("paid", None, None, D("0.00")),
        "E": ("fully_denied", "coverage_policy", "clinical", D("120.00")),
        "F": ("partially_denied", "unclassified", None, D("25.00")),
    }


def test_denial_summary_by_family_and_category(engine: Engine, codes_dir: Path) -> None:
    store(engine, [sample()])
    summary = denial_summary(engine)
    assert (summary["denied_lines"], summary["denied_claims"], summary["denied_dollars"]) == (
        5,
        4,
        D("395.00"),
    )
    assert summary["by_family"] == [
        {"family": "administrative", "lines": 1, "claims": 1, "dollars": D("200.00")},
        {"family": "clinical", "lines": 1, "claims": 1, "dollars": D("70.00")},
        {"family": "coding", "lines": 1, "claims": 1, "dollars": D("50.00")},
        {"family": "technical", "lines": 1, "claims": 1, "dollars": D("50.00")},
        {"family": None, "lines": 1, "claims": 1, "dollars": D("25.00")},
    ]
    categories = {row["category"]: row for row in summary["by_category"]}
    assert categories["coverage_policy"] == {
        "family": "clinical",
        "category": "coverage_policy",
        "lines": 1,
        "claims": 1,
        "dollars": D("70.00"),
    }
    assert summary["claims_by_status"] == {"paid": 2, "partially_denied": 2, "fully_denied": 2}
    assert summary["unclassified_adjustments"] == 0


def test_coverage_reports_codes_without_a_rule(engine: Engine, codes_dir: Path) -> None:
    store(engine, [sample()])
    rows = coverage(engine, load_rules())
    assert [(r.group, r.carc, r.adjustments, r.claims, r.dollars) for r in rows] == [
        ("CO", "999", 1, 1, D("25.00"))
    ]
    assert "CARC '999' is not on the CARC list" in rows[0].reason


def test_reclassify_keeps_history_and_updates_claims(
    engine: Engine, codes_dir: Path, tmp_path: Path
) -> None:
    store(engine, [sample()], load_rules())
    # a newer code list brings CARC 999, and a user rules file covers it and re-files CO-97
    newer = tmp_path / "carc-new.csv"
    newer.write_text('Code,Description\n"999","A newer reason.\nStart: 01/01/2025"\n', "utf-8")
    codes.load_code_file(newer)
    user = tmp_path / "rules.yaml"
    user.write_text(
        "rules:\n"
        '  - {carc: "999", category: contractual}\n'
        '  - {id: co-97-m15-ours, group: CO, carc: "97", rarc: M15, category: modifier}\n',
        "utf-8",
    )
    rules = load_rules(user)
    assert coverage(engine, rules) == []
    summary = reclassify(engine, rules)
    assert summary.examined == 9
    assert summary.changed == 2 and summary.history_rows == 2
    assert summary.stamped == 7
    assert summary.moves == {
        "bundled_distinct_service -> modifier": 1,
        "unclassified -> contractual": 1,
    }
    assert summary.claims_updated == 2
    with engine.connect() as conn:
        history = conn.execute(
            select(HISTORY.c.category, HISTORY.c.rule_id).order_by(HISTORY.c.category)
        ).all()
        versions = set(conn.execute(select(ADJ.c.ruleset_version)).scalars())
    assert [tuple(h) for h in history] == [
        ("bundled_distinct_service", "coder-review-distinct-service"),
        ("unclassified", None),
    ]
    assert versions == {rules.version}
    claims = _claims(engine)
    assert claims["A"] == ("partially_denied", "modifier", "coding", D("50.00"))
    assert claims["F"] == ("paid", None, None, D("0.00"))
    # nothing left to change the second time
    again = reclassify(engine, rules)
    assert (again.changed, again.history_rows, again.stamped) == (0, 0, 0)


def test_cli_over_a_database(engine: Engine, codes_dir: Path, tmp_path: Path) -> None:
    store(engine, [sample()])
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["denials", "summary", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["denied_dollars"] == "395.00"
    assert data["by_family"][0] == {
        "family": "administrative",
        "lines": 1,
        "claims": 1,
        "dollars": "200.00",
    }
    text = runner.invoke(app, ["denials", "summary", "--db", url])
    assert "denied: 5 lines, 4 claims, 395.00 dollars" in text.stdout
    assert "coverage_policy" in text.stdout

    cov = runner.invoke(app, ["rules", "coverage", "--db", url, "--json"])
    assert cov.exit_code == 0, cov.output
    assert json.loads(cov.stdout)["unclassified"][0]["dollars"] == "25.00"

    user = tmp_path / "rules.yaml"
    user.write_text('rules:\n  - {group: CO, carc: "97", rarc: M15, category: modifier}\n', "utf-8")
    re = runner.invoke(app, ["reclassify", "--db", url, "--rules", str(user), "--json"])
    assert re.exit_code == 0, re.output
    assert json.loads(re.stdout)["moves"] == {"bundled_distinct_service -> modifier": 1}


@pytest.mark.parametrize(
    ("status", "paid", "denied", "patient", "expected"),
    [
        (
            "1",
            "60",
            {("bundling_ncci", "coding"): D("50")},
            "10",
            ("partially_denied", "bundling_ncci"),
        ),
        ("4", "0", {}, "0", ("fully_denied", None)),
        (
            "1",
            "0",
            {("authorization", "administrative"): D("100")},
            "0",
            ("fully_denied", "authorization"),
        ),
        (
            "1",
            "0",
            {("authorization", "administrative"): D("100")},
            "20",
            ("partially_denied", "authorization"),
        ),
        ("1", "100", {}, "0", ("paid", None)),
        ("22", "-60", {BUNDLED: D("-50")}, "0", ("paid", None)),
        (
            "1",
            "10",
            {("b", "coding"): D("30"), ("a", "clinical"): D("30"), ("c", "technical"): D("5")},
            "0",
            ("partially_denied", "a"),
        ),
    ],
)
def test_claim_view(
    status: str,
    paid: str,
    denied: dict[tuple[str, str], Decimal],
    patient: str,
    expected: tuple[str, str | None],
) -> None:
    view = claim_denial_view(status, D(paid), dict(denied), D(patient))  # type: ignore[arg-type]
    assert (view.denial_status, view.primary_category) == expected
    assert view.denied_amount == sum(denied.values(), D("0"))


def test_nothing_stored_gives_an_empty_summary(engine: Engine) -> None:
    summary = denial_summary(engine)
    assert summary["denied_dollars"] == D("0.00") and summary["by_family"] == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HISTORY)).scalar_one() == 0
