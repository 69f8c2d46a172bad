"""The loader writes a remittance field by field, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from denialops.store import load, schema
from denialops.x12.remittance import Adjustment, ProviderAdjustment, Remittance
from tests.store.factories import claim, remittance, service_line

D = Decimal


def _store(engine: Engine, rem: object, flags: load.BalanceFlags | None = None) -> int:
    assert isinstance(rem, load.Remittance)
    with engine.begin() as conn:
        file_id = conn.execute(
            schema.SourceFile.__table__.insert().returning(schema.SourceFile.id),
            {
                "path": "x.835",
                "name": "x.835",
                "sha256": uuid.uuid4().hex,
                "size_bytes": 1,
                "ingested_at": load.datetime.now(load.UTC),
                "transactions": 0,
                "quarantined": 0,
            },
        ).scalar_one()
        stored = load.store_remittance(
            conn,
            rem,
            file_id,
            fingerprint_value=load.fingerprint(rem),
            flags=flags or load.BalanceFlags(),
        )
    return stored.remittance_id


def test_every_not_null_column_is_written() -> None:
    for table, columns in (
        (load.REMITTANCE, load.REMITTANCE_COLUMNS),
        (load.CLAIM, load.CLAIM_COLUMNS),
        (load.SERVICE_LINE, load.LINE_COLUMNS),
        (load.ADJUSTMENT, load.ADJUSTMENT_COLUMNS),
        (load.PROVIDER_ADJUSTMENT, load.PLB_COLUMNS),
    ):
        names = set(table.c.keys())
        assert set(columns) <= names, table.name
        required = {c.name for c in table.c if not c.nullable}
        assert required <= set(columns), (table.name, required - set(columns))


def test_remittance_is_stored_field_by_field(engine: Engine) -> None:
    line1 = service_line(
        "99214", "200.00", "120.00", modifiers=["25", "59", "XU", "GT"], remarks=["N130"]
    )
    line2 = service_line("J1100", "50.00", "0.00", group="CO", reason="50", control="LN2")
    line2.original_code = "J1200"
    line2.original_units = D("2")
    line2.dates.append(("151", date(2024, 3, 5)))
    line2.service_date_end = date(2024, 3, 5)
    line2.refs.append(("LU", "LOC1"))
    first = claim(
        "PCN-A",
        lines=[line1, line2],
        claim_adjustments=[Adjustment(group="PR", reason="2", amount=D("10.00"), quantity=D("1"))],
    )
    plb = ProviderAdjustment(
        provider_id="1999999984",
        fiscal_period_date=date(2024, 12, 31),
        reason="WO",
        reference="OVP123",
        amount=D("15.50"),
    )
    rem = remittance([first], plb=[plb])
    rem_id = _store(engine, rem)

    with engine.connect() as conn:
        r = conn.execute(select(schema.Remittance).where(schema.Remittance.id == rem_id)).one()
        assert r.fingerprint == load.fingerprint(rem)
        assert (r.isa_control, r.gs_control, r.st_control) == ("000000001", "1", "0001")
        assert (r.sender_id, r.receiver_id, r.version) == ("SENDER", "RECEIVER", "005010X221A1")
        assert r.payment_amount == D("94.50")  # 110 paid - 15.50 PLB
        assert (r.credit_debit, r.payment_method, r.handling_code) == ("C", "ACH", "I")
        assert r.payment_date == date(2024, 3, 15)
        assert r.production_date == date(2024, 3, 14)
        assert (r.trace_number, r.trace_originator, r.payer_id) == (
            "TRACE1",
            "1999999999",
            "PAYER1",
        )
        assert (r.payer_name, r.payee_name) == ("ACME HEALTH", "GENERAL HOSPITAL")
        assert (r.payee_id_qualifier, r.payee_id) == ("XX", "1999999984")
        assert r.claim_count == 1
        assert r.total_charge == D("250.00")
        assert r.total_paid == D("110.00")
        assert r.plb_total == D("15.50")
        assert r.balanced is True
        assert r.balance_errors == []
        assert r.detail["envelope"]["st_control"] == "0001"
        assert r.detail["payer"]["identifier"] == "PAYER1"
        assert zlib.decompress(r.raw_x12) == rem.raw
        assert r.ingested_at is not None

        c = conn.execute(select(schema.Claim).where(schema.Claim.remittance_id == rem_id)).one()
        assert (c.seq, c.payer_id, c.patient_control_number, c.status) == (
            1,
            "PAYER1",
            "PCN-A",
            "1",
        )
        assert (c.charge, c.paid, c.patient_responsibility) == (D("250.00"), D("110.00"), D("0"))
        assert (c.filing_indicator, c.payer_claim_control_number) == ("MC", "ICN1")
        assert (c.facility_type, c.frequency, c.drg) == ("11", "1", "")
        assert (c.patient_id, c.patient_last_name, c.patient_first_name) == ("M123", "DOE", "JANE")
        assert c.rendering_npi == "1234567893"
        assert (c.statement_from, c.statement_to) == (date(2024, 3, 1), date(2024, 3, 4))
        assert c.received_date == date(2024, 3, 10)
        assert c.service_date == date(2024, 3, 4)
        assert c.remark_codes == ["MA01"]
        assert c.line_count == 2
        assert c.balanced is True
        assert c.reverses_claim_id is None and c.reversed_by_claim_id is None
        assert c.denial_status == "paid"
        assert c.denied_amount == D("0")
        assert c.detail["refs"] == [["EA", "MRN9"]]
        assert c.detail["patient"] == {"entity_type": "1", "id_qualifier": "MI"}
        assert c.detail["rendering"]["name"] == "SMITH"
        assert "dates" not in c.detail  # 232/233/050 are columns
        assert c.detail["outpatient"] == ["", "", "MA01"]
        assert c.detail["amounts"] == [["AU", "110.00"]]

        lines = conn.execute(
            select(schema.ServiceLine)
            .where(schema.ServiceLine.claim_id == c.id)
            .order_by(schema.ServiceLine.seq)
        ).all()
        assert [ln.seq for ln in lines] == [1, 2]
        a, b = lines
        assert (a.qualifier, a.code) == ("HC", "99214")
        assert (a.modifier1, a.modifier2, a.modifier3, a.modifier4) == ("25", "59", "XU", "GT")
        assert (a.charge, a.paid, a.allowed, a.units) == (D("200"), D("120"), D("120"), D("1"))
        assert a.service_date == date(2024, 3, 4) and a.service_date_end is None
        assert a.control_number == "LN1"
        assert a.remark_codes == ["N130"]
        assert a.balanced is True
        assert a.detail == {}  # everything is in columns
        assert (b.code, b.original_code, b.modifier2, b.paid) == ("J1100", "J1200", "", D("0"))
        assert b.service_date_end == date(2024, 3, 5)
        assert b.detail == {
            "original_units": "2",
            "dates": [["472", "2024-03-04"], ["151", "2024-03-05"]],
            "refs": [["LU", "LOC1"]],
        }

        adjustments = conn.execute(
            select(schema.Adjustment)
            .where(schema.Adjustment.remittance_id == rem_id)
            .order_by(schema.Adjustment.id)
        ).all()
        got = [
            (x.level, x.service_line_id, x.group_code, x.reason_code, x.amount, x.quantity, x.rarcs)
            for x in adjustments
        ]
        assert got == [
            ("claim", None, "PR", "2", D("10.00"), D("1"), ["MA01"]),
            ("line", a.id, "CO", "45", D("80.00"), None, ["N130"]),
            ("line", b.id, "CO", "50", D("50.00"), None, ["MA01"]),  # no LQ: claim RARCs
        ]
        assert all(x.claim_id == c.id and x.is_denial is None for x in adjustments)
        assert all(x.needs_review is False for x in adjustments)

        p = conn.execute(
            select(schema.ProviderAdjustment).where(
                schema.ProviderAdjustment.remittance_id == rem_id
            )
        ).one()
        assert (p.provider_id, p.fiscal_period_date) == ("1999999984", date(2024, 12, 31))
        assert (p.reason, p.reference, p.amount) == ("WO", "OVP123", D("15.50"))
        assert (p.segment_order, p.position) == (1, 1)


def test_unbalanced_parts_are_flagged_not_fixed(engine: Engine) -> None:
    bad = claim("PCN-B", lines=[service_line(), service_line(control="LN2")])
    bad.paid = D("1.00")  # does not balance: stored as received
    flags = load.BalanceFlags(payment=False, claims={0}, lines={(0, 1)}, messages=["off"])
    rem_id = _store(engine, remittance([bad], payment_amount=D("999")), flags)
    with engine.connect() as conn:
        r = conn.execute(select(schema.Remittance).where(schema.Remittance.id == rem_id)).one()
        assert (r.balanced, r.balance_errors, r.payment_amount) == (False, ["off"], D("999"))
        c = conn.execute(select(schema.Claim)).one()
        assert (c.balanced, c.paid) == (False, D("1.00"))
        balanced = conn.execute(
            select(schema.ServiceLine.balanced).order_by(schema.ServiceLine.seq)
        ).scalars()
        assert list(balanced) == [True, False]


def test_ids_continue_after_existing_rows(engine: Engine) -> None:
    first = _store(engine, remittance([claim("P1"), claim("P2")], trace="T1"))
    second = _store(engine, remittance([claim("P3")], trace="T2"))
    assert second > first
    with engine.connect() as conn:
        ids = conn.execute(select(schema.Claim.id).order_by(schema.Claim.id)).scalars().all()
        assert len(set(ids)) == 3
        count = conn.execute(select(func.count()).select_from(schema.ServiceLine)).scalar_one()
        assert count == 3


def test_fingerprint_identifies_the_payment_not_the_file() -> None:
    a = remittance(trace="T1")
    b = remittance(trace="T1", st_control="0999")  # same payment, different envelope
    c = remittance(trace="T2")
    assert load.fingerprint(a) == load.fingerprint(b)
    assert load.fingerprint(a) != load.fingerprint(c)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("professional.835", "0c3d1f4f2afd0f1af9d97cb4bebca27dc94f49ac1450ceff297f827726dba036"),
        ("institutional.835", "56ca99b16c5f8f56bf6e5bf75e93591227dc188002ca809f60f6843da32bca51"),
    ],
)
def test_fingerprint_is_stable_across_versions(name: str, expected: str) -> None:
    """Stored rows are recognised by these digests: computing them faster (or chunk by
    chunk) must never change them (values from the release before the change)."""
    from denialops.x12 import read_835

    (rem,) = list(read_835(FIXTURES / name))
    assert isinstance(rem, Remittance)
    assert load.fingerprint(rem) == expected
    chunked = [load.claim_parts(rem.claims[:1]), load.claim_parts(rem.claims[1:])]
    assert load.fingerprint_of(load.envelope_fingerprint(rem), chunked, rem) == expected


def test_memoised_conversion_keeps_negative_zero_apart() -> None:
    from denialops.money import fmt

    memo = load.memoised(fmt)
    assert [memo(Decimal("1.5")), memo(Decimal("1.50")), memo(Decimal("-0"))] == [
        "1.50",
        "1.50",
        "-0.00",
    ]
    assert memo(Decimal("0")) == "0.00"


def test_party_detail_keeps_every_field_in_declaration_order() -> None:
    from denialops.x12.remittance import Party

    party = Party(
        "IL", "DOE", "JANE", "Q", "JR", "1", "MI", "M1", ["1 MAIN ST"], "AUSTIN", "TX",
        "78701", "US", [("SY", "123")], [["IC", "JANE"]], [["N2", "X"]],
    )  # fmt: skip
    expected = {name: getattr(party, name) for name in Party.__slots__}
    assert list(load._party(party).items()) == list(expected.items())
    assert "name" not in load._party(party, frozenset({"name"}))
    assert load._party(Party("PR")) == {"entity": "PR"}
