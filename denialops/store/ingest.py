"""Storing 835 transaction sets: the database side of ingest, one set at a time.

These are the primitives :mod:`denialops.pipeline` composes; this module knows nothing
about classification, cases or analytics (``store`` imports none of them).

- :func:`open_source_file` / :func:`close_source_file`: a file is known by its sha256; a
  row without ``completed_at`` belongs to an interrupted run and is resumed.
- :func:`store_checked` stores one remittance with its claims, lines, adjustments and
  PLBs; :func:`existing_remittance` finds a payment stored before (its fingerprint).
- :func:`quarantine` keeps an unreadable or unstorable transaction set whole with its
  error, keyed by file and position.
- Out-of-balance lines, claims and payments are stored as received with
  ``balanced=False`` (:func:`balance_flags`); nothing is "fixed".

SQLite has one writer: each write transaction opens with ``BEGIN IMMEDIATE`` so the id
ranges :mod:`denialops.store.load` reserves cannot be taken by anyone else.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, update

from denialops.money import fmt
from denialops.store import schema
from denialops.store.database import SQLDialect, driver_cursor
from denialops.store.database import write_transaction as database_write_transaction
from denialops.store.files import Source
from denialops.store.load import (
    ZLIB_LEVEL,
    BalanceFlags,
    StoredRemittance,
    ToStore,
    fingerprint,
    store_remittance,
    store_remittances,
)
from denialops.x12.balance import BalanceProblem, check_balance
from denialops.x12.remittance import Remittance

SOURCE_FILE = cast(Table, schema.SourceFile.__table__)
REMITTANCE = cast(Table, schema.Remittance.__table__)
QUARANTINE = cast(Table, schema.Quarantine.__table__)


# --------------------------------------------------------------------------- transactions


@contextmanager
def write_transaction(conn: Connection) -> Iterator[None]:
    """Deprecated: :func:`denialops.store.database.write_transaction` (the one primitive)."""
    with database_write_transaction(conn):
        yield


# --------------------------------------------------------------------------- balance


def _claim_index(rem: Remittance, problem: BalanceProblem) -> int | None:
    """Which claim a problem is about; problems name claims by CLP01, which can repeat
    (an original and its reversal), so a repeated one is settled by re-checking each."""
    matches = [i for i, c in enumerate(rem.claims) if c.patient_control_number == problem.claim]
    if len(matches) <= 1:
        return matches[0] if matches else None
    for index in matches:
        alone = Remittance(envelope=rem.envelope, payment=rem.payment, claims=[rem.claims[index]])
        if any(
            p.level == problem.level and p.line == problem.line and p.rule == problem.rule
            for p in check_balance(alone)
        ):
            return index
    return None


def balance_flags(rem: Remittance, problems: Sequence[BalanceProblem]) -> BalanceFlags:
    """Which payment/claims/lines the balancing rules flag, as indexes for the loader."""
    flags = BalanceFlags()
    for problem in problems:
        flags.messages.append(problem.message)
        if problem.level == "payment":
            flags.payment = False
            continue
        index = _claim_index(rem, problem)
        if index is None:
            continue
        if problem.level == "claim":
            flags.claims.add(index)
        else:
            flags.lines.add((index, problem.line - 1))
    return flags


def unbalanced_entries(
    source_name: str, rem: Remittance, problems: Sequence[BalanceProblem]
) -> list[dict[str, Any]]:
    """The ``unbalanced`` items of an ingest summary for one remittance."""
    return [
        {
            "file": source_name,
            "st_control": rem.envelope.st_control,
            "trace_number": rem.trace_number,
            "level": problem.level,
            "claim": problem.claim or None,
            "line": problem.line or None,
            "rule": problem.rule,
            "expected": fmt(problem.expected),
            "actual": fmt(problem.actual),
            "message": problem.message,
        }
        for problem in problems
    ]


# --------------------------------------------------------------------------- one remittance


def existing_remittance(conn: Connection, fingerprint_value: str) -> tuple[int, int] | None:
    """(id, file id) of the stored remittance with this fingerprint, if any."""
    return existing_remittances(conn, [fingerprint_value]).get(fingerprint_value)


def existing_remittances(
    conn: Connection, fingerprints: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """(id, file id) of the stored remittances among these fingerprints, by fingerprint."""
    if not fingerprints:
        return {}
    mark = SQLDialect.of(conn).placeholder
    found: dict[str, tuple[int, int]] = {}
    cursor = driver_cursor(conn)
    try:
        for start in range(0, len(fingerprints), 500):
            chunk = fingerprints[start : start + 500]
            cursor.execute(
                "SELECT fingerprint, id, file_id FROM remittance WHERE fingerprint IN "
                f"({', '.join([mark] * len(chunk))})",
                tuple(chunk),
            )
            for fingerprint_value, remittance_id, file_id in cursor.fetchall():
                found[fingerprint_value] = (int(remittance_id), int(file_id))
    finally:
        cursor.close()
    return found


def stored_traces(conn: Connection, traces: Sequence[str]) -> set[tuple[str, str]]:
    """(payer id, trace number) of the stored remittances with one of these trace numbers."""
    found: set[tuple[str, str]] = set()
    unique = sorted(set(traces))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = conn.execute(
            select(REMITTANCE.c.payer_id, REMITTANCE.c.trace_number).where(
                REMITTANCE.c.trace_number.in_(chunk)
            )
        )
        found.update((str(payer), str(trace)) for payer, trace in rows)
    return found


def store_batch(
    conn: Connection,
    file_id: int,
    items: Sequence[tuple[Remittance, str, Sequence[BalanceProblem]]],
) -> list[StoredRemittance]:
    """Store remittances whose fingerprints are known to be new, as one batch of rows."""
    return store_remittances(
        conn,
        file_id,
        [
            ToStore(rem, fingerprint_value, balance_flags(rem, problems))
            for rem, fingerprint_value, problems in items
        ],
    )


def store_checked(
    conn: Connection,
    rem: Remittance,
    file_id: int,
    fingerprint_value: str,
    problems: Sequence[BalanceProblem],
) -> StoredRemittance:
    """Store a remittance whose fingerprint is known to be new, flagging what is unbalanced."""
    return store_remittance(
        conn,
        rem,
        file_id,
        fingerprint_value=fingerprint_value,
        flags=balance_flags(rem, problems),
    )


def ingest_remittance(conn: Connection, rem: Remittance, file_id: int) -> int | None:
    """Store one remittance in the caller's transaction; None if the payment is stored already.

    Runs nothing after storing and does not commit: :mod:`denialops.pipeline` does both.
    """
    fingerprint_value = fingerprint(rem)
    if existing_remittance(conn, fingerprint_value) is not None:
        return None
    stored = store_checked(conn, rem, file_id, fingerprint_value, check_balance(rem))
    return stored.remittance_id


# --------------------------------------------------------------------------- quarantine


def quarantine(
    conn: Connection,
    *,
    file_id: int | None,
    path: str,
    segment_number: int | None,
    byte_offset: int | None,
    st_control: str,
    error: str,
    raw: bytes,
    error_segment: int | None = None,
    error_element: str | None = None,
    delimiters: str | None = None,
) -> bool:
    """Keep an unreadable or unstorable transaction set (or file tail) whole with its
    error; one row per file and position, False if that position is kept already (a
    resumed run). The same bytes in two files are two rows."""
    where = (
        QUARANTINE.c.file_id == file_id if file_id is not None else QUARANTINE.c.path == path,
        QUARANTINE.c.byte_offset == byte_offset
        if byte_offset is not None
        else QUARANTINE.c.byte_offset.is_(None),
    )
    if conn.execute(select(QUARANTINE.c.id).where(*where)).first() is not None:
        return False
    conn.execute(
        QUARANTINE.insert(),
        {
            "file_id": file_id,
            "path": path,
            "segment_number": segment_number,
            "byte_offset": byte_offset,
            "st_control": st_control,
            "error": error,
            "raw_text": zlib.compress(raw, ZLIB_LEVEL),
            "raw_sha256": hashlib.sha256(raw).hexdigest(),
            "created_at": datetime.now(UTC),
            "error_segment": error_segment,
            "error_element": error_element,
            "delimiters": delimiters,
        },
    )
    return True


# --------------------------------------------------------------------------- files


def open_source_file(conn: Connection, source: Source, sha: str) -> tuple[int, bool] | None:
    """In the caller's transaction: the file's id and whether it is resumed; None when it
    was ingested completely before."""
    row = conn.execute(
        select(SOURCE_FILE.c.id, SOURCE_FILE.c.completed_at).where(SOURCE_FILE.c.sha256 == sha)
    ).first()
    if row is not None:
        return None if row[1] is not None else (int(row[0]), True)
    result = conn.execute(
        SOURCE_FILE.insert().returning(SOURCE_FILE.c.id),
        {
            "path": source.name,
            "name": Path(source.member or source.path.name).name,
            "sha256": sha,
            "size_bytes": source.size,
            "ingested_at": datetime.now(UTC),
            "transactions": 0,
            "quarantined": 0,
        },
    )
    return int(result.scalar_one()), False


def close_source_file(conn: Connection, file_id: int) -> None:
    """In the caller's transaction: record the file's counts and mark it complete."""
    stored = conn.execute(
        select(func.count()).select_from(REMITTANCE).where(REMITTANCE.c.file_id == file_id)
    ).scalar_one()
    kept = conn.execute(
        select(func.count()).select_from(QUARANTINE).where(QUARANTINE.c.file_id == file_id)
    ).scalar_one()
    conn.execute(
        update(SOURCE_FILE)
        .where(SOURCE_FILE.c.id == file_id)
        .values(transactions=stored, quarantined=kept, completed_at=datetime.now(UTC))
    )
