"""Public sample 835s from other generators (tests/fixtures/835/public/README.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from denialops.x12 import RejectedTransaction, Remittance, check_balance, read_835

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "835" / "public"


def test_editools_4010_sample_is_read_with_separator_repair_and_balances() -> None:
    path = PUBLIC / "editools_4010_cartoon.835"
    plain = list(read_835(path))
    assert isinstance(plain[0], RejectedTransaction)  # ISA16 '>' but composites use ':'
    assert "component separator is '>' (ISA16); ':' found" in str(plain[0].error)

    items = list(read_835(path, repair={"separators"}))
    rems = [i for i in items if isinstance(i, Remittance)]
    rejected = [i for i in items if isinstance(i, RejectedTransaction)]
    (rem,) = rems
    assert rem.implementation_version == "004010X091A1"
    assert len(rem.claims) == 9
    assert rem.payment.amount == Decimal("5.75") == rem.claim_total_paid()
    assert check_balance(rem) == []
    assert [c.status for c in rem.claims].count("22") == 2
    assert rem.claims[0].lines[0].code == "H0005"
    assert rem.claims[0].lines[0].modifiers == ["HF", "H9"]
    assert len(rem.warnings) == 1 and "--repair separators" in rem.warnings[0]
    # The sample's IEA02 does not repeat its ISA13: reported, the set is kept.
    (trailer,) = rejected
    assert "IEA02 control number '004075123' does not match ISA13" in str(trailer.error)


def test_pyx12_5010_sample_reads_and_balances() -> None:
    (rem,) = list(read_835(PUBLIC / "pyx12_5010_mult_loops.835"))
    assert isinstance(rem, Remittance)
    assert rem.implementation_version == "005010X221A1"
    assert rem.header_summaries[0][1][0][0] == "TS3"
    (claim,) = rem.claims
    assert claim.status == "4" and len(claim.lines) == 3
    assert [line.remark_codes for line in claim.lines] == [["N14"]] * 3
    assert claim.lines[0].service_date is not None and claim.lines[0].service_date_end
    assert check_balance(rem) == []


def test_pyx12_4010_sample_reads_and_its_payment_imbalance_is_found() -> None:
    (rem,) = list(read_835(PUBLIC / "pyx12_4010_simple.835"))
    assert isinstance(rem, Remittance)
    assert rem.implementation_version == "004010X091A1"
    assert [c.status for c in rem.claims] == ["22", "1", "22"]
    assert rem.claim_total_paid() == Decimal("-510.25")
    assert [p.amount for p in rem.provider_adjustments] == [
        Decimal("-1008.1"),
        Decimal("24.21"),
        Decimal("5.95"),
    ]
    (problem,) = check_balance(rem)
    assert problem.level == "payment"
    assert (problem.expected, problem.actual) == (Decimal("467.69"), Decimal("5950.21"))
