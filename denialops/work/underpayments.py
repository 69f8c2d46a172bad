"""Underpayment cases: contractual lines the payer allowed below the contract (issue 14).

A CO-45 line ("charge exceeds fee schedule/maximum allowable") is the contract's
reduction, not a denial; but when the payer allowed less than the fee schedule the user
loaded (``denialops refdata load-fees FILE``) says, the difference is money owed.
:func:`open_underpayment_cases` runs the check of :func:`denialops.classify.fees.check_contractual`
over a set of claims and opens one case of kind ``underpayment`` per claim (patient
control number and payer) with underpaid lines:

- ``expected_payment``: the fee schedule's allowed amounts of the underpaid lines;
- ``at_risk``: the shortfall (expected minus allowed), what a dispute can bring back;
- category ``underpayment`` (family administrative), owner ``managed_care`` (payer
  contracting), next action ``dispute_underpayment``, a hard case (a payment dispute /
  appeal, nothing to correct);
- the deadline: the payer profile's first appeal level, counted from the remittance's
  notice date, as for a denial;
- ``case_adjustment`` links the CO-45 adjustments of the underpaid lines.

Set-based: the check is one query, then one query for the claims, one for the cases
already open, batched inserts (:func:`denialops.work.cases.insert_cases`). Idempotent:
a claim identity (patient control number and payer) gets one underpayment case, however
often its remittances are ingested or the check runs. Without a fee schedule nothing is
checked and the result says so (``check.skipped``).

Ingest runs it as the ``underpayments`` step; ``denialops refdata load-fees --db URL``
runs it over the claims already stored (a schedule loaded after the remittances), and
so does ``denialops denials underpaid --open-cases``. A later remittance does not decide
an underpayment case (outcomes follow denial cases); record the outcome by hand
(``case outcome``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, tuple_

from denialops.classify.fees import (
    CONTRACTUAL_CARCS,
    ContractCheck,
    FeeSchedule,
    Underpayment,
    check_contractual,
)
from denialops.money import ZERO
from denialops.vocabulary import (
    UNDERPAYMENT_CATEGORY,
    UNDERPAYMENT_FAMILY,
    UNDERPAYMENT_KIND,
    UNDERPAYMENT_NEXT_ACTION,
    UNDERPAYMENT_OWNER,
)
from denialops.work.cases import claims_with_notice_dates, insert_cases
from denialops.work.deadlines import DeadlineFacts, assess, load_profiles, notice_date
from denialops.work.scoring import patient_name, score_rows, search_terms
from denialops.work.store import (
    adj_t,
    aware,
    case_adj_t,
    case_t,
    chunks,
    now,
)

UNDERPAID_STATUS = "underpaid"
"""``denial_status`` of an underpayment case (a denial case says partially or fully denied)."""


@dataclass(frozen=True, slots=True)
class UnderpaymentRun:
    """What one run of the check did: the check itself and the cases it opened."""

    check: ContractCheck
    opened: int = 0

    @property
    def skipped(self) -> str | None:
        return self.check.skipped


def open_underpayment_cases(
    conn: Connection, schedule: FeeSchedule | None, claim_ids: Iterable[int] | None = None
) -> UnderpaymentRun:
    """Check the contractual lines of these claims (all claims when None) against the
    schedule and open an underpayment case for each claim with underpaid lines."""
    check = check_contractual(conn, schedule, claim_ids)
    if check.skipped or not check.underpaid:
        return UnderpaymentRun(check)
    lines: dict[int, list[Underpayment]] = {}
    for found in check.underpaid:
        lines.setdefault(found.claim_id, []).append(found)
    claims = _claims(conn, sorted(lines))
    taken = _existing(conn, {(c.patient_control_number, c.payer_id) for c in claims.values()})
    rows: list[dict[str, Any]] = []
    profiles = load_profiles()
    stamp = now()
    # the earliest remittance of a claim identity opens its case (dates, then ids)
    for claim in sorted(claims.values(), key=lambda c: (c.r_date is None, c.r_date, c.id)):
        key = (claim.patient_control_number, claim.payer_id)
        if key in taken:
            continue
        taken.add(key)
        rows.append(_case_row(claim, lines[claim.id], profiles, stamp, check))
    if not rows:
        return UnderpaymentRun(check)
    for entry, scored in zip(rows, score_rows(conn, rows), strict=True):
        entry.update(scored)
    underpaid_lines = sorted(line for row in rows for line in row["_lines"])

    def link(conn: Connection, _case_ids: Sequence[int]) -> None:
        _link_contractual(conn, underpaid_lines)

    insert_cases(conn, rows, kind=UNDERPAYMENT_KIND, link=link)
    return UnderpaymentRun(check, len(rows))


def _claims(conn: Connection, claim_ids: Sequence[int]) -> dict[int, Any]:
    return {i: _Claim(r) for i, r in claims_with_notice_dates(conn, claim_ids).items()}


class _Claim:
    """A claim row with the notice date of its remittance."""

    def __init__(self, row: Any) -> None:
        self.row = row
        self.id: int = row.id
        self.payer_id: str = row.payer_id
        self.patient_control_number: str = row.patient_control_number
        self.r_date = (
            notice_date(row.r_production_date, row.r_payment_date)
            or row.r_payment_date
            or row.r_production_date
        )


def _existing(conn: Connection, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The claim identities that already have an underpayment case."""
    found: set[tuple[str, str]] = set()
    for part in chunks(sorted(keys), 250):
        query = select(case_t.c.patient_control_number, case_t.c.payer_id).where(
            case_t.c.kind == UNDERPAYMENT_KIND,
            tuple_(case_t.c.patient_control_number, case_t.c.payer_id).in_(list(part)),
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update((pcn, payer) for pcn, payer in conn.execute(query).all())
    return found


def _case_row(
    claim: _Claim, lines: list[Underpayment], profiles: Any, stamp: Any, check: ContractCheck
) -> dict[str, Any]:
    row = claim.row
    expected = sum((u.expected for u in lines), ZERO)
    shortfall = sum((u.shortfall for u in lines), ZERO)
    determination = claim.r_date or aware(row.r_ingested_at).date()
    service_date = row.service_date or row.statement_from
    deadline = assess(
        DeadlineFacts(
            state="new",
            appeal_level=0,
            service_date=service_date,
            determination_date=determination,
            last_decision_date=None,
            correctable=False,
            due_date=None,
        ),
        profiles.for_payer(row.payer_id, row.filing_indicator),
    ).next
    return {
        "claim_id": row.id,
        "remittance_id": row.remittance_id,
        "payer_id": row.payer_id,
        "patient_control_number": row.patient_control_number,
        "payer_claim_control_number": row.payer_claim_control_number,
        "filing_indicator": row.filing_indicator,
        "denial_status": UNDERPAID_STATUS,
        "family": UNDERPAYMENT_FAMILY,
        "category": UNDERPAYMENT_CATEGORY,
        "owner": UNDERPAYMENT_OWNER,
        "next_action": UNDERPAYMENT_NEXT_ACTION,
        "soft_or_hard": "hard",
        "billed": row.charge,
        "paid_initial": row.paid,
        "at_risk": shortfall,
        "expected_payment": expected,
        "at_risk_basis": f"fee schedule: {len(lines)} line(s) allowed below it"[:64],
        "service_date": service_date,
        "determination_date": determination,
        "paid_to_date": row.paid,
        "patient_id": row.patient_id or "",
        "patient_name": patient_name(row.patient_last_name, row.patient_first_name),
        "opened_at": stamp,
        "updated_at": stamp,
        "next_deadline": deadline.due if deadline else None,
        "next_deadline_kind": deadline.kind if deadline else None,
        "_lines": sorted(u.service_line_id for u in lines),
        "_terms": search_terms(
            row.patient_control_number,
            row.payer_claim_control_number,
            row.patient_id or "",
            row.patient_last_name or "",
            row.patient_first_name or "",
        ),
    }


def _link_contractual(conn: Connection, line_ids: Sequence[int]) -> None:
    """INSERT ... SELECT the CO-45 adjustments of these underpaid lines into the
    case_adjustment rows of their claims' underpayment cases."""
    columns = ("group_code", "reason_code", "amount", "family", "category", "owner")
    for part in chunks(line_ids):
        source = (
            select(
                case_t.c.id,
                adj_t.c.id,
                adj_t.c.service_line_id,
                *(adj_t.c[name] for name in columns),
            )
            .join(adj_t, adj_t.c.claim_id == case_t.c.claim_id)
            .where(
                case_t.c.kind == UNDERPAYMENT_KIND,
                adj_t.c.service_line_id.in_(part),
                adj_t.c.group_code == "CO",
                adj_t.c.reason_code.in_(CONTRACTUAL_CARCS),
            )
            .order_by(case_t.c.id, adj_t.c.id)
        )
        conn.execute(
            insert(case_adj_t).from_select(
                ["case_id", "adjustment_id", "service_line_id", *columns], source
            )
        )


__all__ = ["UNDERPAID_STATUS", "UnderpaymentRun", "open_underpayment_cases"]
