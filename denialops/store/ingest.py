"""Ingesting 835 files into the database: one atomic database transaction per ST..SE.

The rules, in the order they apply to each source:

- A file whose sha256 was ingested to the end before is skipped ("already ingested").
  A file row without ``completed_at`` belongs to an interrupted run and is resumed:
  the transaction sets already stored are recognised by fingerprint and left alone.
- Each transaction set is stored with all its claims, lines, adjustments and PLBs, and
  the ingest hooks (classification, work cases) run on the same connection before the
  commit, so a crash at any point leaves either all of it or none of it.
- A payment already stored (same fingerprint: payer, trace number, amount, date, claim
  count and totals) is skipped and counted in ``duplicates_skipped``.
- A transaction set the reader rejects is quarantined (raw text, file, position, error)
  while the good ones around it are stored; the same raw text is quarantined once.
- Out-of-balance lines, claims and payments are stored as received with
  ``balanced=False`` and listed in the summary; nothing is "fixed".

SQLite has one writer: each write transaction opens with ``BEGIN IMMEDIATE`` so the id
ranges :mod:`denialops.store.load` reserves cannot be taken by anyone else.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, select, update
from sqlalchemy.exc import DataError, IntegrityError

from denialops.errors import X12Error
from denialops.money import ZERO, fmt, total
from denialops.store import schema
from denialops.store.database import SQLDialect, driver_cursor
from denialops.store.database import write_transaction as database_write_transaction
from denialops.store.files import Source, discover
from denialops.store.hooks import IngestHook, default_hooks
from denialops.store.load import (
    ZLIB_LEVEL,
    BalanceFlags,
    StoredRemittance,
    fingerprint,
    store_remittance,
)
from denialops.x12.balance import BalanceProblem, check_balance
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse835 import read_835
from denialops.x12.remittance import Remittance

ProgressCallback = Callable[[int], None]

BULK_WAL_PAGES = 20_000
DEFAULT_WAL_PAGES = 1_000  # SQLite's own default

SOURCE_FILE = cast(Table, schema.SourceFile.__table__)
REMITTANCE = cast(Table, schema.Remittance.__table__)
QUARANTINE = cast(Table, schema.Quarantine.__table__)


@dataclass
class IngestSummary:
    """What one ingest run did; :meth:`to_json` is the ``--json`` output."""

    files: int = 0
    transactions: int = 0
    claims: int = 0
    service_lines: int = 0
    adjustments: int = 0
    total_charge: Decimal = ZERO
    total_paid: Decimal = ZERO
    bpr_total: Decimal = ZERO
    plb_total: Decimal = ZERO
    reversals: int = 0
    unbalanced: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    duplicates_skipped: int = 0
    files_skipped: int = 0
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    resumed_transactions: int = 0
    """Transaction sets an interrupted earlier run had already stored from the same file."""
    bytes_read: int = 0

    def add_stored(self, rem: Remittance, stored: StoredRemittance) -> None:
        self.transactions += 1
        self.claims += stored.claims
        self.service_lines += stored.service_lines
        self.adjustments += stored.adjustments
        self.reversals += stored.reversals_linked
        self.total_charge += total(c.charge for c in rem.claims)
        self.total_paid += rem.claim_total_paid()
        amount = rem.payment.amount
        self.bpr_total += -amount if rem.payment.credit_debit == "D" else amount
        self.plb_total += rem.provider_adjustment_total()

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "transactions": self.transactions,
            "claims": self.claims,
            "service_lines": self.service_lines,
            "adjustments": self.adjustments,
            "total_charge": fmt(self.total_charge),
            "total_paid": fmt(self.total_paid),
            "bpr_total": fmt(self.bpr_total),
            "plb_total": fmt(self.plb_total),
            "reversals": self.reversals,
            "unbalanced": self.unbalanced,
            "quarantined": self.quarantined,
            "duplicates_skipped": self.duplicates_skipped,
            "files_skipped": self.files_skipped,
            "skipped_files": self.skipped_files,
            "resumed_transactions": self.resumed_transactions,
            "bytes_read": self.bytes_read,
        }


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


def _unbalanced_entries(
    source_name: str, rem: Remittance, problems: Sequence[BalanceProblem]
) -> list[dict[str, Any]]:
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


def _existing_remittance(conn: Connection, fingerprint_value: str) -> tuple[int, int] | None:
    """(id, file id) of the stored remittance with this fingerprint, if any."""
    mark = SQLDialect.of(conn).placeholder
    cursor = driver_cursor(conn)
    try:
        cursor.execute(
            f"SELECT id, file_id FROM remittance WHERE fingerprint = {mark}", (fingerprint_value,)
        )
        row = cursor.fetchone()
    finally:
        cursor.close()
    return (int(row[0]), int(row[1])) if row else None


def _store_checked(
    conn: Connection,
    rem: Remittance,
    file_id: int,
    fingerprint_value: str,
    problems: Sequence[BalanceProblem],
) -> StoredRemittance:
    return store_remittance(
        conn,
        rem,
        file_id,
        fingerprint_value=fingerprint_value,
        flags=balance_flags(rem, problems),
    )


def ingest_remittance(conn: Connection, rem: Remittance, file_id: int) -> int | None:
    """Store one remittance in the caller's transaction; None if the payment is stored already.

    Runs no hooks and does not commit: the caller decides both (see :func:`ingest_paths`).
    """
    fingerprint_value = fingerprint(rem)
    if _existing_remittance(conn, fingerprint_value) is not None:
        return None
    stored = _store_checked(conn, rem, file_id, fingerprint_value, check_balance(rem))
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
) -> bool:
    """Keep an unreadable transaction set (or file tail) whole; False if already kept."""
    key = raw if raw else f"{path}\x1f{segment_number}\x1f{error}".encode()
    raw_sha = hashlib.sha256(key).hexdigest()
    exists = conn.execute(select(QUARANTINE.c.id).where(QUARANTINE.c.raw_sha256 == raw_sha)).first()
    if exists is not None:
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
            "raw_sha256": raw_sha,
            "created_at": datetime.now(UTC),
        },
    )
    return True


# --------------------------------------------------------------------------- one file


@dataclass
class _FileRun:
    """Per-source state while its transaction sets stream by."""

    source: Source
    file_id: int
    position: int = 0  # bytes of the source accounted for (stored, skipped or quarantined)
    stored: int = 0
    quarantined: int = 0


def _open_file_row(conn: Connection, source: Source, sha: str) -> tuple[int, bool] | None:
    """The file's id and whether it is resumed; None when it was ingested completely."""
    with write_transaction(conn):
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


def _close_file_row(conn: Connection, run: _FileRun) -> None:
    with write_transaction(conn):
        stored = conn.execute(
            select(func.count()).select_from(REMITTANCE).where(REMITTANCE.c.file_id == run.file_id)
        ).scalar_one()
        kept = conn.execute(
            select(func.count()).select_from(QUARANTINE).where(QUARANTINE.c.file_id == run.file_id)
        ).scalar_one()
        conn.execute(
            update(SOURCE_FILE)
            .where(SOURCE_FILE.c.id == run.file_id)
            .values(transactions=stored, quarantined=kept, completed_at=datetime.now(UTC))
        )


def _quarantine_entry(
    source_name: str,
    segment_number: int | None,
    byte_offset: int | None,
    st: str,
    error: str | X12Error,
) -> dict[str, Any]:
    """One ``quarantined`` item: ``error`` in full, ``reason`` without the location."""
    if isinstance(error, X12Error):
        reason = error.message + (f" (expected {error.expected})" if error.expected else "")
    else:
        reason = error
    return {
        "file": source_name,
        "segment_number": segment_number,
        "byte_offset": byte_offset,
        "st_control": st,
        "error": str(error),
        "reason": reason,
    }


def _handle_rejected(
    conn: Connection, run: _FileRun, item: RejectedTransaction, summary: IngestSummary
) -> None:
    with write_transaction(conn):
        quarantine(
            conn,
            file_id=run.file_id,
            path=run.source.name,
            segment_number=item.segment_number,
            byte_offset=item.byte_offset,
            st_control=item.st_control,
            error=str(item.error),
            raw=item.raw,
        )
    run.quarantined += 1
    summary.quarantined.append(
        _quarantine_entry(
            run.source.name, item.segment_number, item.byte_offset, item.st_control, item.error
        )
    )


def _handle_remittance(
    conn: Connection,
    run: _FileRun,
    rem: Remittance,
    summary: IngestSummary,
    hooks: Sequence[IngestHook],
) -> None:
    fingerprint_value = fingerprint(rem)
    problems = check_balance(rem)
    dbapi = conn.dialect.loaded_dbapi
    # The loader writes through the driver, so its errors arrive unwrapped.
    duplicate_errors = (IntegrityError, dbapi.IntegrityError)
    refused_errors = (DataError, dbapi.DataError)
    try:
        with write_transaction(conn):
            existing = _existing_remittance(conn, fingerprint_value)
            if existing is not None:
                if existing[1] == run.file_id:
                    summary.resumed_transactions += 1
                else:
                    summary.duplicates_skipped += 1
                return
            stored = _store_checked(conn, rem, run.file_id, fingerprint_value, problems)
            for hook in hooks:
                hook(conn, stored.remittance_id)
    except duplicate_errors as exc:
        # PostgreSQL only: another writer stored the same payment between our check and
        # our insert. Anything else is a real problem and goes to quarantine below.
        with write_transaction(conn):
            if _existing_remittance(conn, fingerprint_value) is not None:
                summary.duplicates_skipped += 1
                return
        _quarantine_unstorable(conn, run, rem, exc, summary)
        return
    except refused_errors as exc:
        _quarantine_unstorable(conn, run, rem, exc, summary)
        return
    run.stored += 1
    summary.add_stored(rem, stored)
    if problems:
        summary.unbalanced.extend(_unbalanced_entries(run.source.name, rem, problems))


def _quarantine_unstorable(
    conn: Connection,
    run: _FileRun,
    rem: Remittance,
    exc: Exception,
    summary: IngestSummary,
) -> None:
    """A set the reader accepted but the database refused (e.g. a value too long).

    Only the first line of the driver's message is kept: the DETAIL lines may quote
    values, and values can be patient data.
    """
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).splitlines()
    first_line = lines[0] if lines else type(orig).__name__
    error = f"database refused the transaction set: {first_line}"
    with write_transaction(conn):
        quarantine(
            conn,
            file_id=run.file_id,
            path=run.source.name,
            segment_number=rem.segment_number,
            byte_offset=rem.byte_offset,
            st_control=rem.envelope.st_control,
            error=error,
            raw=rem.raw,
        )
    run.quarantined += 1
    summary.quarantined.append(
        _quarantine_entry(
            run.source.name, rem.segment_number, rem.byte_offset, rem.envelope.st_control, error
        )
    )


def _handle_unreadable_rest(
    conn: Connection, run: _FileRun, exc: X12Error, summary: IngestSummary
) -> None:
    """The reader gave up on the file: keep everything from where it stopped."""
    raw = run.source.read_from(run.position)
    with write_transaction(conn):
        quarantine(
            conn,
            file_id=run.file_id,
            path=run.source.name,
            segment_number=exc.segment_number,
            byte_offset=run.position,
            st_control="",
            error=str(exc),
            raw=raw,
        )
    run.quarantined += 1
    summary.quarantined.append(
        _quarantine_entry(run.source.name, exc.segment_number, run.position, "", exc)
    )


def _advance(run: _FileRun, end: int, progress: ProgressCallback | None) -> None:
    if end > run.position:
        if progress is not None:
            progress(end - run.position)
        run.position = end


def _ingest_source(
    conn: Connection,
    source: Source,
    summary: IngestSummary,
    hooks: Sequence[IngestHook],
    progress: ProgressCallback | None,
) -> None:
    opened = _open_file_row(conn, source, source.sha256())
    if opened is None:
        summary.files_skipped += 1
        summary.skipped_files.append({"file": source.name, "reason": "already ingested"})
        if progress is not None:
            progress(source.size)
        summary.bytes_read += source.size
        return
    run = _FileRun(source=source, file_id=opened[0])
    summary.files += 1
    with source.open() as stream:
        target: Path | Any = source.path if source.member is None else stream
        try:
            for item in read_835(target, name=source.name):
                if isinstance(item, RejectedTransaction):
                    _handle_rejected(conn, run, item, summary)
                    end = item.byte_offset + len(item.raw)
                else:
                    _handle_remittance(conn, run, item, summary, hooks)
                    end = item.byte_offset + len(item.raw)
                _advance(run, end, progress)
        except X12Error as exc:
            _handle_unreadable_rest(conn, run, exc, summary)
    _advance(run, source.size, progress)
    summary.bytes_read += run.position
    _close_file_row(conn, run)


# --------------------------------------------------------------------------- entry points


def ingest_sources(
    engine: Engine,
    sources: Sequence[Source],
    *,
    progress: ProgressCallback | None = None,
    hooks: Sequence[IngestHook] | None = None,
) -> IngestSummary:
    """Ingest already discovered sources (the CLI discovers first to size its progress bar)."""
    chosen = default_hooks() if hooks is None else list(hooks)
    summary = IngestSummary()
    with engine.connect() as conn, _bulk_settings(conn):
        for source in sources:
            _ingest_source(conn, source, summary, chosen, progress)
    return summary


@contextmanager
def _bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: checkpoint the WAL every ~80 MB instead of every 4 MB while ingesting.

    Each checkpoint syncs the database file; with one commit per transaction set the
    default made checkpoints about half of the commit time. Restored afterwards because
    the connection goes back to the pool.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={BULK_WAL_PAGES}")
    conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={DEFAULT_WAL_PAGES}")
        conn.commit()


def ingest_paths(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    progress: ProgressCallback | None = None,
    hooks: Sequence[IngestHook] | None = None,
) -> IngestSummary:
    """Ingest files, folders (recursively) and zip archives; see the module docstring.

    ``progress`` is called with the number of bytes just processed. ``hooks`` default to
    :func:`denialops.store.hooks.default_hooks`.
    """
    return ingest_sources(engine, discover(paths), progress=progress, hooks=hooks)
