"""ISA/GS/ST grouping and the envelope control checks.

Walks the segments of :class:`~denialops.x12.segments.SegmentReader`, feeds those of
each ST..SE to a transaction parser as they stream by, and hands out the parser's record
when the set's own envelope is right (ST02 = SE02, SE01 = segments from ST to SE), or a
:class:`RejectedTransaction` for what cannot be read.

Streaming decides what a bad trailer can reject: by the time a GE or IEA arrives, the
transaction sets before it have been handed out, and each of them has already been
checked by its own SE. So a GE/IEA whose control number or count is wrong, or that is
missing, is reported as a rejection of its own (naming the group or interchange) rather
than by withdrawing sets already read. A broken ISA rejects the whole interchange: the
reader cannot even split it without delimiters and skips to the next ``ISA``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, TypeVar

from denialops.errors import EnvelopeError, Not835Error, X12Error, X12SyntaxError
from denialops.x12.remittance import Envelope
from denialops.x12.segments import (
    BAD_SEGMENT,
    CONTENT_IDS,
    MAX_HELD,
    TOO_BIG,
    Delimiters,
    Segment,
    SegmentReader,
)

_CONTROL_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", BAD_SEGMENT, TOO_BIG})

MAX_ERRORS_PER_INTERCHANGE = 100
"""After this many rejections in one interchange, its further rejections are merged
into one record (their texts concatenated, up to the set size limit), so a file of
300,000 broken sets makes 101 quarantine rows, not 300,000."""


@dataclass(slots=True)
class RejectedTransaction:
    """A transaction set (or an interchange/group trailer) that could not be read.

    ``segment_number`` and ``byte_offset`` say where it starts in the file, ``raw`` holds
    its bytes as received (for quarantine) and ``error`` says what is wrong and where.
    """

    @classmethod
    def of_set(
        cls, file: str, number: int, offset: int, control: str, error: X12Error, raw: bytes
    ) -> RejectedTransaction:
        """A rejected transaction set; its content is withheld when it is not an 835."""
        if isinstance(error, Not835Error):
            return cls(file, number, offset, control, error, b"", content_withheld=True)
        return cls(file, number, offset, control, error, raw)

    file: str
    segment_number: int
    byte_offset: int
    st_control: str
    error: X12Error
    raw: bytes
    content_withheld: bool = False
    """True when ``raw`` is deliberately empty: the set is not an 835 (an 837, 270 ...)
    and may hold patient data, so nothing of it is handed out, quarantine included."""


SegmentHandler = Callable[[list[str], int], None]
"""Takes one segment's elements and its 1-based segment number in the file."""

T_co = TypeVar("T_co", covariant=True)


class TransactionParser(Protocol[T_co]):
    """What the envelope feeds the segments between ST and SE into, as they stream by.

    Parsing while reading (rather than collecting a set's segments first) keeps only
    the records being built alive, which is both leaner and much faster in CPython.
    Handlers raise an :class:`~denialops.errors.X12Error` on bad content; the set is
    then rejected whole and reading resumes at the next ST.
    """

    def handlers(self) -> dict[str, SegmentHandler]:
        """Handlers by segment id."""
        ...

    def other(self, elements: list[str], number: int) -> None:
        """Handler for ids without one of their own."""
        ...

    def finish(self, trailer: list[str], number: int, raw: bytes) -> T_co:
        """Called at a correct SE with the set's raw bytes; returns the record."""
        ...


ParserFactory = Callable[[Envelope, Delimiters, list[str], int, int], TransactionParser[T_co]]
"""Starts a parser for one set: (envelope, delimiters, ST elements, number, offset)."""


def _pad(elements: list[str], size: int) -> list[str]:
    return elements + [""] * (size - len(elements)) if len(elements) < size else elements


class _Interchange:
    """What the envelope checks need to remember about the open ISA and GS."""

    __slots__ = ("control", "groups", "number", "gs_control", "gs_number", "sets", "template")

    def __init__(self, isa: list[str], number: int) -> None:
        isa = _pad(isa, 17)
        self.control = isa[13]
        self.number = number
        self.groups = 0
        self.gs_control: str | None = None  # None: no group open
        self.gs_number = 0
        self.sets = 0
        self.template = Envelope(
            isa_control=isa[13],
            sender_qualifier=isa[5],
            sender_id=isa[6].rstrip(),
            receiver_qualifier=isa[7],
            receiver_id=isa[8].rstrip(),
            interchange_date=isa[9],
            interchange_time=isa[10],
            usage=isa[15],
        )

    def open_group(self, gs: list[str], number: int) -> None:
        gs = _pad(gs, 9)
        self.groups += 1
        self.gs_control = gs[6]
        self.gs_number = number
        self.sets = 0
        base = self.template
        self.template = Envelope(
            isa_control=base.isa_control,
            sender_qualifier=base.sender_qualifier,
            sender_id=base.sender_id,
            receiver_qualifier=base.receiver_qualifier,
            receiver_id=base.receiver_id,
            interchange_date=base.interchange_date,
            interchange_time=base.interchange_time,
            usage=base.usage,
            functional_id=gs[1],
            gs_sender=gs[2],
            gs_receiver=gs[3],
            gs_date=gs[4],
            gs_time=gs[5],
            gs_control=gs[6],
            version=gs[8],
        )

    def envelope_for(self, st: list[str]) -> Envelope:
        base = self.template
        st = _pad(st, 4)
        return Envelope(
            isa_control=base.isa_control,
            sender_qualifier=base.sender_qualifier,
            sender_id=base.sender_id,
            receiver_qualifier=base.receiver_qualifier,
            receiver_id=base.receiver_id,
            interchange_date=base.interchange_date,
            interchange_time=base.interchange_time,
            usage=base.usage,
            functional_id=base.functional_id,
            gs_sender=base.gs_sender,
            gs_receiver=base.gs_receiver,
            gs_date=base.gs_date,
            gs_time=base.gs_time,
            gs_control=base.gs_control,
            version=base.version,
            st_control=st[2],
            implementation=st[3],
        )


def _count(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def read_transaction_sets(
    stream: BinaryIO,
    start: ParserFactory[T_co],
    *,
    name: str,
    chunk_size: int = 1 << 20,
    max_set_bytes: int = MAX_HELD,
    reader: SegmentReader | None = None,
) -> Iterator[T_co | RejectedTransaction]:
    """Stream a file's transaction sets through parsers made by ``start``, checking envelopes.

    Yields what each parser's ``finish`` returns for a set whose envelope is right and
    whose content parsed, and a :class:`RejectedTransaction` for everything else. Never
    raises for bad content: every problem carries an :class:`EnvelopeError` or
    :class:`X12SyntaxError` that names the file, segment number, segment id, element
    and what was expected.

    ``reader``: the segment reader to use (made over ``stream`` when not given), for a
    parser that needs to see the text held for its set.

    Limits: a transaction set larger than ``max_set_bytes`` is refused (its text is not
    held, its records not built); consecutive segments outside any set are one
    rejection; after :data:`MAX_ERRORS_PER_INTERCHANGE` rejections in an interchange the
    rest of its rejections are merged into one.
    """
    if reader is None:
        reader = SegmentReader(stream, chunk_size=chunk_size, max_held=max_set_bytes)
    items = _read_sets(reader, start, name, max_set_bytes)
    merged: _Merged | None = None
    errors = 0
    current = -1
    for interchange, item in items:
        if interchange != current:
            if merged is not None:
                yield merged.record(name)
                merged = None
            current, errors = interchange, 0
        if not isinstance(item, RejectedTransaction) or interchange < 0:
            yield item
            continue
        errors += 1
        if errors <= MAX_ERRORS_PER_INTERCHANGE:
            yield item
        elif merged is None:
            merged = _Merged(item, max_set_bytes)
        else:
            merged.add(item)
    if merged is not None:
        yield merged.record(name)


class _Merged:
    """Rejections of one interchange beyond the error limit, gathered into one."""

    def __init__(self, first: RejectedTransaction, limit: int) -> None:
        self.first = first
        self.count = 1
        self.size = len(first.raw)
        self.limit = limit
        self.pieces = [first.raw]
        self.dropped = 0

    def add(self, item: RejectedTransaction) -> None:
        self.count += 1
        if self.size + len(item.raw) > self.limit:
            self.dropped += 1
            return
        self.size += len(item.raw)
        self.pieces.append(item.raw)

    def record(self, name: str) -> RejectedTransaction:
        first = self.first
        note = f"; the texts of {self.dropped:,} of them are not kept (size limit)"
        exc = X12SyntaxError(
            f"{self.count:,} more errors in this interchange after the first"
            f" {MAX_ERRORS_PER_INTERCHANGE}: quarantined together"
            f"{note if self.dropped else ''}; the first of them: {first.error.detail()}",
            file=name,
            segment_number=first.error.segment_number,
            segment_id=first.error.segment_id,
            element=first.error.element,
        )
        raw = b"\n".join(piece for piece in self.pieces if piece)
        return RejectedTransaction(name, first.segment_number, first.byte_offset, "", exc, raw)


def _read_sets(
    reader: SegmentReader,
    start: ParserFactory[T_co],
    name: str,
    max_set_bytes: int,
) -> Iterator[tuple[int, T_co | RejectedTransaction]]:
    """:func:`read_transaction_sets` without the error limit; each item comes with the
    number of the interchange it belongs to (-1 outside any)."""
    interchanges = 0
    control_ids = _CONTROL_IDS
    isa: _Interchange | None = None
    in_set = False  # inside ST..SE
    parser: TransactionParser[T_co] | None = None
    get: Callable[[str], SegmentHandler | None] = dict[str, SegmentHandler]().get
    other: SegmentHandler = _ignore
    failed: X12Error | None = None  # the first content error of the open set
    number = 0  # the last segment number read (segment numbers are consecutive)
    st_elements: list[str] = []
    st_number = st_offset = 0
    element = "*"
    last: Segment | None = None
    seen_any = False
    too_big = False  # the open set passed max_set_bytes: its text is no longer held
    stray_first: Segment | None = None  # a run of segments outside any set
    stray_count = stray_end = 0
    stray_too_big = False

    def here() -> int:
        return interchanges if isa is not None else -1

    def error(message: str, seg: Segment, sid: str, position: int, expected: str) -> EnvelopeError:
        return EnvelopeError(
            message,
            file=name,
            segment_number=seg[1],
            segment_id=sid,
            element=position,
            expected=expected,
        )

    def reject_segment(seg: Segment, exc: X12Error) -> RejectedTransaction:
        current = reader.delimiters.element if reader.delimiters is not None else "*"
        raw = reader.take(seg[2], seg[2] + len(current.join(seg[0])) + 1)
        return RejectedTransaction(name, seg[1], seg[2], "", exc, raw)

    def trailer_mismatch(
        seg: Segment, control: str, opener: str, count: int, count_name: str, counted: str
    ) -> EnvelopeError | None:
        """GE/IEA: element 2 repeats the opener's control number, element 1 counts inside."""
        sid = seg[0][0]
        trailer = _pad(seg[0], 3)
        if trailer[2] != control:
            return error(
                f"{sid}02 control number {trailer[2]!r} does not match {opener.split()[0]}",
                seg,
                sid,
                2,
                f"{control!r} ({opener})",
            )
        if _count(trailer[1]) != count:
            return error(
                f"{sid}01 {count_name} {trailer[1]!r} is wrong", seg, sid, 1, f"{count} ({counted})"
            )
        return None

    def unfinished(at: Segment | None, why: str) -> RejectedTransaction:
        """Reject the open set, which ``at`` (or the end of the file) interrupted."""
        control = _pad(st_elements, 3)[2]
        at_number = at[1] if at is not None else number + 1
        exc = EnvelopeError(
            f"transaction set {control!r} starting at segment {st_number} has no SE {why}",
            file=name,
            segment_number=at_number,
            segment_id="SE",
            element=0,
            expected=f"SE closing transaction set {control!r}",
        )
        end = at[2] if at is not None else st_offset + (1 << 62)
        raw = b"" if too_big else reader.take(st_offset, end).rstrip(b"\r\n \t")
        reader.release()
        if too_big and failed is not None:
            return RejectedTransaction.of_set(name, st_number, st_offset, control, failed, raw)
        if isinstance(failed, Not835Error):
            return RejectedTransaction.of_set(name, st_number, st_offset, control, failed, raw)
        return RejectedTransaction(name, st_number, st_offset, control, exc, raw)

    def flush_stray() -> RejectedTransaction:
        """One rejection for a run of segments outside any transaction set."""
        nonlocal stray_first
        first = stray_first
        assert first is not None
        stray_first = None
        sid = first[0][0][:20]
        if stray_count == 1:
            message = f"segment {sid!r} outside a transaction set"
        else:
            message = f"{stray_count:,} segments outside a transaction set, the first {sid!r}"
        if stray_too_big:
            message += f"; their text is not kept (over {max_set_bytes:,} bytes)"
        exc = error(message, first, sid, 0, "ST, GS, GE or IEA")
        raw = b"" if stray_too_big else reader.take(first[2], stray_end)
        reader.release()
        return RejectedTransaction(name, first[1], first[2], "", exc, raw)

    for elements, number, offset in reader:
        sid = elements[0]
        if reader.handler_error is not None:  # a handler the reader called directly failed
            if failed is None:
                failed = reader.handler_error
                if failed.file is None:
                    failed.file = name
            reader.handler_error = None
        if in_set and sid not in control_ids:
            if failed is None:
                try:
                    handler = get(sid)
                    if handler is None:
                        other(elements, number)
                    else:
                        handler(elements, number)
                except X12Error as exc:
                    if exc.file is None:
                        exc.file = name
                    failed = exc
                    reader.handlers = None
            continue
        reader.handlers = None  # a control segment: the open set (if any) ends here
        if sid == TOO_BIG:
            if in_set and not too_big:
                too_big = True
                control = _pad(st_elements, 3)[2]
                if not isinstance(failed, Not835Error):
                    failed = X12SyntaxError(
                        f"transaction set {control!r} is larger than {max_set_bytes:,} bytes,"
                        " the most one set may have: refused unread",
                        file=name,
                        segment_number=st_number,
                        segment_id="ST",
                        element=0,
                        expected=f"at most {max_set_bytes:,} bytes per transaction set",
                    )
                parser = None  # free what was built so far
                get, other = dict[str, SegmentHandler]().get, _ignore
            elif stray_first is not None:
                stray_too_big = True
            continue
        seen_any = True
        seg = (elements, number, offset)
        last = seg
        if sid not in control_ids:  # outside any set: gather the run, reject it once
            if stray_first is None:
                stray_first, stray_count, stray_too_big = seg, 0, False
                reader.keep(offset)
            stray_count += 1
            current = reader.delimiters.element if reader.delimiters is not None else "*"
            stray_end = offset + len(current.join(elements)) + 1
            continue
        if stray_first is not None:
            yield here(), flush_stray()
        if in_set and sid != "SE":
            yield here(), unfinished(seg, f"before this {sid if sid != BAD_SEGMENT else 'text'}")
            in_set = False

        if sid == "ST":
            delimiters = reader.delimiters
            assert delimiters is not None
            st_elements, st_number, st_offset = elements, number, offset
            element = delimiters.element
            failed = None
            too_big = False
            reader.keep(offset)
            if isa is not None and isa.gs_control is not None:
                isa.sets += 1
                envelope = isa.envelope_for(elements)
            else:
                envelope = Envelope()
                failed = error(
                    "transaction set outside a functional group", seg, "ST", 0, "GS before ST"
                )
            in_set = True
            parser = None
            if failed is None:
                try:
                    parser = start(envelope, delimiters, elements, number, offset)
                    table = parser.handlers()
                    get = table.get
                    other = parser.other
                    # Segments of the set go straight from the reader to their handler.
                    direct: dict[str, SegmentHandler] = dict.fromkeys(CONTENT_IDS, other)
                    direct.update(table)
                    reader.handlers = direct
                except X12Error as exc:
                    exc.file = exc.file or name
                    failed = exc
        elif sid == "SE":
            if not in_set:
                yield (
                    here(),
                    reject_segment(
                        seg, error("SE without a matching ST", seg, "SE", 0, "ST before SE")
                    ),
                )
                continue
            count = number - st_number + 1  # ST to SE: segment numbers are consecutive
            end = offset + len(element.join(elements)) + 1
            raw = b"" if too_big else reader.take(st_offset, end, release=True)
            reader.release()
            control = _pad(st_elements, 3)[2]
            failed = failed or _check_trailer(elements, seg, st_elements, st_number, count, name)
            finished = parser
            in_set = False
            parser = None
            if failed is None and finished is not None:
                try:
                    record = finished.finish(elements, number, raw)
                except X12Error as exc:
                    exc.file = exc.file or name
                    failed = exc
                else:
                    yield here(), record
                    continue
            assert failed is not None  # no parser only when starting one failed
            yield (
                here(),
                RejectedTransaction.of_set(name, st_number, st_offset, control, failed, raw),
            )
        elif sid == "GS":
            if isa is None:
                yield (
                    here(),
                    reject_segment(
                        seg, error("GS outside an interchange", seg, "GS", 0, "ISA before GS")
                    ),
                )
                continue
            if isa.gs_control is not None:
                yield (
                    here(),
                    reject_segment(
                        seg,
                        error(
                            f"functional group {isa.gs_control!r} has no GE before the next GS",
                            seg,
                            "GE",
                            0,
                            f"GE closing group {isa.gs_control!r}",
                        ),
                    ),
                )
            isa.open_group(elements, number)
        elif sid == "GE":
            if isa is None or isa.gs_control is None:
                yield (
                    here(),
                    reject_segment(
                        seg, error("GE without a matching GS", seg, "GE", 0, "GS before GE")
                    ),
                )
                continue
            problem = trailer_mismatch(
                seg,
                isa.gs_control,
                f"GS06 of segment {isa.gs_number}",
                isa.sets,
                "transaction set count",
                f"ST sets in group {isa.gs_control!r}",
            )
            if problem is not None:
                yield here(), reject_segment(seg, problem)
            isa.gs_control = None
        elif sid == "IEA":
            if isa is None:
                continue  # unreachable: the reader only yields IEA inside an interchange
            if isa.gs_control is not None:
                yield (
                    here(),
                    reject_segment(
                        seg,
                        error(
                            f"functional group {isa.gs_control!r} has no GE before IEA",
                            seg,
                            "GE",
                            0,
                            f"GE closing group {isa.gs_control!r}",
                        ),
                    ),
                )
            problem = trailer_mismatch(
                seg,
                isa.control,
                f"ISA13 of segment {isa.number}",
                isa.groups,
                "functional group count",
                f"GS groups in interchange {isa.control!r}",
            )
            if problem is not None:
                yield here(), reject_segment(seg, problem)
            isa = None
        elif sid == "ISA":
            if isa is not None:
                yield (
                    here(),
                    reject_segment(
                        seg,
                        error(
                            f"interchange {isa.control!r} has no IEA before the next ISA",
                            seg,
                            "IEA",
                            0,
                            f"IEA closing interchange {isa.control!r}",
                        ),
                    ),
                )
            isa = _Interchange(elements, number)
            interchanges += 1
        elif sid == BAD_SEGMENT:
            _, message, expected, text = _pad(elements, 4)
            bad: X12Error = X12SyntaxError(
                message,
                file=name,
                segment_number=number,
                segment_id="ISA",
                element=0,
                expected=expected or None,
            )
            yield here(), RejectedTransaction(name, number, offset, "", bad, text.encode("latin-1"))
            isa = None

    number = max(number, reader.number)
    if stray_first is not None:
        yield here(), flush_stray()
    if in_set:
        yield here(), unfinished(None, "before the end of the file")
    elif isa is not None and last is not None:
        what = "group" if isa.gs_control is not None else "interchange"
        control = isa.gs_control if isa.gs_control is not None else isa.control
        trailer = "GE" if isa.gs_control is not None else "IEA"
        ended: X12Error = EnvelopeError(
            f"file ends inside {what} {control!r}",
            file=name,
            segment_number=last[1] + 1,
            segment_id=trailer,
            element=0,
            expected=f"{trailer} closing {what} {control!r}",
        )
        end = last[2] + len(element.join(last[0])) + 1
        yield here(), RejectedTransaction(name, last[1] + 1, end, "", ended, b"")
    elif not seen_any:
        empty: X12Error = X12SyntaxError(
            "empty file",
            file=name,
            segment_number=1,
            segment_id="ISA",
            element=0,
            expected="an ISA segment",
        )
        yield here(), RejectedTransaction(name, 1, 0, "", empty, b"")


def _ignore(elements: list[str], number: int) -> None:
    """Placeholder handler outside any transaction set (never called)."""


def _check_trailer(
    se: list[str], seg: Segment, st: list[str], st_number: int, count: int, name: str
) -> X12Error | None:
    """Check an SE against its ST: control number and segment count."""
    se = _pad(se, 3)
    st = _pad(st, 3)
    if se[2] != st[2]:
        return EnvelopeError(
            f"SE02 control number {se[2]!r} does not match ST02",
            file=name,
            segment_number=seg[1],
            segment_id="SE",
            element=2,
            expected=f"{st[2]!r} (ST02 of segment {st_number})",
        )
    if _count(se[1]) != count:
        return EnvelopeError(
            f"SE01 segment count {se[1]!r} is wrong",
            file=name,
            segment_number=seg[1],
            segment_id="SE",
            element=1,
            expected=f"{count} (segments from ST to SE)",
        )
    return None
