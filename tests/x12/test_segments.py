"""Delimiter detection and the streaming segment reader."""

from __future__ import annotations

import io

import pytest

from denialops.errors import X12SyntaxError
from denialops.x12 import Delimiters, detect_delimiters
from denialops.x12.segments import BAD_SEGMENT, SegmentReader

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*240101*1200*^*00501*000000001*0*P*:~"
)


def test_isa_fixture_is_106_characters() -> None:
    assert len(ISA) == 106


def _isa(element: str, repetition: str, component: str, segment: str) -> str:
    fields = ISA[4:104].split("*")
    fields[10] = repetition
    return "ISA" + element + element.join(fields) + component + segment


@pytest.mark.parametrize(
    ("element", "repetition", "component", "segment"),
    [("*", "^", ":", "~"), ("|", "^", ">", "\n"), ("!", "{", "+", "'"), ("^", "|", "\\", "~")],
)
def test_delimiters_come_from_the_isa(
    element: str, repetition: str, component: str, segment: str
) -> None:
    isa = _isa(element, repetition, component, segment)
    assert len(isa) == 106
    assert detect_delimiters(isa.encode()) == Delimiters(element, component, repetition, segment)


@pytest.mark.parametrize(
    ("isa", "message"),
    [
        (ISA[:80], "not an ISA segment"),
        ("GS" + ISA[2:], "not an ISA segment"),
        (ISA.replace("SENDER         ", "SENDER") + "GS*HP*1*2*3", "not fixed width"),
        (ISA[:104] + "*~", "not distinct"),
        (ISA[:104] + "A~", "letter, digit or space"),
        (ISA[:104] + ":A", "letter, digit or space"),
    ],
)
def test_bad_isa_is_a_syntax_error(isa: str, message: str) -> None:
    with pytest.raises(X12SyntaxError, match=message) as caught:
        detect_delimiters(isa.encode("latin-1"))
    assert caught.value.segment_id == "ISA"


BODY = "GS*HP*S*R*20240101*1200*1*X*005010X221A1~ST*835*0001~BPR*I*1*C*CHK~SE*3*0001~GE*1*1~"


def _segments(data: str, chunk_size: int = 1 << 20) -> list[tuple[list[str], int, int]]:
    return list(SegmentReader(io.BytesIO(data.encode("latin-1")), chunk_size=chunk_size))


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 106, 1000])
@pytest.mark.parametrize("separator", ["~", "~\n", "~\r\n", "~\n\n"])
def test_segments_numbers_and_offsets(separator: str, chunk_size: int) -> None:
    text = (ISA + BODY + "IEA*1*000000001~").replace("~", separator)
    found = _segments(text, chunk_size)
    ids = [elements[0] for elements, _, _ in found]
    assert ids == ["ISA", "GS", "ST", "BPR", "SE", "GE", "IEA"]
    assert [number for _, number, _ in found] == [1, 2, 3, 4, 5, 6, 7]
    for elements, _, offset in found:
        assert text[offset:].startswith("*".join(elements) + "~")
    assert found[3][0] == ["BPR", "I", "1", "C", "CHK"]


def test_interchanges_with_different_delimiters_and_noise_between() -> None:
    second = (ISA + BODY + "IEA*1*000000002~").replace("*", "|").replace("~", "\n")
    second = second[:104] + ">\n" + second[106:]
    text = ISA + BODY + "IEA*1*000000001~\r\n~\n" + second
    found = _segments(text, 17)
    assert [e[0] for e, _, _ in found] == ["ISA", "GS", "ST", "BPR", "SE", "GE", "IEA"] * 2
    assert found[10][0] == ["BPR", "I", "1", "C", "CHK"]
    assert found[13][0] == ["IEA", "1", "000000002"]


def test_missing_iea_then_isa_with_other_delimiters_resynchronises() -> None:
    second = (ISA + BODY + "IEA*1*000000002~").replace("*", "|")
    text = ISA + BODY + second
    found = _segments(text)
    assert [e[0] for e, _, _ in found] == [
        *["ISA", "GS", "ST", "BPR", "SE", "GE"],
        *["ISA", "GS", "ST", "BPR", "SE", "GE", "IEA"],
    ]
    assert found[9][0] == ["BPR", "I", "1", "C", "CHK"]


def test_garbage_becomes_one_bad_pseudo_segment() -> None:
    found = _segments("hello world\n" + ISA + BODY + "IEA*1*000000001~")
    bad, isa = found[0], found[1]
    assert bad[0][0] == BAD_SEGMENT and bad[0][3] == "hello world\n"
    assert (bad[1], bad[2]) == (1, 0)
    assert (isa[0][0], isa[1], isa[2]) == ("ISA", 2, 12)


def test_last_segment_without_terminator_is_read() -> None:
    found = _segments(ISA + BODY + "IEA*1*000000001")
    assert found[-1][0] == ["IEA", "1", "000000001"]


def test_take_returns_kept_bytes_across_chunks() -> None:
    text = ISA + BODY + "IEA*1*000000001~"
    reader = SegmentReader(io.BytesIO(text.encode()), chunk_size=3)
    for elements, _, offset in reader:
        if elements[0] == "ST":
            reader.keep(offset)
            start = offset
        if elements[0] == "SE":
            assert reader.take(start, offset + 11) == b"ST*835*0001~BPR*I*1*C*CHK~SE*3*0001~"
            reader.release()
