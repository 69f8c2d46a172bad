"""Typed records for X12 837 claims: professional (005010X222A1) and institutional (005010X223A2).

An 837 transaction set carries many claims under a hierarchy of HL loops (billing
provider -> subscriber -> patient -> claim). Scrubbing and matching work claim by claim,
so the parser (:mod:`denialops.x12.parse837`) flattens the hierarchy: every
:class:`SubmittedClaim` carries copies of the billing provider, subscriber, patient and
payer it sat under. Money is :class:`~decimal.Decimal`; dates are :class:`~datetime.date`.
Segments the model does not type are kept verbatim in ``extra_segments`` and the whole
transaction set's bytes are kept on :class:`ClaimBatch`, so nothing is lost.

Layout::

    ClaimBatch (ST..SE, BHT)
      SubmittedClaim (CLM loop 2300)
        billing_provider (2010AA), subscriber (2010BA), payer (2010BB), patient (2010CA)
        diagnoses (HI), providers (2310A-F), dates (DTP), refs (REF)
        lines (LX loop 2400): SV1 (837P) or SV2 (837I), DTP*472, REF*6R, LIN (NDC)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from denialops.money import ZERO, total
from denialops.x12.remittance import Envelope

ClaimKind = Literal["professional", "institutional"]

PROFESSIONAL_VERSION = "005010X222A1"
INSTITUTIONAL_VERSION = "005010X223A2"


class Frequency(StrEnum):
    """CLM05-3 claim frequency type codes that matter to scrubbing and matching."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


@dataclass(slots=True)
class Provider:
    """An NM1 provider (billing 85, rendering 82, attending 71, operating 72, referring DN ...)."""

    entity: str  # NM101
    entity_type: str = ""  # NM102: 1 person, 2 organisation
    name: str = ""  # NM103 (last or organisation name)
    first_name: str = ""  # NM104
    npi: str = ""  # NM109 when NM108 = XX
    id_qualifier: str = ""  # NM108
    taxonomy: str = ""  # PRV03
    tax_id: str = ""  # REF*EI / REF*SY
    address_lines: list[str] = field(default_factory=list)
    city: str = ""
    state: str = ""
    postal_code: str = ""
    extra_segments: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    """Subscriber (NM1*IL) or patient (NM1*QC) with demographics (DMG)."""

    entity: str  # IL or QC
    last_name: str = ""
    first_name: str = ""
    member_id: str = ""  # NM109 (MI) for the subscriber
    birth_date: date | None = None  # DMG02
    sex: str = ""  # DMG03: F, M, U
    relationship: str = ""  # SBR02 (18 self) or PAT01
    address_lines: list[str] = field(default_factory=list)
    city: str = ""
    state: str = ""
    postal_code: str = ""
    extra_segments: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Payer:
    """NM1*PR of loop 2010BB and the SBR that names the payer's responsibility."""

    name: str = ""
    payer_id: str = ""  # NM109 (PI)
    responsibility: str = ""  # SBR01: P primary, S secondary, T tertiary
    group_number: str = ""  # SBR03
    filing_indicator: str = ""  # SBR09: MA, MB, MC, CI, BL, 16 ...
    extra_segments: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Diagnosis:
    """One HI composite: qualifier (ABK principal, ABF other, ABJ admitting ...), code, POA."""

    qualifier: str
    code: str  # as sent (no dot)
    present_on_admission: str = ""  # HI0x-9 on 837I: Y, N, U, W, 1
    segment_order: int = 1  # which HI segment (1-based)
    position: int = 1  # which element within it (1..12)


@dataclass(slots=True)
class ClaimLine:
    """Loop 2400: one service line (SV1 on 837P, SV2 on 837I)."""

    number: int  # LX01
    procedure_qualifier: str = ""  # HC (CPT/HCPCS), HP, IV, ER ...
    procedure: str = ""
    modifiers: list[str] = field(default_factory=list)  # up to 4
    description: str = ""  # SV101-7 / SV202-7
    revenue_code: str = ""  # SV201 (837I)
    charge: Decimal = ZERO  # SV102 / SV203
    unit_basis: str = ""  # SV103 / SV204: UN units, MJ minutes, DA days
    units: Decimal | None = None  # SV104 / SV205
    place_of_service: str = ""  # SV105 (837P, when it differs from the claim's)
    diagnosis_pointers: list[int] = field(default_factory=list)  # SV107 (837P)
    emergency: str = ""  # SV109
    service_date: date | None = None  # DTP*472 (first date of a range)
    service_date_end: date | None = None  # DTP*472 RD8 end
    control_number: str = ""  # REF*6R
    ndc: str = ""  # LIN03 when LIN02 = N4
    refs: list[tuple[str, str]] = field(default_factory=list)  # other REF
    dates: list[tuple[str, date]] = field(default_factory=list)  # other DTP (qualifier, date)
    extra_segments: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class SubmittedClaim:
    """Loop 2300: one claim as submitted, with the parties it sat under."""

    kind: ClaimKind
    patient_control_number: str  # CLM01
    total_charge: Decimal  # CLM02
    place_of_service: str = ""  # CLM05-1 on 837P (facility code value)
    facility_type: str = ""  # CLM05-1 on 837I (first two digits of type of bill)
    facility_qualifier: str = ""  # CLM05-2: B (place of service) or A (type of bill)
    frequency: str = ""  # CLM05-3
    provider_signature: str = ""  # CLM06
    assignment: str = ""  # CLM07
    benefits_assigned: str = ""  # CLM08
    release_of_information: str = ""  # CLM09
    prior_authorization: str = ""  # REF*G1
    referral_number: str = ""  # REF*9F
    original_reference: str = ""  # REF*F8 payer claim control number (corrections)
    medical_record_number: str = ""  # REF*EA
    admission_date: date | None = None  # DTP*435
    discharge_date: date | None = None  # DTP*096
    statement_from: date | None = None  # DTP*434 RD8 start
    statement_to: date | None = None  # DTP*434 RD8 end
    onset_date: date | None = None  # DTP*431
    admission_type: str = ""  # CL101 (837I)
    admission_source: str = ""  # CL102
    patient_status: str = ""  # CL103
    drg: str = ""  # HI*DR
    diagnoses: list[Diagnosis] = field(default_factory=list)
    other_codes: list[list[str]] = field(default_factory=list)  # other HI (procedures, values)
    billing_provider: Provider = field(default_factory=lambda: Provider(entity="85"))
    subscriber: Person = field(default_factory=lambda: Person(entity="IL"))
    patient: Person | None = None  # None when the subscriber is the patient
    payer: Payer = field(default_factory=Payer)
    providers: list[Provider] = field(default_factory=list)  # 2310 loops: 82, 71, 72, DN, 77 ...
    refs: list[tuple[str, str]] = field(default_factory=list)  # other REF
    dates: list[tuple[str, date]] = field(default_factory=list)  # other DTP (qualifier, date)
    lines: list[ClaimLine] = field(default_factory=list)
    extra_segments: list[list[str]] = field(default_factory=list)
    segment_number: int = field(default=0, compare=False)  # CLM's segment number in its file
    submitted: date | None = field(default=None, compare=False)  # BHT04 of its batch

    @property
    def type_of_bill(self) -> str:
        """The three-character type of bill (837I): facility type + frequency."""
        return f"{self.facility_type}{self.frequency}" if self.kind == "institutional" else ""

    @property
    def member(self) -> Person:
        """Whoever received the service: the patient loop when present, else the subscriber."""
        return self.patient if self.patient is not None else self.subscriber

    def provider(self, entity: str) -> Provider | None:
        return next((p for p in self.providers if p.entity == entity), None)

    @property
    def rendering_npi(self) -> str:
        """Rendering (82) or attending (71) NPI, else the billing provider's."""
        for entity in ("82", "71"):
            found = self.provider(entity)
            if found is not None and found.npi:
                return found.npi
        return self.billing_provider.npi

    def line_total(self) -> Decimal:
        return total(line.charge for line in self.lines)

    def first_service_date(self) -> date | None:
        """Earliest line date, else the statement or admission date."""
        found = [line.service_date for line in self.lines if line.service_date is not None]
        if found:
            return min(found)
        return self.statement_from or self.admission_date

    def diagnosis_codes(self) -> list[str]:
        return [d.code for d in self.diagnoses]


@dataclass(slots=True)
class ClaimBatch:
    """One 837 transaction set (ST..SE): the submitter, the receiver and its claims."""

    envelope: Envelope
    kind: ClaimKind
    purpose: str = ""  # BHT02: 00 original, 18 reissue
    reference: str = ""  # BHT03 originator's batch id
    created: date | None = None  # BHT04
    created_time: str = ""  # BHT05
    transaction_type: str = ""  # BHT06: CH chargeable, RP reporting
    submitter: Provider = field(default_factory=lambda: Provider(entity="41"))
    receiver: Provider = field(default_factory=lambda: Provider(entity="40"))
    claims: list[SubmittedClaim] = field(default_factory=list)
    extra_segments: list[list[str]] = field(default_factory=list)
    source_file: str = field(default="", compare=False)
    segment_number: int = field(default=0, compare=False)
    segment_count: int = 0
    byte_offset: int = field(default=0, compare=False)
    raw: bytes = field(default=b"", compare=False, repr=False)
