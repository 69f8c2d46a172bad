"""Building and storing small remittances for the classification tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Connection, Engine, Table, insert

from denialops.classify import RuleSet
from denialops.classify.apply import classify_remittance
from denialops.store import schema
from denialops.store.ingest import ingest_remittance
from denialops.x12.remittance import (
    Adjustment,
    Claim,
    Envelope,
    Party,
    Payment,
    Remittance,
    ServiceLine,
)

D = Decimal


def adj(group: str, carc: str, amount: str, level: str = "line") -> Adjustment:
    return Adjustment(group=group, reason=carc, amount=D(amount), level=level)  # type: ignore[arg-type]


def line(
    charge: str, paid: str, *adjustments: Adjustment, remarks: Iterable[str] = ()
) -> ServiceLine:
    return ServiceLine(
        qualifier="HC",
        code="99213",
        charge=D(charge),
        paid=D(paid),
        adjustments=list(adjustments),
        remark_codes=list(remarks),
        service_date=date(2025, 2, 10),
    )


def claim(
    pcn: str,
    status: str,
    charge: str,
    paid: str,
    *lines: ServiceLine,
    adjustments: Iterable[Adjustment] = (),
    remarks: Iterable[str] = (),
) -> Claim:
    return Claim(
        patient_control_number=pcn,
        status=status,
        charge=D(charge),
        paid=D(paid),
        filing_indicator="MB",
        payer_claim_control_number=f"ICN{pcn}",
        lines=list(lines),
        adjustments=list(adjustments),
        remark_codes=list(remarks),
    )


def remittance(trace: str, payer_id: str, *claims: Claim) -> Remittance:
    paid = sum((c.paid for c in claims), D("0"))
    return Remittance(
        envelope=Envelope(st_control="0001", gs_control="1", isa_control="000000001"),
        payment=Payment(
            handling_code="I",
            amount=paid,
            credit_debit="C",
            method="ACH",
            payment_date=date(2025, 3, 3),
        ),
        trace_type="1",
        trace_number=trace,
        trace_originator="1999999999",
        production_date=date(2025, 3, 1),
        payer=Party(entity="PR", name="TEST PAYER", id_qualifier="XV", identifier=payer_id),
        payee=Party(entity="PE", name="TEST CLINIC", id_qualifier="XX", identifier="1234567893"),
        claims=list(claims),
    )


def new_file(conn: Connection, name: str) -> int:
    result = conn.execute(
        insert(cast(Table, schema.SourceFile.__table__)).values(
            path=f"/tmp/{name}",
            name=name,
            sha256=name.rjust(64, "0")[-64:],
            size_bytes=1,
            ingested_at=datetime.now(UTC),
            transactions=1,
            quarantined=0,
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def store(
    engine: Engine,
    remittances: Iterable[Remittance],
    rules: RuleSet | None = None,
    *,
    name: str = "f",
) -> list[int]:
    """Store and classify, as ingest does: one transaction, hook on the same connection."""
    ids: list[int] = []
    with engine.begin() as conn:
        file_id = new_file(conn, name)
        for rem in remittances:
            rid = ingest_remittance(conn, rem, file_id)
            if rid is None:
                continue
            classify_remittance(conn, rid, rules)
            ids.append(rid)
    return ids


def sample() -> Remittance:
    """Six claims covering the claim-level outcomes (amounts balance)."""
    return remittance(
        "TRACE1",
        "PAYER1",
        # partially denied: one line bundled
        claim(
            "A",
            "1",
            "150",
            "60",
            line("100", "60", adj("CO", "45", "30"), adj("PR", "2", "10")),
            line("50", "0", adj("CO", "97", "50"), remarks=["M15"]),
        ),
        # fully denied by the payer (CLP02 4), claim-level authorization denial
        claim("B", "4", "200", "0", adjustments=[adj("CO", "197", "200", "claim")]),
        # paid: contractual only
        claim("C", "1", "80", "50", line("80", "50", adj("CO", "45", "30"))),
        # paid nothing, but all of it is the patient's deductible: not a denial
        claim("D", "1", "100", "0", line("100", "0", adj("PR", "1", "100"))),
        # zero paid, every line denied: LCD coverage (70) outweighs unprocessable (50)
        claim(
            "E",
            "1",
            "120",
            "0",
            line("70", "0", adj("CO", "50", "70"), remarks=["N115"]),
            line("50", "0", adj("CO", "16", "50"), remarks=["MA130"]),
        ),
        # an unknown reason code
        claim("F", "1", "60", "35", line("60", "35", adj("CO", "999", "25"))),
    )
