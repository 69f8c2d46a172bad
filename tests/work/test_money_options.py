"""Money and rate options typed by users go through the one money parser, with limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from denialops.errors import AmountError
from denialops.money import MAX_OPTION_AMOUNT, parse_option


@pytest.mark.parametrize(
    "text",
    ["99999999999999999999", "1e999999", "NaN", "nan", "Infinity", "-Infinity", "-5", "", "1.234",
     "12abc", "1,000,000,000"],
)  # fmt: skip
def test_refused(text: str) -> None:
    with pytest.raises(AmountError, match="--recovered"):
        parse_option(text, "--recovered")


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", "0"), ("12.5", "12.50"), ("$1,234.56", "1234.56"), ("999999999.99", "999999999.99")],
)
def test_accepted(text: str, value: str) -> None:
    assert parse_option(text, "--recovered") == Decimal(value)
    assert parse_option(text, "--recovered") <= MAX_OPTION_AMOUNT
