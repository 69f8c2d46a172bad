"""The three balancing rules of the 835, checked on every line, claim and payment.

The implementation guide requires a remittance to balance at three levels, which lets
us verify any file we receive:

- service line: SVC02 - sum(line CAS) = SVC03
- claim: CLP03 - sum(claim-level CAS) - sum(line-level CAS) = CLP04
- payment: BPR02 = sum(CLP04) - sum(PLB), with BPR03 = D (debit) meaning the payer
  takes money back, so the signed total is -BPR02.

An out-of-balance item is reported, never dropped or "fixed": the records stay exactly
as the payer sent them and the problems travel next to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from denialops.money import total
from denialops.x12.remittance import Remittance

BalanceLevel = Literal["line", "claim", "payment"]


@dataclass(frozen=True, slots=True)
class BalanceProblem:
    """One rule that does not hold: what was expected, what the file says, and where."""

    level: BalanceLevel
    claim: str  # CLP01 of the claim, "" for the payment rule
    line: int  # 1-based SVC index within the claim, 0 for claim and payment rules
    rule: str
    expected: Decimal
    actual: Decimal
    message: str


LINE_RULE = "SVC02 - sum(line CAS) = SVC03"
CLAIM_RULE = "CLP03 - sum(claim CAS) - sum(line CAS) = CLP04"
PAYMENT_RULE = "BPR02 = sum(CLP04) - sum(PLB)"


def check_balance(rem: Remittance) -> list[BalanceProblem]:
    """Every balancing problem of one remittance, lines first, then claims, then payment."""
    problems: list[BalanceProblem] = []
    for claim in rem.claims:
        pcn = claim.patient_control_number
        line_adjustments = []
        for index, line in enumerate(claim.lines, start=1):
            adjusted = line.adjustment_total()
            line_adjustments.append(adjusted)
            expected = line.charge - adjusted
            if expected != line.paid:
                problems.append(
                    BalanceProblem(
                        level="line",
                        claim=pcn,
                        line=index,
                        rule=LINE_RULE,
                        expected=expected,
                        actual=line.paid,
                        message=(
                            f"claim {pcn!r} line {index}: charge {line.charge} - adjustments"
                            f" {adjusted} = {expected}, but SVC03 paid is {line.paid}"
                        ),
                    )
                )
        claim_adjusted = claim.claim_adjustment_total()
        expected = claim.charge - claim_adjusted - total(line_adjustments)
        if expected != claim.paid:
            problems.append(
                BalanceProblem(
                    level="claim",
                    claim=pcn,
                    line=0,
                    rule=CLAIM_RULE,
                    expected=expected,
                    actual=claim.paid,
                    message=(
                        f"claim {pcn!r}: charge {claim.charge} - claim adjustments"
                        f" {claim_adjusted} - line adjustments {total(line_adjustments)}"
                        f" = {expected}, but CLP04 paid is {claim.paid}"
                    ),
                )
            )
    payment = payment_problem(rem, rem.claim_total_paid())
    if payment is not None:
        problems.append(payment)
    return problems


def payment_problem(rem: Remittance, claims_paid: Decimal) -> BalanceProblem | None:
    """The payment rule, given the sum of CLP04 over the set's claims (which need not be
    in ``rem.claims``: when claims are stored as they are read, only their sum is kept)."""
    expected = claims_paid - rem.provider_adjustment_total()
    payment = rem.payment
    actual = -payment.amount if payment.credit_debit == "D" else payment.amount
    if expected == actual:
        return None
    direction = " (BPR03 D: a debit, counted negative)" if payment.credit_debit == "D" else ""
    return BalanceProblem(
        level="payment",
        claim="",
        line=0,
        rule=PAYMENT_RULE,
        expected=expected,
        actual=actual,
        message=(
            f"payment: claims paid {claims_paid} - provider adjustments"
            f" {rem.provider_adjustment_total()} = {expected}, but BPR02 is"
            f" {payment.amount}{direction}"
        ),
    )
