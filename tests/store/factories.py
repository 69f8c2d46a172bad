"""Hand-built remittances for storage tests: small, balanced unless asked otherwise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from denialops.money import total
from denialops.x12.remittance import (
    Adjustment,
    Claim,
    Envelope,
    Party,
    Payment,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
)

D = Decimal


def service_line(
    code: str = "99213",
    charge: str = "150.00",
    paid: str = "100.00",
    *,
    group: str = "CO",
    reason: str = "45",
    modifiers: list[str] | None = None,
    remarks: list[str] | None = None,
    control: str = "LN1",
) -> ServiceLine:
    """A line whose single CAS makes it balance: charge - adjustment = paid."""
    adjustment = D(charge) - D(paid)
    adjustments = (
        [Adjustment(group=group, reason=reason, amount=adjustment, level="line")]
        if adjustment
        else []
    )
    return ServiceLine(
        qualifier="HC",
        code=code,
        modifiers=modifiers if modifiers is not None else ["25"],
        charge=D(charge),
        paid=D(paid),
        units=D("1"),
        service_date=date(2024, 3, 4),
        control_number=control,
        allowed=D(paid),
        remark_codes=remarks if remarks is not None else [],
        adjustments=adjustments,
        dates=[("472", date(2024, 3, 4))],
    )


def claim(
    pcn: str = "PCN1",
    *,
    status: str = "1",
    icn: str = "ICN1",
    lines: list[ServiceLine] | None = None,
    claim_adjustments: list[Adjustment] | None = None,
    sign: int = 1,
) -> Claim:
    """A claim that balances over its lines and claim-level adjustments.

    ``sign=-1`` negates every amount, which is how a status-22 reversal looks.
    """
    chosen = lines if lines is not None else [service_line()]
    if sign < 0:
        for line in chosen:
            line.charge, line.paid = -line.charge, -line.paid
            for adj in line.adjustments:
                adj.amount = -adj.amount
    claim_adj = claim_adjustments or []
    charge = total(ln.charge for ln in chosen)
    paid = (
        charge
        - total(a.amount for a in claim_adj)
        - total(a.amount for ln in chosen for a in ln.adjustments)
    )
    return Claim(
        patient_control_number=pcn,
        status=status,
        charge=charge,
        paid=paid,
        patient_responsibility=D("0"),
        filing_indicator="MC",
        payer_claim_control_number=icn,
        facility_type="11",
        frequency="1",
        patient=Party(
            entity="QC",
            name="DOE",
            first_name="JANE",
            entity_type="1",
            id_qualifier="MI",
            identifier="M123",
        ),
        rendering=Party(entity="82", name="SMITH", id_qualifier="XX", identifier="1234567893"),
        outpatient=["", "", "MA01"],
        remark_codes=["MA01"],
        adjustments=claim_adj,
        refs=[("EA", "MRN9")],
        dates=[("232", date(2024, 3, 1)), ("233", date(2024, 3, 4)), ("050", date(2024, 3, 10))],
        amounts=[("AU", paid)],
        lines=chosen,
    )


def remittance(
    claims: list[Claim] | None = None,
    *,
    trace: str = "TRACE1",
    payer_id: str = "PAYER1",
    plb: list[ProviderAdjustment] | None = None,
    st_control: str = "0001",
    payment_amount: Decimal | None = None,
) -> Remittance:
    """A remittance whose BPR02 balances its claims and PLBs unless an amount is given."""
    chosen = claims if claims is not None else [claim()]
    plbs = plb or []
    amount = (
        payment_amount
        if payment_amount is not None
        else total(c.paid for c in chosen) - total(p.amount for p in plbs)
    )
    return Remittance(
        envelope=Envelope(
            isa_control="000000001",
            sender_id="SENDER",
            receiver_id="RECEIVER",
            gs_control="1",
            version="005010X221A1",
            st_control=st_control,
        ),
        payment=Payment(
            handling_code="I",
            amount=amount,
            credit_debit="C",
            method="ACH",
            payment_date=date(2024, 3, 15),
        ),
        trace_type="1",
        trace_number=trace,
        trace_originator="1999999999",
        production_date=date(2024, 3, 14),
        payer=Party(entity="PR", name="ACME HEALTH", id_qualifier="XV", identifier=payer_id),
        payee=Party(
            entity="PE", name="GENERAL HOSPITAL", id_qualifier="XX", identifier="1999999984"
        ),
        claims=chosen,
        provider_adjustments=plbs,
        raw=b"ST*835*" + st_control.encode() + b"~SE*2*" + st_control.encode() + b"~",
        segment_number=3,
    )
