"""Write :class:`~denialops.x12.claim837.ClaimBatch` records out as X12 837 text.

The parser's inverse (``parse_837(format_837(batches)) == batches``): the synthetic
generator writes claims with it, and the round-trip property test holds the two
together. Consecutive claims under equal billing provider, subscriber, payer and
patient share one HL hierarchy, as a billing system would send them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TextIO

from denialops.errors import X12SyntaxError
from denialops.money import x12_amount
from denialops.x12.claim837 import (
    INSTITUTIONAL_VERSION,
    PROFESSIONAL_VERSION,
    ClaimBatch,
    ClaimLine,
    Person,
    Provider,
    SubmittedClaim,
)
from denialops.x12.interchange import InterchangeEnvelope

Segments = list[list[str]]


def _d8(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value is not None else ""


def _amt(value: Decimal | None) -> str:
    return x12_amount(value) if value is not None else ""


def _trim(elements: list[str]) -> list[str]:
    end = len(elements)
    while end > 1 and elements[end - 1] == "":
        end -= 1
    return elements[:end]


def _composite(parts: list[str], component: str) -> str:
    return component.join(_trim(["", *parts])[1:]) if any(parts) else ""


def _provider(out: Segments, found: Provider) -> None:
    out.append(
        [
            "NM1",
            found.entity,
            found.entity_type,
            found.name,
            found.first_name,
            "",
            "",
            "",
            found.id_qualifier,
            found.npi,
        ]
    )
    if found.address_lines:
        out.append(["N3", *found.address_lines])
    if found.city or found.state or found.postal_code:
        out.append(["N4", found.city, found.state, found.postal_code])
    if found.taxonomy:
        out.append(["PRV", "PE" if found.entity != "85" else "BI", "PXC", found.taxonomy])
    if found.tax_id:
        out.append(["REF", "EI", found.tax_id])
    out.extend(list(s) for s in found.extra_segments)


def _person(out: Segments, found: Person, qualifier: str) -> None:
    out.append(
        [
            "NM1",
            found.entity,
            "1",
            found.last_name,
            found.first_name,
            "",
            "",
            "",
            qualifier if found.member_id else "",
            found.member_id,
        ]
    )
    if found.address_lines:
        out.append(["N3", *found.address_lines])
    if found.city or found.state or found.postal_code:
        out.append(["N4", found.city, found.state, found.postal_code])
    if found.birth_date is not None:
        out.append(["DMG", "D8", _d8(found.birth_date), found.sex])
    out.extend(list(s) for s in found.extra_segments)


def _line(out: Segments, line: ClaimLine, kind: str, component: str) -> None:
    out.append(["LX", str(line.number)])
    procedure = _composite(
        [line.procedure_qualifier, line.procedure, *_four(line.modifiers), line.description],
        component,
    )
    extras = list(line.extra_segments)
    if kind == "institutional":
        base = [
            "SV2",
            line.revenue_code,
            procedure,
            _amt(line.charge),
            line.unit_basis,
            _amt(line.units),
        ]
    else:
        pointers = component.join(str(p) for p in line.diagnosis_pointers)
        base = [
            "SV1",
            procedure,
            _amt(line.charge),
            line.unit_basis,
            _amt(line.units),
            line.place_of_service,
            "",
            pointers,
            "",
            line.emergency,
        ]
    # An SV1/SV2 kept verbatim (elements the model does not type) replaces the typed one.
    verbatim = next((s for s in extras if s and s[0] == base[0]), None)
    if verbatim is not None:
        extras.remove(verbatim)
        out.append(list(verbatim))
    else:
        out.append(base)
    if line.service_date is not None:
        if line.service_date_end is not None:
            value = f"{_d8(line.service_date)}-{_d8(line.service_date_end)}"
            out.append(["DTP", "472", "RD8", value])
        else:
            out.append(["DTP", "472", "D8", _d8(line.service_date)])
    for qualifier, when in line.dates:
        out.append(["DTP", qualifier, "D8", _d8(when)])
    if line.control_number:
        out.append(["REF", "6R", line.control_number])
    for qualifier, value in line.refs:
        out.append(["REF", qualifier, value])
    if line.ndc:
        out.append(["LIN", "", "N4", line.ndc])
    out.extend(extras)


def _four(modifiers: list[str]) -> list[str]:
    return (modifiers + ["", "", "", ""])[:4]


def _claim(out: Segments, claim: SubmittedClaim, component: str) -> None:
    facility = claim.facility_type if claim.kind == "institutional" else claim.place_of_service
    clm = [
        "CLM",
        claim.patient_control_number,
        _amt(claim.total_charge),
        "",
        "",
        _composite([facility, claim.facility_qualifier, claim.frequency], component),
        claim.provider_signature,
        claim.assignment,
        claim.benefits_assigned,
        claim.release_of_information,
    ]
    extras = list(claim.extra_segments)
    verbatim = next((s for s in extras if s and s[0] == "CLM"), None)
    if verbatim is not None:
        extras.remove(verbatim)
        out.append(list(verbatim))
    else:
        out.append(clm)
    if claim.onset_date is not None:
        out.append(["DTP", "431", "D8", _d8(claim.onset_date)])
    if claim.statement_from is not None:
        end = claim.statement_to or claim.statement_from
        out.append(["DTP", "434", "RD8", f"{_d8(claim.statement_from)}-{_d8(end)}"])
    if claim.admission_date is not None:
        out.append(["DTP", "435", "D8", _d8(claim.admission_date)])
    for qualifier, when in claim.dates:
        out.append(["DTP", qualifier, "D8", _d8(when)])
    if claim.admission_type or claim.admission_source or claim.patient_status:
        out.append(["CL1", claim.admission_type, claim.admission_source, claim.patient_status])
    for qualifier, value in (
        ("G1", claim.prior_authorization),
        ("9F", claim.referral_number),
        ("F8", claim.original_reference),
        ("EA", claim.medical_record_number),
    ):
        if value:
            out.append(["REF", qualifier, value])
    for qualifier, value in claim.refs:
        out.append(["REF", qualifier, value])
    orders = sorted({d.segment_order for d in claim.diagnoses})
    for order in orders:
        hi = ["HI"]
        for diagnosis in sorted(
            (d for d in claim.diagnoses if d.segment_order == order), key=lambda d: d.position
        ):
            parts = [diagnosis.qualifier, diagnosis.code]
            if diagnosis.present_on_admission:
                parts += ["", "", "", "", "", "", diagnosis.present_on_admission]
            hi.append(component.join(parts))
        out.append(hi)
    if claim.drg:
        out.append(["HI", f"DR{component}{claim.drg}"])
    out.extend(list(s) for s in claim.other_codes)
    for found in claim.providers:
        _provider(out, found)
    out.extend(extras)
    for line in claim.lines:
        _line(out, line, claim.kind, component)


def _hierarchy_key(claim: SubmittedClaim) -> tuple[object, ...]:
    return (claim.billing_provider, claim.subscriber, claim.payer, claim.patient)


def batch_segments(batch: ClaimBatch, component: str = ":") -> Segments:
    """The segments of one transaction set from BHT to the last claim (no ST/SE)."""
    out: Segments = [
        [
            "BHT",
            "0019",
            batch.purpose,
            batch.reference,
            _d8(batch.created),
            batch.created_time,
            batch.transaction_type,
        ]
    ]
    _provider(out, batch.submitter)
    _provider(out, batch.receiver)
    out.extend(list(s) for s in batch.extra_segments)
    hl = 0
    billing_hl = subscriber_hl = 0
    previous: tuple[object, ...] | None = None
    for claim in batch.claims:
        key = _hierarchy_key(claim)
        if previous is None or key[0] != previous[0]:
            hl += 1
            billing_hl = hl
            out.append(["HL", str(hl), "", "20", "1"])
            _provider(out, claim.billing_provider)
            previous = None
        if previous is None or key[1:3] != previous[1:3] or key[3] != previous[3]:
            hl += 1
            subscriber_hl = hl
            child = "1" if claim.patient is not None else "0"
            out.append(["HL", str(hl), str(billing_hl), "22", child])
            payer = claim.payer
            out.append(
                [
                    "SBR",
                    payer.responsibility,
                    claim.subscriber.relationship,
                    payer.group_number,
                    "",
                    "",
                    "",
                    "",
                    "",
                    payer.filing_indicator,
                ]
            )
            _person(out, claim.subscriber, "MI")
            out.append(["NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id])
            out.extend(list(s) for s in payer.extra_segments)
            if claim.patient is not None:
                hl += 1
                out.append(["HL", str(hl), str(subscriber_hl), "23", "0"])
                out.append(["PAT", claim.patient.relationship])
                _person(out, claim.patient, "")
        previous = key
        _claim(out, claim, component)
    return [_trim(s) for s in out]


def write_837(
    batches: Iterable[ClaimBatch],
    out: TextIO,
    *,
    element: str = "*",
    component: str = ":",
    repetition: str = "^",
    segment: str = "~",
    line_breaks: bool = True,
    sender_id: str = "PROVIDER",
    receiver_id: str = "PAYER",
    interchange_control: int = 1,
    usage: str = "P",
) -> None:
    """Write one interchange holding one GS..GE per batch and one ST..SE each.

    Options are checked as the 835 writer checks them
    (:class:`~denialops.x12.interchange.InterchangeEnvelope`: ValueError); data holding
    a delimiter raises :class:`~denialops.errors.X12SyntaxError` naming the segment."""
    envelope = InterchangeEnvelope(
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        sender_id=sender_id,
        receiver_id=receiver_id,
        interchange_control=interchange_control,
        usage=usage,
    )
    end = segment + ("\n" if line_breaks else "")
    now = datetime.now(UTC)

    def put(elements: list[str]) -> None:
        for value in elements:
            for char in (element, segment, repetition):
                if char in value:
                    raise X12SyntaxError(
                        f"value {value!r} contains the delimiter {char!r}",
                        segment_id=elements[0],
                        expected="values free of delimiter characters",
                    )
        out.write(element.join(elements) + end)

    out.write(envelope.isa(now.strftime("%y%m%d"), now.strftime("%H%M")) + end)
    groups = 0
    for number, batch in enumerate(batches, start=1):
        groups += 1
        version = batch.envelope.version or (
            INSTITUTIONAL_VERSION if batch.kind == "institutional" else PROFESSIONAL_VERSION
        )
        put(
            envelope.gs(
                "HC",
                sender_id,
                receiver_id,
                now.strftime("%Y%m%d"),
                now.strftime("%H%M"),
                str(number),
                version,
            )
        )
        st_control = batch.envelope.st_control or f"{number:04d}"
        body = batch_segments(batch, component)
        put(envelope.st("837", st_control, batch.envelope.implementation or version))
        for seg in body:
            put(seg)
        put(envelope.se(len(body) + 2, st_control))
        put(envelope.ge(1, str(number)))
    put(envelope.iea(groups))


def format_837(batches: Iterable[ClaimBatch], **options: object) -> str:
    """:func:`write_837` into a string."""
    buffer = io.StringIO()
    write_837(batches, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()
