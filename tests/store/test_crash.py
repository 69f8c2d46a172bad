"""A real crash: ``kill -9`` during ingest leaves no partial transaction set; a rerun completes.

The ingest runs in a child process (:mod:`tests.store.crash_child`, whose hook lingers
inside each open transaction so the kill lands mid-write); once the database shows
committed transaction sets we kill it without warning, check that every stored
remittance is whole, then ingest again and check the totals are those of the full file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from denialops.money import total
from denialops.pipeline import ingest_paths
from denialops.store import schema
from tests.store.factories import claim, remittance, service_line
from tests.store.helpers import url_of, write_835_file

REMITTANCES = 120
CLAIMS_PER_REMITTANCE = 10


def _big_file(path: Path) -> tuple[int, Decimal]:
    rems = [
        remittance(
            [
                claim(
                    f"P{r}-{c}",
                    icn=f"I{r}-{c}",
                    lines=[service_line(), service_line("97110", "80.00", "80.00", control="L2")],
                )
                for c in range(CLAIMS_PER_REMITTANCE)
            ],
            trace=f"T{r}",
            st_control=f"{r + 1:04d}",
        )
        for r in range(REMITTANCES)
    ]
    write_835_file(path, rems)
    return sum(len(r.claims) for r in rems), total(c.paid for r in rems for c in r.claims)


def _assert_no_partial_sets(engine: Engine) -> int:
    """Every stored remittance has all its claims and every claim all its lines."""
    with engine.connect() as conn:
        claims_per_rem = dict(
            conn.execute(
                select(schema.Claim.remittance_id, func.count()).group_by(
                    schema.Claim.remittance_id
                )
            ).all()
        )
        for rem_id, claim_count in conn.execute(
            select(schema.Remittance.id, schema.Remittance.claim_count)
        ):
            assert claims_per_rem.get(rem_id, 0) == claim_count, rem_id
        lines_per_claim = dict(
            conn.execute(
                select(schema.ServiceLine.claim_id, func.count()).group_by(
                    schema.ServiceLine.claim_id
                )
            ).all()
        )
        for claim_id, line_count in conn.execute(select(schema.Claim.id, schema.Claim.line_count)):
            assert lines_per_claim.get(claim_id, 0) == line_count, claim_id
        return int(conn.execute(select(func.count()).select_from(schema.Remittance)).scalar_one())


def _stored_remittances(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.Remittance)).scalar_one())


def test_kill_9_mid_ingest_leaves_whole_sets_and_a_rerun_completes(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "big.835"
    claim_count, paid = _big_file(path)
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_child", str(path), url_of(engine)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while _stored_remittances(engine) < 3:
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "ingest never committed a transaction set"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL  # killed, not finished
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()

    stored_before = _assert_no_partial_sets(engine)
    assert 3 <= stored_before < REMITTANCES
    with engine.connect() as conn:
        assert conn.execute(select(schema.SourceFile.completed_at)).scalar_one() is None

    summary = ingest_paths(engine, [path], steps=[])
    assert summary.files == 1 and summary.files_skipped == 0
    assert summary.resumed_transactions == stored_before
    assert summary.transactions == REMITTANCES - stored_before
    assert summary.duplicates_skipped == 0

    assert _assert_no_partial_sets(engine) == REMITTANCES
    with engine.connect() as conn:
        stored_claims = conn.execute(select(func.count()).select_from(schema.Claim)).scalar_one()
        stored_paid = conn.execute(select(func.sum(schema.Claim.paid))).scalar_one()
        source = conn.execute(select(schema.SourceFile)).one()
    assert stored_claims == claim_count
    assert Decimal(stored_paid).quantize(Decimal("0.01")) == paid
    assert source.completed_at is not None and source.transactions == REMITTANCES

    # And now the file is known: a third run stores nothing.
    assert ingest_paths(engine, [path], steps=[]).files_skipped == 1


def test_python_dash_m_denialops_runs(sqlite_url: str, tmp_path: Path) -> None:
    path = write_835_file(tmp_path / "one.835", [remittance([claim("P1")], trace="T1")])
    done = subprocess.run(
        [sys.executable, "-m", "denialops", "ingest", str(path), "--db", sqlite_url, "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"transactions": 1' in done.stdout
