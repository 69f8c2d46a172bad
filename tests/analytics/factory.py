"""A small hand-made denial data set, inserted with SQLAlchemy Core.

Every expected value in the analytics tests is worked out from the rows below, so the
rows are kept few and listed in one place.

Remittances: R1 payer P1 2026-01-10 facility F1; R2 payer P2 2026-01-20 facility F1;
R3 payer P1 2026-02-15 facility F2.

claim  remit pcn status freq charge   paid    pr     denials (group-CARC amount family)
C1     R1    A   1      1    1000.00  800.00  50.00  line L2 CO-50 50.00 clinical (M127)
C2     R1    B   4      1     500.00    0.00   0.00  claim CO-16 500.00 technical
C3     R1    C   1      1     300.00  300.00   0.00  -
C4     R2    D   1      1    2000.00 1500.00 100.00  line L4 CO-97 250.00 coding,
                                                      line L5 CO-50 150.25 clinical
C5     R2    E   2      1     100.00  100.00   0.00  -
C6     R3    B   1      7     500.00  450.00   0.00  - (corrected claim of C2)
C7     R3    A   22     1   -1000.00 -800.00 -50.00  - (reversal of C1)
C8     R3    A   1      1    1000.00  850.00  50.00  claim OA-18 100.00 administrative
Non-denial adjustments: L1 CO-45 100.00 on C1, L3 PR-2 40.00 on C4.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert

from denialops.store import schema
from denialops.work import tables as work

D = Decimal
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _remittance(rid: int, payer: str, paid_on: date, payee: str) -> dict[str, Any]:
    return {
        "id": rid,
        "file_id": 1,
        "fingerprint": f"fp{rid}",
        "segment_number": 1,
        "isa_control": "1",
        "gs_control": "1",
        "st_control": str(rid),
        "sender_id": "S",
        "receiver_id": "R",
        "version": "005010X221A1",
        "handling_code": "I",
        "payment_amount": D("0"),
        "credit_debit": "C",
        "payment_method": "ACH",
        "payment_date": paid_on,
        "trace_number": f"T{rid}",
        "trace_originator": "1",
        "production_date": paid_on,
        "payer_id": payer,
        "payer_name": f"Payer {payer}",
        "payee_name": f"Facility {payee}",
        "payee_id_qualifier": "XX",
        "payee_id": payee,
        "claim_count": 1,
        "total_charge": D("0"),
        "total_paid": D("0"),
        "plb_total": D("0"),
        "balanced": True,
        "balance_errors": [],
        "detail": {},
        "raw_x12": b"",
        "ingested_at": NOW,
    }


def _claim(
    cid: int, rid: int, payer: str, pcn: str, status: str, freq: str, charge: str, paid: str,
    pr: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": cid,
        "remittance_id": rid,
        "seq": cid,
        "payer_id": payer,
        "patient_control_number": pcn,
        "status": status,
        "charge": D(charge),
        "paid": D(paid),
        "patient_responsibility": D(pr),
        "filing_indicator": "MB",
        "payer_claim_control_number": f"ICN{cid}",
        "facility_type": "13" if payer == "P1" else "11",
        "frequency": freq,
        "drg": "",
        "patient_id": "",
        "patient_last_name": "",
        "patient_first_name": "",
        "rendering_npi": "1111111111" if cid % 2 else "2222222222",
        "statement_from": None,
        "statement_to": None,
        "received_date": None,
        "service_date": date(2026, 1, 2),
        "remark_codes": [],
        "line_count": 1,
        "balanced": True,
        "reverses_claim_id": 1 if cid == 7 else None,
        "reversed_by_claim_id": 7 if cid == 1 else None,
        "denial_status": "paid",
        "primary_denial_category": None,
        "primary_denial_family": None,
        "denied_amount": D("0"),
        "detail": {},
    }


def _line(lid: int, cid: int, code: str, rev: str, charge: str, paid: str) -> dict[str, Any]:
    return {
        "id": lid,
        "claim_id": cid,
        "seq": lid,
        "qualifier": "HC",
        "code": code,
        "modifier1": "",
        "modifier2": "",
        "modifier3": "",
        "modifier4": "",
        "charge": D(charge),
        "paid": D(paid),
        "revenue_code": rev,
        "units": D("1"),
        "original_code": "",
        "service_date": date(2026, 1, 2),
        "service_date_end": None,
        "control_number": f"L{lid}",
        "allowed": None,
        "remark_codes": [],
        "balanced": True,
        "detail": {},
    }


def _adj(
    aid: int, rid: int, cid: int, lid: int | None, group: str, carc: str, amount: str,
    family: str | None = None, category: str | None = None, step: str | None = None,
    owner: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    denial = family is not None
    return {
        "id": aid,
        "remittance_id": rid,
        "claim_id": cid,
        "service_line_id": lid,
        "level": "line" if lid else "claim",
        "segment_order": aid,
        "position": 1,
        "group_code": group,
        "reason_code": carc,
        "amount": D(amount),
        "quantity": None,
        "rarcs": [],
        "is_denial": denial,
        "family": family,
        "category": category,
        "soft_or_hard": "hard" if denial else None,
        "process_step": step,
        "owner": owner,
        "next_action": "appeal" if denial else None,
        "rule_id": "test",
        "ruleset_version": "t1",
        "needs_review": False,
    }


REMITTANCES = [
    _remittance(1, "P1", date(2026, 1, 10), "F1"),
    _remittance(2, "P2", date(2026, 1, 20), "F1"),
    _remittance(3, "P1", date(2026, 2, 15), "F2"),
]
CLAIMS = [
    _claim(1, 1, "P1", "A", "1", "1", "1000.00", "800.00", "50.00"),
    _claim(2, 1, "P1", "B", "4", "1", "500.00", "0.00", "0.00"),
    _claim(3, 1, "P1", "C", "1", "1", "300.00", "300.00", "0.00"),
    _claim(4, 2, "P2", "D", "1", "1", "2000.00", "1500.00", "100.00"),
    _claim(5, 2, "P2", "E", "2", "1", "100.00", "100.00", "0.00"),
    _claim(6, 3, "P1", "B", "1", "7", "500.00", "450.00", "0.00"),
    _claim(7, 3, "P1", "A", "22", "1", "-1000.00", "-800.00", "-50.00"),
    _claim(8, 3, "P1", "A", "1", "1", "1000.00", "850.00", "50.00"),
]
LINES = [
    _line(1, 1, "99213", "", "600.00", "500.00"),
    _line(2, 1, "71045", "0320", "400.00", "300.00"),
    _line(3, 2, "99283", "0450", "500.00", "0.00"),
    _line(4, 4, "93010", "0730", "1000.00", "750.00"),
    _line(5, 4, "99285", "0450", "1000.00", "750.00"),
]
ADJUSTMENTS = [
    _adj(1, 1, 1, 1, "CO", "45", "100.00"),
    {
        **_adj(
            2,
            1,
            1,
            2,
            "CO",
            "50",
            "50.00",
            "clinical",
            "medical_necessity",
            "documentation",
            "ur_cdi",
        ),
        "rarcs": ["M127"],
    },  # fmt: skip
    _adj(
        3,
        1,
        2,
        None,
        "CO",
        "16",
        "500.00",
        "technical",
        "missing_information",
        "billing",
        "billing",
    ),  # noqa: E501
    _adj(4, 2, 4, 4, "CO", "97", "250.00", "coding", "bundling_ncci", "coding", "coding_him"),
    _adj(
        5,
        2,
        4,
        5,
        "CO",
        "50",
        "150.25",
        "clinical",
        "medical_necessity",
        "utilization_review",
        "ur_cdi",
    ),  # noqa: E501
    _adj(6, 2, 4, 4, "PR", "2", "40.00"),
    _adj(7, 3, 8, None, "OA", "18", "100.00", "administrative", "duplicate", "billing", "billing"),  # noqa: E501
]


SOURCE_FILE = {
    "id": 1,
    "path": "x.835",
    "name": "x.835",
    "sha256": "0" * 64,
    "size_bytes": 1,
    "ingested_at": NOW,
    "transactions": 3,
    "quarantined": 0,
}


def insert_base(conn: Connection) -> None:
    conn.execute(insert(schema.SourceFile), [SOURCE_FILE])
    conn.execute(insert(schema.Remittance), REMITTANCES)
    # claims reference each other (reversal links): insert without links, then link.
    unlinked = [{**c, "reverses_claim_id": None, "reversed_by_claim_id": None} for c in CLAIMS]
    conn.execute(insert(schema.Claim), unlinked)
    conn.execute(
        schema.Claim.__table__.update()
        .where(schema.Claim.__table__.c.id == 7)
        .values(reverses_claim_id=1)
    )
    conn.execute(insert(schema.ServiceLine), LINES)
    conn.execute(insert(schema.Adjustment), ADJUSTMENTS)


def _case(
    kid: int, claim: int, rid: int, payer: str, pcn: str, state: str, at_risk: str,
    recovered: str, determined: date, deadline: date | None, closed: datetime | None,
    family: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": kid,
        "claim_id": claim,
        "remittance_id": rid,
        "payer_id": payer,
        "patient_control_number": pcn,
        "payer_claim_control_number": f"ICN{claim}",
        "filing_indicator": "MB",
        "denial_status": "partially_denied",
        "family": family,
        "category": None,
        "owner": "billing",
        "next_action": None,
        "soft_or_hard": None,
        "billed": D("0"),
        "paid_initial": D("0"),
        "at_risk": D(at_risk),
        "service_date": None,
        "determination_date": determined,
        "state": state,
        "appeal_level": 0,
        "assignee": None,
        "due_date": None,
        "next_deadline": deadline,
        "next_deadline_kind": None,
        "paid_to_date": D("0"),
        "recovered": D(recovered),
        "outcome_remittance_id": None,
        "opened_at": NOW,
        "updated_at": NOW,
        "closed_at": closed,
        "version": 1,
    }


CASES = [
    _case(
        1,
        1,
        1,
        "P1",
        "A",
        "appealed",
        "50.00",
        "0.00",
        date(2026, 1, 10),
        date(2026, 4, 20),
        None,
        "clinical",
    ),  # noqa: E501
    _case(
        2,
        2,
        1,
        "P1",
        "B",
        "won",
        "500.00",
        "450.00",
        date(2026, 1, 10),
        None,
        datetime(2026, 2, 15, tzinfo=UTC),
        "technical",
    ),  # noqa: E501
    _case(
        4,
        4,
        2,
        "P2",
        "D",
        "in_progress",
        "400.25",
        "0.00",
        date(2026, 1, 20),
        date(2026, 5, 20),
        None,
        "coding",
    ),  # noqa: E501
    _case(
        8,
        8,
        3,
        "P1",
        "A",
        "written_off",
        "100.00",
        "0.00",
        date(2026, 2, 15),
        None,
        datetime(2026, 2, 28, tzinfo=UTC),
        "administrative",
    ),  # noqa: E501
]
CASE_ADJUSTMENTS = [(1, 1, 2), (2, 2, 3), (3, 4, 4), (4, 4, 5), (5, 8, 7)]
APPEALS = [
    # id, case, level, kind, submitted, decided, outcome, recovered
    (1, 1, 1, "appeal", date(2026, 1, 25), date(2026, 3, 1), "won", "50.00"),
    (2, 4, 1, "peer_to_peer", date(2026, 2, 1), date(2026, 2, 11), "lost", "0.00"),
    (3, 4, 2, "appeal", date(2026, 2, 20), None, None, None),
]


def insert_work(conn: Connection) -> None:
    conn.execute(insert(work.DenialCase), CASES)
    adjustments = {a["id"]: a for a in ADJUSTMENTS}
    conn.execute(
        insert(work.CaseAdjustment),
        [
            {
                "id": i,
                "case_id": k,
                "adjustment_id": a,
                "service_line_id": adjustments[a]["service_line_id"],
                "group_code": adjustments[a]["group_code"],
                "reason_code": adjustments[a]["reason_code"],
                "amount": adjustments[a]["amount"],
                "family": adjustments[a]["family"],
                "category": adjustments[a]["category"],
                "owner": adjustments[a]["owner"],
            }
            for i, k, a in CASE_ADJUSTMENTS
        ],
    )
    conn.execute(
        insert(work.CaseEvent),
        [
            {
                "id": 1,
                "case_id": 2,
                "at": datetime(2026, 1, 17, 9, 30, tzinfo=UTC),
                "actor": "biller",
                "action": "move",
                "field": "state",
                "old_value": "in_progress",
                "new_value": "resubmitted",
                "remittance_id": None,
                "source_claim_id": None,
                "note": None,
            }
        ],
    )
    conn.execute(
        insert(work.Appeal),
        [
            {
                "id": i,
                "case_id": k,
                "level": level,
                "kind": kind,
                "submitted_on": sub,
                "deadline": None,
                "decided_on": dec,
                "outcome": out,
                "recovered": None if rec is None else D(rec),
                "submitted_by": "biller",
                "decision_source": None if dec is None else "user",
            }
            for i, k, level, kind, sub, dec, out, rec in APPEALS
        ],
    )


def load(engine: Engine, *, with_work: bool = False) -> None:
    """Insert the data set into a migrated database."""
    with engine.begin() as conn:
        insert_base(conn)
        if with_work:
            insert_work(conn)


def load_weekly(
    engine: Engine,
    *,
    start: date,
    claims_per_week: int,
    denials_per_week: dict[str, list[int]],
    family_of: dict[str, str],
    payer: str = "P1",
) -> None:
    """Weekly volumes: ``claims_per_week`` claims a week (one remittance each Monday), of
    which ``denials_per_week[category][w]`` are fully denied ($100.00 each) for that
    category; the rest are paid in full. Every claim is billed $100.00."""
    from datetime import timedelta

    weeks = len(next(iter(denials_per_week.values())))
    remits, claims, adjustments = [], [], []
    claim_id = adj_id = 0
    for w in range(weeks):
        day = start + timedelta(weeks=w)
        remits.append({**_remittance(w + 1, payer, day, "F1"), "fingerprint": f"wk{w}"})
        plan = [c for c, counts in denials_per_week.items() for _ in range(counts[w])]
        assert len(plan) <= claims_per_week
        for i in range(claims_per_week):
            claim_id += 1
            category = plan[i] if i < len(plan) else None
            paid = "0.00" if category else "100.00"
            status = "4" if category else "1"
            row = _claim(claim_id, w + 1, payer, f"W{claim_id}", status, "1", "100.00", paid, "0")
            claims.append({**row, "reverses_claim_id": None, "reversed_by_claim_id": None})
            if category:
                adj_id += 1
                family = family_of[category]
                adjustments.append(
                    _adj(
                        adj_id,
                        w + 1,
                        claim_id,
                        None,
                        "CO",
                        "50",
                        "100.00",
                        family,
                        category,
                        "documentation",
                        "ur_cdi",
                    )  # fmt: skip
                )
    with engine.begin() as conn:
        conn.execute(
            insert(schema.SourceFile),
            [{"id": 1, "path": "w", "name": "w", "sha256": "1" * 64, "size_bytes": 1,
              "ingested_at": NOW, "transactions": weeks, "quarantined": 0}],
        )  # fmt: skip
        conn.execute(insert(schema.Remittance), remits)
        conn.execute(insert(schema.Claim), claims)
        if adjustments:
            conn.execute(insert(schema.Adjustment), adjustments)
