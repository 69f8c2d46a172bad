"""Cases and outcomes do not depend on the order remittance files arrive in (issue 9).

The same four files (originals, a follow-up that pays or reverses and repays, a later
denial of the same claim, an earlier-dated denial whose payment comes later) ingested in
any order give the same cases with the same states, amounts, dates and opening
remittances: a case opens at the first denial in the payer's dates and the claims after
it are judged in that order.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.work.cases import case_t, remit_t
from denialops.x12.remittance import Remittance
from tests.work.builders import claim, ingest, remittance


def _files() -> list[Remittance]:
    return [
        remittance(
            [
                claim(
                    "A1",
                    charge="1000",
                    paid="0",
                    adjustments=[("CO", "50", "1000")],
                    allowed="900",
                ),
                claim("A2", charge="300", paid="200", adjustments=[("CO", "4", "100")]),
                claim("A3", charge="800", paid="0", adjustments=[("CO", "197", "800")]),
            ],
            payment_date=date(2026, 2, 2),
        ),
        remittance(
            [
                claim("A1", charge="1000", paid="600", adjustments=[("CO", "45", "400")]),
                claim(
                    "A2", charge="-300", paid="-200", status="22", adjustments=[("CO", "4", "-100")]
                ),
                claim("A2", charge="300", paid="300", frequency="7"),
                claim("A5", charge="500", paid="500"),
            ],
            payment_date=date(2026, 4, 6),
        ),
        remittance(
            [
                claim("A3", charge="800", paid="0", adjustments=[("CO", "197", "800")]),
                claim("A4", charge="250", paid="0", adjustments=[("CO", "16", "250")]),
            ],
            payment_date=date(2026, 5, 10),
        ),
        remittance(
            [claim("A5", charge="500", paid="0", adjustments=[("CO", "50", "500")])],
            payment_date=date(2026, 3, 1),
        ),
    ]


FILES = _files()


def _snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                case_t.c.patient_control_number,
                case_t.c.state,
                case_t.c.at_risk,
                case_t.c.paid_initial,
                case_t.c.paid_to_date,
                case_t.c.recovered,
                case_t.c.determination_date,
                case_t.c.decided_on,
                case_t.c.category,
                remit_t.c.trace_number,
            )
            .join(remit_t, remit_t.c.id == case_t.c.remittance_id)
            .order_by(case_t.c.patient_control_number)
        ).all()
    return [tuple(r) for r in rows]


def _run(url: str, order: list[int]) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        for index in order:
            ingest(engine, FILES[index])
        return _snapshot(engine)
    finally:
        engine.dispose()


def _fresh_sqlite(template: Path, folder: str, name: str) -> str:
    path = Path(folder) / f"{name}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("order") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def expected(template: Path) -> list[tuple[object, ...]]:
    with tempfile.TemporaryDirectory() as folder:
        return _run(_fresh_sqlite(template, folder, "first"), [0, 1, 2, 3])


def test_the_chronological_order_gives_the_expected_cases(
    expected: list[tuple[object, ...]],
) -> None:
    states = {row[0]: row[1] for row in expected}
    assert states == {
        "A1": "partially_won",  # 600 of the 900 allowed paid on appeal
        "A2": "won",  # reversed and repaid in full
        "A3": "new",  # denied again before anyone worked it: still to be worked
        "A4": "new",
        "A5": "won",  # denied in March, paid in April
    }
    a5 = next(row for row in expected if row[0] == "A5")
    assert (a5[6], a5[7]) == (date(2026, 3, 1), date(2026, 4, 6))  # denied, decided


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=st.permutations([0, 1, 2, 3]))
def test_any_file_order_gives_the_same_cases_and_outcomes(
    template: Path, expected: list[tuple[object, ...]], order: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert _run(_fresh_sqlite(template, folder, "perm"), order) == expected


@pytest.mark.postgres
def test_reverse_order_on_postgresql(pg_url: str, expected: list[tuple[object, ...]]) -> None:
    upgrade(pg_url)
    assert _run(pg_url, [3, 2, 1, 0]) == expected
