"""Write :class:`~denialops.x12.remittance.Remittance` records back out as X12 835 text.

The writer is the parser's inverse: every field the records hold is emitted (segments
the model does not type come back verbatim from ``extra_segments``), so that
``parse_835(format_835(records)) == records``. It is what the synthetic generator uses
to produce sample files, so it is written for speed: one list of strings per segment,
joined once, with a cheap delimiter check on the joined text rather than per element.

One call writes ONE interchange (ISA..IEA). Consecutive remittances whose envelopes
name the same functional group (GS01/02/03/04/05/06/08) share one GS..GE; each
remittance is one ST..SE. ISA-level identifiers come from the options; GS and ST
identifiers come from each record's :class:`Envelope` where set, else from defaults.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TextIO

from denialops.errors import X12SyntaxError
from denialops.money import x12_amount
from denialops.x12.interchange import InterchangeEnvelope
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

IMPLEMENTATION = "005010X221A1"
"""ST03 / GS08 of the 835 this writer produces when a record does not say otherwise."""

# A segment under construction: element strings, composites already joined. Index 0 is
# the segment id. ``_Seg`` carries how many component separators it legitimately holds.
_Seg = tuple[list[str], int]


_D8_CACHE: dict[date, str] = {}


def _d8(value: date | None) -> str:
    """CCYYMMDD; cached because strftime is slow and remittances repeat few dates."""
    if value is None:
        return ""
    text = _D8_CACHE.get(value)
    if text is None:
        if len(_D8_CACHE) > 100_000:
            _D8_CACHE.clear()
        text = _D8_CACHE[value] = f"{value.year:04d}{value.month:02d}{value.day:02d}"
    return text


def _money(value: Decimal) -> str:
    """money.x12_amount, with a fast path for values whose str() is already canonical."""
    text = str(value)
    if "E" in text or ("." in text and text[-1] == "0") or text == "-0":
        return x12_amount(value)
    return text


def _amt(value: Decimal | None) -> str:
    return _money(value) if value is not None else ""


def _trim(elements: list[str]) -> list[str]:
    """Drop trailing empty elements, as X12 requires (keeps at least the segment id)."""
    if elements[-1]:
        return elements
    end = len(elements)
    while end > 1 and elements[end - 1] == "":
        end -= 1
    return elements if end == len(elements) else elements[:end]


def _composite(parts: list[str], component: str) -> tuple[str, int]:
    """Join a composite, dropping trailing empty components; returns (text, separators)."""
    end = len(parts)
    while end > 1 and parts[end - 1] == "":
        end -= 1
    if end == 0:
        return "", 0
    return component.join(parts[:end]), end - 1


class _Writer:
    """Builds the segments of one transaction set with fixed delimiters."""

    __slots__ = ("component", "segments")

    def __init__(self, component: str) -> None:
        self.component = component
        self.segments: list[_Seg] = []

    def add(self, elements: list[str], components: int = 0) -> None:
        self.segments.append((elements if elements[-1] else _trim(elements), components))

    # -- parties ---------------------------------------------------------------------
    def n1_loop(self, party: Party) -> None:
        self.add(["N1", party.entity, party.name, party.id_qualifier, party.identifier])
        lines = party.address_lines
        for start in range(0, len(lines), 2):
            self.add(["N3", *lines[start : start + 2]])
        if party.city or party.state or party.postal_code or party.country:
            self.add(["N4", party.city, party.state, party.postal_code, party.country])
        for qualifier, value in party.refs:
            self.add(["REF", qualifier, value])
        for contact in party.contacts:
            self.add(["PER", *contact])
        for extra in party.extra_segments:
            self.add(list(extra))

    def nm1(self, party: Party) -> None:
        self.add(
            [
                "NM1",
                party.entity,
                party.entity_type,
                party.name,
                party.first_name,
                party.middle_name,
                "",
                party.suffix,
                party.id_qualifier,
                party.identifier,
            ]
        )
        for extra in party.extra_segments:
            self.add(list(extra))

    # -- adjustments -----------------------------------------------------------------
    def cas(self, adjustments: list[Adjustment]) -> None:
        if not adjustments:
            return
        for group, triplets in _cas_segments(adjustments):
            elements = ["CAS", group]
            for slot in range(1, max(triplets) + 1):
                adj = triplets.get(slot)
                if adj is None:
                    elements += ["", "", ""]
                else:
                    elements += [adj.reason, _money(adj.amount), _amt(adj.quantity)]
            self.add(elements)

    def plb(self, adjustments: list[ProviderAdjustment]) -> None:
        component = self.component
        for first, pairs in _plb_segments(adjustments):
            elements = ["PLB", first.provider_id, _d8(first.fiscal_period_date)]
            separators = 0
            for slot in range(1, max(pairs) + 1):
                pair = pairs.get(slot)
                if pair is None:
                    elements += ["", ""]
                    continue
                text, seps = _composite([pair.reason, pair.reference], component)
                separators += seps
                elements += [text, _money(pair.amount)]
            self.add(elements, separators)

    # -- claims ----------------------------------------------------------------------
    def claim(self, claim: Claim) -> None:
        self.add(
            [
                "CLP",
                claim.patient_control_number,
                claim.status,
                _money(claim.charge),
                _money(claim.paid),
                _amt(claim.patient_responsibility),
                claim.filing_indicator,
                claim.payer_claim_control_number,
                claim.facility_type,
                claim.frequency,
                "",
                claim.drg,
                _amt(claim.drg_weight),
                _amt(claim.discharge_fraction),
            ]
        )
        self.cas(claim.adjustments)
        for party in (
            claim.patient,
            claim.insured,
            claim.corrected_patient,
            claim.rendering,
            claim.crossover,
        ):
            if party is not None:
                self.nm1(party)
        for party in claim.other_parties:
            self.nm1(party)
        if claim.inpatient:
            self.add(["MIA", *claim.inpatient])
        if claim.outpatient:
            self.add(["MOA", *claim.outpatient])
        elif not claim.inpatient and claim.remark_codes:
            # Remarks without a MIA/MOA to carry them: MOA03..07 is where they belong.
            self.add(["MOA", "", "", *claim.remark_codes[:5]])
        for qualifier, value in claim.refs:
            self.add(["REF", qualifier, value])
        for qualifier, when in claim.dates:
            self.add(["DTM", qualifier, _d8(when)])
        for qualifier, amount in claim.amounts:
            self.add(["AMT", qualifier, _money(amount)])
        for qualifier, quantity in claim.quantities:
            self.add(["QTY", qualifier, _money(quantity)])
        for extra in claim.extra_segments:
            self.add(list(extra))
        for line in claim.lines:
            self.line(line)

    def line(self, line: ServiceLine) -> None:
        component = self.component
        if line.modifiers or line.description:
            procedure, seps = _composite(
                [line.qualifier, line.code, *_four(line.modifiers), line.description], component
            )
        else:  # the common case, without building a list
            procedure, seps = f"{line.qualifier}{component}{line.code}", 1
        original, original_seps = "", 0
        if line.original_qualifier or line.original_code or line.original_description:
            original, original_seps = _composite(
                [
                    line.original_qualifier,
                    line.original_code,
                    *_four(line.original_modifiers),
                    line.original_description,
                ],
                component,
            )
        self.add(
            [
                "SVC",
                procedure,
                _money(line.charge),
                _money(line.paid),
                line.revenue_code,
                _amt(line.units),
                original,
                _amt(line.original_units),
            ],
            seps + original_seps,
        )
        for qualifier, when in _line_dates(line):
            self.add(["DTM", qualifier, _d8(when)])
        self.cas(line.adjustments)
        if line.control_number:
            self.add(["REF", "6R", line.control_number])
        for qualifier, value in line.refs:
            self.add(["REF", qualifier, value])
        if line.allowed is not None:
            self.add(["AMT", "B6", _money(line.allowed)])
        for qualifier, amount in line.amounts:
            self.add(["AMT", qualifier, _money(amount)])
        for qualifier, quantity in line.quantities:
            self.add(["QTY", qualifier, _money(quantity)])
        for code in line.remark_codes:
            self.add(["LQ", "HE", code])
        for qualifier, code in line.other_remarks:
            self.add(["LQ", qualifier, code])
        for extra in line.extra_segments:
            self.add(list(extra))

    # -- the transaction set ---------------------------------------------------------
    def remittance(self, rem: Remittance, st_control: str, implementation: str) -> None:
        self.add(InterchangeEnvelope.st("835", st_control, implementation))
        pay = rem.payment
        bank = list(pay.elements)
        if pay.payment_date is not None and len(bank) < 10:
            bank += [""] * (10 - len(bank))
        self.add(
            [
                "BPR",
                pay.handling_code,
                _money(pay.amount),
                pay.credit_debit,
                pay.method,
                pay.format_code,
                *bank,
                _d8(pay.payment_date),
            ]
        )
        if rem.trace_type or rem.trace_number or rem.trace_originator or rem.trace_reference:
            self.add(
                ["TRN", rem.trace_type, rem.trace_number, rem.trace_originator, rem.trace_reference]
            )
        if rem.currency:
            self.add(["CUR", *rem.currency])
        for qualifier, value in rem.header_refs:
            self.add(["REF", qualifier, value])
        if rem.production_date is not None:
            self.add(["DTM", "405", _d8(rem.production_date)])
        for qualifier, when in rem.header_dates:
            self.add(["DTM", qualifier, _d8(when)])
        for extra in rem.extra_segments:
            self.add(list(extra))
        self.n1_loop(rem.payer)
        self.n1_loop(rem.payee)

        summaries = dict(rem.header_summaries)
        written: set[str] = set()
        current: str | None = None
        for claim in rem.claims:
            header = claim.header_number
            if header and header != current:
                self.header(header, summaries.get(header, []))
                written.add(header)
            current = header
            self.claim(claim)
        for header, segments in rem.header_summaries:
            if header not in written:
                self.header(header, segments)
        self.plb(rem.provider_adjustments)

    def header(self, number: str, summaries: list[list[str]]) -> None:
        self.add(["LX", number])
        for segment in summaries:
            self.add(list(segment))


def _four(modifiers: list[str]) -> list[str]:
    return (list(modifiers) + ["", "", "", ""])[:4]


def _line_dates(line: ServiceLine) -> list[tuple[str, date]]:
    """The line's DTMs: every stored one, plus the typed service dates not among them."""
    dates = line.dates
    start, end = line.service_date, line.service_date_end
    start_missing = start is not None
    end_missing = end is not None
    for qualifier, when in dates:
        if when == start and (qualifier == "472" or qualifier == "150"):
            start_missing = False
        elif when == end and qualifier == "151":
            end_missing = False
    if not start_missing and not end_missing:
        return dates
    dates = list(dates)
    if start_missing and start is not None:
        dates.append(("150" if end is not None else "472", start))
    if end_missing and end is not None:
        dates.append(("151", end))
    return dates


def _cas_segments(adjustments: list[Adjustment]) -> list[tuple[str, dict[int, Adjustment]]]:
    """Group triplets back into CAS segments by segment_order and position.

    Records built by hand may not carry consistent positions (two triplets in one slot,
    more than six, mixed groups in one segment); those are packed in order instead, six
    to a segment, so nothing is dropped.
    """
    # Fast path: triplets already in segment order, as the parser and generator lay them.
    result: list[tuple[str, dict[int, Adjustment]]] = []
    seen: set[tuple[int, str]] = set()
    key: tuple[int, str] | None = None
    slots: dict[int, Adjustment] = {}
    for adj in adjustments:
        if key is None or adj.segment_order != key[0] or adj.group != key[1]:
            key = (adj.segment_order, adj.group)
            if key in seen:
                break
            seen.add(key)
            slots = {}
            result.append((adj.group, slots))
        position = adj.position
        if position in slots or not 1 <= position <= 6:
            break
        slots[position] = adj
    else:
        return result
    buckets: dict[tuple[int, str], list[Adjustment]] = {}
    for adj in adjustments:
        buckets.setdefault((adj.segment_order, adj.group), []).append(adj)
    result = []
    for (_, group), members in buckets.items():
        used = {adj.position for adj in members}
        if len(used) == len(members) and all(1 <= p <= 6 for p in used):
            result.append((group, {adj.position: adj for adj in members}))
            continue
        for start in range(0, len(members), 6):
            chunk = members[start : start + 6]
            result.append((group, {i + 1: adj for i, adj in enumerate(chunk)}))
    return result


def _plb_segments(
    adjustments: list[ProviderAdjustment],
) -> list[tuple[ProviderAdjustment, dict[int, ProviderAdjustment]]]:
    """Group PLB pairs back into segments (same rules as :func:`_cas_segments`)."""
    buckets: dict[tuple[int, str, date | None], list[ProviderAdjustment]] = {}
    for adj in adjustments:
        key = (adj.segment_order, adj.provider_id, adj.fiscal_period_date)
        buckets.setdefault(key, []).append(adj)
    result: list[tuple[ProviderAdjustment, dict[int, ProviderAdjustment]]] = []
    for members in buckets.values():
        slots = {adj.position for adj in members}
        if len(slots) == len(members) and all(1 <= p <= 6 for p in slots):
            result.append((members[0], {adj.position: adj for adj in members}))
            continue
        for start in range(0, len(members), 6):
            chunk = members[start : start + 6]
            result.append((chunk[0], {i + 1: adj for i, adj in enumerate(chunk)}))
    return result


def _interchange_stamp(first: Envelope | None, first_rem: Remittance | None) -> tuple[str, str]:
    """ISA09/ISA10 (YYMMDD, HHMM): from the first record, so output is reproducible."""
    if first is not None and len(first.interchange_date) == 6:
        return first.interchange_date, (first.interchange_time or "0000")[:4]
    if first is not None and len(first.gs_date) == 8:
        return first.gs_date[2:], (first.gs_time or "0000")[:4]
    when = None
    if first_rem is not None:
        when = first_rem.production_date or first_rem.payment.payment_date
    if when is not None:
        return when.strftime("%y%m%d"), "0000"
    now = datetime.now(UTC)
    return now.strftime("%y%m%d"), now.strftime("%H%M")


class _Interchange:
    """Streams remittances into one ISA..IEA, opening a GS whenever the group changes."""

    def __init__(self, out: TextIO, envelope: InterchangeEnvelope, *, line_breaks: bool) -> None:
        self.envelope = envelope
        self.out = out
        self.element = envelope.element
        self.component = envelope.component
        self.repetition = envelope.repetition
        self.terminator = envelope.segment + ("\n" if line_breaks else "")
        self.line_breaks = line_breaks
        self.segment_char = envelope.segment
        self.sender_id = envelope.sender_id
        self.receiver_id = envelope.receiver_id
        self.count = 0  # segments written
        self.groups = 0
        self.group_key: tuple[str, ...] | None = None
        self.sets_in_group = 0
        self.stamp: tuple[str, str] | None = None

    def _emit(self, segments: list[_Seg], first_number: int) -> None:
        """Join and write segments; refuse data that would change the file's structure.

        The check runs once over the joined text (counting separators against what the
        segments legitimately hold) rather than per element; only when it fails are the
        segments searched for the culprit.
        """
        element = self.element
        texts = [element.join(elements) for elements, _ in segments]
        body = self.terminator.join(texts)
        elements_expected = sum(len(elements) for elements, _ in segments) - len(segments)
        components_expected = sum(components for _, components in segments)
        if (
            body.count(element) != elements_expected
            or body.count(self.component) != components_expected
            or body.count(self.segment_char) != len(segments) - 1
            or body.count("\n") != (len(segments) - 1 if self.line_breaks else 0)
            or self.repetition in body
            or "\r" in body
        ):
            self._find_bad(segments, first_number)
        self.out.write(body)
        self.out.write(self.terminator)
        self.count += len(segments)

    def _find_bad(self, segments: list[_Seg], first_number: int) -> None:
        for offset, (elements, components) in enumerate(segments):
            text = self.element.join(elements)
            if (
                text.count(self.element) != len(elements) - 1
                or text.count(self.component) != components
                or any(c in text for c in (self.repetition, self.segment_char, "\n", "\r"))
            ):
                self._reject(elements, first_number + offset)
        raise AssertionError("unreachable: a delimiter check failed without a culprit")

    def _reject(self, elements: list[str], number: int) -> None:
        others = (self.element, self.repetition, self.segment_char, "\n", "\r")
        values = list(enumerate(elements[1:], start=1))
        position = next((i for i, v in values if any(c in v for c in others)), 0)
        if position == 0:  # a component separator inside a simple element or component
            position = next((i for i, v in values if self.component in v), 0)
        raise X12SyntaxError(
            "element contains a delimiter character",
            segment_number=number,
            segment_id=elements[0],
            element=position,
            expected="no delimiter characters in element data",
        )

    def _open(self, env: Envelope, rem: Remittance) -> None:
        if self.stamp is None:
            self.stamp = _interchange_stamp(env, rem)
            text = self.envelope.isa(*self.stamp)
            self.out.write(text + self.terminator)
            self.count += 1

    def write(self, rem: Remittance) -> None:
        env = rem.envelope
        self._open(env, rem)
        assert self.stamp is not None
        yymmdd, hhmm = self.stamp
        key = (
            env.functional_id or "HP",
            env.gs_sender or self.sender_id,
            env.gs_receiver or self.receiver_id,
            env.gs_date or f"20{yymmdd}",
            env.gs_time or hhmm,
            env.gs_control or str(self.groups + 1),
            env.version or IMPLEMENTATION,
        )
        if key != self.group_key:
            self._close_group()
            self.groups += 1
            self.group_key = key
            self._emit([(self.envelope.gs(*key), 0)], self.count + 1)
        self.sets_in_group += 1
        body = _Writer(self.component)
        body.remittance(
            rem, env.st_control or f"{self.sets_in_group:04d}", env.implementation or IMPLEMENTATION
        )
        segments = body.segments
        segments.append((self.envelope.se(len(segments) + 1, segments[0][0][2]), 0))
        self._emit(segments, self.count + 1)

    def _close_group(self) -> None:
        if self.group_key is not None:
            ge = self.envelope.ge(self.sets_in_group, self.group_key[5])
            self._emit([(ge, 0)], self.count + 1)
            self.sets_in_group = 0

    def close(self) -> None:
        if self.stamp is None:
            # No remittance at all: still a well-formed (empty) interchange.
            notice = Payment(handling_code="H", amount=Decimal(0), credit_debit="C", method="NON")
            empty = Remittance(envelope=Envelope(), payment=notice)
            self._open(Envelope(), empty)
        self._close_group()
        self._emit([(self.envelope.iea(self.groups), 0)], self.count + 1)


def write_835(
    remittances: Iterable[Remittance],
    out: TextIO,
    *,
    element: str = "*",
    component: str = ":",
    repetition: str = "^",
    segment: str = "~",
    line_breaks: bool = True,
    sender_id: str = "DENIALOPS",
    receiver_id: str = "PROVIDER",
    interchange_control: int = 1,
    usage: str = "P",
    sender_qualifier: str = "ZZ",
    receiver_qualifier: str = "ZZ",
) -> int:
    """Write the remittances as ONE interchange to ``out``; return the segments written.

    Streams: each remittance is rendered and written before the next is read, so a
    generator of any length can be written in flat memory. Consecutive records with the
    same GS identity share a functional group; GS and ST control numbers come from the
    records' envelopes when set, else they are numbered 1.. and 0001.. . ISA09/ISA10
    come from the first record (its envelope, else its production date) so that the
    same records always give the same bytes.

    Raises :class:`~denialops.errors.X12SyntaxError` (naming the segment and element)
    when data contains one of the delimiters, and ValueError for unusable options.
    """
    envelope = InterchangeEnvelope(
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        sender_qualifier=sender_qualifier,
        sender_id=sender_id,
        receiver_qualifier=receiver_qualifier,
        receiver_id=receiver_id,
        interchange_control=interchange_control,
        usage=usage,
    )
    writer = _Interchange(out, envelope, line_breaks=line_breaks)
    for rem in remittances:
        writer.write(rem)
    writer.close()
    return writer.count


def format_835(
    remittances: Iterable[Remittance],
    *,
    element: str = "*",
    component: str = ":",
    repetition: str = "^",
    segment: str = "~",
    line_breaks: bool = True,
    sender_id: str = "DENIALOPS",
    receiver_id: str = "PROVIDER",
    interchange_control: int = 1,
    usage: str = "P",
    sender_qualifier: str = "ZZ",
    receiver_qualifier: str = "ZZ",
) -> str:
    """:func:`write_835` into a string."""
    buffer = io.StringIO()
    write_835(
        remittances,
        buffer,
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        line_breaks=line_breaks,
        sender_id=sender_id,
        receiver_id=receiver_id,
        interchange_control=interchange_control,
        usage=usage,
        sender_qualifier=sender_qualifier,
        receiver_qualifier=receiver_qualifier,
    )
    return buffer.getvalue()
