"""Delimiters and the streaming segment reader.

X12 says nothing about line breaks and lets every interchange pick its own delimiters,
so the reader takes them from each ISA (element separator = byte 4, repetition = ISA11,
component = ISA16, segment terminator = the byte after ISA16) and ignores white space
(spaces, tabs, CR, LF in any mix) after terminators, and a UTF-8 byte-order mark before
an ISA. It reads the source in chunks, decodes each chunk once as
latin-1 (one byte = one character, so character offsets ARE byte offsets and nothing is
lost whatever the encoding), splits with ``str.split`` and yields one element list per
segment. Only the text of the transaction set being read is retained (see
:meth:`SegmentReader.keep`), so memory stays flat whatever the file size.

Speed matters here: the common case (the same terminator + line break after every
segment, or none) is one ``split`` per chunk and one ``split`` per segment; anything
irregular falls back to a slower path that strips line breaks segment by segment. Inside
a transaction set the consumer may give the reader a table of handlers
(:attr:`SegmentReader.handlers`): the segments of the set then go from the split straight
to their handler, with no generator round trip and no tuple per segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from denialops.errors import X12Error, X12SyntaxError

ISA_LENGTH = 106
"""An ISA is fixed width: 105 characters plus its segment terminator."""

# Where the element separator must sit in a fixed-width ISA (after ISA, ISA01 .. ISA15).
_ISA_SEPARATORS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)

BAD_SEGMENT = "\x00BAD"
"""Pseudo segment id the reader yields for text it cannot read as X12.

Its elements are ``[BAD_SEGMENT, message, expected, text_prefix]``; the envelope layer
turns it into a rejected transaction. Never a real segment id (X12 ids are A-Z0-9).
"""

MAX_SEGMENT = 1 << 20
"""Longer than any real segment: text without a terminator this long is rejected."""

RAW_PREVIEW = 4096
"""How much of unreadable text a rejection keeps when the whole is over the limit."""

MAX_HELD = 256 << 20
"""Default limit of text held for one transaction set (or one unreadable stretch): a set
larger than this is refused (:data:`TOO_BIG`), unreadable text beyond it is not kept."""

TOO_BIG = "\x00BIG"
"""Pseudo segment id yielded (without a segment number of its own) when the text held
since :meth:`SegmentReader.keep` passed the limit; the held text has been dropped.
Its elements are ``[TOO_BIG, limit]``."""

Segment = tuple[list[str], int, int]
"""(elements, 1-based segment number in the file, byte offset of the segment)."""


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of one interchange, as read from its ISA.

    ``repetition`` is empty when the interchange has none: ISA11 of a 004010 (or older)
    interchange is the standards identifier (``U``), not a separator, and an ISA11 that
    is a letter or collides with another delimiter is read as "none" with a ``warning``.
    """

    element: str
    component: str
    repetition: str
    segment: str
    warning: str = field(default="", compare=False)


def detect_delimiters(isa: bytes) -> Delimiters:
    """Read the delimiters from the first 106 bytes of an ISA segment.

    Raises :class:`X12SyntaxError` when the text is not a fixed-width ISA or the
    delimiters collide with each other or with data characters; the error names the ISA
    element (``ISA16 'A': ...``).
    """
    text = isa[:ISA_LENGTH].decode("latin-1")
    if len(text) < ISA_LENGTH or not text.startswith("ISA"):
        raise X12SyntaxError(
            "not an ISA segment",
            segment_id="ISA",
            expected="a 106-character ISA segment",
        )
    element = text[3]
    for index in _ISA_SEPARATORS:
        if text[index] != element:
            number = _ISA_SEPARATORS.index(index) + 1
            raise X12SyntaxError(
                f"ISA fields are not fixed width: ISA{number:02d} does not end at character"
                f" {index}",
                segment_id="ISA",
                element=number,
                expected=f"the element separator {element!r} at character {index + 1}",
            )
    component, segment = text[104], text[105]
    _check_delimiter(element, 0, "element separator (character 4 of the ISA)")
    _check_delimiter(component, 16, "component separator")
    if segment.isalnum() or segment == " ":
        raise X12SyntaxError(
            "the segment terminator (the character after ISA16) is a letter, digit or space",
            segment_id="ISA",
            element=16,
            found=segment,
            expected="a punctuation or line-break character after ISA16",
        )
    if len({element, component, segment}) != 3:
        raise X12SyntaxError(
            f"delimiters are not distinct: element separator {element!r}, component separator"
            f" {component!r} (ISA16), segment terminator {segment!r}",
            segment_id="ISA",
            element=16,
            found=component,
            expected="three different delimiter characters",
        )
    repetition, warning = _repetition(text[82], text[84:89], (element, component, segment))
    return Delimiters(element, component, repetition, segment, warning)


def _isa_elements(text: str) -> list[str]:
    """The ISA's elements by their fixed positions (ISA11 may equal a delimiter)."""
    bounds = (*_ISA_SEPARATORS, ISA_LENGTH - 1)
    return ["ISA"] + [text[bounds[i] + 1 : bounds[i + 1]] for i in range(16)]


def _check_delimiter(char: str, position: int, what: str) -> None:
    if char.isalnum() or char.isspace():
        raise X12SyntaxError(
            f"the {what} is a letter, digit or space",
            segment_id="ISA",
            element=position,
            found=char,
            expected="a punctuation character",
        )


def _repetition(char: str, version: str, others: tuple[str, ...]) -> tuple[str, str]:
    """ISA11: the repetition separator from 00402 on, the standards id ("U") before."""
    if version.isdigit() and version < "00402":
        return "", ""
    if char.isalnum() or char.isspace():
        why = "is a letter, digit or space"
    elif char in others:
        why = "is also used as another delimiter"
    else:
        return char, ""
    return "", f"ISA11 {char!r} {why}; read as no repetition separator (ISA12 {version!r})"


def _line_break_after(text: str, index: int, terminator: str) -> str:
    """The separator actually used between segments: terminator plus any white space."""
    end = index
    limit = min(len(text), index + 16)
    while end < limit and text[end] in _WHITE and text[end] != terminator:
        end += 1
    return terminator + text[index:end]


CONTENT_IDS = frozenset(
    "BPR TRN CUR REF DTM N1 N2 N3 N4 PER RDM LX TS3 TS2 CLP CAS NM1 MIA MOA AMT QTY SVC LQ"
    " PLB".split()
)
"""The 835 segment ids inside a transaction set the fast path knows (and may dispatch)."""
# Segment ids the fast path yields without a second look. Anything else (ISA, IEA, an
# unknown id, garbage, an empty segment) takes the careful path, which still yields it.
_COMMON_IDS = CONTENT_IDS | {"GS", "GE", "ST", "SE"}
_LINE_BREAKS = "\r\n"
_WHITE = " \t\r\n"
"""White space allowed after a segment terminator (and before an ISA): ignored."""
_BOM = "\xef\xbb\xbf"
"""A UTF-8 byte-order mark, as the latin-1 decoding shows it."""


class SegmentReader:
    """Iterate the segments of an X12 byte stream, chunk by chunk.

    Yields ``(elements, segment_number, byte_offset)``; :attr:`delimiters` holds the
    delimiters of the interchange the last yielded segment belongs to. Text that is not
    X12 (garbage, a broken ISA) is yielded as one :data:`BAD_SEGMENT` pseudo segment
    and the reader resynchronises on the next ``ISA``.

    A consumer that needs a transaction set's bytes calls :meth:`keep` with the offset
    of its first segment and :meth:`take` once it has seen the last one; only the text
    from the kept offset on is held.
    """

    def __init__(
        self, stream: BinaryIO, *, chunk_size: int = 1 << 20, max_held: int = MAX_HELD
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self._stream = stream
        self._chunk_size = chunk_size
        self.max_held = max_held
        self._held = 0  # characters in _parts
        self._overflowed = False
        self.delimiters: Delimiters | None = None
        self._parts: list[str] = []  # decoded chunks still needed
        self._parts_pos = 0  # absolute offset of _parts[0]
        self._keep_from: int | None = None
        self._eof = False
        self._synced: tuple[str, int, str] | None = None
        self.handlers: dict[str, Callable[[list[str], int], None]] | None = None
        """When set (by the envelope, inside a transaction set), segments with one of
        these ids are handed to their handler directly instead of being yielded; an
        :class:`X12SyntaxError` (any X12 error) a handler raises is kept in
        :attr:`handler_error` and dispatching stops until the consumer sets it again."""
        self.handler_error: X12Error | None = None
        self.number = 0
        """The number of the last segment read, dispatched or yielded."""

    # -- raw text retention ----------------------------------------------------------
    def keep(self, offset: int) -> None:
        """Retain the text from ``offset`` on (until :meth:`release`)."""
        self._keep_from = offset

    def release(self) -> None:
        """Stop retaining text: a transaction set has been taken."""
        self._keep_from = None

    def take(self, start: int, end: int, *, release: bool = False) -> bytes:
        """The file's bytes ``[start, end)``; ``start`` must not be before the kept offset.

        ``release``: the text up to ``end`` is not needed any more (a transaction set has
        been read): stop holding it, and drop each chunk as soon as it is copied, so a
        large set is never held twice over (decoded and as bytes) in full.
        """
        first = start - self._parts_pos
        if first < 0:
            raise ValueError("text before the kept offset is no longer held")
        parts = self._parts
        size = end - start
        if release:
            self._keep_from = None
        if len(parts) == 1 or first + size <= len(parts[0]):
            return parts[0][first : first + size].encode("latin-1")
        # Spans chunks: encode only the pieces that overlap, never whole chunks at once.
        pieces: list[bytes] = []
        index = 0
        while index < len(parts) and size > 0:
            part = parts[index]
            if first < len(part):
                piece = part[first : first + size]
                size -= len(piece)
                pieces.append(piece.encode("latin-1"))
                del piece
            first = max(first - len(part), 0)
            if release and size > 0 and index == 0 and len(parts) > 1:
                # wholly before ``end``: nobody needs this chunk again
                dropped = len(parts.pop(0))
                self._parts_pos += dropped
                self._held -= dropped
                first = max(first, 0)
                continue
            index += 1
        return b"".join(pieces)

    def held_from(self, offset: int) -> str:
        """The text read so far from ``offset`` on (which must still be held), as the
        reader decoded it (latin-1: one character per byte)."""
        first = offset - self._parts_pos
        if first < 0:
            raise ValueError("text before the kept offset is no longer held")
        pieces: list[str] = []
        for part in self._parts:
            if first < len(part):
                pieces.append(part[first:] if first else part)
            first = max(first - len(part), 0)
        return "".join(pieces)

    def _read(self) -> str:
        """Read and decode the next chunk ("" at end of file), remembering it."""
        if self._eof:
            return ""
        data = self._stream.read(self._chunk_size)
        if not data:
            self._eof = True
            return ""
        text = data.decode("latin-1")
        self._parts.append(text)
        self._held += len(text)
        keep = self._keep_from
        if keep is not None and self._parts_pos + self._held - keep > self.max_held:
            self._keep_from = None  # over the limit: stop holding (the consumer is told)
            self._overflowed = True
        return text

    def _forget_before(self, offset: int) -> None:
        """Drop decoded chunks that end before ``offset`` and before the kept offset."""
        keep = self._keep_from
        floor = offset if keep is None or keep > offset else keep
        parts = self._parts
        while len(parts) > 1 and self._parts_pos + len(parts[0]) <= floor:
            dropped = len(parts.pop(0))
            self._parts_pos += dropped
            self._held -= dropped

    def _hold(self, offset: int) -> None:
        """Hold text from ``offset`` on, without giving up what is already held."""
        if self._keep_from is None or self._keep_from > offset:
            self._keep_from = offset

    def _bad_text(self, start: int, end: int, preview: str) -> tuple[str, str]:
        """Unreadable text ``[start, end)`` whole, or its preview and a note if too long."""
        try:
            text = self.take(start, end).decode("latin-1")
        except ValueError:
            text = ""
        if self._keep_from == start:
            self._keep_from = None
        self._overflowed = False
        if len(text) == end - start:
            return text, ""
        kept = preview[: end - start]
        return kept, f"; only its first {len(kept):,} of {end - start:,} bytes are kept"

    # -- between interchanges --------------------------------------------------------
    def _sync(
        self, buf: str, buf_pos: int, number: int, skip: str = " \t\r\n"
    ) -> Iterator[Segment]:
        """Find the next ISA and yield it (after a BAD pseudo segment for what precedes it).

        When an interchange starts, :attr:`_synced` is set to ``(rest, rest_pos,
        separator)``: the text after the ISA and the separator between its segments.
        """
        self._synced = None
        bad_start = -1
        bad_message = bad_expected = bad_text = ""
        while True:
            stripped = buf.lstrip(skip)
            while stripped.startswith(_BOM):  # a UTF-8 byte-order mark: not data
                stripped = stripped[3:].lstrip(skip)
            buf_pos += len(buf) - len(stripped)
            buf = stripped
            if len(buf) < ISA_LENGTH + 2 and not self._eof:
                buf += self._read()
                continue
            if buf.startswith("ISA"):
                try:
                    delims = detect_delimiters(buf[:ISA_LENGTH].encode("latin-1"))
                except X12SyntaxError as exc:
                    if bad_start < 0:
                        bad_start, bad_text = buf_pos, buf[:RAW_PREVIEW]
                        self._hold(bad_start)
                        label = exc.label()
                        bad_message = f"{label}: {exc.message}" if label != "ISA" else exc.message
                        bad_expected = exc.expected or ""
                    buf, buf_pos = buf[3:], buf_pos + 3
                    continue
                if bad_start >= 0:
                    number += 1
                    text, note = self._bad_text(bad_start, buf_pos, bad_text)
                    bad = [BAD_SEGMENT, bad_message + note, bad_expected, text]
                    yield bad, number, bad_start
                    bad_start = -1
                sep = _line_break_after(buf, ISA_LENGTH, delims.segment)
                number += 1
                self.delimiters = delims
                yield _isa_elements(buf), number, buf_pos
                rest = len(sep) + ISA_LENGTH - 1
                self._synced = (buf[rest:], buf_pos + rest, sep)
                return
            if not buf:
                if bad_start >= 0:
                    number += 1
                    text, note = self._bad_text(bad_start, buf_pos, bad_text)
                    yield [BAD_SEGMENT, bad_message + note, bad_expected, text], number, bad_start
                return
            if bad_start < 0:
                bad_start, bad_text = buf_pos, buf[:RAW_PREVIEW]
                bad_message, bad_expected = "text that is not an X12 interchange", "an ISA segment"
                self._hold(bad_start)
            found = buf.find("ISA", 1)
            if found < 0:  # skip all but a possible "IS" cut at the chunk end
                cut = max(len(buf) - 2, 1)
                buf, buf_pos = buf[cut:], buf_pos + cut
                self._forget_before(buf_pos)
                more = self._read()
                if not more:
                    buf, buf_pos = "", buf_pos + len(buf)
                buf += more
            else:
                buf, buf_pos = buf[found:], buf_pos + found

    # -- iteration -------------------------------------------------------------------
    def __iter__(self) -> Iterator[Segment]:
        number = 0
        buf = ""  # text not yet split, starting at absolute offset buf_pos
        buf_pos = 0
        while True:
            # Blank lines and stray terminators of the interchange just closed are skipped.
            skip = " \t\r\n" + (self.delimiters.segment if self.delimiters else "")
            for item in self._sync(buf, buf_pos, number, skip):
                number = self.number = item[1]
                yield item
            if self._synced is None or self.delimiters is None:
                return
            buf, buf_pos, sep = self._synced
            delims = self.delimiters
            element = delims.element
            terminator = delims.segment
            seplen = len(sep)
            breaks_per_sep = sum(sep.count(c) for c in _LINE_BREAKS)
            common = _COMMON_IDS
            resync = False
            while not resync:
                if terminator not in buf:
                    if len(buf) > MAX_SEGMENT:
                        # No terminator in sight: not X12. Reject it and look for an ISA
                        # rather than hold an unbounded "segment" in memory.
                        number += 1
                        self.number = number
                        message = f"no segment terminator {terminator!r} in {len(buf):,} bytes"
                        bad = [BAD_SEGMENT, message, "segments ending in the ISA terminator"]
                        yield [*bad, buf[:RAW_PREVIEW]], number, buf_pos
                        buf, buf_pos = "", buf_pos + len(buf)
                        self.delimiters = None
                        break
                    more = self._read()
                    if more:
                        buf += more
                        self._forget_before(buf_pos)
                        if self._overflowed:
                            self._overflowed = False
                            yield [TOO_BIG, str(self.max_held)], number, buf_pos
                        continue
                    tail = buf.strip(_WHITE)  # a last segment without terminator
                    if tail:
                        number += 1
                        self.number = number
                        lead = len(buf) - len(buf.lstrip(_WHITE))
                        yield tail.split(element), number, buf_pos + lead
                    self.number = number
                    return
                if buf[:1] in _WHITE:  # white space left over from the last chunk
                    stripped = buf.lstrip(_WHITE)
                    buf_pos += len(buf) - len(stripped)
                    buf = stripped
                    if terminator not in buf:
                        continue
                whole = buf
                # Split only up to the last complete separator, so that a chunk ending
                # between a terminator and its line break does not look irregular.
                cut = whole.rfind(sep) if seplen > 1 else -1
                if cut >= 0 and cut + seplen < len(whole):
                    whole, rest = whole[: cut + seplen], whole[cut + seplen :]
                else:
                    rest = ""
                sep_count = whole.count(sep)
                regular = whole.count("\n") + whole.count("\r") == breaks_per_sep * sep_count and (
                    seplen == 1 or whole.count(terminator) == sep_count
                )
                if regular:
                    pieces = whole.split(sep)
                    step = seplen
                else:
                    pieces = whole.split(terminator)
                    step = 1
                buf = pieces.pop() + rest if rest else pieces.pop()
                pos = buf_pos
                handlers = self.handlers
                for piece in pieces:
                    start = pos
                    pos += len(piece) + step
                    if regular:
                        elements = piece.split(element)
                        sid = elements[0]
                        if handlers is not None:
                            handler = handlers.get(sid)
                            if handler is not None:
                                number += 1
                                try:
                                    handler(elements, number)
                                except X12Error as exc:
                                    self.handler_error = exc
                                    handlers = self.handlers = None
                                continue
                        if sid in common:
                            number += 1
                            self.number = number
                            yield elements, number, start
                            handlers = self.handlers
                            continue
                        text = piece
                    else:
                        text = piece.lstrip(_WHITE).rstrip(_LINE_BREAKS)
                        if not text:
                            continue
                        start += len(piece) - len(piece.lstrip(_WHITE))
                        elements = text.split(element)
                        if elements[0] in common:
                            number += 1
                            self.number = number
                            yield elements, number, start
                            handlers = self.handlers
                            continue
                    # The careful path: empty, IEA, a new ISA, an id we do not know, or
                    # white space after a terminator that the separator did not cover.
                    if text[:1] in _WHITE:
                        lead = len(text) - len(text.lstrip(_WHITE))
                        text = text[lead:]
                        start += lead
                        elements = text.split(element)
                    if not text:
                        continue
                    sid = elements[0]
                    if text.startswith("ISA") and (len(sid) > 3 or sid == "ISA"):
                        # A new interchange without IEA, maybe with other delimiters.
                        buf, buf_pos = whole[start - buf_pos :] + rest, start
                        resync = True
                        break
                    number += 1
                    self.number = number
                    yield elements, number, start
                    handlers = self.handlers
                    if sid == "IEA":
                        buf, buf_pos = whole[pos - buf_pos :] + rest, pos
                        resync = True
                        break
                else:
                    if not regular:  # white space after the last terminator
                        stripped = buf.lstrip(_WHITE)
                        pos += len(buf) - len(stripped)
                        buf = stripped
                    buf_pos = pos
                    self._forget_before(buf_pos)
                    # Free this chunk's text and pieces before the next chunk is read,
                    # so that at most one chunk's worth is alive at any time.
                    del whole, pieces
