"""What real 835s do that our own files never did (issues 8 and 9).

White space after terminators, byte-order marks, UTF-8 names, 4010 interchanges, odd
ISA11 values, foreign component separators, oversized amounts, transaction sets that
are not 835s, and error messages that name the failing segment and element.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from denialops.errors import Not835Error, X12SyntaxError
from denialops.x12 import RejectedTransaction, Remittance, detect_delimiters, parse_835, read_835

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"
PROFESSIONAL = (FIXTURES / "professional.835").read_bytes()


def _items(data: bytes, **kwargs: object) -> list[Remittance | RejectedTransaction]:
    return list(read_835(io.BytesIO(data), name="real.835", **kwargs))  # type: ignore[arg-type]


def _expected() -> Remittance:
    (rem,) = parse_835(PROFESSIONAL)
    return rem


def _rejected(data: bytes, **kwargs: object) -> RejectedTransaction:
    (rejected,) = [i for i in _items(data, **kwargs) if isinstance(i, RejectedTransaction)]
    return rejected


# -- white space after terminators ----------------------------------------------------


@pytest.mark.parametrize("after", ["~ ", "~\t", "~ \r\n", "~\r\n\t ", "~  \n  "])
@pytest.mark.parametrize("chunk_size", [7, 1 << 20])
def test_white_space_after_terminators_is_ignored(after: str, chunk_size: int) -> None:
    data = PROFESSIONAL.replace(b"~\n", after.encode())
    items = _items(data, chunk_size=chunk_size)
    assert [type(i).__name__ for i in items] == ["Remittance"]
    rem = items[0]
    assert rem == _expected()
    assert data[rem.byte_offset :].startswith(b"ST*835*0001*")
    assert rem.raw.endswith(b"SE*63*0001~")


def test_white_space_in_any_mix_between_segments() -> None:
    segments = PROFESSIONAL.split(b"~\n")[:-1]
    mixes = [b"~", b"~ ", b"~\t\t", b"~\r\n ", b"~ \n", b"~\n\n\t"]
    data = b"".join(seg + mixes[i % len(mixes)] for i, seg in enumerate(segments))
    (rem,) = _items(data, chunk_size=13)
    assert rem == _expected()


# -- byte-order mark and UTF-8 ---------------------------------------------------------


def test_utf8_byte_order_mark_before_the_isa_is_skipped() -> None:
    items = _items(b"\xef\xbb\xbf" + PROFESSIONAL)
    assert [type(i).__name__ for i in items] == ["Remittance"]
    assert items[0] == _expected()
    assert items[0].byte_offset == PROFESSIONAL.index(b"ST*835") + 3


def test_utf8_names_are_read_as_utf8() -> None:
    data = PROFESSIONAL.replace(b"DOE*JANE", "MÜLLER*JOSÉ".encode())
    (rem,) = _items(data)
    assert isinstance(rem, Remittance)
    assert rem.claims[0].patient is not None
    assert (rem.claims[0].patient.name, rem.claims[0].patient.first_name) == ("MÜLLER", "JOSÉ")
    assert "MÜLLER".encode() in rem.raw  # the raw bytes stay as received


def test_text_that_is_not_utf8_is_read_as_latin1() -> None:
    data = PROFESSIONAL.replace(b"DOE*JANE", "MÜLLER*JANE".encode("latin-1"))
    (rem,) = _items(data)
    assert isinstance(rem, Remittance)
    assert rem.claims[0].patient is not None
    assert rem.claims[0].patient.name == "MÜLLER"


# -- 4010 and ISA11 -------------------------------------------------------------------


def _as_4010(data: bytes) -> bytes:
    data = data.replace(b"*^*00501*", b"*U*00401*")
    data = data.replace(b"005010X221A1", b"004010X091A1")
    return data.replace(b"ST*835*0001*004010X091A1~", b"ST*835*0001~")


def test_4010_interchange_is_read_and_says_its_version() -> None:
    items = _items(_as_4010(PROFESSIONAL))
    assert [type(i).__name__ for i in items] == ["Remittance"]
    rem = items[0]
    assert isinstance(rem, Remittance)
    assert rem.implementation_version == "004010X091A1"
    assert rem.warnings == []
    expected = _expected()
    assert expected.implementation_version == "005010X221A1"
    assert rem.claims == expected.claims
    assert rem.payment == expected.payment
    assert detect_delimiters(_as_4010(PROFESSIONAL)[:106]).repetition == ""


@pytest.mark.parametrize("isa11", [b"*", b":", b"U"])
def test_5010_isa11_that_cannot_be_a_separator_is_a_warning(isa11: bytes) -> None:
    data = PROFESSIONAL.replace(b"*^*00501*", b"*" + isa11 + b"*00501*")
    items = _items(data)
    assert [type(i).__name__ for i in items] == ["Remittance"]
    rem = items[0]
    assert isinstance(rem, Remittance)
    assert len(rem.warnings) == 1
    assert rem.warnings[0].startswith(f"ISA11 {isa11.decode()!r}")
    assert "no repetition separator" in rem.warnings[0]
    assert rem.claims == _expected().claims


def test_delimiter_error_names_the_isa_element() -> None:
    data = PROFESSIONAL[:104] + b"A" + PROFESSIONAL[105:]
    rejected = _rejected(data)
    message = str(rejected.error)
    assert "ISA16 'A': the component separator is a letter, digit or space" in message


# -- error messages -------------------------------------------------------------------


def test_error_names_failing_segment_full_id_and_quoted_text() -> None:
    data = PROFESSIONAL.replace(b"SVC*HC:99214:25:GT", b"SVC*HC>55669")
    rejected = _rejected(data)
    assert rejected.segment_number == 3  # where the set starts (for the quarantine)
    error = rejected.error
    assert error.segment_number == 38  # where it fails
    assert str(error).startswith(
        "real.835, segment 38, SVC01 'HC>55669': component separator is ':' (ISA16); '>' found"
    )
    assert error.detail().startswith(
        "SVC01 'HC>55669': component separator is ':' (ISA16); '>' found"
    )


def test_long_segment_ids_are_not_cut() -> None:
    data = PROFESSIONAL.replace(b"LQ*RX*RX1~", b"PLXX*1~")
    error = _rejected(data).error
    assert error.segment_id == "PLXX"
    assert str(error).startswith("real.835, segment 48, PLXX: not a segment identifier")
    stray = PROFESSIONAL.replace(b"GE*1*101~", b"PLXX*STRAY~\nGE*1*101~")
    assert "segment 'PLXX' outside a transaction set" in str(_rejected(stray).error)


def test_amount_error_quotes_the_text() -> None:
    data = PROFESSIONAL.replace(b"CLP*PCN1001*1*300*", b"CLP*PCN1001*1*3O0*")
    assert str(_rejected(data).error) == (
        "real.835, segment 21, CLP03 '3O0': not a decimal amount (expected a decimal amount)"
    )


# -- amounts beyond X12 or the store --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("12345678901234567.89", "has 19 digits; an X12 amount has at most 18"),
        ("99999999999999999", "is more than 9,999,999,999,999,999.99"),
        ("-10000000000000000", "is more than 9,999,999,999,999,999.99"),
    ],
)
def test_amounts_beyond_x12_or_the_store_are_refused(text: str, why: str) -> None:
    data = PROFESSIONAL.replace(b"CLP*PCN1001*1*300*", f"CLP*PCN1001*1*{text}*".encode())
    error = _rejected(data).error
    assert isinstance(error, X12SyntaxError)
    assert (error.segment_number, error.segment_id, error.element) == (21, "CLP", 3)
    assert f"CLP03={text} {why}" in str(error)


def test_largest_storable_amount_is_read() -> None:
    text = "9999999999999999.99"
    data = PROFESSIONAL.replace(b"CLP*PCN1001*1*300*", f"CLP*PCN1001*1*{text}*".encode())
    items = _items(data)
    assert isinstance(items[0], Remittance)
    assert items[0].claims[0].charge == Decimal(text)


# -- transaction sets that are not 835s -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"), [("837", "claim"), ("270", "eligibility inquiry"), ("999", "implementation")]
)
def test_other_transaction_sets_are_refused_and_not_kept(kind: str, words: str) -> None:
    data = PROFESSIONAL.replace(b"ST*835*0001", f"ST*{kind}*0001".encode())
    rejected = _rejected(data)
    assert isinstance(rejected.error, Not835Error)
    assert f"this is an {kind} ({words}" in str(rejected.error)
    assert rejected.content_withheld
    assert rejected.raw == b""
    assert b"DOE" not in repr(rejected).encode()


def test_unfinished_other_set_is_not_kept_either() -> None:
    data = PROFESSIONAL.replace(b"ST*835*0001", b"ST*834*0001").replace(b"SE*63*0001~\n", b"")
    first = _items(data)[0]
    assert isinstance(first, RejectedTransaction)
    assert first.content_withheld and first.raw == b""


# -- --repair separators ---------------------------------------------------------------


def _greater_than_composites() -> bytes:
    """professional.835 with '>' in every composite while ISA16 still says ':'."""
    return PROFESSIONAL[:106] + PROFESSIONAL[106:].replace(b":", b">")


def test_foreign_component_separator_is_repaired_only_on_request() -> None:
    data = _greater_than_composites()
    assert b"HC:" not in data and b"HC>" in data
    assert isinstance(_items(data)[0], RejectedTransaction)
    (rem,) = _items(data, repair={"separators"})
    assert isinstance(rem, Remittance)
    expected = _expected()
    assert rem.claims == expected.claims
    assert rem.provider_adjustments == expected.provider_adjustments
    assert rem.warnings == [
        "composites use '>' as component separator, not ':' (ISA16): read with '>'"
        " (--repair separators)"
    ]


def test_repair_never_guesses_an_inconsistent_separator() -> None:
    data = _greater_than_composites().replace(b"HC>97110>GP", b"HC:97110:GP")
    rejected = _rejected(data, repair={"separators"})
    assert "inconsistent component separators: the composites before used '>'" in str(
        rejected.error
    )


def test_unknown_repair_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown repair"):
        _items(PROFESSIONAL, repair={"everything"})


# -- limits: set size, stray segments, errors per interchange, whole quarantine --------


def test_transaction_set_over_the_size_limit_is_refused_unread() -> None:
    filler = b"".join(b"REF*ZZ*%06d~\n" % i for i in range(3000))  # ~45 KB of segments
    big = PROFESSIONAL.replace(b"SE*63*0001~", filler + b"SE*3063*0001~")
    items = _items(big, chunk_size=4096, max_set_bytes=16 * 1024)
    rejected = items[0]
    assert isinstance(rejected, RejectedTransaction)
    assert "is larger than 16,384 bytes" in str(rejected.error)
    assert rejected.raw == b""
    assert [type(i).__name__ for i in items] == ["RejectedTransaction"]
    (rem,) = _items(big, chunk_size=4096)  # under the default limit it is read
    assert isinstance(rem, Remittance)


def test_a_run_of_stray_segments_is_one_rejection() -> None:
    strays = b"".join(b"NTE*STRAY%d~\n" % i for i in range(5000))
    data = PROFESSIONAL.replace(b"GE*1*101~", strays + b"GE*1*101~")
    items = _items(data, chunk_size=1000)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["Remittance", "RejectedTransaction"]
    rejected = items[1]
    assert isinstance(rejected, RejectedTransaction)
    assert "5,000 segments outside a transaction set, the first 'NTE'" in str(rejected.error)
    assert rejected.raw == strays.rstrip(b"\n")


def test_errors_beyond_the_limit_in_one_interchange_are_merged() -> None:
    start = PROFESSIONAL.index(b"ST*835")
    end = PROFESSIONAL.index(b"GE*1*101~")
    bad_set = PROFESSIONAL[start:end].replace(b"CLP*PCN1001*1*300*", b"CLP*PCN1001*1*3O0*")
    count = 150
    body = b"".join(bad_set.replace(b"0001", b"%04d" % i) for i in range(count))
    data = PROFESSIONAL[:start] + body + PROFESSIONAL[end:].replace(b"GE*1*", b"GE*150*")
    items = _items(data)
    assert all(isinstance(i, RejectedTransaction) for i in items)
    assert len(items) == 101
    merged = items[-1]
    assert isinstance(merged, RejectedTransaction)
    assert "50 more errors in this interchange after the first 100" in str(merged.error)
    assert merged.raw.count(b"ST*835*") == 50


def test_unreadable_interchange_is_kept_whole() -> None:
    broken = PROFESSIONAL[:104] + b"A" + PROFESSIONAL[105:]  # bad ISA16
    data = broken * 10  # ~15 KB, more than the old 4 KB preview
    items = _items(data)
    assert len(items) == 1
    rejected = items[0]
    assert isinstance(rejected, RejectedTransaction)
    assert rejected.raw == data
