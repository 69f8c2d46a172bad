"""Mutated, truncated and re-delimited input never escapes read_835 as an exception.

Every problem must come back as a RejectedTransaction whose error is one of our
X12Error subclasses naming a segment number; good transaction sets around a bad one
are still read.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from denialops.errors import X12Error
from denialops.x12 import RejectedTransaction, Remittance, read_835

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"
SAMPLES = [
    (FIXTURES / name).read_bytes()
    for name in ("professional.835", "institutional.835", "multi_interchange.835")
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, chunk_size: int) -> list[Remittance | RejectedTransaction]:
    items = list(read_835(io.BytesIO(data), name="fuzz.835", chunk_size=chunk_size))
    assert items, "every input yields at least one record or rejection"
    for item in items:
        if isinstance(item, RejectedTransaction):
            assert isinstance(item.error, X12Error)
            assert item.error.segment_number is not None
            assert "segment " in item.error.where()
            assert item.error.file == "fuzz.835"
        else:
            assert isinstance(item, Remittance)
            assert data[item.byte_offset : item.byte_offset + len(item.raw)] == item.raw
    return items


@SETTINGS
@given(
    sample=st.sampled_from(SAMPLES),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    chunk_size=st.sampled_from([3, 64, 1 << 20]),
)
def test_random_byte_flips(sample: bytes, flips: list[tuple[int, int]], chunk_size: int) -> None:
    data = bytearray(sample)
    for position, value in flips:
        data[position % len(data)] = value
    _check(bytes(data), chunk_size)


@SETTINGS
@given(sample=st.sampled_from(SAMPLES), cut=st.integers(0, 10**6), chunk_size=st.integers(1, 300))
def test_truncation(sample: bytes, cut: int, chunk_size: int) -> None:
    data = sample[: cut % (len(sample) + 1)]
    items = _check(data, chunk_size)
    # Cut anywhere but right after a whole IEA, the file has something unfinished.
    tail = data.rstrip(b"\r\n").rstrip(b"~\n")
    after_iea = any(tail.endswith(iea) for iea in re.findall(rb"IEA.\d+.\d{9}", sample))
    if not after_iea:
        assert any(isinstance(item, RejectedTransaction) for item in items)


@SETTINGS
@given(
    sample=st.sampled_from(SAMPLES),
    old=st.sampled_from([b"*", b":", b"^", b"~", b"|", b">", b"\n"]),
    new=st.sampled_from([b"*", b":", b"^", b"~", b"|", b"\n", b"\r\n", b"", b"A", b"  "]),
    count=st.integers(1, 40),
)
def test_delimiter_swaps(sample: bytes, old: bytes, new: bytes, count: int) -> None:
    _check(sample.replace(old, new, count), 1 << 20)


@SETTINGS
@given(
    sample=st.sampled_from(SAMPLES),
    start=st.integers(0, 10**6),
    length=st.integers(0, 200),
    insert=st.binary(max_size=40),
)
def test_spliced_garbage(sample: bytes, start: int, length: int, insert: bytes) -> None:
    start %= len(sample)
    _check(sample[:start] + insert + sample[start + length :], 97)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data, 50)


def test_one_bad_set_leaves_its_neighbours_intact() -> None:
    data = SAMPLES[2].replace(b"CAS*PR*3*20~", b"CAS*PR*3*2O~")
    items = _check(data, 1 << 20)
    assert [type(item).__name__ for item in items] == [
        "Remittance",
        "RejectedTransaction",
        "Remittance",
        "Remittance",
    ]
