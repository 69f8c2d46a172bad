"""Typed records for one X12 835 transaction set (005010X221A1, or 004010X091A1).

These are plain data: the parser (:mod:`denialops.x12.parse835`) builds them, the
writer (:mod:`denialops.x12.write835`) turns them back into X12, the store persists
them and the classifier reads them. Money is :class:`~decimal.Decimal`; dates are
:class:`~datetime.date`. Segments the model does not type are kept verbatim in
``extra_segments`` on the loop they appeared in, so nothing in a file is lost.

Layout (DOMAIN.md)::

    Remittance (ST..SE)
      payment (BPR), trace (TRN), production_date (DTM*405)
      payer (N1*PR loop), payee (N1*PE loop)
      claims (LX/CLP loop 2100)
        adjustments (claim-level CAS), parties (NM1), MIA/MOA remarks, REF, DTM, AMT, QTY
        lines (SVC loop 2110): adjustments (line-level CAS), DTM, REF, AMT, LQ
      provider_adjustments (PLB)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from denialops.money import ZERO, total

AdjustmentLevel = Literal["claim", "line"]


class ClaimStatus(StrEnum):
    """CLP02 claim status codes used in the 835."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"
    NOT_OUR_CLAIM_FORWARDED = "23"
    PREDETERMINATION = "25"


class GroupCode(StrEnum):
    """CAS01 claim adjustment group codes."""

    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION_REVERSAL = "CR"


@dataclass(slots=True)
class Adjustment:
    """One (group, reason, amount, quantity) triplet of a CAS segment.

    A CAS segment carries up to six triplets under one group code; each becomes one
    Adjustment. ``position`` is the triplet's 1-based place within its CAS segment
    (1..6), ``segment_order`` the CAS segment's 1-based order within its loop, so the
    writer can rebuild the segments exactly.
    """

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None
    level: AdjustmentLevel = "claim"
    segment_order: int = 1
    position: int = 1


@dataclass(slots=True)
class Party:
    """A name segment: N1 (payer, payee) or NM1 (patient, insured, rendering ...).

    ``entity`` is N101/NM101 (PR, PE, QC, IL, 82, 74, TT, PR ...); for NM1 the name is
    split into last (NM103), first (NM104), middle (NM105), suffix (NM107); for N1 the
    whole name is in ``name``. ``id_qualifier``/``identifier`` are N103/N104 or
    NM108/NM109 (XX = NPI, FI = TIN, MI = member id, PI = payer id ...).
    """

    entity: str
    name: str = ""
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    entity_type: str = ""  # NM102: 1 person, 2 non-person
    id_qualifier: str = ""
    identifier: str = ""
    address_lines: list[str] = field(default_factory=list)  # N3
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    refs: list[tuple[str, str]] = field(default_factory=list)  # REF qualifier, value
    contacts: list[list[str]] = field(default_factory=list)  # PER elements after PER01
    extra_segments: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Payment:
    """BPR: the financial information of the whole remittance."""

    handling_code: str  # BPR01: I remittance+payment, H notification only, ...
    amount: Decimal  # BPR02 total actual provider payment
    credit_debit: str  # BPR03 C or D
    method: str  # BPR04 ACH, CHK, FWT, BOP, NON
    format_code: str = ""  # BPR05 CCP, CTX
    elements: list[str] = field(default_factory=list)  # BPR06..BPR15 verbatim (bank data)
    payment_date: date | None = None  # BPR16


@dataclass(slots=True)
class ProviderAdjustment:
    """One (reason:reference, amount) pair of a PLB segment.

    A positive amount reduces the payment (BPR02 = sum(CLP04) - sum(PLB)).
    """

    provider_id: str  # PLB01
    fiscal_period_date: date | None  # PLB02
    reason: str  # PLB03-1 (WO, L6, FB, 72, CS, ...)
    reference: str  # PLB03-2
    amount: Decimal  # PLB04
    segment_order: int = 1
    position: int = 1  # 1..6 within the PLB segment


@dataclass(slots=True)
class ServiceLine:
    """Loop 2110: one SVC service line with its adjustments and remarks."""

    qualifier: str  # SVC01-1: HC (CPT/HCPCS), NU (revenue), AD, ER, IV, N4, WK ...
    code: str  # SVC01-2
    modifiers: list[str] = field(default_factory=list)  # SVC01-3..6
    description: str = ""  # SVC01-7
    charge: Decimal = ZERO  # SVC02
    paid: Decimal = ZERO  # SVC03
    revenue_code: str = ""  # SVC04
    units: Decimal | None = None  # SVC05 (paid units)
    original_qualifier: str = ""  # SVC06-1
    original_code: str = ""  # SVC06-2
    original_modifiers: list[str] = field(default_factory=list)  # SVC06-3..6
    original_description: str = ""  # SVC06-7
    original_units: Decimal | None = None  # SVC07
    service_date: date | None = None  # DTM*472, or DTM*150 start
    service_date_end: date | None = None  # DTM*151 end
    control_number: str = ""  # REF*6R line item control number (ours)
    allowed: Decimal | None = None  # AMT*B6
    remark_codes: list[str] = field(default_factory=list)  # LQ*HE
    adjustments: list[Adjustment] = field(default_factory=list)
    dates: list[tuple[str, date]] = field(default_factory=list)  # every DTM (qual, date)
    refs: list[tuple[str, str]] = field(default_factory=list)  # every REF except 6R
    amounts: list[tuple[str, Decimal]] = field(default_factory=list)  # every AMT except B6
    quantities: list[tuple[str, Decimal]] = field(default_factory=list)  # QTY
    other_remarks: list[tuple[str, str]] = field(default_factory=list)  # LQ other than HE
    extra_segments: list[list[str]] = field(default_factory=list)

    def adjustment_total(self) -> Decimal:
        return total(a.amount for a in self.adjustments)


@dataclass(slots=True)
class Claim:
    """Loop 2100: one CLP claim payment with everything under it."""

    patient_control_number: str  # CLP01 (ours)
    status: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None = None  # CLP05
    filing_indicator: str = ""  # CLP06: MA, MB, MC, 12..17, CI, BL, HM ...
    payer_claim_control_number: str = ""  # CLP07
    facility_type: str = ""  # CLP08
    frequency: str = ""  # CLP09: 1 original, 7 replacement, 8 void
    drg: str = ""  # CLP11
    drg_weight: Decimal | None = None  # CLP12
    discharge_fraction: Decimal | None = None  # CLP13
    header_number: str = ""  # LX01 of the loop 2000 the claim sits in
    patient: Party | None = None  # NM1*QC
    insured: Party | None = None  # NM1*IL
    rendering: Party | None = None  # NM1*82
    corrected_patient: Party | None = None  # NM1*74
    crossover: Party | None = None  # NM1*TT
    other_parties: list[Party] = field(default_factory=list)  # NM1*PR, GB, 2C ...
    inpatient: list[str] = field(default_factory=list)  # MIA elements verbatim
    outpatient: list[str] = field(default_factory=list)  # MOA elements verbatim
    remark_codes: list[str] = field(default_factory=list)  # RARCs from MIA/MOA
    adjustments: list[Adjustment] = field(default_factory=list)  # claim-level CAS
    refs: list[tuple[str, str]] = field(default_factory=list)
    dates: list[tuple[str, date]] = field(default_factory=list)  # DTM 232/233/036/050
    amounts: list[tuple[str, Decimal]] = field(default_factory=list)  # AMT AU, I, D8 ...
    quantities: list[tuple[str, Decimal]] = field(default_factory=list)  # QTY
    lines: list[ServiceLine] = field(default_factory=list)
    extra_segments: list[list[str]] = field(default_factory=list)
    segment_number: int = field(default=0, compare=False)  # CLP's segment number in file

    def ref(self, qualifier: str) -> str:
        return next((v for q, v in self.refs if q == qualifier), "")

    def date_of(self, qualifier: str) -> date | None:
        return next((d for q, d in self.dates if q == qualifier), None)

    def amount_of(self, qualifier: str) -> Decimal | None:
        return next((a for q, a in self.amounts if q == qualifier), None)

    def claim_adjustment_total(self) -> Decimal:
        return total(a.amount for a in self.adjustments)

    def line_adjustment_total(self) -> Decimal:
        return total(line.adjustment_total() for line in self.lines)

    def all_adjustments(self) -> list[Adjustment]:
        found = list(self.adjustments)
        for line in self.lines:
            found.extend(line.adjustments)
        return found

    @property
    def is_reversal(self) -> bool:
        return self.status == ClaimStatus.REVERSAL

    def first_service_date(self) -> date | None:
        """Earliest date of service: line dates, else claim statement dates."""
        line_dates = [ln.service_date for ln in self.lines if ln.service_date]
        if line_dates:
            return min(line_dates)
        return self.date_of("232") or self.date_of("472")


@dataclass(slots=True)
class Envelope:
    """Where a transaction set sat: its ISA, GS and ST identifiers."""

    isa_control: str = ""  # ISA13
    sender_qualifier: str = ""  # ISA05
    sender_id: str = ""  # ISA06
    receiver_qualifier: str = ""  # ISA07
    receiver_id: str = ""  # ISA08
    interchange_date: str = ""  # ISA09 (YYMMDD as sent)
    interchange_time: str = ""  # ISA10
    usage: str = ""  # ISA15 P/T
    functional_id: str = ""  # GS01 (HP for 835)
    gs_sender: str = ""  # GS02
    gs_receiver: str = ""  # GS03
    gs_date: str = ""  # GS04
    gs_time: str = ""  # GS05
    gs_control: str = ""  # GS06
    version: str = ""  # GS08 (005010X221A1)
    st_control: str = ""  # ST02
    implementation: str = ""  # ST03


@dataclass(slots=True)
class Remittance:
    """One 835 transaction set (ST..SE): one payment or notice from one payer."""

    envelope: Envelope
    payment: Payment
    trace_type: str = ""  # TRN01
    trace_number: str = ""  # TRN02 check or EFT trace number
    trace_originator: str = ""  # TRN03 payer identifier (1 + TIN, or other)
    trace_reference: str = ""  # TRN04
    production_date: date | None = None  # DTM*405
    header_refs: list[tuple[str, str]] = field(default_factory=list)  # REF*EV, F2 ...
    header_dates: list[tuple[str, date]] = field(default_factory=list)
    currency: list[str] = field(default_factory=list)  # CUR elements verbatim
    payer: Party = field(default_factory=lambda: Party(entity="PR"))
    payee: Party = field(default_factory=lambda: Party(entity="PE"))
    claims: list[Claim] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    header_summaries: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    """Per LX header: (LX01, [TS3/TS2 segments verbatim])."""
    extra_segments: list[list[str]] = field(default_factory=list)
    source_file: str = field(default="", compare=False)
    segment_number: int = field(default=0, compare=False)  # ST's 1-based number in its file
    segment_count: int = 0  # SE01 as received
    byte_offset: int = field(default=0, compare=False)  # where ST starts in its file
    raw: bytes = field(default=b"", compare=False, repr=False)
    """The transaction set (ST..SE) exactly as received, for lossless storage."""
    warnings: list[str] = field(default_factory=list, compare=False)
    """What the reader tolerated (an odd ISA11, a repaired separator ...), one line each,
    never patient data."""

    @property
    def implementation_version(self) -> str:
        """The implementation guide it came in: ST03, else GS08 (``005010X221A1``,
        ``004010X091A1`` ...); 4010 sets are mapped onto the same records."""
        return self.envelope.implementation or self.envelope.version

    @property
    def payer_id(self) -> str:
        """Best payer identifier: REF*2U, else N1*PR N104, else TRN03."""
        for qualifier, value in self.payer.refs:
            if qualifier == "2U" and value:
                return value
        return self.payer.identifier or self.trace_originator

    def claim_total_paid(self) -> Decimal:
        return total(c.paid for c in self.claims)

    def provider_adjustment_total(self) -> Decimal:
        return total(p.amount for p in self.provider_adjustments)
