"""Expected reimbursement: what the payer should have paid for a denied claim.

Dollars at risk are not billed charges (a hospital's chargemaster is several times what
any payer pays) but what the payer would pay if the denial were overturned:

- a line with an allowed amount on the remittance (AMT*B6) is expected at that amount;
- a line without one: its denied charges x the payer's historic paid-to-charge ratio for
  that service code (``paid_ratio``, kept from every remittance's paid lines), falling back to
  the payer's ratio over all codes, then all payers' ratio for the code, then the
  ``expected_payment.default_ratio`` of ``priority.yaml`` (an assumption until this
  database has history: at least ``min_lines`` paid lines);
- a claim-level denial: its denied dollars x the payer's ratio.

The case's ``at_risk`` is the expected payment less what was paid, never more than the
denied dollars; ``at_risk_basis`` says which of the above it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, or_, select, update

from denialops.money import CENT, ZERO
from denialops.vocabulary import REVERSAL_STATUS
from denialops.work.priority import ExpectedSettings, load_settings
from denialops.work.store import chunks, claim_t, line_t
from denialops.work.tables import PaidRatio, PaidRatioSource

ratio_t = cast(Table, PaidRatio.__table__)
ratio_source_t = cast(Table, PaidRatioSource.__table__)
ANY = "*"


@dataclass(frozen=True, slots=True)
class Expected:
    amount: Decimal
    basis: str


@dataclass(frozen=True, slots=True)
class Line:
    """A service line of a denied claim: its charge, payment, allowed and denied dollars."""

    code: str
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    denied: Decimal


@dataclass(frozen=True, slots=True)
class AtRisk:
    expected: Decimal
    """What the payer should pay for the denied services."""
    at_risk: Decimal
    """Expected less paid on those services, at most the denied dollars."""
    basis: str


def count_paid_lines(conn: Connection, remittance_ids: Iterable[int]) -> None:
    """Add the paid lines of these remittances to ``paid_ratio`` (once per remittance)."""
    ids = sorted(set(remittance_ids))
    counted: set[int] = set()
    for part in chunks(ids):
        counted.update(
            conn.execute(
                select(ratio_source_t.c.remittance_id).where(
                    ratio_source_t.c.remittance_id.in_(part)
                )
            ).scalars()
        )
    fresh = [i for i in ids if i not in counted]
    if not fresh:
        return
    sums: dict[tuple[str, str], list[Any]] = {}
    for part in chunks(fresh):
        rows = conn.execute(
            select(
                claim_t.c.payer_id,
                line_t.c.code,
                func.sum(line_t.c.paid),
                func.sum(line_t.c.charge),
                func.count(),
            )
            .join(claim_t, claim_t.c.id == line_t.c.claim_id)
            .where(
                claim_t.c.remittance_id.in_(part),
                claim_t.c.status != REVERSAL_STATUS,
                line_t.c.paid > 0,
                line_t.c.charge > 0,
            )
            .group_by(claim_t.c.payer_id, line_t.c.code)
        ).all()
        for payer, code, paid, charge, lines in rows:
            entry = sums.setdefault((payer, code), [ZERO, ZERO, 0])
            entry[0] += _dec(paid)
            entry[1] += _dec(charge)
            entry[2] += int(lines)
    if sums:
        keys = sorted(sums)
        existing: dict[tuple[str, str], Any] = {}
        for payers in chunks(sorted({p for p, _ in keys})):
            for row in conn.execute(select(ratio_t).where(ratio_t.c.payer_id.in_(payers))):
                if (row.payer_id, row.code) in sums:
                    existing[(row.payer_id, row.code)] = row
        new = [
            {"payer_id": p, "code": c, "paid": s[0], "charge": s[1], "lines": s[2]}
            for (p, c), s in sums.items()
            if (p, c) not in existing
        ]
        changed = [
            {
                "k_payer": p,
                "k_code": c,
                "paid": _dec(row.paid) + sums[(p, c)][0],
                "charge": _dec(row.charge) + sums[(p, c)][1],
                "lines": int(row.lines) + sums[(p, c)][2],
            }
            for (p, c), row in existing.items()
        ]
        if new:
            conn.execute(insert(ratio_t), new)
        if changed:
            conn.execute(
                update(ratio_t)
                .where(
                    ratio_t.c.payer_id == bindparam("k_payer"),
                    ratio_t.c.code == bindparam("k_code"),
                )
                .values(
                    paid=bindparam("paid"), charge=bindparam("charge"), lines=bindparam("lines")
                ),
                changed,
            )
    conn.execute(insert(ratio_source_t), [{"remittance_id": i} for i in fresh])


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


class RatioBook:
    """Paid-to-charge ratios for the payers and codes of a batch, with their fallbacks."""

    def __init__(self, rows: Iterable[Any], settings: ExpectedSettings) -> None:
        self.settings = settings
        self.sums: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            paid, charge, lines = _dec(row.paid), _dec(row.charge), int(row.lines)
            for key in ((row.payer_id, row.code), (row.payer_id, ANY), (ANY, row.code)):
                entry = self.sums.setdefault(key, [ZERO, ZERO, 0])
                entry[0] += paid
                entry[1] += charge
                entry[2] += lines

    def ratio(self, payer: str, code: str | None) -> tuple[Decimal, str]:
        candidates = [((payer, code), f"{payer} {code}")] if code else []
        candidates += [((payer, ANY), f"{payer}, all codes")]
        if code:
            candidates.append(((ANY, code), f"all payers, {code}"))
        for key, label in candidates:
            entry = self.sums.get(key)
            if entry and entry[2] >= self.settings.min_lines and entry[1] > 0:
                return (entry[0] / entry[1]).quantize(
                    Decimal("0.0001")
                ), f"{label}, {entry[2]} lines"
        return self.settings.default_ratio, "default ratio"


def load_ratios(conn: Connection, payers: Sequence[str], codes: Sequence[str]) -> RatioBook:
    seen: dict[tuple[str, str], Any] = {}
    for part in chunks(sorted(set(payers))):
        for row in conn.execute(select(ratio_t).where(ratio_t.c.payer_id.in_(part))):
            seen[(row.payer_id, row.code)] = row
    for part in chunks(sorted(set(codes))):
        for row in conn.execute(select(ratio_t).where(or_(ratio_t.c.code.in_(part)))):
            seen[(row.payer_id, row.code)] = row
    return RatioBook(seen.values(), load_settings().expected_payment)


def at_risk(
    payer: str, lines: Sequence[Line], claim_level_denied: Decimal, book: RatioBook
) -> AtRisk:
    """Dollars at risk of a denied claim. Per denied line: its allowed amount less what the
    line was paid, at most what was denied on it; without an allowed amount, the denied
    charges x the paid-to-charge ratio. A claim-level denial: its denied dollars x the
    payer's ratio."""
    expected = risk = ZERO
    sources: set[str] = set()
    for line in lines:
        if line.denied <= 0:
            continue
        if line.allowed is not None and line.allowed > 0:
            expected += line.allowed
            risk += min(line.denied, max(line.allowed - line.paid, ZERO))
            sources.add("allowed amount")
        else:
            ratio, source = book.ratio(payer, line.code)
            value = _cents(line.denied * ratio)
            expected += line.paid + value
            risk += value
            sources.add(f"denied x {ratio} ({source})")
    if claim_level_denied > 0:
        ratio, source = book.ratio(payer, None)
        value = _cents(claim_level_denied * ratio)
        expected += value
        risk += value
        sources.add(f"denied x {ratio} ({source})")
    if not sources:
        return AtRisk(ZERO, ZERO, "")
    basis = sources.pop() if len(sources) == 1 else "allowed amounts and paid-to-charge ratios"
    return AtRisk(expected, risk, basis[:64])


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
