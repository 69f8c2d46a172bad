"""Money arithmetic: exact, round-trippable, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from denialops.money import ZERO, fmt, from_cents, parse_amount, to_cents, total, x12_amount

amounts = st.decimals(
    min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2, allow_nan=False
)


@given(amounts)
def test_x12_rendering_round_trips(value: Decimal) -> None:
    assert parse_amount(x12_amount(value)) == value


@given(amounts)
def test_x12_rendering_has_no_exponent_or_trailing_zero(value: Decimal) -> None:
    text = x12_amount(value)
    assert "E" not in text.upper()
    if "." in text:
        assert not text.endswith("0")


@given(amounts)
def test_cents_round_trip(value: Decimal) -> None:
    assert from_cents(to_cents(value)) == value


@given(st.lists(amounts, max_size=50))
def test_total_equals_integer_cent_sum(values: list[Decimal]) -> None:
    assert to_cents(total(values)) == sum(to_cents(v) for v in values)


def test_empty_total_is_decimal_zero() -> None:
    assert total([]) == ZERO
    assert isinstance(total([]), Decimal)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("-3.005"), "-3.01"),
        (None, "0.00"),
    ],
)
def test_fmt(value: Decimal | None, expected: str) -> None:
    assert fmt(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1,000",
        "NaN",
        "Infinity",
        "1e5",
        "+5",
        " 5",
        "1_000",
        "-",
        "1.2.3",
        "5-",
        "\u0661",
    ],
)
def test_parse_rejects_non_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)
