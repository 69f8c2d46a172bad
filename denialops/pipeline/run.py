"""Running ingest: parse -> store -> steps (classify, cases, ...), batch by batch.

The rules, in the order they apply to each source:

- A file whose sha256 was ingested to the end before is skipped ("already ingested"),
  also when a concurrent run of the same file finished it first. A file row without
  ``completed_at`` belongs to an interrupted run and is resumed: the transaction sets
  already stored are recognised by fingerprint and left alone.
- A file is one database transaction (``BEGIN IMMEDIATE`` on SQLite), committed at its
  end and, for very large inputs, every :attr:`IngestOptions.commit_bytes` of input.
- Transaction sets are stored and then handed to the steps in batches of about
  :attr:`IngestOptions.batch_claims` claims, each batch under a savepoint. When storing
  or any step fails for a batch, the batch is rolled back and its sets are redone one
  at a time: the set that fails alone is rolled back and quarantined with the step and
  the error, and the run goes on with the next set and the next file. A crash at any
  point leaves every set either whole (with its classification and cases) or absent.
- A payment already stored (same fingerprint) is skipped and counted in
  ``duplicates_skipped``. Unreadable sets are quarantined as the reader rejects them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, NestedTransaction, Table, func, select
from sqlalchemy.exc import IntegrityError

from denialops.errors import X12Error
from denialops.pipeline import claims837
from denialops.pipeline.steps import UNDERPAYMENT_STEP, Batch, Step, default_steps
from denialops.pipeline.summary import IngestSummary, RunTally, quarantine_entry
from denialops.store import schema
from denialops.store.database import begin_write, driver_cursor
from denialops.store.files import Source, discover
from denialops.store.ingest import (
    balance_flags,
    close_source_file,
    existing_remittance,
    existing_remittances,
    open_source_file,
    quarantine,
    store_batch,
    stored_traces,
    unbalanced_entries,
)
from denialops.store.load import (
    BalanceFlags,
    ClaimTotals,
    StoredRemittance,
    claim_parts,
    close_remittance,
    envelope_fingerprint,
    fingerprint,
    fingerprint_of,
    open_remittance,
    store_claims,
)
from denialops.store.quarantine import repaired_row_id, resolve_repaired
from denialops.vocabulary import DENIAL_KIND, UNDERPAYMENT_KIND
from denialops.x12.balance import BalanceProblem, check_balance, payment_problem
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse835 import read_835
from denialops.x12.remittance import Claim, Remittance
from denialops.x12.segments import ISA_LENGTH, detect_delimiters

ProgressCallback = Callable[[int], None]

BULK_WAL_PAGES = 20_000
BULK_CACHE_KIB = -65_536  # negative: KiB, i.e. 64 MiB of page cache while ingesting
DENIED_STATUSES = ("partially_denied", "fully_denied")
ERROR_TEXT_LIMIT = 300

CLAIM = cast(Table, schema.Claim.__table__)
ADJUSTMENT = cast(Table, schema.Adjustment.__table__)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How ingest groups its work; the defaults suit files of any size."""

    batch_claims: int = 5_000
    """Steps run once per batch of transaction sets holding about this many claims."""
    commit_bytes: int = 256 << 20
    """Commit within a file after this many bytes of input (a file is one transaction
    up to that size); a kill loses at most this much work, which the rerun redoes."""
    repair: frozenset[str] = frozenset()
    """What the 835 reader may repair (``{"separators"}``, see ``read_835``)."""
    stream_claims: int = 200
    """A transaction set with more claims than this is stored as it is read, this many
    claims at a time, under a savepoint of its own (memory stays flat in its size)."""
    chunk_size: int = 256 << 10
    """Bytes read (and split) at a time: the reader's working memory is a few times
    this, whatever the file; larger chunks are not measurably faster."""


@dataclass
class _FileRun:
    """Per-source state while its transaction sets stream by."""

    source: Source
    file_id: int
    position: int = 0  # bytes of the source accounted for (stored, skipped or quarantined)
    _delimiters: str | None = None

    def delimiters(self) -> str | None:
        """The first interchange's separators (element, component, repetition, segment),
        kept with quarantined sets so they can be exported; None when there is no ISA."""
        if self._delimiters is None:
            try:  # an unreadable source (a corrupt archive) says so on its first read
                with self.source.open() as stream:
                    head = stream.read(ISA_LENGTH)
                found = detect_delimiters(head)
            except (X12Error, OSError):
                return None
            self._delimiters = found.element + found.component + found.repetition + found.segment
        return self._delimiters


@dataclass
class _Pending:
    """A transaction set read and waiting for its batch."""

    rem: Remittance
    fingerprint: str
    problems: list[BalanceProblem]
    legacy_fingerprint: str
    """How rows stored before content fingerprints were identified (envelope only)."""
    totals: ClaimTotals | None = None
    """The claims' count and sums when they were stored as they were read (streamed):
    ``rem.claims`` then holds only the last of them."""

    @classmethod
    def of(cls, rem: Remittance) -> _Pending:
        return cls(rem, fingerprint(rem), check_balance(rem), envelope_fingerprint(rem))


@dataclass
class _BatchResult:
    """What a batch did; applied to the summary only once its savepoint is released."""

    stored: list[tuple[_Pending, StoredRemittance]] = field(default_factory=list)
    resumed: int = 0
    duplicates: int = 0
    same_trace: list[_Pending] = field(default_factory=list)
    repaired: int = 0
    tally: RunTally = field(default_factory=RunTally)


class _StageFailed(Exception):
    """Storing or one step failed for a batch; ``stage`` names which."""

    def __init__(self, stage: str, error: Exception) -> None:
        super().__init__(stage, error)
        self.stage = stage
        self.error = error


# --------------------------------------------------------------------------- transactions


def _begin(conn: Connection) -> None:
    """Start the file's write transaction (on SQLite, take the write lock now)."""
    begin_write(conn)


def _is_integrity_error(conn: Connection, exc: BaseException) -> bool:
    """SQLAlchemy's or (for rows written through the driver) the driver's own."""
    return isinstance(exc, IntegrityError | conn.dialect.loaded_dbapi.IntegrityError)


# --------------------------------------------------------------------------- one batch


def _tally(conn: Connection, remittance_ids: Sequence[int]) -> RunTally:
    """Denied claims, opened cases and denial reasons of the remittances just stored."""
    from denialops.work.tables import DenialCase

    case_table = cast(Table, DenialCase.__table__)
    ids = list(remittance_ids)
    denied = conn.execute(
        select(func.count())
        .select_from(CLAIM)
        .where(CLAIM.c.remittance_id.in_(ids), CLAIM.c.denial_status.in_(DENIED_STATUSES))
    ).scalar_one()
    opened: dict[str, int] = dict(
        conn.execute(
            select(case_table.c.kind, func.count())
            .where(case_table.c.remittance_id.in_(ids))
            .group_by(case_table.c.kind)
        ).all()
    )
    reasons = conn.execute(
        select(ADJUSTMENT.c.group_code, ADJUSTMENT.c.reason_code, func.count())
        .where(ADJUSTMENT.c.remittance_id.in_(ids), ADJUSTMENT.c.is_denial.is_(True))
        .group_by(ADJUSTMENT.c.group_code, ADJUSTMENT.c.reason_code)
    ).all()
    return RunTally(
        denied_claims=int(denied),
        cases_opened=int(opened.get(DENIAL_KIND, 0)),
        underpayment_cases_opened=int(opened.get(UNDERPAYMENT_KIND, 0)),
        reasons=Counter({f"{group}-{reason}": int(n) for group, reason, n in reasons}),
    )


def _store_and_run(
    conn: Connection, run: _FileRun, pending: Sequence[_Pending], steps: Sequence[Step]
) -> _BatchResult:
    """Store the sets, run every step over what was stored; raise _StageFailed on failure."""
    result = _BatchResult()
    try:
        existing = existing_remittances(
            conn,
            [item.fingerprint for item in pending] + [item.legacy_fingerprint for item in pending],
        )
        new: list[_Pending] = []
        seen: set[str] = set()
        for item in pending:
            known = existing.get(item.fingerprint) or existing.get(item.legacy_fingerprint)
            if known is not None and known[1] == run.file_id:
                result.resumed += 1
            elif known is not None or item.fingerprint in seen:
                result.duplicates += 1
            else:
                seen.add(item.fingerprint)
                new.append(item)
        traces = stored_traces(conn, [item.rem.trace_number for item in new])
        for item in new:
            key = (item.rem.payer_id, item.rem.trace_number)
            if key in traces:
                result.same_trace.append(item)
            traces.add(key)
        stored = store_batch(
            conn, run.file_id, [(item.rem, item.fingerprint, item.problems) for item in new]
        )
        result.stored.extend(zip(new, stored, strict=True))
        repairs = [
            (row_id, done.remittance_id)
            for item, done in result.stored
            if (row_id := _repairs(item.rem)) is not None
        ]
        result.repaired = resolve_repaired(conn, repairs) if repairs else 0
    except Exception as exc:
        raise _StageFailed("store", exc) from exc
    if not result.stored:
        return result
    batch = Batch(
        file_id=run.file_id,
        remittance_ids=tuple(s.remittance_id for _, s in result.stored),
        claim_ids=tuple(cid for _, s in result.stored for cid in s.claim_ids),
    )
    _run_steps(conn, batch, steps, result)
    return result


def _run_steps(conn: Connection, batch: Batch, steps: Sequence[Step], result: _BatchResult) -> None:
    """Every step over the batch, then what they made of it; raise _StageFailed."""
    for step in steps:
        try:
            step.run(conn, batch)
        except Exception as exc:
            raise _StageFailed(step.name, exc) from exc
    if steps:
        result.tally = _tally(conn, batch.remittance_ids)


def _repairs(rem: Remittance) -> int | None:
    """The quarantine row a set exported by ``quarantine export`` repairs, if any."""
    return repaired_row_id(rem.envelope.sender_id, rem.envelope.isa_control)


def _apply(summary: IngestSummary, run: _FileRun, result: _BatchResult) -> None:
    summary.resumed_transactions += result.resumed
    summary.quarantine_resolved += result.repaired
    summary.duplicates_skipped += result.duplicates
    for item in result.same_trace:
        summary.warnings.append(
            {
                "file": run.source.name,
                "st_control": item.rem.envelope.st_control,
                "trace_number": item.rem.trace_number,
                "warning": (
                    f"payment {item.rem.trace_number} from payer {item.rem.payer_id} was "
                    "stored before with other claims or amounts: stored as another payment"
                ),
            }
        )
    for item, stored in result.stored:
        summary.add_stored(item.rem, stored, item.totals)
        for warning in item.rem.warnings:  # e.g. read with --repair separators
            summary.warnings.append(
                {
                    "file": run.source.name,
                    "st_control": item.rem.envelope.st_control,
                    "trace_number": item.rem.trace_number,
                    "warning": warning,
                }
            )
        if item.problems:
            summary.unbalanced.extend(unbalanced_entries(run.source.name, item.rem, item.problems))
    summary.add_tally(result.tally)


def _flush(
    conn: Connection,
    run: _FileRun,
    pending: list[_Pending],
    steps: Sequence[Step],
    summary: IngestSummary,
) -> None:
    """Store and process a batch; on failure, redo its sets one by one (see module doc)."""
    if not pending:
        return
    try:
        with conn.begin_nested():
            result = _store_and_run(conn, run, pending, steps)
    except _StageFailed as failed:
        if len(pending) > 1:
            for item in pending:
                _flush(conn, run, [item], steps, summary)
        else:
            _contain(conn, run, pending[0], failed, summary)
    else:
        _apply(summary, run, result)
    pending.clear()


def _contain(
    conn: Connection,
    run: _FileRun,
    item: _Pending,
    failed: _StageFailed,
    summary: IngestSummary,
) -> None:
    """One set failed alone (and was rolled back): a concurrent duplicate, or quarantined."""
    if failed.stage == "store" and _is_integrity_error(conn, failed.error):
        # PostgreSQL: another writer stored the same payment between our check and our
        # insert; it is visible now that its transaction has committed.
        if existing_remittance(conn, item.fingerprint) is not None:
            summary.duplicates_skipped += 1
            return
    _quarantine_failed(conn, run, item.rem, failed.stage, failed.error, summary)


def _error_text(stage: str, exc: Exception) -> str:
    """One line naming the stage and the error; never the driver's DETAIL lines, which
    may quote values (and values can be patient data)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).splitlines()
    first = lines[0] if lines else ""
    if stage == "store":
        text = f"database refused the transaction set: {first or type(orig).__name__}"
    else:
        text = f"step {stage!r} failed on this transaction set: {type(orig).__name__}"
        text += f": {first}" if first else ""
    return text[:ERROR_TEXT_LIMIT]


def _keep(
    conn: Connection,
    run: _FileRun,
    summary: IngestSummary,
    *,
    segment_number: int | None,
    byte_offset: int | None,
    st_control: str,
    error: str | X12Error,
    raw: bytes,
) -> None:
    """Quarantine a set (or the file's tail) under its own savepoint and list it."""
    at_fault = error if isinstance(error, X12Error) else None
    element = None
    if at_fault is not None and at_fault.segment_id:
        element = at_fault.segment_id + (f"{at_fault.element:02d}" if at_fault.element else "")
    with conn.begin_nested():
        quarantine(
            conn,
            file_id=run.file_id,
            path=run.source.name,
            segment_number=segment_number,
            byte_offset=byte_offset,
            st_control=st_control,
            error=str(error),
            raw=raw,
            error_segment=at_fault.segment_number if at_fault is not None else None,
            error_element=element,
            delimiters=run.delimiters(),
        )
    summary.quarantined.append(
        quarantine_entry(run.source.name, segment_number, byte_offset, st_control, error)
    )


def _quarantine_failed(
    conn: Connection,
    run: _FileRun,
    rem: Remittance,
    stage: str,
    exc: Exception,
    summary: IngestSummary,
) -> None:
    _keep(
        conn,
        run,
        summary,
        segment_number=rem.segment_number,
        byte_offset=rem.byte_offset,
        st_control=rem.envelope.st_control,
        error=_error_text(stage, exc),
        raw=rem.raw,
    )


# --------------------------------------------------------------------------- streamed sets


class _StreamedSet:
    """A transaction set whose claims are stored as the reader hands them out (see
    ``read_835(claim_sink=...)``), under a savepoint of its own, until its SE decides.

    Only what the end of the set needs is kept: the claims' count and sums, their share
    of the fingerprint (a short text per claim), the balancing problems, the claim ids
    for the steps. At SE (:meth:`finish`) the fingerprint decides whether the set is new
    (else the savepoint is rolled back: a duplicate or a resumed set), the row gets its
    totals, balance and raw X12, and the steps run over it, all under the savepoint: a
    failure anywhere rolls back the set alone and quarantines it. A rejection of the set
    by the reader (an error further on, a wrong SE) rolls it back too (:meth:`abandon`).
    """

    def __init__(self, conn: Connection, run: _FileRun, rem: Remittance) -> None:
        self.rem = rem
        self.conn = conn
        self.totals = ClaimTotals()
        self.parts: list[str] = []
        self.problems: list[BalanceProblem] = []
        self.claim_ids: list[int] = []
        self.service_lines = self.adjustments = self.reversals = self.linked = 0
        self.failed: _StageFailed | None = None
        self.same_trace = False
        self.remittance_id = 0
        self.savepoint: NestedTransaction | None = conn.begin_nested()
        try:
            traces = stored_traces(conn, [rem.trace_number])
            self.same_trace = (rem.payer_id, rem.trace_number) in traces
            self.remittance_id = open_remittance(conn, rem, run.file_id)
        except Exception as exc:
            self._fail("store", exc)

    def _fail(self, stage: str, exc: Exception) -> None:
        if self.failed is None:
            self.failed = _StageFailed(stage, exc)
        self.abandon()

    def abandon(self) -> None:
        """Roll back everything stored for the set."""
        if self.savepoint is not None:
            if self.savepoint.is_active:
                self.savepoint.rollback()
            self.savepoint = None

    def add(self, claims: list[Claim]) -> None:
        """Store one chunk of claims (nothing once the set has failed)."""
        if self.failed is not None or not claims:
            return
        rem = self.rem
        chunk = Remittance(envelope=rem.envelope, payment=rem.payment, claims=claims)
        problems = [p for p in check_balance(chunk) if p.level != "payment"]
        try:
            stored = store_claims(
                self.conn,
                rem,
                self.remittance_id,
                claims,
                self.totals.count,
                balance_flags(chunk, problems),
            )
        except Exception as exc:
            self._fail("store", exc)
            return
        self.problems.extend(problems)
        self.parts.append(claim_parts(claims))
        self.totals.add(claims)
        self.claim_ids.extend(stored.claim_ids)
        self.service_lines += stored.service_lines
        self.adjustments += stored.adjustments
        self.reversals += stored.reversals_read
        self.linked += stored.reversals_linked

    def finish(
        self, run: _FileRun, rem: Remittance, steps: Sequence[Step], summary: IngestSummary
    ) -> None:
        """The set's SE came (``rem`` holds the claims not handed out yet)."""
        self.add(rem.claims)
        legacy = envelope_fingerprint(rem, self.totals)
        payment = payment_problem(rem, self.totals.paid)
        problems = self.problems + ([payment] if payment is not None else [])
        item = _Pending(
            rem,
            fingerprint_of(legacy, self.parts, rem),
            problems,
            legacy,
            self.totals,
        )
        if self.failed is not None:
            _contain(self.conn, run, item, self.failed, summary)
            return
        try:
            result = self._close(run, item, steps)
        except _StageFailed as failed:
            self.abandon()
            _contain(self.conn, run, item, failed, summary)
            return
        _apply(summary, run, result)

    def _close(self, run: _FileRun, item: _Pending, steps: Sequence[Step]) -> _BatchResult:
        conn, rem = self.conn, item.rem
        result = _BatchResult()
        try:
            existing = existing_remittances(conn, [item.fingerprint, item.legacy_fingerprint])
            known = existing.get(item.fingerprint) or existing.get(item.legacy_fingerprint)
            if known is not None:  # stored before: undo what streamed in
                self.abandon()
                if known[1] == run.file_id:
                    result.resumed += 1
                else:
                    result.duplicates += 1
                return result
            if self.same_trace:
                result.same_trace.append(item)
            # balanced = every rule holds: the payment flag stands for all of them here
            flags = BalanceFlags(payment=not item.problems)
            flags.messages.extend(problem.message for problem in item.problems)
            close_remittance(
                conn,
                rem,
                self.remittance_id,
                run.file_id,
                fingerprint_value=item.fingerprint,
                flags=flags,
                totals=self.totals,
            )
            stored = StoredRemittance(
                remittance_id=self.remittance_id,
                claim_ids=self.claim_ids,
                claims=self.totals.count,
                service_lines=self.service_lines,
                adjustments=self.adjustments,
                reversals_read=self.reversals,
                reversals_linked=self.linked,
            )
            result.stored.append((item, stored))
            row_id = _repairs(rem)
            if row_id is not None:
                result.repaired = resolve_repaired(conn, [(row_id, self.remittance_id)])
        except Exception as exc:
            raise _StageFailed("store", exc) from exc
        batch = Batch(
            file_id=run.file_id,
            remittance_ids=(self.remittance_id,),
            claim_ids=tuple(self.claim_ids),
        )
        _run_steps(conn, batch, steps, result)
        if self.savepoint is not None:
            self.savepoint.commit()
            self.savepoint = None
        return result


@dataclass
class _Reading:
    """One source's sets on their way to the store: the batch being gathered and the
    streamed set being read, if any."""

    conn: Connection
    run: _FileRun
    steps: Sequence[Step]
    summary: IngestSummary
    pending: list[_Pending] = field(default_factory=list)
    pending_claims: int = 0
    streamed: _StreamedSet | None = None

    def flush(self) -> None:
        _flush(self.conn, self.run, self.pending, self.steps, self.summary)
        self.pending_claims = 0

    def sink(self, rem: Remittance, claims: list[Claim]) -> None:
        """The reader's claim sink: a set too large to hold streams into the store."""
        streamed = self.streamed
        if streamed is None or streamed.rem is not rem:
            if streamed is not None:  # never left open by the reader; be safe
                streamed.abandon()
            self.flush()  # the sets before it first, in file order
            streamed = self.streamed = _StreamedSet(self.conn, self.run, rem)
        streamed.add(claims)

    def close_streamed(self, item: Remittance | RejectedTransaction | None) -> bool:
        """Settle the streamed set with the reader's verdict on it; True if ``item`` was
        that set (finished here)."""
        streamed, self.streamed = self.streamed, None
        if streamed is None:
            return False
        if isinstance(item, Remittance) and item is streamed.rem:
            streamed.finish(self.run, item, self.steps, self.summary)
            return True
        streamed.abandon()  # rejected (the reader quarantines it) or the file ended
        return False


# --------------------------------------------------------------------------- one file


def _handle_rejected(
    conn: Connection, run: _FileRun, item: RejectedTransaction, summary: IngestSummary
) -> None:
    _keep(
        conn,
        run,
        summary,
        segment_number=item.segment_number,
        byte_offset=item.byte_offset,
        st_control=item.st_control,
        error=item.error,
        raw=item.raw,
    )


def _handle_unreadable_rest(
    conn: Connection, run: _FileRun, exc: X12Error, summary: IngestSummary
) -> None:
    """The reader gave up on the file: keep everything from where it stopped."""
    _keep(
        conn,
        run,
        summary,
        segment_number=exc.segment_number,
        byte_offset=run.position,
        st_control="",
        error=exc,
        raw=run.source.read_from(run.position),
    )


def _advance(run: _FileRun, end: int, progress: ProgressCallback | None) -> None:
    if end > run.position:
        if progress is not None:
            progress(end - run.position)
        run.position = end


def _open(conn: Connection, source: Source, sha: str) -> tuple[int, bool] | None:
    """Begin the file's transaction and claim the file; None when it is ingested already.

    Two runs of the same file at once: on PostgreSQL the second one's insert of the file
    row waits for the first to commit and then fails on the unique sha256; it rolls
    back and finds the file complete (or still being resumed by nobody: then it claims it).
    """
    for _attempt in range(3):
        _begin(conn)
        try:
            opened = open_source_file(conn, source, sha)
        except Exception as exc:
            conn.rollback()
            if not _is_integrity_error(conn, exc):
                raise
            continue
        if opened is None:
            conn.rollback()
        return opened
    return None


def _ingest_source(
    conn: Connection,
    source: Source,
    summary: IngestSummary,
    steps: Sequence[Step],
    progress: ProgressCallback | None,
    options: IngestOptions,
) -> None:
    opened = _open(conn, source, source.sha256())
    if opened is None:
        summary.files_skipped += 1
        summary.skipped_files.append({"file": source.name, "reason": "already ingested"})
        if progress is not None:
            progress(source.size)
        summary.bytes_read += source.size
        return
    run = _FileRun(source=source, file_id=opened[0])
    summary.files += 1
    if not source.problem and claims837.sniff(source):  # unreadable: quarantined below
        _ingest_claims(conn, run, summary, progress)
        return
    reading = _Reading(conn, run, steps, summary)
    committed_at = 0
    try:
        with source.open() as stream:
            plain = source.member is None and not source.problem  # else the stream says why
            target: Path | Any = source.path if plain else stream
            try:
                for item in read_835(
                    target,
                    name=source.name,
                    repair=options.repair,
                    chunk_size=options.chunk_size,
                    claim_sink=reading.sink,
                    sink_claims=options.stream_claims,
                ):
                    if reading.close_streamed(item):
                        pass
                    elif isinstance(item, RejectedTransaction):
                        _handle_rejected(conn, run, item, summary)
                    else:
                        reading.pending.append(_Pending.of(item))
                        reading.pending_claims += len(item.claims)
                        if reading.pending_claims >= options.batch_claims:
                            reading.flush()
                    _advance(run, item.byte_offset + len(item.raw), progress)
                    if run.position - committed_at >= options.commit_bytes:
                        reading.flush()
                        conn.commit()
                        _begin(conn)
                        committed_at = run.position
            except X12Error as exc:
                reading.close_streamed(None)
                reading.flush()
                _handle_unreadable_rest(conn, run, exc, summary)
        reading.close_streamed(None)
        reading.flush()
        _advance(run, source.size, progress)
        close_source_file(conn, run.file_id)
        conn.commit()
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        raise
    summary.bytes_read += run.position


def _ingest_claims(
    conn: Connection, run: _FileRun, summary: IngestSummary, progress: ProgressCallback | None
) -> None:
    """An 837 file: claims as submitted, scrubbed (denialops.pipeline.claims837)."""
    try:
        tally = claims837.ingest_claim_file(conn, run.source, run.file_id)
        close_source_file(conn, run.file_id)
        conn.commit()
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        raise
    summary.claim_batches += tally.batches
    summary.claims_submitted += tally.claims
    summary.claims_submitted_clean += tally.clean
    summary.duplicates_skipped += tally.duplicates_skipped
    for item in tally.quarantined:
        summary.quarantined.append(
            quarantine_entry(run.source.name, item["segment"], None, "", item["error"])
        )
    _advance(run, run.source.size, progress)
    summary.bytes_read += run.source.size


# --------------------------------------------------------------------------- entry points


def ingest_sources(
    engine: Engine,
    sources: Sequence[Source],
    *,
    steps: Sequence[Step] | None = None,
    progress: ProgressCallback | None = None,
    options: IngestOptions | None = None,
) -> IngestSummary:
    """Ingest already discovered sources (the CLI discovers first to size its progress bar).

    ``steps`` default to :func:`denialops.pipeline.steps.default_steps`; pass ``[]`` to
    store only.
    """
    chosen = default_steps() if steps is None else list(steps)
    settings = options or IngestOptions()
    summary = IngestSummary()
    if any(step.name == UNDERPAYMENT_STEP for step in chosen):
        from denialops.classify.fees import SKIPPED, installed_fee_schedule

        schedule = installed_fee_schedule()
        summary.underpayment_check = (
            f"skipped: {SKIPPED}" if schedule is None else f"checked against {schedule.source}"
        )
    with engine.connect() as conn, _bulk_settings(conn):
        for source in sources:
            _ingest_source(conn, source, summary, chosen, progress, settings)
    return summary


def ingest_paths(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    steps: Sequence[Step] | None = None,
    progress: ProgressCallback | None = None,
    options: IngestOptions | None = None,
) -> IngestSummary:
    """Ingest files, folders (recursively) and zip archives; see the module docstring.

    ``progress`` is called with the number of bytes just processed.
    """
    return ingest_sources(engine, discover(paths), steps=steps, progress=progress, options=options)


class _BulkSettings:
    """SQLite settings for a bulk load, on the ingest's own connection, restored after.

    - ``wal_autocheckpoint`` 20,000 pages (~80 MB) instead of 1,000: each checkpoint
      syncs the database file; the default made checkpoints a large share of the time.
    - ``cache_size`` 64 MiB instead of 2 MiB: a file is one transaction, and its dirty
      index pages (claim, adjustment) would otherwise spill to the WAL mid-transaction
      and be read back for the next insert.
    - ``temp_store=MEMORY``: sorts and temporary tables of the steps stay in memory.

    Why this is safe: none of them touches durability. The database stays in WAL mode
    with ``synchronous=NORMAL`` (set for every connection, see
    :mod:`denialops.store.database`): a commit appends to the WAL, which a kill -9
    cannot lose (the OS has the pages) and which recovery replays or ignores whole; only
    a power loss can drop the last commits, never corrupt the file. The cache and temp
    store are per-connection memory only. Restored because the connection goes back to
    the pool.
    """

    SETTINGS = (
        ("wal_autocheckpoint", BULK_WAL_PAGES),
        ("cache_size", BULK_CACHE_KIB),
        ("temp_store", 2),  # MEMORY
    )

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.saved: list[tuple[str, int]] = []

    def __enter__(self) -> None:
        if not self.sqlite:
            return
        # On the driver connection: through SQLAlchemy a PRAGMA would begin a transaction,
        # and temp_store cannot change inside one.
        cursor = driver_cursor(self.conn)
        try:
            for name, value in self.SETTINGS:
                cursor.execute(f"PRAGMA {name}")
                self.saved.append((name, int(cursor.fetchone()[0])))
                cursor.execute(f"PRAGMA {name}={int(value)}")
        finally:
            cursor.close()

    def __exit__(self, *exc: object) -> None:
        if not self.sqlite:
            return
        if self.conn.in_transaction():
            self.conn.rollback()
        cursor = driver_cursor(self.conn)
        try:
            for name, before in self.saved:
                cursor.execute(f"PRAGMA {name}={before}")
        finally:
            cursor.close()


def _bulk_settings(conn: Connection) -> _BulkSettings:
    return _BulkSettings(conn)
