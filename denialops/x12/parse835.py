"""Segments of one 835 transaction set -> a typed :class:`Remittance`.

:func:`read_835` is the entry point: it streams a file through the segment reader and
the envelope checks (:mod:`denialops.x12.envelope`), which feed each ST..SE, segment by
segment as it is read, into a parser building one :class:`Remittance`. A set whose
content or envelope is bad becomes a :class:`~denialops.x12.envelope.RejectedTransaction`
and reading goes on with the next ST, so one bad claim never costs the rest of the file.

The parser is a small state machine: the loop it is in (header, payer/payee N1 loop,
LX header, claim, service line, PLB trailer) decides where REF, DTM, CAS, AMT and the
segments the model does not type (kept verbatim in ``extra_segments``) belong.
Dispatch is one dict lookup per segment into small functions; amounts and dates go
through bounded caches because a remittance repeats the same few values endlessly.
"""

from __future__ import annotations

import codecs
import gc
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from denialops.errors import Not835Error, X12SyntaxError
from denialops.x12.envelope import RejectedTransaction, read_transaction_sets
from denialops.x12.remittance import (
    Adjustment,
    AdjustmentLevel,
    Claim,
    Envelope,
    Party,
    Payment,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
)
from denialops.x12.segments import MAX_HELD, Delimiters, SegmentReader

ClaimSink = Callable[[Remittance, list[Claim]], None]
"""Takes finished claims of a transaction set as it is read: (the set's record so far,
whose header is complete and whose ``claims`` no longer hold these, the claims)."""
DEFAULT_SINK_CLAIMS = 500
"""Claims handed to a claim sink at a time."""

# The loop the parser is in: decides where context-dependent segments go.
HEADER, PARTY, SUMMARY, CLAIM, LINE, TRAILER = range(6)

_SEGMENT_ID = re.compile(r"[A-Z0-9]{2,3}")
_CACHE_LIMIT = 4_096
"""Entries per cache (amounts, dates): real remittances repeat a few hundred values;
beyond that a cache only costs memory (it is emptied when full)."""
_AMOUNT_CHARS = "0123456789.-"
_amounts: dict[str, Decimal] = {}
_dates: dict[str, date] = {}


R_DIGITS = 18
"""X12's R (decimal) type carries at most 18 digits."""
MONEY_INTEGER_DIGITS = 16
"""The store keeps money as NUMERIC(18,2): at most 16 digits before the decimal point."""
MONEY_MAX = "9,999,999,999,999,999.99"


def _amount(text: str, number: int, sid: str, position: int, *, money: bool = True) -> Decimal:
    """An X12 decimal (R type) as Decimal; X12SyntaxError naming the element if not.

    Beyond 18 digits (the R type), or for ``money`` beyond what the store can hold
    (16 digits before the point), the amount is refused rather than rounded.
    """
    value = _amounts.get(text)
    if value is not None:
        return value
    try:
        # What parse_amount accepts (digits, one point, a leading minus), checked in C:
        # anything else left after stripping those characters, or a misplaced point or
        # minus (Decimal refuses it), is not an X12 amount.
        if not text or text.strip(_AMOUNT_CHARS):
            raise ValueError(text)
        value = Decimal(text)
    except (ValueError, ArithmeticError):
        raise X12SyntaxError(
            "not a decimal amount" if text else "amount missing",
            segment_number=number,
            segment_id=sid,
            element=position,
            found=text or None,
            expected="a decimal amount",
        ) from None
    if len(text) > MONEY_INTEGER_DIGITS:  # long: checked every time, never cached
        _check_size(text, number, sid, position, money)
        return value
    if len(_amounts) >= _CACHE_LIMIT:
        _amounts.clear()
    _amounts[text] = value
    return value


def _check_size(text: str, number: int, sid: str, position: int, money: bool) -> None:
    whole, _, fraction = text.lstrip("-").partition(".")
    whole = whole.lstrip("0")
    if len(whole) + len(fraction) > R_DIGITS:
        why = f"has {len(whole) + len(fraction)} digits; an X12 amount has at most {R_DIGITS}"
    elif money and len(whole) > MONEY_INTEGER_DIGITS:
        why = f"is more than {MONEY_MAX}, the largest amount the store can hold"
    else:
        return
    raise X12SyntaxError(
        f"amount too large: {sid}{position:02d}={text} {why}",
        segment_number=number,
        segment_id=sid,
        element=position,
        expected=f"an amount of at most {MONEY_MAX}" if money else "at most 18 digits",
    )


def _date(text: str, number: int, sid: str, position: int) -> date:
    """A CCYYMMDD date; X12SyntaxError naming the element if it is not a real date."""
    value = _dates.get(text)
    if value is not None:
        return value
    try:
        if len(text) != 8 or not (text.isascii() and text.isdigit()):
            raise ValueError(text)
        value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise X12SyntaxError(
            "not a date" if text else "date missing",
            segment_number=number,
            segment_id=sid,
            element=position,
            found=text or None,
            expected="a date as CCYYMMDD",
        ) from None
    if len(_dates) >= _CACHE_LIMIT:
        _dates.clear()
    _dates[text] = value
    return value


def _pad(elements: list[str], size: int) -> list[str]:
    """A copy long enough to index up to ``size - 1`` (the original stays verbatim)."""
    return elements + [""] * (size - len(elements)) if len(elements) < size else elements


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1
    return values[:end]


TRANSACTION_KINDS = {
    "837": "claim",
    "270": "eligibility inquiry",
    "271": "eligibility response",
    "275": "patient information",
    "276": "claim status request",
    "277": "claim status response",
    "278": "services review",
    "820": "premium payment",
    "834": "benefit enrollment",
    "997": "functional acknowledgment",
    "999": "implementation acknowledgment",
}
"""Health care transaction sets that are not remittances, for the refusal message."""


def _foreign_separator(text: str) -> str | None:
    """The punctuation after a 2-character qualifier (``HC>99214`` -> ``>``), if any."""
    if len(text) > 2 and text[:2].isalnum() and not text[2].isalnum() and text[2] != " ":
        return text[2]
    return None


def _utf8_text(rem: Remittance, raw: bytes) -> bool:
    """Re-read the record's text as UTF-8 when the set's bytes are valid UTF-8.

    The reader decodes bytes as latin-1 (one byte, one character); a set that is valid
    UTF-8 (the common case for non-ASCII names today) is meant as UTF-8, so each text
    field is re-decoded. ASCII delimiters never split a UTF-8 sequence, so field by
    field is exact. A set that is not valid UTF-8 stays latin-1.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    _redecode(rem)
    return True


def _convert(value: object) -> object:
    if isinstance(value, str):
        return value if value.isascii() else value.encode("latin-1").decode("utf-8")
    if isinstance(value, list):
        for index, item in enumerate(value):
            new = _convert(item)
            if new is not item:
                value[index] = new
        return value
    if isinstance(value, tuple):
        return tuple(_convert(item) for item in value)
    if hasattr(value, "__dataclass_fields__"):
        _redecode(value)
    return value


def _redecode(record: object) -> None:
    for name in getattr(record, "__dataclass_fields__", {}):
        if name in ("raw", "source_file", "warnings"):
            continue
        value = getattr(record, name)
        new = _convert(value)
        if new is not value:
            setattr(record, name, new)


class _Parser:
    """Builds one Remittance from the segments of one transaction set."""

    __slots__ = (
        "rem",
        "loop",
        "party",
        "claim",
        "line",
        "summary",
        "header_number",
        "cas_order",
        "plb_order",
        "component",
        "isa16",
        "repair",
        "composites_seen",
        "has_bpr",
        "delimiters",
        "sink",
        "sink_claims",
        "reader",
        "handed_out",
        "checked",
        "non_ascii",
        "utf8_ok",
        "utf8_decoder",
        "streamed_utf8",
    )

    def __init__(
        self,
        envelope: Envelope,
        delimiters: Delimiters,
        st: list[str],
        number: int,
        offset: int,
        *,
        repair: frozenset[str] = frozenset(),
        sink: ClaimSink | None = None,
        sink_claims: int = DEFAULT_SINK_CLAIMS,
        reader: SegmentReader | None = None,
    ) -> None:
        if len(st) < 2 or st[1] != "835":
            kind = _pad(st, 2)[1]
            what = TRANSACTION_KINDS.get(kind)
            raise Not835Error(
                f"this is an {kind} ({what}), not an 835; its content is not kept"
                if what
                else f"transaction set {kind!r} is not an 835; its content is not kept",
                segment_number=number,
                segment_id="ST",
                element=1,
                expected="835 (a remittance)",
            )
        notice = Payment(handling_code="", amount=Decimal(0), credit_debit="", method="")
        self.rem = Remittance(
            envelope=envelope, payment=notice, segment_number=number, byte_offset=offset
        )
        self.loop = HEADER
        self.party: Party | None = None
        self.claim: Claim | None = None
        self.line: ServiceLine | None = None
        self.summary: list[list[str]] = []
        self.header_number = ""
        self.cas_order = 0
        self.plb_order = 0
        self.component = delimiters.component
        self.isa16 = delimiters.component
        self.repair = repair
        self.composites_seen = False  # a composite read with the ISA16 separator
        self.has_bpr = False
        self.delimiters = delimiters
        # Streaming claims out (see read_835's claim_sink): how many were handed out,
        # and what the set's text was so far, to decode them as the whole set will be.
        self.sink = sink
        self.sink_claims = max(sink_claims, 1)
        self.reader = reader
        self.handed_out = 0
        self.checked = offset
        self.non_ascii = False
        self.utf8_ok = True
        self.utf8_decoder = codecs.getincrementaldecoder("utf-8")()
        self.streamed_utf8 = False

    def finish(self, trailer: list[str], number: int, raw: bytes) -> Remittance:
        """The finished record, once the envelope has checked the SE."""
        if not self.has_bpr:
            raise X12SyntaxError(
                "transaction set has no BPR",
                segment_number=self.rem.segment_number + 1,
                segment_id="BPR",
                element=0,
                expected="BPR as the segment after ST",
            )
        rem = self.rem
        rem.segment_count = int(trailer[1])
        rem.raw = raw
        if self.delimiters.warning:
            rem.warnings.insert(0, self.delimiters.warning)
        if not raw.isascii() and self.delimiters.element.isascii():
            utf8 = _utf8_text(rem, raw)
            if self.streamed_utf8 and not utf8:
                raise X12SyntaxError(
                    f"the text is UTF-8 in the first {self.handed_out:,} claims and not"
                    " after them: a transaction set whose claims are stored as they are read"
                    " must be in one encoding",
                    segment_number=number,
                    segment_id="SE",
                    element=0,
                    expected="UTF-8 or Latin-1 text throughout the transaction set",
                )
        return rem

    # -- claims handed out as they are read ------------------------------------------
    def hand_out(self) -> None:
        """Give the finished claims to the sink and forget them (memory stays flat)."""
        sink = self.sink
        claims = self.rem.claims
        if sink is None or not claims:
            return
        self.rem.claims = []
        if self.reader is not None and self.delimiters.element.isascii():
            self._decode_like_the_set(claims)
        self.handed_out += len(claims)
        sink(self.rem, claims)

    def _decode_like_the_set(self, claims: list[Claim]) -> None:
        """Decode handed-out claims as the whole set will be (see :func:`_utf8_text`):
        UTF-8 while the set's text so far is valid UTF-8 and not ASCII; if it turns out
        not to be UTF-8 later, :meth:`finish` rejects the set rather than mix encodings."""
        assert self.reader is not None
        text = self.reader.held_from(self.checked)
        self.checked += len(text)
        if not text.isascii():
            self.non_ascii = True
            if self.utf8_ok:
                try:
                    self.utf8_decoder.decode(text.encode("latin-1"))
                except UnicodeDecodeError:
                    self.utf8_ok = False
        if self.non_ascii and self.utf8_ok:
            for claim in claims:
                _redecode(claim)
            self.streamed_utf8 = True

    # -- composites ------------------------------------------------------------------
    def composite(self, text: str, number: int, sid: str, position: int) -> list[str]:
        """Split a composite element; a foreign component separator is an error or,
        with ``repair={"separators"}``, read consistently with a warning."""
        component = self.component
        parts = text.split(component)
        if len(parts) > 1:
            if component == self.isa16:
                self.composites_seen = True
            return parts
        foreign = _foreign_separator(text)
        if foreign is None:
            return parts
        if "separators" in self.repair and not self.composites_seen and component == self.isa16:
            self.component = foreign
            self.rem.warnings.append(
                f"composites use {foreign!r} as component separator, not {self.isa16!r}"
                f" (ISA16): read with {foreign!r} (--repair separators)"
            )
            return text.split(foreign)
        if component == self.isa16:
            message = (
                f"component separator is {component!r} (ISA16); {foreign!r} found; if the"
                " file uses it in every composite, ingest with --repair separators"
            )
        else:
            message = (
                f"inconsistent component separators: the composites before used {component!r}"
                f" (ISA16 is {self.isa16!r}), this one {foreign!r}; nothing is guessed"
            )
        raise X12SyntaxError(
            message,
            segment_number=number,
            segment_id=sid,
            element=position,
            found=text,
            expected=f"qualifier{component}code",
        )

    def handlers(self) -> dict[str, Callable[[list[str], int], None]]:
        """Handlers by segment id, bound to this parser (the envelope calls them)."""
        return {
            "BPR": self.bpr,
            "TRN": self.trn,
            "CUR": self.cur,
            "REF": self.ref,
            "DTM": self.dtm,
            "N1": self.n1,
            "N3": self.n3,
            "N4": self.n4,
            "PER": self.per,
            "LX": self.lx,
            "CLP": self.clp,
            "CAS": self.cas,
            "NM1": self.nm1,
            "MIA": self.mia,
            "MOA": self.moa,
            "AMT": self.amt,
            "QTY": self.qty,
            "SVC": self.svc,
            "LQ": self.lq,
            "PLB": self.plb,
        }

    # -- where untyped and misplaced segments go -------------------------------------
    def other(self, elements: list[str], number: int) -> None:
        """Keep a segment the model does not type verbatim in the loop it sits in."""
        if _SEGMENT_ID.fullmatch(elements[0]) is None:
            raise X12SyntaxError(
                "not a segment identifier: check the element separator and terminator before it",
                segment_number=number,
                segment_id=elements[0][:20],
                element=0,
                expected="a segment id of 2-3 capital letters or digits",
            )
        loop = self.loop
        if loop == LINE and self.line is not None:
            self.line.extra_segments.append(elements)
        elif loop == CLAIM and self.claim is not None:
            self.claim.extra_segments.append(elements)
        elif loop == SUMMARY:
            self.summary.append(elements)
        elif loop == PARTY and self.party is not None:
            self.party.extra_segments.append(elements)
        else:
            self.rem.extra_segments.append(elements)

    # -- header ----------------------------------------------------------------------
    def bpr(self, e: list[str], number: int) -> None:
        if self.has_bpr or self.loop != HEADER:
            raise X12SyntaxError(
                "BPR out of place",
                segment_number=number,
                segment_id="BPR",
                element=0,
                expected="one BPR, right after ST",
            )
        p = _pad(e, 17)
        self.rem.payment = Payment(
            handling_code=p[1],
            amount=_amount(p[2], number, "BPR", 2),
            credit_debit=p[3],
            method=p[4],
            format_code=p[5],
            elements=_trim(p[6:16]),
            payment_date=_date(p[16], number, "BPR", 16) if p[16] else None,
        )
        self.has_bpr = True

    def trn(self, e: list[str], number: int) -> None:
        rem = self.rem
        if self.loop != HEADER or rem.trace_type or rem.trace_number or len(e) > 5:
            self.other(e, number)
            return
        p = _pad(e, 5)
        rem.trace_type, rem.trace_number, rem.trace_originator, rem.trace_reference = p[1:5]

    def cur(self, e: list[str], number: int) -> None:
        if self.loop != HEADER or self.rem.currency:
            self.other(e, number)
            return
        self.rem.currency = e[1:]

    def ref(self, e: list[str], number: int) -> None:
        size = len(e)
        if size != 3:
            if size > 3:  # REF03/REF04 have no typed home: keep the segment whole
                self.other(e, number)
                return
            e = _pad(e, 3)
        pair = (e[1], e[2])
        loop = self.loop
        if loop == LINE and self.line is not None:
            if e[1] == "6R" and not self.line.control_number:
                self.line.control_number = e[2]
            else:
                self.line.refs.append(pair)
        elif loop == CLAIM and self.claim is not None:
            self.claim.refs.append(pair)
        elif loop == PARTY and self.party is not None:
            self.party.refs.append(pair)
        elif loop == HEADER:
            self.rem.header_refs.append(pair)
        else:
            self.other(e, number)

    def dtm(self, e: list[str], number: int) -> None:
        loop = self.loop
        if len(e) != 3 or loop in (PARTY, SUMMARY, TRAILER):
            self.other(e, number)
            return
        qualifier = e[1]
        when = _dates.get(e[2]) or _date(e[2], number, "DTM", 2)
        if loop == LINE and self.line is not None:
            line = self.line
            line.dates.append((qualifier, when))
            if qualifier == "472" or qualifier == "150":
                if line.service_date is None:
                    line.service_date = when
            elif qualifier == "151" and line.service_date_end is None:
                line.service_date_end = when
        elif loop == CLAIM and self.claim is not None:
            self.claim.dates.append((qualifier, when))
        elif qualifier == "405" and self.rem.production_date is None:
            self.rem.production_date = when
        else:
            self.rem.header_dates.append((qualifier, when))

    # -- payer and payee (loop 1000A/B) ----------------------------------------------
    def n1(self, e: list[str], number: int) -> None:
        if self.loop > PARTY or len(e) > 5:
            self.other(e, number)
            return
        p = _pad(e, 5)
        rem = self.rem
        self.loop = PARTY
        party = Party(entity=p[1], name=p[2], id_qualifier=p[3], identifier=p[4])
        if p[1] == "PR" and rem.payer == Party(entity="PR"):
            rem.payer = party
        elif p[1] == "PE" and rem.payee == Party(entity="PE"):
            rem.payee = party
        else:  # a third party or a repeated one: no typed home, keep its loop verbatim
            self.party = None
            rem.extra_segments.append(e)
            return
        self.party = party

    def n3(self, e: list[str], number: int) -> None:
        if self.loop == PARTY and self.party is not None:
            self.party.address_lines.extend(e[1:])
        else:
            self.other(e, number)

    def n4(self, e: list[str], number: int) -> None:
        party = self.party
        if self.loop != PARTY or party is None or len(e) > 5 or party.city or party.state:
            self.other(e, number)
            return
        p = _pad(e, 5)
        party.city, party.state, party.postal_code, party.country = p[1:5]

    def per(self, e: list[str], number: int) -> None:
        if self.loop == PARTY and self.party is not None:
            self.party.contacts.append(e[1:])
        else:
            self.other(e, number)

    # -- header number (loop 2000) ---------------------------------------------------
    def lx(self, e: list[str], number: int) -> None:
        if len(e) != 2:
            self.other(e, number)
            return
        self.loop = SUMMARY
        self.party = self.claim = self.line = None
        self.header_number = e[1]
        self.summary = []
        self.rem.header_summaries.append((e[1], self.summary))

    # -- claim (loop 2100) -----------------------------------------------------------
    def clp(self, e: list[str], number: int) -> None:
        if self.sink is not None and len(self.rem.claims) >= self.sink_claims:
            self.hand_out()  # the claims before this one are complete
        p = _pad(e, 14)
        cached = _amounts.get
        charge = cached(p[3])
        if charge is None:
            charge = _amount(p[3], number, "CLP", 3)
        paid = cached(p[4])
        if paid is None:
            paid = _amount(p[4], number, "CLP", 4)
        # Positional (every field, in declaration order) for speed.
        claim = Claim(
            p[1],
            p[2],
            charge,
            paid,
            _amount(p[5], number, "CLP", 5) if p[5] else None,
            p[6],
            p[7],
            p[8],
            p[9],
            p[11],
            _amount(p[12], number, "CLP", 12, money=False) if p[12] else None,
            _amount(p[13], number, "CLP", 13, money=False) if p[13] else None,
            self.header_number,
            None,
            None,
            None,
            None,
            None,
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            number,
        )
        self.rem.claims.append(claim)
        self.claim = claim
        self.line = None
        self.party = None
        self.loop = CLAIM
        self.cas_order = 0

    def cas(self, e: list[str], number: int) -> None:
        loop = self.loop
        level: AdjustmentLevel
        if loop == LINE and self.line is not None:
            target = self.line.adjustments
            level = "line"
        elif loop == CLAIM and self.claim is not None:
            target = self.claim.adjustments
            level = "claim"
        else:
            raise X12SyntaxError(
                "CAS outside a claim or service line",
                segment_number=number,
                segment_id="CAS",
                element=0,
                expected="CAS after CLP or SVC",
            )
        size = len(e)
        group = e[1] if size > 1 else ""
        if not group or size > 20:
            raise X12SyntaxError(
                "adjustment group code missing" if not group else "CAS has too many elements",
                segment_number=number,
                segment_id="CAS",
                element=1 if not group else 20,
                expected="a group code (CO, PR, OA, PI, CR)" if not group else "CAS01-CAS19",
            )
        self.cas_order += 1
        order = self.cas_order
        cached = _amounts.get
        slot = 0
        for at in range(2, size, 3):
            slot += 1
            reason = e[at]
            amount = e[at + 1] if at + 1 < size else ""
            quantity = e[at + 2] if at + 2 < size else ""
            if not reason:
                if not amount and not quantity:
                    continue  # an unused triplet before a used one
                raise X12SyntaxError(
                    "adjustment reason code missing",
                    segment_number=number,
                    segment_id="CAS",
                    element=at,
                    expected="a claim adjustment reason code",
                )
            value = cached(amount)
            if value is None:
                value = _amount(amount, number, "CAS", at + 1)
            target.append(
                Adjustment(
                    group,
                    reason,
                    value,
                    _amount(quantity, number, "CAS", at + 2, money=False) if quantity else None,
                    level,
                    order,
                    slot,
                )
            )

    def nm1(self, e: list[str], number: int) -> None:
        claim = self.claim
        if self.loop != CLAIM or claim is None or len(e) > 10:
            self.other(e, number)
            return
        p = _pad(e, 10)
        if p[6]:  # NM106 (name prefix) has no typed home: keep the segment whole
            self.other(e, number)
            return
        # Positional for speed: entity, name, first, middle, suffix, NM102, NM108, NM109.
        party = Party(
            p[1], p[3], p[4], p[5], p[7], p[2], p[8], p[9], [], "", "", "", "", [], [], []
        )
        entity = p[1]
        if entity == "QC" and claim.patient is None:
            claim.patient = party
        elif entity == "IL" and claim.insured is None:
            claim.insured = party
        elif entity == "82" and claim.rendering is None:
            claim.rendering = party
        elif entity == "74" and claim.corrected_patient is None:
            claim.corrected_patient = party
        elif entity == "TT" and claim.crossover is None:
            claim.crossover = party
        else:
            claim.other_parties.append(party)

    def mia(self, e: list[str], number: int) -> None:
        claim = self.claim
        if self.loop != CLAIM or claim is None or claim.inpatient:
            self.other(e, number)
            return
        claim.inpatient = e[1:]
        remarks = [e[5]] if len(e) > 5 and e[5] else []
        remarks.extend(code for code in e[20:25] if code)
        claim.remark_codes.extend(remarks)

    def moa(self, e: list[str], number: int) -> None:
        claim = self.claim
        if self.loop != CLAIM or claim is None or claim.outpatient:
            self.other(e, number)
            return
        claim.outpatient = e[1:]
        claim.remark_codes.extend(code for code in e[3:8] if code)

    def amt(self, e: list[str], number: int) -> None:
        loop = self.loop
        if len(e) != 3 or loop not in (CLAIM, LINE):
            self.other(e, number)
            return
        value = _amounts.get(e[2])
        if value is None:
            value = _amount(e[2], number, "AMT", 2)
        line = self.line
        if loop == LINE and line is not None:
            if e[1] == "B6" and line.allowed is None:
                line.allowed = value
            else:
                line.amounts.append((e[1], value))
        elif self.claim is not None:
            self.claim.amounts.append((e[1], value))

    def qty(self, e: list[str], number: int) -> None:
        loop = self.loop
        if len(e) != 3 or loop not in (CLAIM, LINE):
            self.other(e, number)
            return
        value = _amount(e[2], number, "QTY", 2, money=False)
        if loop == LINE and self.line is not None:
            self.line.quantities.append((e[1], value))
        elif self.claim is not None:
            self.claim.quantities.append((e[1], value))

    # -- service line (loop 2110) ----------------------------------------------------
    def svc(self, e: list[str], number: int) -> None:
        claim = self.claim
        if self.loop not in (CLAIM, LINE) or claim is None:
            raise X12SyntaxError(
                "SVC outside a claim",
                segment_number=number,
                segment_id="SVC",
                element=0,
                expected="SVC after a CLP",
            )
        size = len(e)
        if size > 8:
            raise X12SyntaxError(
                "SVC has more elements than the 835 allows",
                segment_number=number,
                segment_id="SVC",
                element=8,
                expected="SVC01-SVC07",
            )
        procedure = self.composite(e[1], number, "SVC", 1) if size > 1 else [""]
        parts = len(procedure)
        if parts < 2 or parts > 7 or not procedure[0] or not procedure[1]:
            raise X12SyntaxError(
                "procedure composite incomplete" if parts < 7 else "too many components",
                segment_number=number,
                segment_id="SVC",
                element=1,
                found=e[1] if size > 1 else None,
                expected=f"qualifier{self.component}code, at most 7 components",
            )
        cached = _amounts.get
        charge_text = e[2] if size > 2 else ""
        charge = cached(charge_text)
        if charge is None:
            charge = _amount(charge_text, number, "SVC", 2)
        paid_text = e[3] if size > 3 else ""
        paid = cached(paid_text)
        if paid is None:
            paid = _amount(paid_text, number, "SVC", 3)
        units_text = e[5] if size > 5 else ""
        units = cached(units_text) if units_text else None
        if units is None and units_text:
            units = _amount(units_text, number, "SVC", 5, money=False)
        modifiers = procedure[2:6]
        if modifiers and not modifiers[-1]:
            modifiers = _trim(modifiers)
        line = ServiceLine(
            procedure[0],
            procedure[1],
            modifiers,
            procedure[6] if parts > 6 else "",
            charge,
            paid,
            e[4] if size > 4 else "",
            units,
            "",
            "",
            [],
            "",
            _amount(e[7], number, "SVC", 7, money=False) if size > 7 and e[7] else None,
            None,
            None,
            "",
            None,
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        if size > 6 and e[6]:
            original = self.composite(e[6], number, "SVC", 6)
            if len(original) > 7:
                raise X12SyntaxError(
                    "too many components",
                    segment_number=number,
                    segment_id="SVC",
                    element=6,
                    expected="at most 7 components",
                )
            original.extend([""] * (7 - len(original)))
            line.original_qualifier = original[0]
            line.original_code = original[1]
            line.original_modifiers = _trim(original[2:6])
            line.original_description = original[6]
        claim.lines.append(line)
        self.line = line
        self.loop = LINE
        self.cas_order = 0

    def lq(self, e: list[str], number: int) -> None:
        line = self.line
        if self.loop != LINE or line is None or len(e) != 3:
            self.other(e, number)
            return
        if e[1] == "HE":
            line.remark_codes.append(e[2])
        else:
            line.other_remarks.append((e[1], e[2]))

    # -- provider adjustments (PLB) --------------------------------------------------
    def plb(self, e: list[str], number: int) -> None:
        p = _pad(e, 15)
        if len(e) > 15:
            raise X12SyntaxError(
                "PLB has more than six adjustment pairs",
                segment_number=number,
                segment_id="PLB",
                element=15,
                expected="at most PLB01-PLB14",
            )
        self.loop = TRAILER
        self.claim = self.line = self.party = None
        self.plb_order += 1
        order = self.plb_order
        provider = p[1]
        fiscal = _date(p[2], number, "PLB", 2) if p[2] else None
        target = self.rem.provider_adjustments
        for slot in range(6):
            at = 3 + slot * 2
            identifier, amount = p[at], p[at + 1]
            if not identifier and not amount:
                continue
            parts = self.composite(identifier, number, "PLB", at) if identifier else [""]
            if not parts[0] or len(parts) > 2:
                raise X12SyntaxError(
                    "provider adjustment reason missing or malformed",
                    segment_number=number,
                    segment_id="PLB",
                    element=at,
                    found=identifier or None,
                    expected=f"reason{self.component}reference",
                )
            target.append(
                ProviderAdjustment(
                    provider_id=provider,
                    fiscal_period_date=fiscal,
                    reason=parts[0],
                    reference=parts[1] if len(parts) > 1 else "",
                    amount=_amount(amount, number, "PLB", at + 1),
                    segment_order=order,
                    position=slot + 1,
                )
            )


def _source_name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


REPAIRS = frozenset({"separators"})
"""What ``read_835(repair=...)`` may repair; nothing else is ever guessed."""


def read_835(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    chunk_size: int = 1 << 20,
    repair: Iterable[str] = (),
    max_set_bytes: int = MAX_HELD,
    claim_sink: ClaimSink | None = None,
    sink_claims: int = DEFAULT_SINK_CLAIMS,
) -> Iterator[Remittance | RejectedTransaction]:
    """Stream the remittances of an 835 file (path or binary stream), in file order.

    Yields a :class:`Remittance` per readable transaction set and a
    :class:`RejectedTransaction` (with its raw bytes and an X12Error saying where and
    what) for each one that is not; never raises for bad content. Memory stays flat:
    the file is read ``chunk_size`` bytes at a time and only the transaction set being
    parsed is held.

    ``repair={"separators"}``: a set whose composites all use one component separator
    other than ISA16 (``HC>99214`` under ISA16 ``:``) is read with that separator and a
    warning on the remittance; without it such a set is rejected.

    ``max_set_bytes`` (default 256 MB): a larger transaction set is refused unread, and
    unreadable text is kept for the quarantine whole up to that size.

    ``claim_sink``: for sets too large to hold as records. Once a set has more than
    ``sink_claims`` finished claims, they are handed to ``claim_sink(remittance,
    claims)`` (``remittance`` is the set's record being built: header complete, its
    ``claims`` emptied) and dropped, so memory stays flat in the number of claims; the
    :class:`Remittance` yielded at SE then holds only the claims not handed out. The
    sink is called while the set is being read: the set may still be rejected after
    (an error further on, a wrong SE), so a sink that stores claims must be able to
    undo them (the ingest pipeline holds a savepoint per streamed set). An exception
    the sink raises ends the reading.
    """
    repairs = frozenset(repair)
    unknown = repairs - REPAIRS
    if unknown:
        raise ValueError(f"unknown repair {sorted(unknown)[0]!r}; known: separators")
    label = name if name is not None else _source_name(source)
    sink = (claim_sink, sink_claims) if claim_sink is not None else None
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as stream:
            yield from _read(stream, label, chunk_size, repairs, max_set_bytes, sink)
    else:
        yield from _read(source, label, chunk_size, repairs, max_set_bytes, sink)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while one transaction set is built.

    Why: the records form trees (no reference cycles), so refcounting frees them all;
    but building a transaction allocates tens of thousands of tracked objects, and the
    generational collector keeps re-traversing the ones still alive (measured: 3x
    slower). The pause never spans a ``yield``: the caller's code always runs with the
    collector in its previous state.

    On resuming, the objects allocated meanwhile would all be scanned at once by the
    next young collection (another ~15%). ``gc.freeze()`` + ``gc.unfreeze()`` instead
    moves them, without a scan, to the oldest generation (documented behaviour), where
    anything cyclic is still found by the next full collection. Skipped when the
    application froze objects itself, so its frozen set is never disturbed.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def _read(
    stream: BinaryIO,
    name: str,
    chunk_size: int,
    repair: frozenset[str] = frozenset(),
    max_set_bytes: int = MAX_HELD,
    sink: tuple[ClaimSink, int] | None = None,
) -> Iterator[Remittance | RejectedTransaction]:
    reader = SegmentReader(stream, chunk_size=chunk_size, max_held=max_set_bytes)

    def start(
        envelope: Envelope, delimiters: Delimiters, st: list[str], number: int, offset: int
    ) -> _Parser:
        if sink is None:
            parser = _Parser(envelope, delimiters, st, number, offset, repair=repair)
        else:
            parser = _Parser(
                envelope,
                delimiters,
                st,
                number,
                offset,
                repair=repair,
                sink=sink[0],
                sink_claims=sink[1],
                reader=reader,
            )
        parser.rem.source_file = name
        return parser

    sets = read_transaction_sets(
        stream,
        start,
        name=name,
        chunk_size=chunk_size,
        max_set_bytes=max_set_bytes,
        reader=reader,
    )
    while True:
        with _gc_paused():
            item = next(sets, None)
        if item is None:
            return
        yield item


def parse_835(data: bytes | str, *, name: str = "<memory>") -> list[Remittance]:
    """Parse a whole 835 held in memory; raises the first error (an X12Error subclass).

    Text (``str``) is encoded as UTF-8 first, so any character survives the round trip.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    found: list[Remittance] = []
    for item in read_835(io.BytesIO(data), name=name):
        if isinstance(item, RejectedTransaction):
            raise item.error
        found.append(item)
    return found
