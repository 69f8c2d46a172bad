"""Contractual adjustments checked against a fee schedule (issue 14).

CO-45 ("charge exceeds fee schedule/maximum allowable") is the contract's reduction, not
a denial; but a payer that allows less than the contract says underpays. With a fee
schedule loaded (``denialops refdata load-fees FILE``: CSV
``payer,code,modifier,allowed,effective_from,effective_to``), :func:`check_contractual`
compares each CO-45 line's allowed amount (AMT*B6, else charge minus the CO-45 amount)
with the expected amount for the payer, procedure code, modifier and service date, and
flags the lines allowed below it. Only adjudications count: a reversal (CLP02 22), a
claim not ours (23), a predetermination (25) and a claim payment a later reversal took
back are not checked. Without a schedule the check is skipped and says so. Opening
underpayment cases from the flagged lines is :mod:`denialops.work.underpayments`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, select

from denialops.codes import user_codes_dir
from denialops.errors import CodeSetError
from denialops.money import CENT, ZERO
from denialops.store import schema
from denialops.vocabulary import NOT_ADJUDICATIONS

FEE_FILE = "fee_schedule.csv"
COLUMNS = ("payer", "code", "modifier", "allowed", "effective_from", "effective_to")
CONTRACTUAL_CARCS = ("45",)
SKIPPED = (
    "no fee schedule loaded: contractual adjustments were not checked against expected amounts"
)

ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
CLAIM = cast(Table, schema.Claim.__table__)
LINE = cast(Table, schema.ServiceLine.__table__)


@dataclass(frozen=True, slots=True)
class Fee:
    """One fee schedule row: the allowed amount for a payer, code and modifier, dated."""

    payer: str
    code: str
    modifier: str
    allowed: Decimal
    start: date
    end: date | None = None

    def in_force(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class FeeSchedule:
    fees: tuple[Fee, ...]
    source: str
    _index: dict[tuple[str, str, str], list[Fee]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for fee in self.fees:
            self._index.setdefault((fee.payer, fee.code, fee.modifier), []).append(fee)

    def fee_for(self, payer: str, code: str, modifier: str, on: date) -> Fee | None:
        """The row in force on ``on``: the exact modifier first, then the row without a
        modifier; None when the schedule has no row for it."""
        for mod in dict.fromkeys((modifier.strip().upper(), "")):
            for fee in self._index.get((payer.strip(), code.strip().upper(), mod), []):
                if fee.in_force(on):
                    return fee
        return None

    def expected(self, payer: str, code: str, modifier: str, on: date) -> Decimal | None:
        """The allowed amount in force on ``on`` (see :meth:`fee_for`)."""
        fee = self.fee_for(payer, code, modifier, on)
        return None if fee is None else fee.allowed


def _date(value: str, *, what: str, line: int, source: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CodeSetError(f"{source}: line {line}: {what} {value!r} is not YYYY-MM-DD") from None


def parse_fee_schedule(content: str, *, source: str = "<fees>") -> FeeSchedule:
    """Read ``payer,code,modifier,allowed,effective_from,effective_to`` (header required;
    modifier and effective_to may be empty). Errors name the source and line."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if tuple(header[: len(COLUMNS)]) != COLUMNS:
        raise CodeSetError(f"{source}: line 1: expected the columns {','.join(COLUMNS)}")
    fees: list[Fee] = []
    for row in reader:
        line = reader.line_num
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        if not values["payer"] or not values["code"]:
            raise CodeSetError(f"{source}: line {line}: payer and code are required")
        try:
            allowed = Decimal(values["allowed"])
        except InvalidOperation:
            raise CodeSetError(
                f"{source}: line {line}: allowed {values['allowed']!r} is not an amount"
            ) from None
        if not allowed.is_finite() or allowed < 0:
            raise CodeSetError(f"{source}: line {line}: allowed must be zero or more")
        start = _date(values["effective_from"], what="effective_from", line=line, source=source)
        end = (
            _date(values["effective_to"], what="effective_to", line=line, source=source)
            if values["effective_to"]
            else None
        )
        if end is not None and end < start:
            raise CodeSetError(f"{source}: line {line}: effective_to is before effective_from")
        fees.append(
            Fee(
                payer=values["payer"],
                code=values["code"].upper(),
                modifier=values["modifier"].upper(),
                allowed=allowed.quantize(CENT),
                start=start,
                end=end,
            )
        )
    if not fees:
        raise CodeSetError(f"{source}: no fees found")
    return FeeSchedule(tuple(fees), source)


FEE_SOURCE_FILE = "fee_schedule.source"
"""Next to the installed schedule: the name of the file it was loaded from (what a
payment-dispute letter cites as the schedule's source)."""


def load_fee_schedule(path: Path, *, source: str | None = None) -> FeeSchedule:
    try:
        content = path.read_text("utf-8")
    except OSError as exc:
        raise CodeSetError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_fee_schedule(content, source=source or path.name)


def install_fee_schedule(path: Path, into: Path | None = None) -> tuple[FeeSchedule, Path]:
    """Check a fee schedule and copy it to the user code folder (where the check finds
    it), noting the name of the file it came from."""
    schedule = load_fee_schedule(path)
    folder = into or user_codes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FEE_FILE
    (folder / FEE_SOURCE_FILE).write_text(path.name, encoding="utf-8")
    target.write_text(path.read_text("utf-8"), encoding="utf-8")
    return schedule, target


def installed_fee_schedule(folder: Path | None = None) -> FeeSchedule | None:
    """The schedule ``refdata load-fees`` installed (None when there is none), read once
    per version of the file (ingest asks for it batch after batch); its ``source`` is
    the name of the file it was loaded from."""
    base = folder or user_codes_dir()
    path = base / FEE_FILE
    try:
        stamp = path.stat()
    except OSError:
        return None
    try:
        source = (base / FEE_SOURCE_FILE).read_text("utf-8").strip() or None
    except OSError:
        source = None  # installed before the name was kept
    return _read_cached(path, stamp.st_mtime_ns, stamp.st_size, source)


@lru_cache(maxsize=4)
def _read_cached(path: Path, _mtime: int, _size: int, source: str | None) -> FeeSchedule:
    return load_fee_schedule(path, source=source)


@dataclass(frozen=True, slots=True)
class Underpayment:
    """A contractual line the payer allowed below the fee schedule."""

    claim_id: int
    service_line_id: int
    payer: str
    code: str
    modifier: str
    service_date: date | None
    expected: Decimal
    allowed: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.expected - self.allowed

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "service_line_id": self.service_line_id,
            "payer": self.payer,
            "code": self.code,
            "modifier": self.modifier,
            "service_date": self.service_date.isoformat() if self.service_date else None,
            "expected": str(self.expected),
            "allowed": str(self.allowed),
            "shortfall": str(self.shortfall),
        }


@dataclass
class ContractCheck:
    """The result of :func:`check_contractual`; ``skipped`` says why nothing was checked."""

    skipped: str | None = None
    checked: int = 0
    not_in_schedule: int = 0
    underpaid: list[Underpayment] = field(default_factory=list)


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def check_contractual(
    conn: Connection,
    schedule: FeeSchedule | None,
    claim_ids: Iterable[int] | None = None,
    *,
    tolerance: Decimal = CENT,
) -> ContractCheck:
    """Flag CO-45 lines allowed below the schedule (one query; lines the schedule does not
    list are counted, not flagged)."""
    if schedule is None:
        return ContractCheck(skipped=SKIPPED)
    contractual = and_(
        ADJUSTMENT.c.group_code == "CO", ADJUSTMENT.c.reason_code.in_(CONTRACTUAL_CARCS)
    )
    query = (
        select(
            LINE.c.id,
            LINE.c.claim_id,
            CLAIM.c.payer_id,
            LINE.c.code,
            LINE.c.modifier1,
            LINE.c.service_date,
            CLAIM.c.service_date,
            LINE.c.charge,
            LINE.c.allowed,
            func.sum(ADJUSTMENT.c.amount),
        )
        .join(ADJUSTMENT, ADJUSTMENT.c.service_line_id == LINE.c.id)
        .join(CLAIM, CLAIM.c.id == LINE.c.claim_id)
        .where(
            contractual,
            CLAIM.c.status.not_in(NOT_ADJUDICATIONS),
            CLAIM.c.reversed_by_claim_id.is_(None),
        )
        .group_by(
            LINE.c.id,
            LINE.c.claim_id,
            CLAIM.c.payer_id,
            LINE.c.code,
            LINE.c.modifier1,
            LINE.c.service_date,
            CLAIM.c.service_date,
            LINE.c.charge,
            LINE.c.allowed,
        )
        .order_by(LINE.c.id)
    )
    if claim_ids is not None:
        query = query.where(LINE.c.claim_id.in_(sorted(set(claim_ids))))
    result = ContractCheck()
    for row in conn.execute(query).all():
        line_id, claim_id, payer, code, modifier, line_date, claim_date = row[:7]
        charge, allowed, reduction = row[7:]
        on = _as_date(line_date) or _as_date(claim_date)
        expected = (
            schedule.expected(payer or "", code, modifier or "", on) if on is not None else None
        )
        if expected is None:
            result.not_in_schedule += 1
            continue
        result.checked += 1
        allowed_amount = (
            _money(allowed) if allowed is not None else _money(charge) - _money(reduction)
        )
        if allowed_amount < expected - tolerance:
            result.underpaid.append(
                Underpayment(
                    claim_id=claim_id,
                    service_line_id=line_id,
                    payer=payer or "",
                    code=code,
                    modifier=modifier or "",
                    service_date=on,
                    expected=expected,
                    allowed=allowed_amount,
                )
            )
    return result
