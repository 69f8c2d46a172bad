"""Any 835 content we write parses back to the same records (issue 2, property tests)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from denialops.x12 import parse_835
from denialops.x12.remittance import Remittance
from denialops.x12.write835 import format_835
from tests.x12.strategies import DELIMITER_SETS, WRITE_OPTIONS, remittances


def _segment_counts(text: str, element: str, segment: str) -> list[int]:
    """SE01 as it should be, counted independently of the writer: ST..SE inclusive."""
    counts: list[int] = []
    running = 0
    for raw in text.split(segment):
        seg_id = raw.strip("\r\n").split(element, 1)[0]
        if seg_id == "ST":
            running = 0
        running += 1
        if seg_id == "SE":
            counts.append(running)
    return counts


def _expected(records: list[Remittance], counts: list[int]) -> list[Remittance]:
    return [
        dataclasses.replace(rec, segment_count=count)
        for rec, count in zip(records, counts, strict=True)
    ]


def _check_round_trip(records: list[Remittance]) -> None:
    text = format_835(records, **WRITE_OPTIONS)
    parsed = parse_835(text)
    assert parsed == _expected(records, _segment_counts(text, "*", "~"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=remittances())
def test_write_then_parse_gives_back_the_records(records: list[Remittance]) -> None:
    _check_round_trip(records)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=remittances(max_size=4))
def test_write_then_parse_gives_back_the_records_many_examples(records: list[Remittance]) -> None:
    _check_round_trip(records)


@pytest.mark.parametrize("delimiters", DELIMITER_SETS[1:], ids=["pipe", "bang"])
@pytest.mark.parametrize("line_breaks", [True, False], ids=["lines", "flat"])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=remittances())
def test_round_trip_with_other_delimiters_and_without_line_breaks(
    records: list[Remittance], delimiters: dict[str, Any], line_breaks: bool
) -> None:
    text = format_835(
        records,
        line_breaks=line_breaks,
        **delimiters,
        **WRITE_OPTIONS,
    )
    assert ("\n" in text) is line_breaks
    assert text[3] == delimiters["element"] and text[104] == delimiters["component"]
    parsed = parse_835(text)
    counts = _segment_counts(text, delimiters["element"], delimiters["segment"])
    assert parsed == _expected(records, counts)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=remittances())
def test_written_text_is_stable_under_a_second_round_trip(records: list[Remittance]) -> None:
    text = format_835(records, **WRITE_OPTIONS)
    assert format_835(parse_835(text), **WRITE_OPTIONS) == text
