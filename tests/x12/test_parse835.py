"""The 835 parser on hand-written fixtures, asserted field by field."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from denialops.errors import X12SyntaxError
from denialops.x12 import (
    Adjustment,
    Envelope,
    Party,
    ProviderAdjustment,
    RejectedTransaction,
    Remittance,
    check_balance,
    parse_835,
    read_835,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"


def _read(name: str, **kwargs: int) -> list[Remittance]:
    found = list(read_835(FIXTURES / name, **kwargs))  # type: ignore[arg-type]
    assert all(isinstance(item, Remittance) for item in found), found
    return [item for item in found if isinstance(item, Remittance)]


@pytest.fixture(scope="module")
def professional() -> Remittance:
    (rem,) = _read("professional.835")
    return rem


def test_professional_envelope_and_position(professional: Remittance) -> None:
    rem = professional
    assert rem.envelope == Envelope(
        isa_control="000000101",
        sender_qualifier="ZZ",
        sender_id="ACMEPAYER",
        receiver_qualifier="ZZ",
        receiver_id="RIVERSIDE",
        interchange_date="240305",
        interchange_time="1230",
        usage="P",
        functional_id="HP",
        gs_sender="ACMEPAYER",
        gs_receiver="RIVERSIDE",
        gs_date="20240305",
        gs_time="1230",
        gs_control="101",
        version="005010X221A1",
        st_control="0001",
        implementation="005010X221A1",
    )
    assert rem.source_file == str(FIXTURES / "professional.835")
    assert rem.segment_number == 3
    data = (FIXTURES / "professional.835").read_bytes()
    assert rem.byte_offset == data.index(b"ST*835")
    assert rem.raw == data[rem.byte_offset : data.index(b"SE*63*0001~") + len(b"SE*63*0001~")]
    assert rem.segment_count == 63


def test_professional_payment_header(professional: Remittance) -> None:
    rem = professional
    pay = rem.payment
    assert pay.handling_code == "I"
    assert pay.amount == Decimal("135.5")
    assert pay.credit_debit == "C"
    assert pay.method == "ACH"
    assert pay.format_code == "CCP"
    assert pay.elements == [
        "01",
        "011000015",
        "DA",
        "123456789",
        "1512345678",
        "",
        "01",
        "021000021",
        "DA",
        "987654321",
    ]
    assert pay.payment_date == date(2024, 3, 6)
    assert (rem.trace_type, rem.trace_number) == ("1", "EFT0000123")
    assert (rem.trace_originator, rem.trace_reference) == ("1512345678", "PLAN01")
    assert rem.currency == ["PE", "USD"]
    assert rem.header_refs == [("EV", "RIVERSIDE")]
    assert rem.production_date == date(2024, 3, 5)
    assert rem.header_dates == []
    assert rem.extra_segments == []
    assert rem.header_summaries == [("1", [])]


def test_professional_payer_and_payee(professional: Remittance) -> None:
    assert professional.payer == Party(
        entity="PR",
        name="ACME HEALTH PLAN",
        id_qualifier="XV",
        identifier="ACME01",
        address_lines=["PO BOX 1000", "SUITE 200"],
        city="HARTFORD",
        state="CT",
        postal_code="06101",
        refs=[("2U", "99999")],
        contacts=[
            ["CX", "CLAIMS DEPT", "TE", "8005551212"],
            ["BL", "EDI SUPPORT", "EM", "edi@acme.example"],
        ],
    )
    assert professional.payer_id == "99999"
    assert professional.payee == Party(
        entity="PE",
        name="RIVERSIDE CLINIC",
        id_qualifier="XX",
        identifier="1234567893",
        address_lines=["10 RIVER RD"],
        city="SPRINGFIELD",
        state="IL",
        postal_code="62701",
        refs=[("TJ", "123456789")],
        extra_segments=[["RDM", "BM", "REMIT DESK"]],
    )


def test_professional_claim_fields(professional: Remittance) -> None:
    claim = professional.claims[0]
    assert claim.patient_control_number == "PCN1001"
    assert claim.status == "1"
    assert claim.charge == Decimal("300")
    assert claim.paid == Decimal("155.5")
    assert claim.patient_responsibility == Decimal("40")
    assert claim.filing_indicator == "12"
    assert claim.payer_claim_control_number == "PAYERCLM1"
    assert claim.facility_type == "11"
    assert claim.frequency == "1"
    assert (claim.drg, claim.drg_weight, claim.discharge_fraction) == ("", None, None)
    assert claim.header_number == "1"
    assert claim.segment_number == 21
    assert claim.adjustments == [
        Adjustment("PR", "1", Decimal("25"), None, "claim", 1, 1),
        Adjustment("PR", "2", Decimal("15"), None, "claim", 1, 2),
    ]
    assert claim.patient == Party(
        entity="QC",
        entity_type="1",
        name="DOE",
        first_name="JANE",
        middle_name="Q",
        id_qualifier="MI",
        identifier="MEM123",
    )
    assert claim.insured == Party(
        entity="IL",
        entity_type="1",
        name="DOE",
        first_name="JOHN",
        id_qualifier="MI",
        identifier="MEM100",
    )
    assert claim.rendering == Party(
        entity="82",
        entity_type="1",
        name="SMITH",
        first_name="ALAN",
        id_qualifier="XX",
        identifier="1987654321",
    )
    assert claim.corrected_patient == Party(
        entity="74", entity_type="1", name="DOE", first_name="JANET"
    )
    assert claim.crossover == Party(
        entity="TT", entity_type="2", name="MEDIGAP PLAN", id_qualifier="PI", identifier="MG01"
    )
    assert claim.other_parties == [
        Party(
            entity="PR", entity_type="2", name="SECOND PAYER", id_qualifier="PI", identifier="SP77"
        )
    ]
    assert claim.inpatient == []
    assert claim.outpatient == ["", "", "MA01", "N20"]
    assert claim.remark_codes == ["MA01", "N20"]
    assert claim.refs == [("EA", "MRN55"), ("1L", "GRP900")]
    assert claim.dates == [
        ("232", date(2024, 1, 10)),
        ("233", date(2024, 1, 11)),
        ("050", date(2024, 2, 1)),
    ]
    assert claim.amounts == [("AU", Decimal("260"))]
    assert claim.quantities == [("CA", Decimal("2"))]
    assert claim.extra_segments == [["PER", "CX", "CLAIM CONTACT", "TE", "8005550000"]]
    assert len(claim.lines) == 2


def test_professional_service_lines(professional: Remittance) -> None:
    first, second = professional.claims[0].lines
    assert (first.qualifier, first.code, first.modifiers) == ("HC", "99214", ["25", "GT"])
    assert first.description == ""
    assert (first.charge, first.paid, first.units) == (Decimal(200), Decimal(140), Decimal(1))
    assert first.revenue_code == ""
    assert (first.original_qualifier, first.original_code, first.original_units) == ("", "", None)
    assert first.service_date == date(2024, 1, 10)
    assert first.service_date_end is None
    assert first.dates == [("472", date(2024, 1, 10))]
    assert first.adjustments == [
        Adjustment("CO", "45", Decimal("50"), Decimal("1"), "line", 1, 1),
        Adjustment("CO", "253", Decimal("10"), None, "line", 1, 2),
    ]
    assert first.control_number == "LINE1"
    assert first.refs == [("LU", "11")]
    assert first.allowed == Decimal("150")
    assert first.amounts == [("KH", Decimal("5"))]
    assert first.quantities == [("ZK", Decimal("1"))]
    assert first.remark_codes == ["N130", "M15"]
    assert first.other_remarks == [("RX", "RX1")]
    assert first.extra_segments == []

    assert (second.qualifier, second.code, second.modifiers) == ("HC", "93000", [])
    assert (second.charge, second.paid) == (Decimal("100"), Decimal("55.5"))
    assert second.original_qualifier == "HC"
    assert second.original_code == "93010"
    assert second.original_modifiers == ["26"]
    assert second.original_description == "ECG INTERP"
    assert second.original_units == Decimal("2")
    assert second.service_date == date(2024, 1, 10)
    assert second.service_date_end == date(2024, 1, 11)
    assert second.dates == [("150", date(2024, 1, 10)), ("151", date(2024, 1, 11))]
    assert second.control_number == "LINE2"
    assert second.allowed == Decimal("55.5")
    assert second.remark_codes == []


def test_professional_denied_claim(professional: Remittance) -> None:
    claim = professional.claims[1]
    assert (claim.patient_control_number, claim.status) == ("PCN1002", "4")
    assert (claim.charge, claim.paid, claim.patient_responsibility) == (
        Decimal(150),
        Decimal(0),
        None,
    )
    assert claim.adjustments == []
    assert claim.remark_codes == ["N115"]
    (line,) = claim.lines
    assert (line.code, line.modifiers, line.units) == ("97110", ["GP"], Decimal(2))
    assert line.adjustments == [Adjustment("CO", "50", Decimal(150), Decimal(2), "line", 1, 1)]
    assert line.remark_codes == ["N115"]
    assert [a.reason for a in claim.all_adjustments()] == ["50"]


def test_professional_provider_adjustments(professional: Remittance) -> None:
    fiscal = date(2024, 12, 31)
    assert professional.provider_adjustments == [
        ProviderAdjustment("1234567893", fiscal, "WO", "PCN0999", Decimal("25"), 1, 1),
        ProviderAdjustment("1234567893", fiscal, "L6", "INT01", Decimal("-5"), 1, 2),
        ProviderAdjustment("1234567893", fiscal, "FB", "REF77", Decimal("10"), 2, 1),
        ProviderAdjustment("1234567893", fiscal, "72", "ADV1", Decimal("-10"), 2, 2),
        ProviderAdjustment("1234567893", fiscal, "CS", "", Decimal("0"), 2, 4),
    ]
    assert professional.provider_adjustment_total() == Decimal("20")
    assert check_balance(professional) == []


def test_institutional_newline_terminator_and_pipes() -> None:
    (rem,) = _read("institutional.835")
    assert rem.envelope.isa_control == "000000202"
    assert rem.envelope.usage == "T"
    assert rem.envelope.st_control == "1001"
    assert rem.payment.amount == Decimal("4700")
    assert rem.payment.method == "CHK"
    assert rem.payment.elements == []
    assert rem.payment.payment_date == date(2024, 4, 2)
    assert rem.payee.id_qualifier == "FI"
    assert rem.header_summaries == [
        (
            "1",
            [
                ["TS3", "1234567890", "13", "20241231", "2", "12000"],
                ["TS2", "5000", *[""] * 14, "2"],
            ],
        ),
        ("2", []),
    ]
    inpatient, reversal, corrected, outpatient = rem.claims
    assert inpatient.header_number == "1"
    assert (inpatient.drg, inpatient.drg_weight) == ("470", Decimal("1.2345"))
    assert inpatient.discharge_fraction == Decimal("1")
    assert inpatient.adjustments == [
        Adjustment("CO", "45", Decimal("5500"), None, "claim", 1, 1),
        Adjustment("PR", "1", Decimal("500"), None, "claim", 2, 1),
    ]
    assert inpatient.patient is not None
    assert inpatient.patient.suffix == "JR"
    assert inpatient.inpatient[:5] == ["4", "", "0", "3000", "MA01"]
    assert len(inpatient.inpatient) == 21
    assert inpatient.remark_codes == ["MA01", "N20", "MA130"]
    assert inpatient.outpatient == []
    assert inpatient.amount_of("AU") == Decimal("4500")
    assert inpatient.date_of("233") == date(2024, 3, 5)

    assert reversal.is_reversal and reversal.header_number == "2"
    assert (reversal.charge, reversal.paid) == (Decimal("-3000"), Decimal("-2000"))
    assert reversal.payer_claim_control_number == "CCN1999"
    assert reversal.frequency == "8"
    assert corrected.patient_control_number == reversal.patient_control_number
    assert corrected.ref("F8") == "CCN1999"
    assert corrected.paid + reversal.paid == Decimal("700")

    first, second = outpatient.lines
    assert (first.qualifier, first.code, first.modifiers) == ("HC", "99284", ["25"])
    assert first.revenue_code == "0450"
    assert first.remark_codes == ["N381"]
    assert (second.qualifier, second.code, second.units) == ("NU", "0300", Decimal(2))
    assert check_balance(rem) == []


def test_several_interchanges_with_their_own_delimiters() -> None:
    rems = _read("multi_interchange.835")
    assert [r.envelope.st_control for r in rems] == ["0001", "0002", "0003", "0001"]
    assert [r.envelope.gs_control for r in rems] == ["301", "301", "302", "401"]
    assert [r.envelope.isa_control for r in rems] == ["000000301"] * 3 + ["000000302"]
    assert [r.segment_number for r in rems] == [3, 12, 22, 31]
    data = (FIXTURES / "multi_interchange.835").read_bytes()
    for rem in rems:
        assert data[rem.byte_offset : rem.byte_offset + len(rem.raw)] == rem.raw
        assert rem.raw.startswith(b"ST") and rem.raw.endswith(b"~")
    notice, paid, debit, other = rems
    assert (notice.payment.handling_code, notice.payment.amount) == ("H", Decimal(0))
    assert notice.claims[0].adjustments == [Adjustment("CO", "29", Decimal(80))]
    assert paid.claims[0].patient_responsibility == Decimal(20)
    assert debit.payment.credit_debit == "D"
    assert debit.claims[0].is_reversal
    assert other.payment.format_code == "CTX"
    assert other.payment.payment_date is None
    (line,) = other.claims[0].lines
    assert (line.code, line.paid, line.control_number) == ("99213", Decimal("12.34"), "B-L1")
    assert line.adjustments == [Adjustment("PR", "2", Decimal("7.66"), None, "line", 1, 1)]
    assert all(check_balance(rem) == [] for rem in rems)


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 333, 4096])
@pytest.mark.parametrize("name", ["professional.835", "institutional.835", "multi_interchange.835"])
def test_chunk_size_does_not_change_the_result(name: str, chunk_size: int) -> None:
    whole = _read(name)
    chunked = _read(name, chunk_size=chunk_size)
    assert chunked == whole
    assert [r.raw for r in chunked] == [r.raw for r in whole]
    assert [r.byte_offset for r in chunked] == [r.byte_offset for r in whole]
    assert [r.segment_number for r in chunked] == [r.segment_number for r in whole]


@pytest.mark.parametrize(
    ("separator", "label"),
    [("~", "no line breaks"), ("~\n", "LF"), ("~\r\n", "CRLF"), ("~\r", "CR")],
)
def test_line_breaks_do_not_matter(separator: str, label: str) -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1").replace("~\n", separator)
    (rem,) = parse_835(text, name=label)
    (expected,) = _read("professional.835")
    assert rem == expected
    data = text.encode("latin-1")
    end = data.index(b"SE*63*0001~") + len(b"SE*63*0001~")  # SE's terminator, no line break
    assert rem.raw == data[data.index(b"ST*835") : end]


def test_mixed_line_breaks_between_segments() -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1")
    segments = text.split("~\n")[:-1]
    mixed = "".join(
        segment + ("~", "~\n", "~\r\n", "~\n\n")[index % 4]
        for index, segment in enumerate(segments)
    )
    (rem,) = parse_835(mixed)
    (expected,) = _read("professional.835")
    assert rem == expected
    assert rem.byte_offset == mixed.index("ST*835")


def test_latin1_bytes_are_kept_not_decoded_as_utf8() -> None:
    text = (FIXTURES / "professional.835").read_bytes().replace(b"DOE*JANE", b"D\xd6E*JANE")
    (rem,) = parse_835(text)
    assert rem.claims[0].patient is not None
    assert rem.claims[0].patient.name == "D\u00d6E"
    assert b"D\xd6E" in rem.raw


def test_str_input_is_read_whatever_its_characters() -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1").replace("JANE", "J\u0101NE")
    (rem,) = parse_835(text)
    assert rem.claims[0].patient is not None
    assert rem.claims[0].patient.first_name == "J\u0101NE"


@pytest.mark.parametrize(
    ("old", "new", "where", "expected"),
    [
        ("CLP*PCN1001*1*300*", "CLP*PCN1001*1*3O0*", "segment 21, CLP03", "a decimal amount"),
        ("*155.5*40*", "*155.5*NaN*", "segment 21, CLP05", "a decimal amount"),
        ("DTM*472*20240110", "DTM*472*20241310", "segment 39, DTM02", "a date as CCYYMMDD"),
        ("*20240306~", "*2024036~", "segment 4, BPR16", "a date as CCYYMMDD"),
        ("CAS*CO*45*50*1*253*10", "CAS*CO*45*50*1*253*1x", "segment 40, CAS06", "a decimal"),
        ("SVC*HC:97110:GP*150*0", "SVC*HC:97110:GP*150*", "segment 58, SVC03", "a decimal"),
        ("CAS*CO*45*44.5", "CAS*CO**44.5", "segment 52, CAS02", "a claim adjustment reason"),
        ("AMT*B6*150", "AMT*B6*1,50", "segment 43, AMT02", "a decimal amount"),
        (
            "PLB*1234567893*20241231*WO:PCN0999*25",
            "PLB*1234567893*20241231*WO:PCN0999*x",
            "segment 63, PLB04",
            "a decimal amount",
        ),
        ("ST*835*0001", "ST*837*0001", "segment 3, ST01", "835"),
    ],
)
def test_bad_content_names_file_segment_element_and_expectation(
    old: str, new: str, where: str, expected: str
) -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1")
    assert old in text
    with pytest.raises(X12SyntaxError) as caught:
        parse_835(text.replace(old, new, 1), name="bad.835")
    message = str(caught.value)
    assert message.startswith(f"bad.835, {where}"), message
    assert f"(expected {expected}" in message


def test_bad_transaction_is_rejected_and_reading_goes_on() -> None:
    data = (FIXTURES / "multi_interchange.835").read_bytes()
    data = data.replace(b"CLP*PAY2*1*70*50*", b"CLP*PAY2*1*7O*50*")
    items = list(read_835(_stream(data), name="m.835"))
    assert [type(item).__name__ for item in items] == [
        "Remittance",
        "RejectedTransaction",
        "Remittance",
        "Remittance",
    ]
    rejected = items[1]
    assert isinstance(rejected, RejectedTransaction)
    assert (rejected.file, rejected.st_control, rejected.segment_number) == ("m.835", "0002", 12)
    assert rejected.raw.startswith(b"ST*835*0002") and rejected.raw.endswith(b"SE*8*0002~")
    assert data[rejected.byte_offset :].startswith(rejected.raw)
    assert str(rejected.error) == (
        "m.835, segment 17, CLP03 '7O': not a decimal amount (expected a decimal amount)"
    )


def test_missing_bpr_and_misplaced_segments_are_rejected() -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1")
    no_bpr = "".join(s + "~\n" for s in text.split("~\n") if s and not s.startswith("BPR"))
    no_bpr = no_bpr.replace("SE*63*", "SE*62*")
    with pytest.raises(X12SyntaxError, match="no BPR"):
        parse_835(no_bpr)
    early_svc = text.replace("LX*1~\n", "LX*1~\nSVC*HC:1*1*1~\n").replace("SE*63*", "SE*64*")
    with pytest.raises(X12SyntaxError, match="SVC outside a claim"):
        parse_835(early_svc)


def test_unknown_segments_are_kept_verbatim_in_their_loop() -> None:
    text = (FIXTURES / "professional.835").read_text("latin-1")
    text = text.replace("DTM*405*20240305~\n", "DTM*405*20240305~\nZZ1*HEADER*X~\n")
    text = text.replace("LX*1~\n", "LX*1~\nZZ2*SUMMARY~\n")
    text = text.replace("QTY*CA*2~\n", "QTY*CA*2~\nZZ3*CLAIM~\n")
    text = text.replace("REF*6R*LINE3~\n", "REF*6R*LINE3~\nZZ4*LINE*:~\n")
    text = text.replace("SE*63*", "SE*67*")
    (rem,) = parse_835(text)
    assert rem.extra_segments == [["ZZ1", "HEADER", "X"]]
    assert rem.header_summaries == [("1", [["ZZ2", "SUMMARY"]])]
    assert rem.claims[0].extra_segments[-1] == ["ZZ3", "CLAIM"]
    assert rem.claims[1].lines[0].extra_segments == [["ZZ4", "LINE", ":"]]


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "12",
        "-12.5",
        ".75",
        "-.5",
        "1.",
        "007.10",
        "1e5",
        "+5",
        " 5",
        "5 ",
        "1_000",
        "--5",
        "5-",
        "1.2.3",
        ".",
        "-",
        "",
        "NaN",
        "Infinity",
        "\u0661",
        "12,5",
        "-0",
    ],
)
def test_amounts_are_read_exactly_as_the_money_parser_reads_them(text: str) -> None:
    from denialops.money import parse_amount
    from denialops.x12.parse835 import _amount

    try:
        expected: Decimal | None = parse_amount(text)
    except ValueError:
        expected = None
    try:
        found: Decimal | None = _amount(text, 7, "AMT", 2)
    except X12SyntaxError as exc:
        assert exc.segment_number == 7 and exc.element == 2
        found = None
    assert found == expected and str(found) == str(expected)
