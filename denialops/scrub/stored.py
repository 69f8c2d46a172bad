"""Prevention measured on the database: stored denials against stored, scrubbed claims.

``denialops ingest`` stores 837 claims with the scrubber's findings as of the day each
was submitted (:mod:`denialops.pipeline.claims837`) and 835 remittances with their
classified denials; this module joins the two by patient control number:

- :func:`stored_prevention_report`: which edits flagged the claims that were later
  denied (the same :class:`~denialops.scrub.prevention.PreventionReport` as the file
  based report),
- :func:`submitted_measures`: rates whose denominator is the claims actually submitted:
  clean-claim rate (HFMA MAP CL-1: claims that pass the edits with no error), first-pass
  yield (submitted claims whose first adjudication denied nothing) and denials per 1,000
  claims submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import Connection, Table, and_, select

from denialops.scrub.edits import PatternKey, PatternStat
from denialops.scrub.prevention import EditImpact, PreventionReport
from denialops.store import schema
from denialops.store.submitted import ScrubFinding, SubmittedClaimRow, SubmittedLine
from denialops.vocabulary import NOT_ADJUDICATIONS

CLAIM = cast(Table, schema.Claim.__table__)
REMITTANCE = cast(Table, schema.Remittance.__table__)
ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
SUBMITTED = cast(Table, SubmittedClaimRow.__table__)
FINDING = cast(Table, ScrubFinding.__table__)
LINE = cast(Table, SubmittedLine.__table__)
REMITTED_LINE = cast(Table, schema.ServiceLine.__table__)
DENIED = ("partially_denied", "fully_denied")
REPLACEMENTS = ("7", "8")


def _decided(payment: date | None, production: date | None) -> date | None:
    return payment or production


def _same_payer_first(candidates: list[tuple[str, int]], payer: str) -> list[int]:
    """Submitted claims for a remitted one: those sent to the same payer when there are
    any (837 NM1*PR and 835 payer ids agree when the clearinghouse maps them), else all
    with the patient control number."""
    same = [sub_id for sub_payer, sub_id in candidates if payer and sub_payer == payer]
    return same or [sub_id for _payer, sub_id in candidates]


def stored_prevention_report(conn: Connection, since: date | None = None) -> PreventionReport:
    """Denied claims in stored remittances, credited to the edits that flagged their 837.

    Claims are linked by patient control number and payer (falling back to the patient
    control number alone when the payer ids differ); a finding on a line is credited
    only when that line is among the denied ones, where both sides carry line control
    numbers (REF*6R).
    """
    report = PreventionReport()
    denied = conn.execute(
        select(
            CLAIM.c.id,
            CLAIM.c.patient_control_number,
            CLAIM.c.payer_id,
            CLAIM.c.denied_amount,
            REMITTANCE.c.payment_date,
            REMITTANCE.c.production_date,
        )
        .join(REMITTANCE, REMITTANCE.c.id == CLAIM.c.remittance_id)
        .where(CLAIM.c.denial_status.in_(DENIED), CLAIM.c.status.not_in(NOT_ADJUDICATIONS))
    ).all()
    by_pcn: dict[str, list[tuple[int, str, Decimal]]] = {}
    for claim_id, pcn, payer, amount, paid_on, produced_on in denied:
        decided = _decided(paid_on, produced_on)
        if since is not None and decided is not None and decided < since:
            continue
        by_pcn.setdefault(pcn, []).append((claim_id, payer, amount or Decimal(0)))
        report.denials += 1
        report.dollars += amount or Decimal(0)
    if not by_pcn:
        return report
    reasons: dict[int, set[str]] = {}
    codes: dict[int, list[str]] = {}
    denied_lines: dict[int, set[str]] = {}
    for claim_id, group, reason, control in conn.execute(
        select(
            ADJUSTMENT.c.claim_id,
            ADJUSTMENT.c.group_code,
            ADJUSTMENT.c.reason_code,
            REMITTED_LINE.c.control_number,
        )
        .join(CLAIM, CLAIM.c.id == ADJUSTMENT.c.claim_id)
        .outerjoin(REMITTED_LINE, REMITTED_LINE.c.id == ADJUSTMENT.c.service_line_id)
        .where(ADJUSTMENT.c.is_denial.is_(True), CLAIM.c.denial_status.in_(DENIED))
    ):
        reasons.setdefault(claim_id, set()).add(reason)
        codes.setdefault(claim_id, []).append(f"{group}-{reason}")
        if control:
            denied_lines.setdefault(claim_id, set()).add(control)
    submitted: dict[str, list[tuple[str, int]]] = {}
    pcns = list(by_pcn)
    for start in range(0, len(pcns), 5000):
        for sub_id, pcn, payer in conn.execute(
            select(SUBMITTED.c.id, SUBMITTED.c.patient_control_number, SUBMITTED.c.payer_id).where(
                SUBMITTED.c.patient_control_number.in_(pcns[start : start + 5000])
            )
        ):
            submitted.setdefault(pcn, []).append((payer, sub_id))
    # per submitted claim: edit -> (CARC, line control number or "" for claim-level)
    findings: dict[int, list[tuple[str, str, str]]] = {}
    sub_ids = [i for pairs in submitted.values() for _payer, i in pairs]
    for start in range(0, len(sub_ids), 5000):
        chunk = sub_ids[start : start + 5000]
        for sub_id, edit_id, carc, control in conn.execute(
            select(FINDING.c.claim_id, FINDING.c.edit_id, FINDING.c.carc, LINE.c.control_number)
            .outerjoin(
                LINE,
                and_(
                    LINE.c.claim_id == FINDING.c.claim_id,
                    LINE.c.line_number == FINDING.c.line_number,
                ),
            )
            .where(FINDING.c.claim_id.in_(chunk), FINDING.c.severity.in_(("error", "warning")))
        ):
            findings.setdefault(sub_id, []).append((edit_id, carc, control or ""))
    impacts: dict[str, EditImpact] = {}
    for pcn, claims in by_pcn.items():
        candidates = submitted.get(pcn)
        if not candidates:
            continue
        for claim_id, payer, amount in claims:
            report.matched += 1
            lines = denied_lines.get(claim_id, set())
            flagged: dict[str, str] = {}
            for sub_id in _same_payer_first(candidates, payer):
                for edit_id, carc, control in findings.get(sub_id, []):
                    if control and lines and control not in lines:
                        continue  # a finding on a line the payer did not deny
                    flagged[edit_id] = carc
            if not flagged:
                continue
            report.caught += 1
            report.caught_dollars += amount
            for edit_id, carc in flagged.items():
                impact = impacts.setdefault(edit_id, EditImpact(edit_id))
                impact.denials += 1
                impact.dollars += amount
                impact.same_reason += carc in reasons.get(claim_id, set())
                for code in codes.get(claim_id, []):
                    impact.carcs[code] = impact.carcs.get(code, 0) + 1
    report.edits = sorted(impacts.values(), key=lambda e: (-e.denials, -e.dollars, e.edit_id))
    return report


@dataclass(frozen=True, slots=True)
class SubmittedMeasures:
    """Rates over claims as submitted (original claims: frequency not 7 or 8)."""

    claims_submitted: int
    clean_at_scrub: int
    adjudicated: int  # submitted claims with at least one 835 adjudication
    first_pass_paid: int  # ... whose first adjudication denied nothing
    first_pass_denied: int

    @property
    def clean_claim_rate(self) -> float | None:
        return self.clean_at_scrub / self.claims_submitted if self.claims_submitted else None

    @property
    def first_pass_yield(self) -> float | None:
        return self.first_pass_paid / self.adjudicated if self.adjudicated else None

    @property
    def denials_per_1000_submitted(self) -> float | None:
        if not self.claims_submitted:
            return None
        return 1000 * self.first_pass_denied / self.claims_submitted

    def as_record(self) -> dict[str, object]:
        def rate(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "denominator": "claims submitted (837, originals only)",
            "claims_submitted": self.claims_submitted,
            "clean_at_scrub": self.clean_at_scrub,
            "clean_claim_rate": rate(self.clean_claim_rate),
            "adjudicated": self.adjudicated,
            "awaiting_remittance": self.claims_submitted - self.adjudicated,
            "first_pass_paid": self.first_pass_paid,
            "first_pass_yield": rate(self.first_pass_yield),
            "denials_per_1000_submitted": rate(self.denials_per_1000_submitted),
        }


def submitted_measures(
    conn: Connection, since: date | None = None, until: date | None = None
) -> SubmittedMeasures:
    """Clean-claim rate, first-pass yield and denials per 1,000 over submitted claims."""
    query = select(SUBMITTED.c.patient_control_number, SUBMITTED.c.scrub_errors).where(
        SUBMITTED.c.frequency.not_in(REPLACEMENTS)
    )
    if since is not None:
        query = query.where(SUBMITTED.c.submitted >= since)
    if until is not None:
        query = query.where(SUBMITTED.c.submitted <= until)
    submitted = conn.execute(query).all()
    first = _first_adjudications(conn)
    adjudicated = paid = denied = 0
    for pcn, _errors in submitted:
        found = first.get(pcn)
        if found is None:
            continue
        adjudicated += 1
        if found[2] in DENIED:
            denied += 1
        else:
            paid += 1
    return SubmittedMeasures(
        claims_submitted=len(submitted),
        clean_at_scrub=sum(1 for _pcn, errors in submitted if not errors),
        adjudicated=adjudicated,
        first_pass_paid=paid,
        first_pass_denied=denied,
    )


def _first_adjudications(conn: Connection) -> dict[str, tuple[date | None, int, str]]:
    """The first adjudication (by decision date, then id) of every patient control number."""
    first: dict[str, tuple[date | None, int, str]] = {}
    for pcn, status, claim_id, paid_on, produced_on in conn.execute(
        select(
            CLAIM.c.patient_control_number,
            CLAIM.c.denial_status,
            CLAIM.c.id,
            REMITTANCE.c.payment_date,
            REMITTANCE.c.production_date,
        )
        .join(REMITTANCE, REMITTANCE.c.id == CLAIM.c.remittance_id)
        .where(CLAIM.c.status.not_in(NOT_ADJUDICATIONS))
    ):
        decided = _decided(paid_on, produced_on)
        known = first.get(pcn)
        if known is None or (decided or date.max, claim_id) < (known[0] or date.max, known[1]):
            first[pcn] = (decided, claim_id, status)
    return first


def learned_history(conn: Connection) -> dict[PatternKey, PatternStat]:
    """Our own denial history per (payer, procedure, first modifier, first diagnosis).

    Built from claims as submitted (837, where the diagnoses are) and how their first
    adjudication went (835). The HISTORY edit flags a combination only past its minimum
    sample size and rate (:class:`~denialops.scrub.edits.Context`).
    """
    first = _first_adjudications(conn)
    reasons: dict[int, list[str]] = {}
    for claim_id, reason in conn.execute(
        select(ADJUSTMENT.c.claim_id, ADJUSTMENT.c.reason_code)
        .join(CLAIM, CLAIM.c.id == ADJUSTMENT.c.claim_id)
        .where(ADJUSTMENT.c.is_denial.is_(True), CLAIM.c.denial_status.in_(DENIED))
    ):
        reasons.setdefault(claim_id, []).append(reason)
    counts: dict[PatternKey, list[int]] = {}
    carcs: dict[PatternKey, dict[str, int]] = {}
    for pcn, payer, diagnoses, procedure, modifiers in conn.execute(
        select(
            SUBMITTED.c.patient_control_number,
            SUBMITTED.c.payer_id,
            SUBMITTED.c.diagnoses,
            LINE.c.procedure,
            LINE.c.modifiers,
        ).join(LINE, LINE.c.claim_id == SUBMITTED.c.id)
    ):
        outcome = first.get(pcn)
        if outcome is None or not procedure:
            continue
        dx = (diagnoses or [""])[0].replace(".", "").upper() if diagnoses else ""
        key = (payer, procedure, (modifiers or "").split(" ")[0], dx)
        tally = counts.setdefault(key, [0, 0])
        tally[0] += 1
        if outcome[2] in DENIED:
            tally[1] += 1
            seen = carcs.setdefault(key, {})
            for reason in reasons.get(outcome[1], []):
                seen[reason] = seen.get(reason, 0) + 1
    return {
        key: PatternStat(
            claims=n,
            denied=d,
            carcs=tuple(sorted(carcs.get(key, {}), key=lambda c: -carcs[key][c])[:3]),
        )
        for key, (n, d) in counts.items()
    }
