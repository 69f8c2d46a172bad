"""Hypothesis strategies for 835 records that survive a write -> parse round trip.

Reusable by any test: ``remittances()`` draws a list of valid (balanced or not)
:class:`Remittance` records with random claims, lines, CAS segments of up to six
triplets, PLB pairs, remarks and parties. Values never contain delimiter characters
(``DELIMITER_SETS`` lists the ones tests write with), and every derived field is filled
the way the parser fills it (remark codes from MIA/MOA, line service dates from DTM,
CAS/PLB segment order and positions), so ``parse_835(format_835(recs)) == recs`` up to
``segment_count``, which only exists once the records are written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from denialops.x12.remittance import (
    Adjustment,
    AdjustmentLevel,
    Claim,
    ClaimStatus,
    Envelope,
    Party,
    Payment,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
)

DELIMITER_SETS = (
    {"element": "*", "component": ":", "repetition": "^", "segment": "~"},
    {"element": "|", "component": ">", "repetition": "{", "segment": "}"},
    {"element": "!", "component": "\\", "repetition": "`", "segment": "'"},
)
"""Delimiter sets the round-trip tests write with (none appears in generated data)."""

WRITE_OPTIONS: dict[str, Any] = {
    "sender_id": "DENIALOPS",
    "receiver_id": "PROVIDER",
    "interchange_control": 1,
}
"""ISA identifiers the records' envelopes are drawn with (the writer's defaults)."""

_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789-.&/#@(),'"
_SAFE = "".join(c for c in _SAFE if all(c not in d.values() for d in DELIMITER_SETS))
EXTRA_IDS = ("NTE", "K3", "RDM", "ZZ1", "XX9")
"""Segment ids the 835 model does not type: they must come back in extra_segments."""


def words(min_size: int = 1, max_size: int = 12) -> st.SearchStrategy[str]:
    """Element text: safe characters, inner spaces allowed, never blank at the ends."""
    return (
        st.text(alphabet=_SAFE + " ", min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


codes = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=5)
qualifiers = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=3)
amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: Decimal(c) / 100)
quantities = st.integers(min_value=-9999, max_value=99999).map(lambda q: Decimal(q) / 10)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


def elements_list(max_size: int = 6) -> st.SearchStrategy[list[str]]:
    """Verbatim element lists: interior elements may be empty, the last one never is."""
    return st.tuples(st.lists(maybe(words()), max_size=max_size - 1), words()).map(
        lambda t: [*t[0], t[1]]
    )


extra_segments = st.lists(
    st.tuples(st.sampled_from(EXTRA_IDS), elements_list(4)).map(lambda t: [t[0], *t[1]]),
    max_size=2,
)
pairs = st.lists(st.tuples(qualifiers, words()), max_size=3)


@st.composite
def n1_party(draw: st.DrawFn, entity: str) -> Party:
    has_place = draw(st.booleans())
    return Party(
        entity=entity,
        name=draw(maybe(words(max_size=30))),
        id_qualifier=draw(maybe(qualifiers)),
        identifier=draw(maybe(words())),
        address_lines=draw(st.lists(words(max_size=30), max_size=3)),
        city=draw(words()) if has_place else "",
        state=draw(maybe(codes)) if has_place else "",
        postal_code=draw(maybe(codes)) if has_place else "",
        country=draw(maybe(codes)) if has_place else "",
        refs=draw(pairs),
        contacts=draw(st.lists(elements_list(8), max_size=2)),
        extra_segments=draw(extra_segments),
    )


@st.composite
def nm1_party(draw: st.DrawFn, entity: str) -> Party:
    return Party(
        entity=entity,
        entity_type=draw(st.sampled_from(["", "1", "2"])),
        name=draw(maybe(words())),
        first_name=draw(maybe(words())),
        middle_name=draw(maybe(words(max_size=3))),
        suffix=draw(maybe(words(max_size=3))),
        id_qualifier=draw(maybe(qualifiers)),
        identifier=draw(maybe(words())),
    )


@st.composite
def cas_segments(draw: st.DrawFn, level: AdjustmentLevel) -> list[Adjustment]:
    """One to three CAS segments, each with 1..6 triplets in (possibly gapped) slots."""
    found: list[Adjustment] = []
    for order in range(1, draw(st.integers(0, 3)) + 1):
        group = draw(st.sampled_from(["CO", "PR", "OA", "PI", "CR"]))
        slots = draw(st.sets(st.integers(1, 6), min_size=1, max_size=6))
        for slot in sorted(slots):
            found.append(
                Adjustment(
                    group=group,
                    reason=draw(codes),
                    amount=draw(amounts),
                    quantity=draw(st.none() | quantities),
                    level=level,
                    segment_order=order,
                    position=slot,
                )
            )
    return found


@st.composite
def service_lines(draw: st.DrawFn) -> ServiceLine:
    has_original = draw(st.booleans())
    line_dates = draw(
        st.lists(st.tuples(st.sampled_from(["472", "150", "151", "036"]), dates), max_size=3)
    )
    return ServiceLine(
        qualifier=draw(st.sampled_from(["HC", "NU", "AD", "ER", "IV", "N4", "WK"])),
        code=draw(codes),
        modifiers=draw(st.lists(codes.map(lambda c: c[:2]), max_size=4)),
        description=draw(maybe(words(max_size=20))),
        charge=draw(amounts),
        paid=draw(amounts),
        revenue_code=draw(maybe(codes)),
        units=draw(st.none() | quantities),
        original_qualifier=draw(st.sampled_from(["HC", "NU"])) if has_original else "",
        original_code=draw(codes) if has_original else "",
        original_modifiers=draw(st.lists(codes, max_size=4)) if has_original else [],
        original_description=draw(maybe(words())) if has_original else "",
        original_units=draw(st.none() | quantities),
        # what the parser derives from the DTMs
        service_date=next((d for q, d in line_dates if q in ("472", "150")), None),
        service_date_end=next((d for q, d in line_dates if q == "151"), None),
        control_number=draw(maybe(words())),
        allowed=draw(st.none() | amounts),
        remark_codes=draw(st.lists(codes, max_size=3)),
        adjustments=draw(cas_segments("line")),
        dates=line_dates,
        refs=draw(pairs.map(lambda ps: [p for p in ps if p[0] != "6R"])),
        amounts=draw(
            st.lists(st.tuples(qualifiers.filter(lambda q: q != "B6"), amounts), max_size=2)
        ),
        quantities=draw(st.lists(st.tuples(qualifiers, quantities), max_size=2)),
        other_remarks=draw(
            st.lists(st.tuples(qualifiers.filter(lambda q: q != "HE"), codes), max_size=2)
        ),
        extra_segments=draw(extra_segments),
    )


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    inpatient = draw(st.one_of(st.just([]), elements_list(24)))
    outpatient = draw(st.one_of(st.just([]), elements_list(9)))
    remarks = ([inpatient[4]] if len(inpatient) > 4 and inpatient[4] else []) + [
        c for c in inpatient[19:24] if c
    ]
    remarks += [c for c in outpatient[2:7] if c]
    return Claim(
        patient_control_number=draw(words(max_size=20)),
        status=draw(st.sampled_from([s.value for s in ClaimStatus])),
        charge=draw(amounts),
        paid=draw(amounts),
        patient_responsibility=draw(st.none() | amounts),
        filing_indicator=draw(maybe(codes)),
        payer_claim_control_number=draw(maybe(words())),
        facility_type=draw(maybe(codes)),
        frequency=draw(st.sampled_from(["", "1", "7", "8"])),
        drg=draw(maybe(codes)),
        drg_weight=draw(st.none() | amounts),
        discharge_fraction=draw(st.none() | amounts),
        patient=draw(st.none() | nm1_party("QC")),
        insured=draw(st.none() | nm1_party("IL")),
        rendering=draw(st.none() | nm1_party("82")),
        corrected_patient=draw(st.none() | nm1_party("74")),
        crossover=draw(st.none() | nm1_party("TT")),
        other_parties=draw(
            st.lists(st.sampled_from(["PR", "GB", "2C"]).flatmap(nm1_party), max_size=2)
        ),
        inpatient=inpatient,
        outpatient=outpatient,
        remark_codes=remarks,
        adjustments=draw(cas_segments("claim")),
        refs=draw(pairs),
        dates=draw(
            st.lists(st.tuples(st.sampled_from(["232", "233", "036", "050"]), dates), max_size=3)
        ),
        amounts=draw(
            st.lists(st.tuples(st.sampled_from(["AU", "I", "D8", "DY"]), amounts), max_size=2)
        ),
        quantities=draw(st.lists(st.tuples(st.sampled_from(["CA", "ZK"]), quantities), max_size=2)),
        lines=draw(st.lists(service_lines(), max_size=2)),
        extra_segments=draw(extra_segments),
    )


@st.composite
def plb_segments(draw: st.DrawFn) -> list[ProviderAdjustment]:
    found: list[ProviderAdjustment] = []
    for order in range(1, draw(st.integers(0, 2)) + 1):
        provider = draw(words())
        fiscal = draw(st.none() | dates)
        for slot in sorted(draw(st.sets(st.integers(1, 6), min_size=1, max_size=6))):
            found.append(
                ProviderAdjustment(
                    provider_id=provider,
                    fiscal_period_date=fiscal,
                    reason=draw(st.sampled_from(["WO", "L6", "FB", "72", "CS", "J1"])),
                    reference=draw(maybe(words())),
                    amount=draw(amounts),
                    segment_order=order,
                    position=slot,
                )
            )
    return found


@st.composite
def remittance(draw: st.DrawFn, stamp: tuple[str, str] = ("250101", "1200")) -> Remittance:
    """One transaction set; ``stamp`` is the ISA09/ISA10 every record of a file shares."""
    drawn_claims = draw(st.lists(claims(), max_size=3))
    summaries: list[tuple[str, list[list[str]]]] = []
    use_headers: bool = draw(st.booleans())
    if drawn_claims and use_headers:
        # Claims grouped under LX headers 1..n, each with optional TS3/TS2 verbatim.
        cut = draw(st.integers(1, len(drawn_claims)))
        for index, claim in enumerate(drawn_claims):
            claim.header_number = "1" if index < cut else "2"
        for header in sorted({c.header_number for c in drawn_claims}):
            summary = draw(
                st.lists(
                    st.tuples(st.sampled_from(["TS3", "TS2"]), elements_list(8)).map(
                        lambda t: [t[0], *t[1]]
                    ),
                    max_size=2,
                )
            )
            summaries.append((header, summary))
    production = draw(st.none() | dates)
    bank = draw(st.one_of(st.just([]), elements_list(10)))
    return Remittance(
        envelope=Envelope(
            isa_control=f"{WRITE_OPTIONS['interchange_control']:09d}",
            sender_qualifier="ZZ",
            sender_id=str(WRITE_OPTIONS["sender_id"]),
            receiver_qualifier="ZZ",
            receiver_id=str(WRITE_OPTIONS["receiver_id"]),
            interchange_date=stamp[0],
            interchange_time=stamp[1],
            usage="P",
            functional_id="HP",
            gs_sender=draw(words(max_size=15)).replace(" ", ""),
            gs_receiver=draw(words(max_size=15)).replace(" ", ""),
            gs_date="20" + stamp[0],
            gs_time=stamp[1],
            gs_control=str(draw(st.integers(1, 999_999_999))),
            version="005010X221A1",
            st_control=f"{draw(st.integers(1, 999_999)):04d}",
            implementation="005010X221A1",
        ),
        payment=Payment(
            handling_code=draw(st.sampled_from(["I", "H", "C", "D", "P", "U", "X"])),
            amount=draw(amounts),
            credit_debit=draw(st.sampled_from(["C", "D"])),
            method=draw(st.sampled_from(["ACH", "CHK", "BOP", "FWT", "NON"])),
            format_code=draw(st.sampled_from(["", "CCP", "CTX"])),
            elements=bank,
            payment_date=draw(st.none() | dates),
        ),
        trace_type=draw(maybe(st.just("1"))),
        trace_number=draw(maybe(words())),
        trace_originator=draw(maybe(words())),
        trace_reference=draw(maybe(words())),
        production_date=production,
        header_refs=draw(st.lists(st.tuples(st.sampled_from(["EV", "F2"]), words()), max_size=2)),
        header_dates=draw(st.lists(st.tuples(st.sampled_from(["009", "036"]), dates), max_size=1)),
        currency=draw(st.one_of(st.just([]), elements_list(4))),
        payer=draw(n1_party("PR")),
        payee=draw(n1_party("PE")),
        claims=drawn_claims,
        provider_adjustments=draw(plb_segments()),
        header_summaries=summaries,
        extra_segments=draw(extra_segments),
    )


def remittances(max_size: int = 3) -> st.SearchStrategy[list[Remittance]]:
    """One file's worth: 1..max_size transaction sets sharing the interchange stamp."""
    stamp = st.tuples(
        dates.map(lambda d: d.strftime("%y%m%d")),
        st.integers(0, 2359).filter(lambda t: t % 100 < 60).map(lambda t: f"{t:04d}"),
    )
    return stamp.flatmap(lambda s: st.lists(remittance(s), min_size=1, max_size=max_size))
