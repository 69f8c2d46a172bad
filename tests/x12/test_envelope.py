"""Envelope checks (ISA/IEA, GS/GE, ST/SE) and what a broken envelope rejects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from denialops.errors import EnvelopeError, X12Error, X12SyntaxError
from denialops.x12 import RejectedTransaction, Remittance, parse_835, read_835

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"
# professional.835 has one segment per line: segment N is line N.
PROFESSIONAL = (FIXTURES / "professional.835").read_bytes()


def _items(data: bytes, name: str = "env.835") -> list[Remittance | RejectedTransaction]:
    return list(read_835(io.BytesIO(data), name=name))


def _rejections(data: bytes) -> list[RejectedTransaction]:
    return [item for item in _items(data) if isinstance(item, RejectedTransaction)]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b"IEA*1*000000101~",
            b"IEA*1*000000999~",
            "env.835, segment 67, IEA02: IEA02 control number '000000999' does not match ISA13"
            " (expected '000000101' (ISA13 of segment 1))",
        ),
        (
            b"IEA*1*000000101~",
            b"IEA*2*000000101~",
            "env.835, segment 67, IEA01: IEA01 functional group count '2' is wrong"
            " (expected 1 (GS groups in interchange '000000101'))",
        ),
        (
            b"GE*1*101~",
            b"GE*1*102~",
            "env.835, segment 66, GE02: GE02 control number '102' does not match GS06"
            " (expected '101' (GS06 of segment 2))",
        ),
        (
            b"GE*1*101~",
            b"GE*3*101~",
            "env.835, segment 66, GE01: GE01 transaction set count '3' is wrong"
            " (expected 1 (ST sets in group '101'))",
        ),
    ],
)
def test_trailer_violations_are_reported_and_sets_kept(
    old: bytes, new: bytes, message: str
) -> None:
    items = _items(PROFESSIONAL.replace(old, new))
    assert isinstance(items[0], Remittance)  # already checked by its own SE
    (rejected,) = [item for item in items if isinstance(item, RejectedTransaction)]
    assert isinstance(rejected.error, EnvelopeError)
    assert str(rejected.error) == message
    assert rejected.raw == new
    assert rejected.st_control == ""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b"SE*63*0001~",
            b"SE*63*0002~",
            "env.835, segment 65, SE02: SE02 control number '0002' does not match ST02"
            " (expected '0001' (ST02 of segment 3))",
        ),
        (
            b"SE*63*0001~",
            b"SE*60*0001~",
            "env.835, segment 65, SE01: SE01 segment count '60' is wrong"
            " (expected 63 (segments from ST to SE))",
        ),
        (
            b"SE*63*0001~",
            b"SE*x*0001~",
            "env.835, segment 65, SE01: SE01 segment count 'x' is wrong"
            " (expected 63 (segments from ST to SE))",
        ),
    ],
)
def test_transaction_trailer_violations_reject_the_set(
    old: bytes, new: bytes, message: str
) -> None:
    data = PROFESSIONAL.replace(old, new)
    (rejected,) = _rejections(data)
    assert str(rejected.error) == message
    assert rejected.st_control == "0001"
    assert (rejected.segment_number, rejected.byte_offset) == (3, data.index(b"ST*835"))
    assert rejected.raw.startswith(b"ST*835*0001") and rejected.raw.endswith(new)
    with pytest.raises(EnvelopeError) as caught:
        parse_835(data, name="env.835")
    assert str(caught.value) == message


def test_truncated_file_rejects_the_unfinished_set() -> None:
    cut = PROFESSIONAL.index(b"CLP*PCN1002")
    (rejected,) = _rejections(PROFESSIONAL[:cut])
    assert str(rejected.error) == (
        "env.835, segment 55, SE: transaction set '0001' starting at segment 3 has no SE"
        " before the end of the file (expected SE closing transaction set '0001')"
    )
    assert rejected.raw == PROFESSIONAL[PROFESSIONAL.index(b"ST*835") : cut].rstrip()
    assert (rejected.segment_number, rejected.st_control) == (3, "0001")


def test_missing_group_and_interchange_trailers_at_end_of_file() -> None:
    without_ge = PROFESSIONAL[: PROFESSIONAL.index(b"GE*")]
    items = _items(without_ge)
    assert isinstance(items[0], Remittance)
    assert str(items[1].error) == (  # type: ignore[union-attr]
        "env.835, segment 66, GE: file ends inside group '101' (expected GE closing group '101')"
    )
    without_iea = PROFESSIONAL[: PROFESSIONAL.index(b"IEA*")]
    (rejected,) = _rejections(without_iea)
    assert str(rejected.error) == (
        "env.835, segment 67, IEA: file ends inside interchange '000000101'"
        " (expected IEA closing interchange '000000101')"
    )


def test_new_st_before_se_rejects_the_open_set_only() -> None:
    data = (FIXTURES / "multi_interchange.835").read_bytes()
    data = data.replace(b"SE*9*0001~", b"")  # set 0001 now runs into ST 0002
    items = _items(data, "m.835")
    first = items[0]
    assert isinstance(first, RejectedTransaction)
    assert str(first.error) == (
        "m.835, segment 11, SE: transaction set '0001' starting at segment 3 has no SE before"
        " this ST (expected SE closing transaction set '0001')"
    )
    assert first.raw.endswith(b"NM1*QC*1*LANE*LOIS****MI*A1~")
    assert [r.envelope.st_control for r in items if isinstance(r, Remittance)] == [
        "0002",
        "0003",
        "0001",
    ]
    # GE01 still counts both sets of the group, so the group trailer is consistent.
    assert sum(isinstance(item, RejectedTransaction) for item in items) == 1


def test_segment_outside_a_transaction_set() -> None:
    data = PROFESSIONAL.replace(b"GE*1*101~", b"NTE*STRAY~\nGE*1*101~")
    (rejected,) = _rejections(data)
    assert str(rejected.error) == (
        "env.835, segment 66, NTE: segment 'NTE' outside a transaction set"
        " (expected ST, GS, GE or IEA)"
    )
    assert rejected.raw == b"NTE*STRAY~"


def test_st_outside_a_group_is_rejected() -> None:
    data = PROFESSIONAL.replace(
        b"GS*HP*ACMEPAYER*RIVERSIDE*20240305*1230*101*X*005010X221A1~\n", b""
    )
    rejections = _rejections(data)
    assert str(rejections[0].error) == (
        "env.835, segment 2, ST: transaction set outside a functional group (expected GS before ST)"
    )
    assert rejections[0].raw.startswith(b"ST*835*0001")


def test_empty_and_garbage_files_give_one_rejection() -> None:
    for data in (b"", b"\n\r\n  "):
        (rejected,) = _rejections(data)
        assert isinstance(rejected.error, X12SyntaxError)
        assert str(rejected.error) == (
            "env.835, segment 1, ISA: empty file (expected an ISA segment)"
        )
    (rejected,) = _rejections(b"%PDF-1.4 this is not an 835\n" * 50)
    assert str(rejected.error) == (
        "env.835, segment 1, ISA: text that is not an X12 interchange (expected an ISA segment)"
    )
    assert rejected.raw.startswith(b"%PDF-1.4")


def test_garbage_before_an_interchange_is_rejected_and_the_interchange_read() -> None:
    items = _items(b"GARBAGE HEADER\n" + PROFESSIONAL)
    assert isinstance(items[0], RejectedTransaction)
    assert items[0].raw == b"GARBAGE HEADER\n"
    assert isinstance(items[1], Remittance)
    assert items[1].segment_number == 4  # the garbage counts as one segment
    assert items[1].byte_offset == len(b"GARBAGE HEADER\n") + PROFESSIONAL.index(b"ST*835")


def test_broken_isa_rejects_its_interchange_and_the_next_one_is_read() -> None:
    multi = (FIXTURES / "multi_interchange.835").read_bytes()
    broken = multi.replace(b"ISA*00*          *00", b"ISA*00*        *00", 1)
    items = _items(broken)
    first = items[0]
    assert isinstance(first, RejectedTransaction)
    assert isinstance(first.error, X12SyntaxError)
    assert "ISA fields are not fixed width" in str(first.error)
    assert first.error.segment_number == 1
    assert [type(item) for item in items[1:]] == [Remittance]
    assert isinstance(items[1], Remittance)
    assert items[1].envelope.isa_control == "000000302"


def test_every_rejection_is_our_error_with_a_position() -> None:
    data = PROFESSIONAL.replace(b"SE*63*0001~", b"SE*9*0001~").replace(b"GE*1*101~", b"GE*1*9~")
    for rejected in _rejections(data):
        assert isinstance(rejected.error, X12Error)
        assert "segment " in rejected.error.where()


def test_text_without_terminators_is_rejected_in_bounded_memory() -> None:
    import tracemalloc

    start = PROFESSIONAL.index(b"CLP*PCN1002")
    data = PROFESSIONAL[:start] + b"X" * (8 * 1024 * 1024)
    tracemalloc.start()
    try:
        items = list(
            read_835(io.BytesIO(data), name="env.835", chunk_size=64 * 1024, max_set_bytes=1 << 20)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(isinstance(item, RejectedTransaction) for item in items)
    unfinished, runaway = items[0], items[1]
    assert isinstance(unfinished, RejectedTransaction) and unfinished.st_control == "0001"
    assert isinstance(runaway, RejectedTransaction)
    assert "no segment terminator '~'" in str(runaway.error)
    assert runaway.byte_offset == start
    assert peak < 4 * 1024 * 1024, peak  # the 8 MB "segment" is never held whole
