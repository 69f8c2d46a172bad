"""The 835 writer: exact text, envelope counts and control numbers, delimiters, ISA width."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from denialops.errors import X12SyntaxError
from denialops.x12 import parse_835
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
from denialops.x12.write835 import format_835, write_835

D = Decimal


def small_remittance(**envelope: str) -> Remittance:
    """One professional claim, one line with a partial denial, and a PLB recoupment."""
    line = ServiceLine(
        qualifier="HC",
        code="99214",
        modifiers=["25"],
        charge=D("200.00"),
        paid=D("80.50"),
        units=D("1"),
        service_date=date(2025, 3, 4),
        dates=[("472", date(2025, 3, 4))],
        control_number="P1-1",
        allowed=D("100.50"),
        remark_codes=["N115"],
        adjustments=[
            Adjustment("CO", "45", D("99.50"), level="line", segment_order=1, position=1),
            Adjustment("PR", "2", D("20"), level="line", segment_order=2, position=1),
        ],
    )
    claim = Claim(
        patient_control_number="P1",
        status="1",
        charge=D("200"),
        paid=D("80.50"),
        patient_responsibility=D("20"),
        filing_indicator="MB",
        payer_claim_control_number="ICN1",
        facility_type="11",
        frequency="1",
        header_number="1",
        patient=Party("QC", "DOE", "JANE", entity_type="1", id_qualifier="MI", identifier="ZZ1"),
        rendering=Party(
            "82", "DEMOMD", "ALEX", entity_type="1", id_qualifier="XX", identifier="1000000012"
        ),  # fmt: skip
        dates=[("050", date(2025, 3, 6))],
        lines=[line],
    )
    return Remittance(
        envelope=Envelope(**envelope),
        payment=Payment("I", D("70.50"), "C", "CHK", payment_date=date(2025, 4, 1)),
        trace_type="1",
        trace_number="TR1",
        trace_originator="1900000102",
        production_date=date(2025, 3, 30),
        payer=Party("PR", "MEDICARE", refs=[("2U", "12302")]),
        payee=Party("PE", "GROUP", id_qualifier="XX", identifier="1000000012"),
        claims=[claim],
        header_summaries=[("1", [])],
        provider_adjustments=[
            ProviderAdjustment("1000000012", date(2025, 12, 31), "WO", "ICN0", D("10"))
        ],
    )


EXPECTED_BODY = [
    "ST*835*0001*005010X221A1",
    "BPR*I*70.5*C*CHK************20250401",
    "TRN*1*TR1*1900000102",
    "DTM*405*20250330",
    "N1*PR*MEDICARE",
    "REF*2U*12302",
    "N1*PE*GROUP*XX*1000000012",
    "LX*1",
    "CLP*P1*1*200*80.5*20*MB*ICN1*11*1",
    "NM1*QC*1*DOE*JANE****MI*ZZ1",
    "NM1*82*1*DEMOMD*ALEX****XX*1000000012",
    "DTM*050*20250306",
    "SVC*HC:99214:25*200*80.5**1",
    "DTM*472*20250304",
    "CAS*CO*45*99.5",
    "CAS*PR*2*20",
    "REF*6R*P1-1",
    "AMT*B6*100.5",
    "LQ*HE*N115",
    "PLB*1000000012*20251231*WO:ICN0*10",
    "SE*21*0001",
]


def test_exact_text_of_a_small_remittance() -> None:
    text = format_835([small_remittance()])
    lines = text.splitlines()
    assert lines[0] == (
        "ISA*00*          *00*          *ZZ*DENIALOPS      *ZZ*PROVIDER       "
        "*250330*0000*^*00501*000000001*0*P*:~"
    )
    assert lines[1] == "GS*HP*DENIALOPS*PROVIDER*20250330*0000*1*X*005010X221A1~"
    assert [line.rstrip("~") for line in lines[2:-2]] == EXPECTED_BODY
    assert lines[-2:] == ["GE*1*1~", "IEA*1*000000001~"]
    assert text.endswith("~\n")


def test_isa_is_fixed_width_and_padded() -> None:
    text = format_835(
        [small_remittance()], sender_id="S", receiver_id="R" * 15, interchange_control=42,
        usage="T",
    )  # fmt: skip
    isa = text[: text.index("~") + 1]
    assert len(isa) == 106
    fields = isa[:-1].split("*")
    assert [len(f) for f in fields[1:]] == [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    assert fields[6] == "S" + " " * 14 and fields[13] == "000000042" and fields[15] == "T"
    assert text.rstrip("\n").endswith("IEA*1*000000042~")


def test_counts_and_control_numbers_across_groups() -> None:
    first = small_remittance(gs_control="7", st_control="1001")
    second = small_remittance(gs_control="7", st_control="1002")
    third = small_remittance(gs_control="8", gs_sender="OTHER")
    out = io.StringIO()
    written = write_835([first, second, third], out)
    segments = [s.strip() for s in out.getvalue().split("~") if s.strip()]
    assert written == len(segments)
    ids = [s.split("*")[0] for s in segments]
    assert ids.count("GS") == 2 and ids.count("ST") == 3
    gs = [s.split("*") for s in segments if s.startswith(("GS*", "GE*"))]
    assert [g[0] for g in gs] == ["GS", "GE", "GS", "GE"]
    assert gs[0][6] == "7" and gs[1] == ["GE", "2", "7"]  # GE01 = sets in the group
    assert gs[2][6] == "8" and gs[3] == ["GE", "1", "8"]
    assert segments[-1] == "IEA*2*000000001"  # IEA01 = groups
    for st_index in [i for i, s in enumerate(ids) if s == "ST"]:
        se_index = ids.index("SE", st_index)
        se = segments[se_index].split("*")
        assert int(se[1]) == se_index - st_index + 1  # SE01 counts ST..SE
        assert se[2] == segments[st_index].split("*")[2]  # SE02 = ST02
    assert [r.envelope.st_control for r in parse_835(out.getvalue())] == ["1001", "1002", "0001"]


def test_other_delimiters_without_line_breaks() -> None:
    text = format_835(
        [small_remittance()], element="|", component=">", repetition="{", segment="}",
        line_breaks=False,
    )  # fmt: skip
    assert "\n" not in text and "*" not in text and "~" not in text
    assert text[3] == "|" and text[82] == "{" and text[104] == ">" and text[105] == "}"
    assert "SVC|HC>99214>25|200|80.5||1}" in text
    assert "PLB|1000000012|20251231|WO>ICN0|10}" in text
    assert parse_835(text)[0].claims == small_remittance().claims


def test_cas_and_plb_rebuilt_from_segment_order_and_position() -> None:
    rem = small_remittance()
    claim = rem.claims[0]
    claim.adjustments = [
        Adjustment("CO", "45", D("1"), segment_order=1, position=1),
        Adjustment("CO", "253", D("2"), D("3"), segment_order=1, position=3),
        Adjustment("CO", "97", D("4"), segment_order=2, position=1),
    ]
    rem.provider_adjustments = [
        ProviderAdjustment("P", None, "L6", "", D("-1.25"), 1, 1),
        ProviderAdjustment("P", None, "CS", "X", D("2"), 1, 2),
        ProviderAdjustment("P", None, "FB", "Y", D("3"), 2, 1),
    ]
    text = format_835([rem])
    assert "CAS*CO*45*1*****253*2*3~\nCAS*CO*97*4~" in text
    assert "PLB*P**L6*-1.25*CS:X*2~\nPLB*P**FB:Y*3~" in text
    assert parse_835(text)[0].claims[0].adjustments == claim.adjustments


def test_adjustments_without_positions_are_packed_six_to_a_segment() -> None:
    rem = small_remittance()
    rem.claims[0].adjustments = [Adjustment("CO", str(n), D(n)) for n in range(1, 9)]
    text = format_835([rem])
    assert "CAS*CO*1*1**2*2**3*3**4*4**5*5**6*6~\nCAS*CO*7*7**8*8~" in text


def test_amounts_are_canonical_and_dates_ccyymmdd() -> None:
    rem = small_remittance()
    rem.payment.amount = D("1E+3")
    rem.claims[0].charge = D("-0.10")
    text = format_835([rem])
    assert "BPR*I*1000*C*CHK" in text and "CLP*P1*1*-0.1*" in text
    assert "DTM*405*20250330~" in text


def test_remarks_without_mia_or_moa_go_to_moa() -> None:
    rem = small_remittance()
    rem.claims[0].remark_codes = ["MA130", "M76"]
    assert "MOA***MA130*M76~" in format_835([rem])


def test_data_with_a_delimiter_is_refused_with_its_position() -> None:
    rem = small_remittance()
    rem.claims[0].patient_control_number = "A*B"
    with pytest.raises(X12SyntaxError) as caught:
        format_835([rem])
    assert caught.value.segment_id == "CLP" and caught.value.element == 1
    assert caught.value.segment_number == 11  # ISA, GS, ST ... CLP is the 11th segment
    rem.claims[0].patient_control_number = "P1"
    rem.claims[0].lines[0].code = "99:14"
    with pytest.raises(X12SyntaxError, match="SVC01"):
        format_835([rem])


@pytest.mark.parametrize(
    "options",
    [
        {"element": "**"},
        {"element": "A"},
        {"element": ":", "component": ":"},
        {"interchange_control": 10**9},
        {"usage": "X"},
        {"sender_id": "X" * 16},
        {"sender_id": "A*B"},
    ],
)
def test_unusable_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        format_835([small_remittance()], **options)  # type: ignore[arg-type]


def test_no_remittances_is_still_a_valid_interchange() -> None:
    text = format_835([])
    assert text.splitlines()[-1] == "IEA*0*000000001~"
    assert parse_835(text) == []
