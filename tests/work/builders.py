"""Synthetic remittances for the work tests, taken through the real pipeline.

Claims are built as typed 835 records, written as X12 text, and ingested with
:func:`denialops.pipeline.ingest_paths` running the production steps: the shipped
classification rules, then outcomes and cases.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, Table, select

from denialops.money import total
from denialops.pipeline import ingest_paths
from denialops.store import schema
from denialops.x12.remittance import (
    Adjustment,
    Claim,
    Envelope,
    Party,
    Payment,
    Remittance,
    ServiceLine,
)
from denialops.x12.write835 import format_835

_traces = itertools.count(1000)
remit_t = cast(Table, schema.Remittance.__table__)


def claim(
    pcn: str,
    *,
    charge: str,
    paid: str,
    adjustments: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    status: str = "1",
    frequency: str = "1",
    filing: str = "MB",
    service_date: date = date(2026, 1, 5),
    icn: str | None = None,
    code: str = "99214",
    rarcs: list[str] | None = None,
    allowed: str | None = None,
) -> Claim:
    """A one-line claim whose line carries the adjustments (so it balances)."""
    adjs = [
        Adjustment(group=g, reason=r, amount=Decimal(a), level="line", segment_order=i + 1)
        for i, (g, r, a) in enumerate(adjustments)
    ]
    line = ServiceLine(
        qualifier="HC",
        code=code,
        modifiers=["25"],
        charge=Decimal(charge),
        paid=Decimal(paid),
        units=Decimal(1),
        service_date=service_date,
        control_number=f"{pcn}-1",
        remark_codes=list(rarcs or []),
        adjustments=adjs,
        allowed=None if allowed is None else Decimal(allowed),
    )
    return Claim(
        patient_control_number=pcn,
        status=status,
        charge=Decimal(charge),
        paid=Decimal(paid),
        patient_responsibility=Decimal(0),
        filing_indicator=filing,
        payer_claim_control_number=icn or f"ICN{pcn}",
        facility_type="11",
        frequency=frequency,
        patient=Party(
            entity="QC", name="TESTPATIENT", first_name="ALEX", id_qualifier="MI", identifier="M1"
        ),
        rendering=Party(entity="82", name="RENDERING", id_qualifier="XX", identifier="1234567893"),
        lines=[line],
    )


def remittance(
    claims: list[Claim], *, payer_id: str = "PAYER1", payment_date: date = date(2026, 2, 1)
) -> Remittance:
    paid = total(c.paid for c in claims)
    return Remittance(
        envelope=Envelope(
            isa_control="000000001", gs_control="1", st_control="0001", version="005010X221A1"
        ),
        payment=Payment(
            handling_code="I",
            amount=paid,
            credit_debit="C",
            method="ACH",
            payment_date=payment_date,
        ),
        trace_type="1",
        trace_number=f"TRACE{next(_traces)}",
        trace_originator="1999999999",
        production_date=payment_date,
        payer=Party(entity="PR", name="TEST PAYER", id_qualifier="XV", identifier=payer_id),
        payee=Party(entity="PE", name="TEST HOSPITAL", id_qualifier="XX", identifier="1234567893"),
        claims=claims,
    )


def ingest(engine: Engine, rem: Remittance) -> int:
    """The real path: write the remittance as an 835 file and ingest it with the steps
    production runs (classification, then outcomes and cases); returns the remittance id."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{rem.trace_number}.835"
        path.write_text(format_835([rem]), encoding="utf-8")
        ingest_paths(engine, [path])
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(remit_t.c.id).where(remit_t.c.trace_number == rem.trace_number)
            ).scalar_one()
        )
