"""Optimistic locking: real concurrent sessions editing one case; nobody's write is lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from denialops.errors import ConflictError, StateTransitionError, StoreError
from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.work import assign, events, get_case, move
from denialops.work.cases import appeal_t
from tests.work.builders import claim, ingest, remittance


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    upgrade(pg_url)
    engine = make_engine(pg_url)
    ingest(
        engine, remittance([claim("C1", charge="900", paid="0", adjustments=[("CO", "50", "900")])])
    )
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_second_writer_with_a_stale_version_gets_a_conflict(pg_engine: Engine) -> None:
    seen_by_ann = get_case(pg_engine, 1)
    seen_by_bob = get_case(pg_engine, 1)
    move(pg_engine, 1, "triaged", user="ann", expected_version=seen_by_ann.version)
    with pytest.raises(ConflictError, match="case 1 changed since you read it"):
        assign(pg_engine, 1, "bob", user="bob", expected_version=seen_by_bob.version)
    case = get_case(pg_engine, 1)
    assert (case.state, case.assignee, case.version) == ("triaged", None, 2)


@pytest.mark.postgres
def test_two_open_transactions_racing_on_one_case(pg_engine: Engine) -> None:
    """Both sessions read version 1 inside open transactions; the one that commits first wins.

    Ann's write holds the row; Bob's write waits for it, then finds the version moved on
    and gets ConflictError instead of overwriting Ann's change.
    """
    ann_wrote = threading.Event()
    bob_started = threading.Event()
    outcome: dict[str, object] = {}

    def ann() -> None:
        with pg_engine.connect() as conn, conn.begin():
            move(conn, 1, "triaged", user="ann", expected_version=1)
            ann_wrote.set()
            bob_started.wait(10)
            # give Bob's UPDATE time to reach the row lock before committing
            threading.Event().wait(0.5)
        outcome["ann"] = "committed"

    def bob() -> None:
        ann_wrote.wait(10)
        with pg_engine.connect() as conn:
            try:
                with conn.begin():
                    bob_started.set()
                    assign(conn, 1, "bob", user="bob", expected_version=1)
                outcome["bob"] = "committed"
            except ConflictError as exc:
                outcome["bob"] = exc

    threads = [threading.Thread(target=ann), threading.Thread(target=bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome["ann"] == "committed"
    assert isinstance(outcome["bob"], ConflictError)
    assert "it is now 2" in str(outcome["bob"])  # Bob waited for Ann, then saw her version
    case = get_case(pg_engine, 1)
    assert (case.state, case.assignee, case.version) == ("triaged", None, 2)
    assert [e.actor for e in events(pg_engine, 1)] == ["system", "ann"]


@pytest.mark.postgres
def test_sessions_that_do_not_overlap_both_commit(pg_engine: Engine) -> None:
    first = move(pg_engine, 1, "triaged", user="ann", expected_version=1)
    second = assign(pg_engine, 1, "bob", user="bob", expected_version=first.version)
    assert (second.state, second.assignee, second.version) == ("triaged", "bob", 3)


def test_sqlite_writers_queue_up_and_the_stale_one_conflicts(tmp_path: Path) -> None:
    """On SQLite the write lock is taken up front, so racing writers wait, never 'locked'."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(engine, remittance([claim("S1", charge="9", paid="0", adjustments=[("CO", "50", "9")])]))
    start = threading.Barrier(4)
    results: list[object] = []

    def writer(name: str) -> None:
        start.wait()
        try:
            assign(engine, 1, name, user=name, expected_version=1)
            results.append("ok")
        except ConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=writer, args=(f"user{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results.count("ok") == 1
    assert sum(isinstance(r, ConflictError) for r in results) == 3
    assert get_case(engine, 1).version == 2
    engine.dispose()


def test_four_concurrent_appeals_file_one_level_and_invent_no_decision(db_url: str) -> None:
    """Four `case move X appealed` at once without --expect-version: one appeal, level 1.

    Each writer takes the case's row lock (FOR UPDATE / BEGIN IMMEDIATE) and re-reads the
    state under it; the three that come second find the case already appealed and do
    nothing, instead of escalating and closing the earlier levels as "upheld".
    """
    upgrade(db_url)
    engine = make_engine(db_url)
    ingest(engine, remittance([claim("R1", charge="9", paid="0", adjustments=[("CO", "50", "9")])]))
    for step in ("triaged", "in_progress"):
        move(engine, 1, step, user="setup")
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        start.wait()
        try:
            move(engine, 1, "appealed", user=name)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(f"user{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    case = get_case(engine, 1)
    assert (case.state, case.appeal_level) == ("appealed", 1)
    with engine.connect() as conn:
        rows = conn.execute(select(appeal_t.c.level, appeal_t.c.outcome)).all()
    assert [tuple(r) for r in rows] == [(1, None)]
    assert [e.new_value for e in events(engine, 1) if e.field == "state"][-1] == "appealed"
    assert sum(e.new_value == "appealed" for e in events(engine, 1) if e.field == "state") == 1
    engine.dispose()


def test_levels_never_pass_the_payer_maximum_even_after_reopening(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    ingest(engine, remittance([claim("L1", charge="9", paid="0", adjustments=[("CO", "50", "9")])]))
    for step in ("triaged", "in_progress", "appealed"):
        move(engine, 1, step, user="ann")
    for _ in range(4):
        move(
            engine, 1, "appealed", user="ann", next_level=True, decided_on=datetime.now(UTC).date()
        )
    assert get_case(engine, 1).appeal_level == 5  # Medicare (filing MB) has five levels
    for step in ("lost", "reopened", "in_progress"):
        move(engine, 1, step, user="ann")
    for target in ("appealed", "external_review"):
        with pytest.raises(StateTransitionError, match="beyond level 5"):
            move(engine, 1, target, user="ann")
    assert get_case(engine, 1).appeal_level == 5
    engine.dispose()


def test_billing_the_patient_is_refused_for_a_contractual_denial(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    ingest(engine, remittance([claim("B1", charge="9", paid="0", adjustments=[("CO", "50", "9")])]))
    move(engine, 1, "triaged", user="ann")
    with pytest.raises(StateTransitionError, match=r"cannot bill the patient for a CO-50 denial"):
        move(engine, 1, "billed_patient", user="ann")
    assert get_case(engine, 1).state == "triaged"
    engine.dispose()


def test_ids_beyond_the_integer_range_are_no_case(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    for huge in (2**31, 2**63, 10**30, 0, -1):
        with pytest.raises(StoreError, match=f"no case {huge}"):
            get_case(engine, huge)
        with pytest.raises(StoreError, match=f"no case {huge}"):
            move(engine, huge, "triaged", user="ann")
    engine.dispose()
