"""End to end on generated data: base remittances open cases, follow-ups close them."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, Table, func, select

from denialops.pipeline import ingest_paths
from denialops.store import schema
from denialops.synth.generate import SynthConfig, generate, generate_followups
from denialops.work.cases import case_t
from denialops.x12.write835 import format_835

claim_t = cast(Table, schema.Claim.__table__)
CONFIG = SynthConfig(
    seed=11, claims=250, start=date(2025, 1, 1), end=date(2025, 3, 31), followup_rate=1.0
)


def _ingest(engine: Engine, remittances: list[object], name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(format_835(remittances), encoding="utf-8")  # type: ignore[arg-type]
        ingest_paths(engine, [path])


def test_followups_close_each_case_with_the_payment_they_carry(engine: Engine) -> None:
    _ingest(engine, list(generate(CONFIG)), "base.835")
    with engine.connect() as conn:
        opened = conn.execute(select(func.count()).select_from(case_t)).scalar_one()
        denied_claims = conn.execute(
            select(claim_t.c.patient_control_number, claim_t.c.payer_id)
            .where(claim_t.c.denial_status != "paid", claim_t.c.status != "22")
            .distinct()
        ).all()
    # one case per denied claim (a claim is its patient control number at its payer)
    assert opened == len(denied_claims) > 10

    followups = list(generate_followups(CONFIG))
    later = [c for r in followups for c in r.claims]
    _ingest(engine, followups, "later.835")

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(case_t)).scalar_one() == opened
        cases = {
            (row.patient_control_number, row.payer_id): row
            for row in conn.execute(select(case_t)).all()
        }
        payer_of = dict(
            conn.execute(
                select(claim_t.c.id, claim_t.c.payer_id).where(
                    claim_t.c.remittance_id
                    == select(func.max(claim_t.c.remittance_id)).scalar_subquery()
                )
            ).all()
        )
    assert payer_of
    states = Counter()
    checked = 0
    for claim in later:
        matches = [c for (pcn, _payer), c in cases.items() if pcn == claim.patient_control_number]
        if not matches:
            continue
        case = matches[0]
        checked += 1
        states[case.state] += 1
        assert case.outcome_remittance_id is not None
        expected = max(claim.paid - case.paid_initial, Decimal(0))
        assert case.recovered == expected
        if expected == 0:
            # denied again before anyone worked it: still to be worked (not "lost");
            # paid again but no more than before, without a denial: lost
            assert case.state in ("new", "lost")
            assert case.state == "lost" or case.decided_on is not None
        else:
            assert case.state == ("won" if expected >= case.at_risk else "partially_won")
    assert checked >= opened * 0.8
    assert states["new"] > 0 and states["won"] + states["partially_won"] > 0
