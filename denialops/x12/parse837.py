"""Segments of one 837 transaction set -> a :class:`ClaimBatch` of :class:`SubmittedClaim`.

:func:`read_837` streams a file through the same segment reader and envelope checks as
the 835 (:mod:`denialops.x12.envelope`): each ST..SE becomes a :class:`ClaimBatch`, or a
:class:`~denialops.x12.envelope.RejectedTransaction` with a positioned error, and
reading goes on with the next set. Professional (005010X222A1) and institutional
(005010X223A2) claims share one parser: they differ in a handful of segments (SV1 vs
SV2, CL1, type of bill in CLM05, present-on-admission in HI).

The parser is a small state machine over the HL hierarchy: an HL*20 opens a billing
provider, HL*22 a subscriber (with the payer), HL*23 a patient, CLM a claim under the
three, LX a service line. The NM1 last seen decides where N3/N4/REF/PRV/DMG belong. The
2320/2330 other-payer loops of a claim, and anything else the model does not type, are
kept verbatim in ``extra_segments`` of the loop they sit in.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from denialops.errors import X12SyntaxError
from denialops.money import parse_amount
from denialops.x12.claim837 import (
    INSTITUTIONAL_VERSION,
    ClaimBatch,
    ClaimKind,
    ClaimLine,
    Diagnosis,
    Payer,
    Person,
    Provider,
    SubmittedClaim,
)
from denialops.x12.envelope import RejectedTransaction, read_transaction_sets
from denialops.x12.remittance import Envelope
from denialops.x12.segments import Delimiters

DIAGNOSIS_QUALIFIERS = frozenset(
    {"ABK", "BK", "ABF", "BF", "ABJ", "BJ", "ABN", "BN", "APR", "PR", "ABU"}
)
"""HI qualifiers that carry diagnoses: principal (ABK), other (ABF), admitting (ABJ),
external cause (ABN), patient's reason for visit (APR); the B- forms are ICD-9."""

PRINCIPAL_QUALIFIERS = frozenset({"ABK", "BK"})

_INSTITUTIONAL_IDS = frozenset({"005010X223A2", "005010X223A1", "005010X223", "004010X096A1"})

# Where the parser is: the loop decides where context-dependent segments belong.
HEADER, BILLING, SUBSCRIBER, PATIENT, CLAIM, OTHER_PAYER, LINE = range(7)

_TRANSACTION_NAMES = {
    "835": "an 835 (remittance)",
    "270": "a 270 (eligibility inquiry)",
    "271": "a 271 (eligibility response)",
    "276": "a 276 (claim status inquiry)",
    "277": "a 277 (claim status)",
    "278": "a 278 (authorization)",
    "834": "an 834 (enrolment)",
    "820": "an 820 (premium payment)",
    "999": "a 999 (acknowledgment)",
    "997": "a 997 (acknowledgment)",
}


def _amount(text: str, number: int, sid: str, position: int) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError:
        raise X12SyntaxError(
            f"{sid}{position:02d} {text!r} is not an amount",
            segment_number=number,
            segment_id=sid,
            element=position,
            expected="a decimal amount such as 125.00",
        ) from None


def _d8(text: str, number: int, sid: str, position: int) -> date:
    if len(text) >= 8 and text[:8].isascii() and text[:8].isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            pass
    raise X12SyntaxError(
        f"{sid}{position:02d} {text!r} is not a date",
        segment_number=number,
        segment_id=sid,
        element=position,
        expected="a date CCYYMMDD",
    )


def _dates(qualifier_format: str, text: str, number: int) -> tuple[date, date | None]:
    """A DTP value: D8 (one date), RD8 (a range) or DT (date and time)."""
    if qualifier_format == "RD8":
        start, _, end = text.partition("-")
        return _d8(start, number, "DTP", 3), _d8(end, number, "DTP", 3) if end else None
    return _d8(text, number, "DTP", 3), None


def _pad(elements: list[str], size: int) -> list[str]:
    return elements + [""] * (size - len(elements)) if len(elements) < size else elements


def _units(text: str, number: int, sid: str, position: int) -> Decimal | None:
    return _amount(text, number, sid, position) if text else None


class _Parser:
    """Builds one ClaimBatch from the segments of one 837 transaction set."""

    def __init__(
        self, envelope: Envelope, delimiters: Delimiters, st: list[str], number: int, offset: int
    ) -> None:
        kind_text = _pad(st, 2)[1]
        if kind_text != "837":
            what = _TRANSACTION_NAMES.get(kind_text, f"a {kind_text!r} transaction set")
            raise X12SyntaxError(
                f"this is {what}, not an 837 (claim)",
                segment_number=number,
                segment_id="ST",
                element=1,
                expected="837",
            )
        implementation = _pad(st, 4)[3] or envelope.version
        kind: ClaimKind = (
            "institutional" if implementation in _INSTITUTIONAL_IDS else "professional"
        )
        self.batch = ClaimBatch(
            envelope=envelope, kind=kind, segment_number=number, byte_offset=offset
        )
        self.component = delimiters.component
        self.loop = HEADER
        self.target: Provider | Person | Payer | None = None  # the last NM1's record
        self.billing = Provider(entity="85")
        self.subscriber = Person(entity="IL")
        self.payer = Payer()
        self.patient: Person | None = None
        self.claim: SubmittedClaim | None = None
        self.line: ClaimLine | None = None
        self.hi_order = 0
        self.has_bht = False

    def finish(self, trailer: list[str], number: int, raw: bytes) -> ClaimBatch:
        if not self.has_bht:
            raise X12SyntaxError(
                "transaction set has no BHT",
                segment_number=self.batch.segment_number + 1,
                segment_id="BHT",
                element=0,
                expected="BHT as the segment after ST",
            )
        self.batch.segment_count = int(trailer[1])
        self.batch.raw = raw
        return self.batch

    def handlers(self) -> dict[str, Callable[[list[str], int], None]]:
        return {
            "BHT": self.bht,
            "HL": self.hl,
            "NM1": self.nm1,
            "N3": self.n3,
            "N4": self.n4,
            "PRV": self.prv,
            "REF": self.ref,
            "DMG": self.dmg,
            "SBR": self.sbr,
            "PAT": self.pat,
            "CLM": self.clm,
            "DTP": self.dtp,
            "CL1": self.cl1,
            "HI": self.hi,
            "LX": self.lx,
            "SV1": self.sv1,
            "SV2": self.sv2,
            "LIN": self.lin,
        }

    # -- where everything else goes --------------------------------------------------
    def other(self, elements: list[str], number: int) -> None:
        loop = self.loop
        if loop == LINE and self.line is not None:
            self.line.extra_segments.append(elements)
        elif loop in (CLAIM, OTHER_PAYER) and self.claim is not None:
            self.claim.extra_segments.append(elements)
        elif self.target is not None and loop != HEADER:
            self.target.extra_segments.append(elements)
        else:
            self.batch.extra_segments.append(elements)

    # -- header and hierarchy ----------------------------------------------------------
    def bht(self, e: list[str], number: int) -> None:
        if self.has_bht:
            self.other(e, number)
            return
        e = _pad(e, 7)
        self.has_bht = True
        self.batch.purpose = e[2]
        self.batch.reference = e[3]
        self.batch.created = _d8(e[4], number, "BHT", 4) if e[4] else None
        self.batch.created_time = e[5]
        self.batch.transaction_type = e[6]

    def hl(self, e: list[str], number: int) -> None:
        level = _pad(e, 4)[3]
        self.claim = None
        self.line = None
        self.target = None
        if level == "20":
            self.loop = BILLING
            self.billing = Provider(entity="85")
            self.patient = None
        elif level == "22":
            self.loop = SUBSCRIBER
            self.subscriber = Person(entity="IL")
            self.payer = Payer()
            self.patient = None
        elif level == "23":
            self.loop = PATIENT
            self.patient = Person(entity="QC")
        else:
            raise X12SyntaxError(
                f"HL03 {level!r} is not a level of an 837",
                segment_number=number,
                segment_id="HL",
                element=3,
                expected="20 (billing provider), 22 (subscriber) or 23 (patient)",
            )

    def nm1(self, e: list[str], number: int) -> None:
        entity = e[1] if len(e) > 1 else ""
        loop = self.loop
        if loop == OTHER_PAYER:
            self.other(e, number)
            return
        f = _pad(e, 10)
        if loop == HEADER and entity in ("41", "40"):
            found = self.batch.submitter if entity == "41" else self.batch.receiver
            self._fill_provider(found, f)
            self.target = found
        elif loop == BILLING and entity == "85":
            self._fill_provider(self.billing, f)
            self.target = self.billing
        elif loop == SUBSCRIBER and entity == "IL":
            self._fill_person(self.subscriber, f)
            self.target = self.subscriber
        elif loop == SUBSCRIBER and entity == "PR":
            self.payer.name = f[3]
            self.payer.payer_id = f[9]
            self.target = self.payer
        elif loop == PATIENT and entity == "QC" and self.patient is not None:
            self._fill_person(self.patient, f)
            self.target = self.patient
        elif loop == CLAIM and self.claim is not None and entity != "IL":
            found = Provider(entity=entity)
            self._fill_provider(found, f)
            self.claim.providers.append(found)
            self.target = found
        else:
            self.other(e, number)
            self.target = None

    @staticmethod
    def _fill_provider(found: Provider, f: list[str]) -> None:
        found.entity_type = f[2]
        found.name = f[3]
        found.first_name = f[4]
        found.id_qualifier = f[8]
        found.npi = f[9]

    @staticmethod
    def _fill_person(found: Person, f: list[str]) -> None:
        found.last_name = f[3]
        found.first_name = f[4]
        found.member_id = f[9]

    def n3(self, e: list[str], number: int) -> None:
        target = self.target
        if isinstance(target, Provider | Person) and not target.address_lines:
            target.address_lines = [v for v in e[1:3] if v]
        else:
            self.other(e, number)

    def n4(self, e: list[str], number: int) -> None:
        target = self.target
        if isinstance(target, Provider | Person) and len(e) <= 4 and not target.city:
            f = _pad(e, 4)
            target.city, target.state, target.postal_code = f[1], f[2], f[3]
        else:
            self.other(e, number)

    def prv(self, e: list[str], number: int) -> None:
        target = self.target
        if self.loop == BILLING and target is None:
            target = self.billing  # PRV*BI precedes NM1*85 in loop 2000A
        if isinstance(target, Provider) and len(e) == 4 and not target.taxonomy:
            target.taxonomy = e[3]
        else:
            self.other(e, number)

    def dmg(self, e: list[str], number: int) -> None:
        target = self.target
        if (
            isinstance(target, Person)
            and len(e) == 4
            and e[1] == "D8"
            and target.birth_date is None
        ):
            target.birth_date = _d8(e[2], number, "DMG", 2)
            target.sex = e[3]
        else:
            self.other(e, number)

    def ref(self, e: list[str], number: int) -> None:
        if len(e) != 3:
            self.other(e, number)
            return
        qualifier, value = e[1], e[2]
        loop = self.loop
        if loop == LINE and self.line is not None:
            if qualifier == "6R" and not self.line.control_number:
                self.line.control_number = value
            else:
                self.line.refs.append((qualifier, value))
        elif loop == CLAIM and self.claim is not None and self.target is None:
            claim = self.claim
            if qualifier == "G1" and not claim.prior_authorization:
                claim.prior_authorization = value
            elif qualifier == "9F" and not claim.referral_number:
                claim.referral_number = value
            elif qualifier == "F8" and not claim.original_reference:
                claim.original_reference = value
            elif qualifier == "EA" and not claim.medical_record_number:
                claim.medical_record_number = value
            else:
                claim.refs.append((qualifier, value))
        elif (
            isinstance(self.target, Provider)
            and qualifier in ("EI", "SY")
            and not self.target.tax_id
        ):
            self.target.tax_id = value
        else:
            self.other(e, number)

    def sbr(self, e: list[str], number: int) -> None:
        if self.loop in (CLAIM, OTHER_PAYER):
            self.loop = OTHER_PAYER  # loop 2320: another payer's data, kept verbatim
            self.target = None
            self.other(e, number)
            return
        if self.loop != SUBSCRIBER:
            self.other(e, number)
            return
        f = _pad(e, 10)
        self.payer.responsibility = f[1]
        self.subscriber.relationship = f[2]
        self.payer.group_number = f[3]
        self.payer.filing_indicator = f[9]
        if len(e) > 10:
            self.other(e, number)

    def pat(self, e: list[str], number: int) -> None:
        if self.loop == PATIENT and self.patient is not None and len(e) == 2:
            self.patient.relationship = e[1]
        else:
            self.other(e, number)

    # -- claim -----------------------------------------------------------------------
    def clm(self, e: list[str], number: int) -> None:
        if self.loop not in (SUBSCRIBER, PATIENT, CLAIM, OTHER_PAYER, LINE):
            raise X12SyntaxError(
                "CLM before any subscriber (HL*22)",
                segment_number=number,
                segment_id="CLM",
                element=0,
                expected="HL*..*22 with SBR and NM1*IL before the claim",
            )
        f = _pad(e, 10)
        facility = f[5].split(self.component)
        facility = _pad(facility, 3)
        kind = self.batch.kind
        claim = SubmittedClaim(
            kind=kind,
            patient_control_number=f[1],
            total_charge=_amount(f[2], number, "CLM", 2),
            facility_qualifier=facility[1],
            frequency=facility[2],
            provider_signature=f[6],
            assignment=f[7],
            benefits_assigned=f[8],
            release_of_information=f[9],
            billing_provider=self.billing,
            subscriber=self.subscriber,
            patient=self.patient,
            payer=self.payer,
            segment_number=number,
        )
        if kind == "institutional":
            claim.facility_type = facility[0]
        else:
            claim.place_of_service = facility[0]
        claim.submitted = self.batch.created
        if len(e) > 10 or len(facility) > 3:
            claim.extra_segments.append(e)
        self.batch.claims.append(claim)
        self.claim = claim
        self.line = None
        self.loop = CLAIM
        self.target = None
        self.hi_order = 0

    def dtp(self, e: list[str], number: int) -> None:
        if len(e) != 4 or e[2] not in ("D8", "RD8", "DT"):
            self.other(e, number)
            return
        qualifier = e[1]
        start, end = _dates(e[2], e[3], number)
        loop = self.loop
        if loop == LINE and self.line is not None:
            line = self.line
            if qualifier == "472" and line.service_date is None and e[2] != "DT":
                line.service_date, line.service_date_end = start, end
            elif e[2] == "D8":
                line.dates.append((qualifier, start))
            else:
                self.other(e, number)
        elif loop == CLAIM and self.claim is not None:
            claim = self.claim
            if qualifier == "434" and e[2] == "RD8" and claim.statement_from is None:
                claim.statement_from, claim.statement_to = start, end
            elif qualifier == "435" and claim.admission_date is None and e[2] == "D8":
                claim.admission_date = start
            elif qualifier == "431" and claim.onset_date is None and e[2] == "D8":
                claim.onset_date = start
            elif e[2] == "D8":
                claim.dates.append((qualifier, start))
            else:
                self.other(e, number)
        else:
            self.other(e, number)

    def cl1(self, e: list[str], number: int) -> None:
        if self.loop == CLAIM and self.claim is not None and len(e) <= 4:
            f = _pad(e, 4)
            self.claim.admission_type, self.claim.admission_source = f[1], f[2]
            self.claim.patient_status = f[3]
        else:
            self.other(e, number)

    def hi(self, e: list[str], number: int) -> None:
        claim = self.claim
        if self.loop != CLAIM or claim is None or len(e) < 2:
            self.other(e, number)
            return
        component = self.component
        first = e[1].split(component)[0]
        if first == "DR" and len(e) == 2 and not claim.drg:
            claim.drg = _pad(e[1].split(component), 2)[1]
            return
        if first not in DIAGNOSIS_QUALIFIERS:
            claim.other_codes.append(e)
            return
        self.hi_order += 1
        found: list[Diagnosis] = []
        for position, value in enumerate(e[1:], start=1):
            parts = value.split(component)
            if len(parts) < 2 or parts[0] not in DIAGNOSIS_QUALIFIERS or not parts[1]:
                raise X12SyntaxError(
                    f"HI{position:02d} {value!r} is not a diagnosis",
                    segment_number=number,
                    segment_id="HI",
                    element=position,
                    expected=f"qualifier{component}code, e.g. ABF{component}E119",
                )
            if any(parts[2:8]) or len(parts) > 9:
                raise X12SyntaxError(
                    f"HI{position:02d} {value!r} has components a diagnosis does not use",
                    segment_number=number,
                    segment_id="HI",
                    element=position,
                    expected="qualifier, code and (837I) present-on-admission only",
                )
            poa = parts[8] if len(parts) == 9 else ""
            found.append(Diagnosis(parts[0], parts[1], poa, self.hi_order, position))
        claim.diagnoses.extend(found)

    # -- service lines ---------------------------------------------------------------
    def lx(self, e: list[str], number: int) -> None:
        claim = self.claim
        if claim is None or self.loop not in (CLAIM, OTHER_PAYER, LINE):
            self.other(e, number)
            return
        text = _pad(e, 2)[1]
        if not text.isdigit():
            raise X12SyntaxError(
                f"LX01 {text!r} is not a line number",
                segment_number=number,
                segment_id="LX",
                element=1,
                expected="a positive whole number",
            )
        self.line = ClaimLine(number=int(text))
        claim.lines.append(self.line)
        self.loop = LINE
        self.target = None

    def _procedure(self, line: ClaimLine, text: str, number: int, sid: str, position: int) -> None:
        parts = text.split(self.component)
        if len(parts) < 2 or len(parts) > 8 or not parts[1]:
            raise X12SyntaxError(
                f"{sid}{position:02d} {text!r} is not a procedure",
                segment_number=number,
                segment_id=sid,
                element=position,
                expected=f"qualifier{self.component}code, e.g. HC{self.component}99213",
            )
        line.procedure_qualifier, line.procedure = parts[0], parts[1]
        line.modifiers = [m for m in parts[2:6] if m]
        line.description = parts[6] if len(parts) > 6 else ""

    def _line(self, e: list[str], number: int) -> ClaimLine | None:
        if self.loop != LINE or self.line is None or self.line.procedure or self.line.revenue_code:
            self.other(e, number)
            return None
        return self.line

    def sv1(self, e: list[str], number: int) -> None:
        line = self._line(e, number)
        if line is None:
            return
        f = _pad(e, 10)
        self._procedure(line, f[1], number, "SV1", 1)
        line.charge = _amount(f[2], number, "SV1", 2)
        line.unit_basis = f[3]
        line.units = _units(f[4], number, "SV1", 4)
        line.place_of_service = f[5]
        pointers: list[int] = []
        for value in f[7].split(self.component) if f[7] else []:
            if not value.isdigit() or not 1 <= int(value) <= 12:
                raise X12SyntaxError(
                    f"SV107 {f[7]!r} is not a list of diagnosis pointers",
                    segment_number=number,
                    segment_id="SV1",
                    element=7,
                    expected=f"pointers 1-12 separated by {self.component!r}",
                )
            pointers.append(int(value))
        line.diagnosis_pointers = pointers
        line.emergency = f[9]
        if len(e) > 10 or f[6] or f[8]:
            line.extra_segments.append(e)

    def sv2(self, e: list[str], number: int) -> None:
        line = self._line(e, number)
        if line is None:
            return
        f = _pad(e, 6)
        line.revenue_code = f[1]
        if f[2]:
            self._procedure(line, f[2], number, "SV2", 2)
        line.charge = _amount(f[3], number, "SV2", 3)
        line.unit_basis = f[4]
        line.units = _units(f[5], number, "SV2", 5)
        if len(e) > 6:
            line.extra_segments.append(e)

    def lin(self, e: list[str], number: int) -> None:
        line = self.line
        if self.loop == LINE and line is not None and len(e) == 4 and e[2] == "N4":
            line.ndc = e[3]
        else:
            self.other(e, number)


def _source_name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def read_837(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    chunk_size: int = 1 << 20,
) -> Iterator[ClaimBatch | RejectedTransaction]:
    """Stream the claim batches of an 837 file (path or binary stream), in file order.

    Yields a :class:`ClaimBatch` per readable transaction set and a
    :class:`RejectedTransaction` (raw bytes plus an X12Error naming file, segment,
    element and what was expected) for each one that is not; never raises for bad
    content. Only the transaction set being parsed is held in memory.
    """
    label = name if name is not None else _source_name(source)

    def start(
        envelope: Envelope, delimiters: Delimiters, st: list[str], number: int, offset: int
    ) -> _Parser:
        parser = _Parser(envelope, delimiters, st, number, offset)
        parser.batch.source_file = label
        return parser

    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as stream:
            yield from read_transaction_sets(stream, start, name=label, chunk_size=chunk_size)
    else:
        yield from read_transaction_sets(source, start, name=label, chunk_size=chunk_size)


def parse_837(data: bytes | str, *, name: str = "<memory>") -> list[ClaimBatch]:
    """Parse a whole 837 held in memory; raises the first error (an X12Error subclass)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    found: list[ClaimBatch] = []
    for item in read_837(io.BytesIO(data), name=name):
        if isinstance(item, RejectedTransaction):
            raise item.error
        found.append(item)
    return found


def iter_claims(
    source: str | os.PathLike[str] | BinaryIO, *, name: str | None = None
) -> Iterator[SubmittedClaim | RejectedTransaction]:
    """Every claim of a file, flattened out of its batches (rejections pass through)."""
    for item in read_837(source, name=name):
        if isinstance(item, RejectedTransaction):
            yield item
        else:
            yield from item.claims


__all__ = ["INSTITUTIONAL_VERSION", "iter_claims", "parse_837", "read_837"]
