"""Small claims for edit tests, and CMS-layout table files written exactly as CMS ships them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from denialops.x12.claim837 import (
    ClaimLine,
    Diagnosis,
    Payer,
    Person,
    Provider,
    SubmittedClaim,
)

DOS = date(2024, 9, 10)


def line(
    number: int,
    code: str,
    *modifiers: str,
    units: str = "1",
    charge: str = "100",
    pointers: tuple[int, ...] = (1,),
    on: date = DOS,
    pos: str = "",
) -> ClaimLine:
    return ClaimLine(
        number=number,
        procedure_qualifier="HC",
        procedure=code,
        modifiers=list(modifiers),
        charge=Decimal(charge),
        unit_basis="UN",
        units=Decimal(units),
        diagnosis_pointers=list(pointers),
        service_date=on,
        place_of_service=pos,
    )


def claim(
    *lines: ClaimLine,
    diagnoses: tuple[str, ...] = ("E119",),
    kind: str = "professional",
    sex: str = "F",
    born: date = date(1980, 1, 1),
    payer_id: str = "P1",
    filing: str = "CI",
    pcn: str = "PCN1",
    pos: str = "11",
    auth: str = "",
    member: str = "M1",
    frequency: str = "1",
) -> SubmittedClaim:
    found = SubmittedClaim(
        kind=kind,  # type: ignore[arg-type]
        patient_control_number=pcn,
        total_charge=sum((ln.charge for ln in lines), Decimal(0)),
        place_of_service=pos if kind == "professional" else "",
        facility_type="13" if kind == "institutional" else "",
        facility_qualifier="B",
        frequency=frequency,
        prior_authorization=auth,
        diagnoses=[
            Diagnosis("ABK" if i == 1 else "ABF", code, "", 1, i)
            for i, code in enumerate(diagnoses, start=1)
        ],
        billing_provider=Provider(entity="85", npi="1234567893"),
        subscriber=Person(entity="IL", last_name="DOE", member_id=member, birth_date=born, sex=sex),
        payer=Payer(name="PAYER", payer_id=payer_id, responsibility="P", filing_indicator=filing),
        providers=[Provider(entity="82", npi="1111111112")],
        lines=list(lines),
    )
    return found


PTP_PREAMBLE = (
    "CPT codes and descriptions only are copyright 2024 American Medical Association. "
    "All Rights Reserved.\n"
    "Applicable FARS/DFARS Restrictions Apply to Government Use.\n"
    "\n"
    "Column 1\tColumn 2\t* = In existence prior to 1996\tEffective Date\t"
    "Deletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\t"
    "PTP Edit Rationale\n"
)


def write_ptp(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """rows: (column1, column2, effective YYYYMMDD, deletion or '*', modifier)."""
    body = "".join(
        f"{c1}\t{c2}\t \t{eff}\t{dele}\t{mod}\tStandards of medical / surgical practice\n"
        for c1, c2, eff, dele, mod in rows
    )
    path.write_text(PTP_PREAMBLE + body, encoding="latin-1")
    return path


MUE_PREAMBLE = (
    '"CPT codes and descriptions only are copyright 2024 American Medical Association. '
    'All rights reserved."\n'
    '"The responsibility for the content of this file/product is with CMS and no '
    'endorsement by the AMA is intended or implied."\n'
    "\n"
)


def write_mue(path: Path, rows: list[tuple[str, int, str]], title: str) -> Path:
    """rows: (code, value, indicator text such as '2 Date of Service Edit: Policy')."""
    header = f"HCPCS/CPT Code,{title} MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    body = "".join(f'{code},{value},"{ind}",Clinical: Data\n' for code, value, ind in rows)
    path.write_text(MUE_PREAMBLE + header + body, encoding="utf-8")
    return path
