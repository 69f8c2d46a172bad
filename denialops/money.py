"""Money as :class:`~decimal.Decimal`, never float.

X12 amounts are decimal strings ("1234.5", "-20", ".75"). We keep them as Decimal end to
end, quantize only for display and storage, and sum with :func:`total` so an empty
sum is ``Decimal("0")`` rather than the integer 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from denialops.errors import AmountError

ZERO = Decimal("0")
CENT = Decimal("0.01")


def parse_amount(text: str) -> Decimal:
    """Parse an X12 R-type amount; AmountError (a ValueError) on anything not a number.

    X12 allows only digits, one optional decimal point and a leading minus sign: no
    exponent, plus sign, spaces or digit separators (which Decimal alone would accept).
    """
    if not text.isascii() or (
        not text[1:].replace(".", "", 1).isdigit() and not text.replace(".", "", 1).isdigit()
    ):
        raise AmountError(f"not a decimal amount: {text!r}")
    if text[0] not in "-.0123456789":
        raise AmountError(f"not a decimal amount: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise AmountError(f"not a decimal amount: {text!r}") from exc
    if not value.is_finite():
        raise AmountError(f"not a finite amount: {text!r}")
    return value


def total(values: Iterable[Decimal]) -> Decimal:
    """Sum amounts; an empty sum is Decimal 0."""
    return sum(values, ZERO)


def to_cents(value: Decimal) -> int:
    """Whole cents, rounding half up (for storage as integers and exact comparisons)."""
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def fmt(value: Decimal | None) -> str:
    """Two-decimal string, the form JSON outputs use ("1234.50")."""
    if value is None:
        value = ZERO
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def x12_amount(value: Decimal) -> str:
    """Shortest faithful X12 rendering: no exponent, no trailing zeros after the point."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-", "-0"):
        text = "0"
    return text


MAX_OPTION_AMOUNT = Decimal("999999999.99")
"""The largest amount a user may enter (a recovered amount, a rate, a filter bound):
$999,999,999.99, above any single claim and well inside the store's precision."""


def parse_option(
    text: str, name: str, *, maximum: Decimal = MAX_OPTION_AMOUNT, allow_zero: bool = True
) -> Decimal:
    """An amount typed by a user (``--recovered``, ``--hourly-rate``, ...), checked.

    The same rule as X12 amounts (digits, one point, no exponent, so ``1e999999``,
    ``NaN`` and ``Infinity`` are refused), then: not negative, not above ``maximum``, at
    most two decimal places. Raises :class:`~denialops.errors.AmountError` naming the
    option.
    """
    from denialops.errors import AmountError

    clean = text.strip().replace(",", "").lstrip("$")
    try:
        value = parse_amount(clean)
    except (ValueError, IndexError):
        raise AmountError(f"{name} must be an amount like 1234.56, got {text!r}") from None
    if value < ZERO:
        raise AmountError(f"{name} cannot be negative, got {text!r}")
    if not allow_zero and value == ZERO:
        raise AmountError(f"{name} must be more than 0")
    if value > maximum:
        raise AmountError(f"{name} cannot be more than {maximum:,}, got {text!r}")
    if value != value.quantize(CENT):
        raise AmountError(f"{name} has more than two decimal places: {text!r}")
    return value
