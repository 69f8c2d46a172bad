"""The three 835 balancing rules: every problem reported, nothing changed."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

from denialops.x12 import BalanceProblem, Remittance, check_balance, parse_835

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"


def _professional(text_edit: tuple[str, str] | None = None) -> Remittance:
    text = (FIXTURES / "professional.835").read_text("latin-1")
    if text_edit is not None:
        assert text_edit[0] in text
        text = text.replace(*text_edit)
    (rem,) = parse_835(text)
    return rem


def test_balanced_fixture_has_no_problem() -> None:
    assert check_balance(_professional()) == []


def test_line_problem_also_unbalances_nothing_else_when_paid_is_wrong() -> None:
    rem = _professional(("SVC*HC:99214:25:GT*200*140", "SVC*HC:99214:25:GT*200*141"))
    assert check_balance(rem) == [
        BalanceProblem(
            level="line",
            claim="PCN1001",
            line=1,
            rule="SVC02 - sum(line CAS) = SVC03",
            expected=Decimal("140"),
            actual=Decimal("141"),
            message="claim 'PCN1001' line 1: charge 200 - adjustments 60 = 140,"
            " but SVC03 paid is 141",
        )
    ]


def test_every_level_is_reported_and_the_record_is_untouched() -> None:
    rem = _professional(("CAS*CO*45*44.5~", "CAS*CO*45*40~"))
    before = copy.deepcopy(rem)
    problems = check_balance(rem)
    assert [(p.level, p.claim, p.line) for p in problems] == [
        ("line", "PCN1001", 2),
        ("claim", "PCN1001", 0),
    ]
    assert problems[0].expected == Decimal("60") and problems[0].actual == Decimal("55.5")
    assert problems[1].expected == Decimal("160") and problems[1].actual == Decimal("155.5")
    assert problems[1].rule == "CLP03 - sum(claim CAS) - sum(line CAS) = CLP04"
    rem.payment.amount = Decimal("100")
    problems = check_balance(rem)
    assert problems[-1] == BalanceProblem(
        level="payment",
        claim="",
        line=0,
        rule="BPR02 = sum(CLP04) - sum(PLB)",
        expected=Decimal("135.5"),
        actual=Decimal("100"),
        message="payment: claims paid 155.5 - provider adjustments 20 = 135.5, but BPR02 is 100",
    )
    before.payment.amount = Decimal("100")
    assert rem == before


def test_claim_level_cas_counts_even_without_lines() -> None:
    rem = _professional()
    claim = rem.claims[0]
    claim.lines.clear()
    (problem,) = [p for p in check_balance(rem) if p.level == "claim"]
    assert problem.expected == Decimal("260")  # 300 - 40 claim CAS, no line CAS any more


def test_debit_payment_is_negative() -> None:
    rem = _professional()
    rem.payment.credit_debit = "D"
    (problem,) = check_balance(rem)
    assert problem.actual == Decimal("-135.5")
    assert "BPR03 D" in problem.message
    debit = (FIXTURES / "multi_interchange.835").read_bytes()
    reversal = parse_835(debit)[2]
    assert (reversal.payment.credit_debit, reversal.payment.amount) == ("D", Decimal("15"))
    assert reversal.claim_total_paid() == Decimal("-15")
    assert check_balance(reversal) == []


def test_notification_only_with_zero_payment_balances() -> None:
    rem = _professional()
    rem.payment.handling_code = "H"
    rem.payment.amount = Decimal("0")
    for claim in rem.claims:
        claim.paid = Decimal("0")
    rem.provider_adjustments.clear()
    assert [p.level for p in check_balance(rem)] == ["claim"]  # CLP04 no longer balances
