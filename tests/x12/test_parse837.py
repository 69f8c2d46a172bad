"""The 837P/837I reader: real-layout fixtures field by field, errors with positions, round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from denialops.errors import X12SyntaxError
from denialops.x12.claim837 import (
    ClaimBatch,
    ClaimLine,
    Diagnosis,
    Payer,
    Person,
    Provider,
    SubmittedClaim,
)
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse837 import iter_claims, parse_837, read_837
from denialops.x12.remittance import Envelope
from denialops.x12.write837 import format_837

FIXTURES = Path(__file__).parents[1] / "fixtures" / "837"


def _only_batch(name: str) -> ClaimBatch:
    items = list(read_837(FIXTURES / name))
    assert len(items) == 1
    batch = items[0]
    assert isinstance(batch, ClaimBatch), getattr(batch, "error", None)
    return batch


def test_professional_fixture_field_by_field() -> None:
    batch = _only_batch("professional.837")
    assert batch.kind == "professional"
    assert (batch.purpose, batch.reference, batch.created) == ("00", "244579", date(2024, 3, 12))
    assert batch.submitter.name == "PREMIER BILLING SERVICE"
    assert batch.receiver.name == "KEY INSURANCE COMPANY"
    assert batch.envelope.version == "005010X222A1"
    (claim,) = batch.claims
    assert claim.patient_control_number == "26463774"
    assert claim.total_charge == Decimal("100")
    assert (claim.place_of_service, claim.facility_qualifier, claim.frequency) == ("11", "B", "1")
    assert claim.prior_authorization == "AUTH55512"
    assert ("D9", "17312345600006351") in claim.refs
    assert claim.diagnoses == [
        Diagnosis("ABK", "J0300", "", 1, 1),
        Diagnosis("ABF", "Z9114", "", 1, 2),
    ]
    billing = claim.billing_provider
    assert (billing.name, billing.npi, billing.taxonomy, billing.tax_id) == (
        "BEN KILDARE SERVICE",
        "9876543210",
        "203BF0100Y",
        "587654321",
    )
    assert (billing.city, billing.state, billing.postal_code) == ("MIAMI", "FL", "33111")
    subscriber = claim.subscriber
    assert (subscriber.last_name, subscriber.member_id, subscriber.sex) == (
        "SMITH",
        "JS00111223333",
        "F",
    )
    assert subscriber.birth_date == date(1943, 5, 1)
    assert claim.patient is not None
    assert (claim.patient.first_name, claim.patient.relationship, claim.patient.sex) == (
        "TED",
        "19",
        "M",
    )
    assert claim.member is claim.patient
    payer = claim.payer
    assert (payer.name, payer.payer_id, payer.responsibility, payer.filing_indicator) == (
        "KEY INSURANCE COMPANY",
        "999996666",
        "P",
        "CI",
    )
    assert payer.group_number == "2222-SJ"
    (rendering,) = claim.providers
    assert (rendering.entity, rendering.npi, rendering.taxonomy) == (
        "82",
        "1234567804",
        "204C00000X",
    )
    assert claim.rendering_npi == "1234567804"
    assert [line.procedure for line in claim.lines] == ["99213", "87070", "99214", "86663"]
    first, _, third, fourth = claim.lines
    assert first.control_number == "LN0001"
    assert first.service_date == date(2024, 3, 3)
    assert (first.charge, first.units, first.unit_basis) == (Decimal("40"), Decimal("1"), "UN")
    assert third.modifiers == ["25"]
    assert fourth.diagnosis_pointers == [1, 2]
    assert fourth.ndc == "00409123401"
    assert claim.line_total() == claim.total_charge


def test_institutional_fixture_field_by_field() -> None:
    batch = _only_batch("institutional.837")
    assert batch.kind == "institutional"
    (claim,) = batch.claims
    assert claim.kind == "institutional"
    assert claim.type_of_bill == "141"
    assert claim.place_of_service == ""
    assert claim.original_reference == "PAYERCLAIM99"
    assert (claim.statement_from, claim.statement_to) == (date(2024, 3, 1), date(2024, 3, 1))
    assert (claim.admission_type, claim.admission_source, claim.patient_status) == ("4", "", "1")
    assert claim.diagnoses == [
        Diagnosis("ABK", "N309", "Y", 1, 1),
        Diagnosis("ABF", "R3915", "N", 1, 2),
    ]
    assert claim.other_codes == [["HI", "BH:A1:D8:20240301"]]
    assert claim.patient is None and claim.member is claim.subscriber
    assert claim.subscriber.relationship == "18"
    assert claim.payer.filing_indicator == "MA"
    (attending,) = claim.providers
    assert (attending.entity, attending.npi) == ("71", "9999999992")
    assert claim.rendering_npi == "9999999992"
    lab, ekg = claim.lines
    assert (lab.revenue_code, lab.procedure, lab.charge) == ("0305", "85025", Decimal("13.39"))
    assert (ekg.revenue_code, ekg.units, ekg.control_number) == ("0730", Decimal("3"), "L2")


@pytest.mark.parametrize("name", ["professional.837", "institutional.837"])
def test_fixtures_round_trip_through_the_writer(name: str) -> None:
    batch = _only_batch(name)
    again = parse_837(format_837([batch]))
    assert again[0].claims == batch.claims


def _professional(body: str, count: int | None = None) -> str:
    segments = [s for s in body.strip().split("~") if s.strip()]
    total = len(segments) + 2 if count is None else count
    return (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*"
        "000000001*0*P*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~"
        + "~".join(s.strip() for s in segments)
        + f"~SE*{total}*0001~GE*1*1~IEA*1*000000001~"
    )


_HEAD = """
BHT*0019*00*1*20240101*1200*CH~
NM1*41*2*SUBMITTER*****46*1~
NM1*40*2*RECEIVER*****46*2~
HL*1**20*1~
NM1*85*2*CLINIC*****XX*1234567893~
HL*2*1*22*0~
SBR*P*18*******CI~
NM1*IL*1*DOE*JANE****MI*M1~
DMG*D8*19800101*F~
NM1*PR*2*PAYER*****PI*P1~
"""


def test_a_bad_amount_names_segment_element_and_text() -> None:
    text = _professional(_HEAD + "CLM*PCN1*12X5***11:B:1*Y*A*Y*I~")
    (item,) = list(read_837(_stream(text), name="claims.837"))
    assert isinstance(item, RejectedTransaction)
    error = item.error
    assert isinstance(error, X12SyntaxError)
    assert (error.file, error.segment_id, error.element) == ("claims.837", "CLM", 2)
    assert error.segment_number == 14
    assert "'12X5' is not an amount" in str(error)


def test_a_remittance_is_refused_as_not_a_claim() -> None:
    text = _professional(_HEAD).replace("ST*837*", "ST*835*")
    (item,) = list(read_837(_stream(text)))
    assert isinstance(item, RejectedTransaction)
    assert "this is an 835 (remittance), not an 837 (claim)" in str(item.error)


def test_a_diagnosis_pointer_outside_1_to_12_is_an_error() -> None:
    body = _HEAD + "CLM*PCN1*10***11:B:1*Y*A*Y*I~HI*ABK:E119~LX*1~SV1*HC:99213*10*UN*1***13~"
    (item,) = list(read_837(_stream(_professional(body))))
    assert isinstance(item, RejectedTransaction)
    assert item.error.segment_id == "SV1" and item.error.element == 7


def test_one_bad_transaction_set_does_not_cost_the_next() -> None:
    good = _professional(_HEAD + "CLM*PCN1*10***11:B:1*Y*A*Y*I~HI*ABK:E119~")
    bad = _professional(_HEAD + "CLM*PCN2*oops***11:B:1*Y*A*Y*I~")
    items = list(read_837(_stream(bad + good)))
    assert [type(i).__name__ for i in items] == ["RejectedTransaction", "ClaimBatch"]
    claims = [c for c in iter_claims(_stream(bad + good)) if isinstance(c, SubmittedClaim)]
    assert [c.patient_control_number for c in claims] == ["PCN1"]


def _stream(text: str) -> object:
    import io

    return io.BytesIO(text.encode("latin-1"))


# -- round trip on generated claims ------------------------------------------------------

_word = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=1, max_size=10)
_money = st.decimals(min_value=0, max_value=99999, places=2).map(lambda d: d.normalize())
_day = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def _lines(draw: st.DrawFn, kind: str) -> list[ClaimLine]:
    count = draw(st.integers(1, 4))
    found = []
    for number in range(1, count + 1):
        line = ClaimLine(
            number=number,
            procedure_qualifier="HC",
            procedure=draw(st.sampled_from(["99213", "99214", "J3420", "93000", "71046"])),
            modifiers=draw(st.lists(st.sampled_from(["25", "59", "LT", "RT", "XS"]), max_size=3)),
            charge=draw(_money),
            unit_basis="UN",
            units=Decimal(draw(st.integers(1, 9))),
            service_date=draw(_day),
            control_number=draw(st.one_of(st.just(""), _word)),
        )
        if kind == "institutional":
            line.revenue_code = draw(st.sampled_from(["0300", "0450", "0730"]))
        else:
            line.diagnosis_pointers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
            line.place_of_service = draw(st.sampled_from(["", "11", "22"]))
        found.append(line)
    return found


@st.composite
def _claims(draw: st.DrawFn, kind: str) -> SubmittedClaim:
    diagnoses = [
        Diagnosis("ABK" if i == 1 else "ABF", code, "Y" if kind == "institutional" else "", 1, i)
        for i, code in enumerate(
            draw(
                st.lists(st.sampled_from(["E119", "I10", "J0300", "M5416"]), min_size=1, max_size=4)
            ),
            start=1,
        )
    ]
    lines = draw(_lines(kind))
    claim = SubmittedClaim(
        kind=kind,  # type: ignore[arg-type]
        patient_control_number=draw(_word),
        total_charge=sum((ln.charge for ln in lines), Decimal(0)),
        facility_qualifier="A" if kind == "institutional" else "B",
        frequency=draw(st.sampled_from(["1", "7"])),
        prior_authorization=draw(st.one_of(st.just(""), _word)),
        original_reference=draw(st.one_of(st.just(""), _word)),
        diagnoses=diagnoses,
        billing_provider=Provider(
            entity="85", entity_type="2", name="CLINIC", id_qualifier="XX", npi="1234567893"
        ),
        subscriber=Person(
            entity="IL",
            last_name=draw(_word),
            member_id=draw(_word),
            birth_date=draw(_day),
            sex=draw(st.sampled_from(["F", "M"])),
            relationship="18",
        ),
        payer=Payer(
            name="PAYER",
            payer_id=draw(_word),
            responsibility="P",
            filing_indicator=draw(st.sampled_from(["CI", "MB", "MC"])),
        ),
        providers=[
            Provider(entity="82", entity_type="1", name="DOC", id_qualifier="XX", npi="1234567893")
        ],
        lines=lines,
    )
    if kind == "institutional":
        claim.facility_type = "13"
        claim.statement_from = claim.statement_to = draw(_day)
    else:
        claim.place_of_service = draw(st.sampled_from(["11", "22", "23"]))
    return claim


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["professional", "institutional"]).flatmap(
        lambda kind: st.lists(_claims(kind), min_size=1, max_size=4).map(lambda c: (kind, c))
    )
)
def test_any_claims_written_parse_back_the_same(case: tuple[str, list[SubmittedClaim]]) -> None:
    kind, claims = case
    batch = ClaimBatch(
        envelope=Envelope(),
        kind=kind,
        purpose="00",
        reference="B1",  # type: ignore[arg-type]
        created=date(2024, 1, 2),
        created_time="1200",
        transaction_type="CH",
        claims=claims,
    )
    (again,) = parse_837(format_837([batch]))
    assert again.claims == claims
