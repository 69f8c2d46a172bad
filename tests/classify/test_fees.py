"""The fee-schedule check of contractual adjustments (issue 14), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from denialops import codes
from denialops.classify.fees import (
    SKIPPED,
    check_contractual,
    installed_fee_schedule,
    parse_fee_schedule,
)
from denialops.cli import app
from denialops.errors import CodeSetError
from tests.classify.helpers import sample, store

D = Decimal
runner = CliRunner()

SCHEDULE = """payer,code,modifier,allowed,effective_from,effective_to
PAYER1,99213,,80.00,2025-01-01,2025-12-31
PAYER1,99213,25,90.00,2025-01-01,
PAYER1,99213,,60.00,2024-01-01,2024-12-31
OTHER,99213,,500.00,2025-01-01,
"""


@pytest.fixture(autouse=True)
def _own_codes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "codes"
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(folder))
    return folder


@pytest.mark.parametrize(
    ("payer", "code", "modifier", "on", "expected"),
    [
        ("PAYER1", "99213", "", date(2025, 2, 10), D("80.00")),
        ("PAYER1", "99213", "25", date(2025, 2, 10), D("90.00")),  # exact modifier first
        ("PAYER1", "99213", "59", date(2025, 2, 10), D("80.00")),  # else the plain row
        ("PAYER1", "99213", "", date(2024, 6, 1), D("60.00")),  # dated
        ("PAYER1", "99213", "", date(2023, 6, 1), None),
        ("PAYER2", "99213", "", date(2025, 2, 10), None),
        ("PAYER1", "99214", "", date(2025, 2, 10), None),
    ],
)
def test_expected_amount_by_payer_code_modifier_and_date(
    payer: str, code: str, modifier: str, on: date, expected: Decimal | None
) -> None:
    schedule = parse_fee_schedule(SCHEDULE)
    assert schedule.expected(payer, code, modifier, on) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("payer,code,allowed\n", "line 1: expected the columns"),
        (
            "payer,code,modifier,allowed,effective_from,effective_to\nP,1,,abc,2025-01-01,\n",
            "line 2: allowed 'abc' is not an amount",
        ),
        (
            "payer,code,modifier,allowed,effective_from,effective_to\nP,1,,5,01/01/2025,\n",
            "line 2: effective_from '01/01/2025' is not YYYY-MM-DD",
        ),
        (
            "payer,code,modifier,allowed,effective_from,effective_to\nP,1,,5,2025-02-01,2025-01-01\n",
            "line 2: effective_to is before effective_from",
        ),
        ("payer,code,modifier,allowed,effective_from,effective_to\n", "no fees found"),
    ],
)
def test_bad_schedules_are_refused_with_the_line(content: str, message: str) -> None:
    with pytest.raises(CodeSetError, match=message):
        parse_fee_schedule(content, source="fees.csv")


def test_without_a_schedule_the_check_says_it_was_skipped(engine: Engine) -> None:
    store(engine, [sample()])
    with engine.connect() as conn:
        check = check_contractual(conn, installed_fee_schedule())
    assert check.skipped == SKIPPED and check.underpaid == [] and check.checked == 0


def test_co45_lines_allowed_below_the_schedule_are_flagged(engine: Engine) -> None:
    """Sample claims A and C each have a CO-45 line: A allows 100 - 30 = 70 and C
    80 - 30 = 50 for 99213 on 2025-02-10, against 80 expected."""
    store(engine, [sample()])
    schedule = parse_fee_schedule(SCHEDULE)
    with engine.connect() as conn:
        check = check_contractual(conn, schedule)
    assert check.skipped is None and check.checked == 2 and check.not_in_schedule == 0
    assert [(u.allowed, u.expected, u.shortfall) for u in check.underpaid] == [
        (D("70.00"), D("80.00"), D("10.00")),
        (D("50.00"), D("80.00"), D("30.00")),
    ]
    generous = parse_fee_schedule(SCHEDULE.replace("80.00", "50.00"))
    with engine.connect() as conn:
        fine = check_contractual(conn, generous)
    assert [u.allowed for u in fine.underpaid] == [] and fine.checked == 2


def test_cli_loads_a_schedule_and_lists_underpaid_lines(
    engine: Engine, tmp_path: Path, _own_codes_dir: Path
) -> None:
    store(engine, [sample()])
    url = engine.url.render_as_string(hide_password=False)
    skipped = runner.invoke(app, ["denials", "underpaid", "--db", url])
    assert skipped.exit_code == 0 and "skipped: no fee schedule loaded" in skipped.stdout
    source = tmp_path / "fees.csv"
    source.write_text(SCHEDULE, "utf-8")
    loaded = runner.invoke(app, ["refdata", "load-fees", str(source)])
    assert loaded.exit_code == 0 and "4 fees loaded" in loaded.stdout
    result = runner.invoke(app, ["denials", "underpaid", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["skipped"] is None
    assert [u["shortfall"] for u in data["underpaid"]] == ["10.00", "30.00"]
    bad = tmp_path / "bad.csv"
    bad.write_text("nope\n", "utf-8")
    refused = runner.invoke(app, ["refdata", "load-fees", str(bad)])
    assert refused.exit_code == 2 and "expected the columns" in refused.stderr
