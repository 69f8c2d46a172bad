"""Cutting a large X12 file into self-contained pieces at transaction-set boundaries.

One huge file must not sit on one task for a whole Spark job. A file larger than the
piece size is cut between transaction sets (ST..SE): each piece is a complete
interchange (the original ISA and GS, a run of whole sets, and GE/IEA trailers written
for that run), so the ordinary reader parses it with every envelope check. A piece
remembers where it came from (the segment number and byte offset of its first set in
the original file), so records and errors can be numbered as the single-machine ingest
numbers them. Cutting is a byte scan, no parsing: it costs about what ``bytes.split``
does, and the expensive work (parse, classify) then spreads over the cluster.

Trailer checks of the original file (GE01/IEA01 counts and control numbers) are made
here, once, and reported as :class:`TrailerProblem` records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ISA_LENGTH = 106


Offset = tuple[int, int, int, int]
"""(first segment number in the piece, first byte in the piece, segment offset, byte
offset): from that segment / byte on, add the offsets to get the file's numbers."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Self-contained interchanges cut from a file (one, or several merged up to the
    piece size: then ``offsets`` says how each part's numbers map to the file's)."""

    index: int  # 0-based piece number within the file
    data: bytes
    segment_offset: int  # add to a segment number in the piece to get the file's number
    byte_offset: int  # add to a byte offset in the piece to get the file's offset
    sets: int
    offsets: tuple[Offset, ...] = ()

    @property
    def mapping(self) -> tuple[Offset, ...]:
        return self.offsets or ((1, 0, self.segment_offset, self.byte_offset),)


def file_segment(mapping: tuple[Offset, ...], segment: int) -> int:
    """The file's segment number of a segment number in a piece."""
    found = 0
    for first_segment, _first_byte, seg_off, _byte_off in mapping:
        if first_segment <= segment:
            found = seg_off
    return segment + found


def file_byte(mapping: tuple[Offset, ...], offset: int) -> int:
    """The file's byte offset of a byte offset in a piece."""
    found = 0
    for _first_segment, first_byte, _seg_off, byte_off in mapping:
        if first_byte <= offset:
            found = byte_off
    return offset + found


def _merge(fine: list[Piece], piece_bytes: int, term: bytes) -> list[Piece]:
    """Consecutive small interchanges merged into pieces of up to ``piece_bytes``."""
    merged: list[Piece] = []
    parts: list[Piece] = []

    def close() -> None:
        if not parts:
            return
        offsets: list[Offset] = []
        segments = 0
        size = 0
        for part in parts:
            offsets.append(
                (segments + 1, size, part.segment_offset - segments, part.byte_offset - size)
            )
            segments += part.data.count(term)
            size += len(part.data)
        first = parts[0]
        merged.append(
            Piece(len(merged), b"".join(p.data for p in parts), first.segment_offset,
                  first.byte_offset, sum(p.sets for p in parts), tuple(offsets))
        )  # fmt: skip
        parts.clear()

    for piece in fine:
        if parts and sum(len(p.data) for p in parts) + len(piece.data) > piece_bytes:
            close()
        parts.append(piece)
    close()
    return merged


@dataclass(frozen=True, slots=True)
class TrailerProblem:
    segment_number: int
    segment_id: str
    message: str


def _segment_terminator(data: bytes) -> bytes | None:
    start = data.find(b"ISA")
    if start < 0 or len(data) < start + ISA_LENGTH:
        return None
    return data[start + ISA_LENGTH - 1 : start + ISA_LENGTH]


def split_file(
    data: bytes, *, piece_bytes: int = 64 << 20
) -> tuple[list[Piece], list[TrailerProblem]]:
    """The file as pieces of about ``piece_bytes`` (one piece when it is smaller, or
    when it cannot be cut safely: then the reader sees the file exactly as given)."""
    whole = [Piece(0, data, 0, 0, 0)]
    if len(data) <= piece_bytes:
        return whole, []
    term = _segment_terminator(data)
    if term is None or data[:3] != b"ISA":
        return whole, []
    element = data[3:4]
    marker = re.compile(re.escape(term) + rb"[\r\n \t]*(ISA|GS|ST|SE|GE|IEA)" + re.escape(element))
    # (segment id, start of the segment, end of the segment incl. terminator)
    events: list[tuple[bytes, int]] = [(b"ISA", 0)]
    for found in marker.finditer(data):
        events.append((found.group(1), found.start(1)))
    pieces: list[Piece] = []
    problems: list[TrailerProblem] = []
    isa_text = b""
    gs_text = b""
    run_start = -1
    run_sets = 0
    segments_before = 0  # segments in the file before position `counted_to`
    counted_to = 0

    def segment_number(position: int) -> int:
        nonlocal segments_before, counted_to
        segments_before += data.count(term, counted_to, position)
        counted_to = position
        return segments_before + 1

    def end_of(position: int) -> int:
        stop = data.find(term, position)
        return len(data) if stop < 0 else stop + 1

    def flush(end: int) -> None:
        nonlocal run_start, run_sets
        if run_start < 0 or run_sets == 0:
            run_start, run_sets = -1, 0
            return
        gs_fields = gs_text.rstrip(b"\r\n \t").rstrip(term).split(element)
        control = gs_fields[6] if len(gs_fields) > 6 else b"1"
        isa_control = isa_text[90:99]
        trailer = (
            b"GE" + element + str(run_sets).encode() + element + control + term
            + b"IEA" + element + b"1" + element + isa_control + term
        )  # fmt: skip
        body = data[run_start:end]
        head = isa_text + gs_text
        first_number = segment_number(run_start)
        pieces.append(
            Piece(
                len(pieces),
                head + body + trailer,
                segment_offset=first_number - 3,
                byte_offset=run_start - len(head),
                sets=run_sets,
            )
        )
        run_start, run_sets = -1, 0

    group_sets = 0
    for sid, start in events:
        if sid == b"ISA":
            flush(start)
            isa_text = data[start : end_of(start)]
        elif sid == b"GS":
            flush(start)
            gs_text = data[start : end_of(start)]
            group_sets = 0
        elif sid == b"ST":
            if run_start < 0:
                run_start = start
            elif start - run_start >= piece_bytes:
                flush(start)
                run_start = start
            run_sets += 1
            group_sets += 1
        elif sid == b"GE":
            flush(start)
            fields = data[start : end_of(start)].rstrip(b"\r\n \t").rstrip(term).split(element)
            gs_fields = gs_text.rstrip(b"\r\n \t").rstrip(term).split(element)
            if len(fields) < 3 or len(gs_fields) < 7 or fields[2] != gs_fields[6]:
                problems.append(TrailerProblem(segment_number(start), "GE", "GE02 is not GS06"))
            if len(fields) > 1 and fields[1].decode("latin-1") != str(group_sets):
                problems.append(
                    TrailerProblem(
                        segment_number(start),
                        "GE",
                        f"GE01 transaction set count {fields[1].decode('latin-1')!r} is wrong "
                        f"(expected {group_sets})",
                    )
                )
        elif sid == b"IEA":
            flush(start)
            fields = data[start : end_of(start)].rstrip(b"\r\n \t").rstrip(term).split(element)
            if len(fields) < 3 or fields[2] != isa_text[90:99]:
                problems.append(TrailerProblem(segment_number(start), "IEA", "IEA02 is not ISA13"))
    flush(len(data))
    if not pieces or problems:
        # a file whose trailers are wrong is read whole: the reader reports them as the
        # single-machine ingest does
        return whole, problems
    return _merge(pieces, piece_bytes, term), problems
