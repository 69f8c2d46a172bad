"""Which edits would have prevented which past denials (the seeds' "which 10 edit rules").

Joins denials (from 835 remittances) to the claims as submitted (837) by patient
control number and payer, scrubs each denied claim, and credits every edit that flags
it: counted once per denied claim and by denied dollars. An edit "matches the reason"
when the CARC it predicts is the CARC the payer sent. Denied claims no edit flags are
the share prevention cannot reach (clinical review, eligibility, payer policy), which
the report states rather than hides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from denialops.scrub.engine import Scrubber
from denialops.x12.claim837 import SubmittedClaim
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse835 import read_835
from denialops.x12.parse837 import iter_claims

NOT_DENIALS = frozenset({"45", "253", "1", "2", "3", "23", "94", "P12", "42", "59"})
"""CARCs that are the normal cost of a paid claim (DOMAIN.md: 'What is a denial')."""


@dataclass(frozen=True, slots=True)
class Denial:
    """One denied claim as the payer reported it."""

    patient_control_number: str
    payer_id: str
    carcs: tuple[str, ...]  # group-CARC, e.g. CO-236, by dollars
    dollars: Decimal
    decided: date | None


@dataclass(slots=True)
class EditImpact:
    edit_id: str
    denials: int = 0
    dollars: Decimal = Decimal(0)
    same_reason: int = 0  # the edit's CARC is the CARC the payer sent
    carcs: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class PreventionReport:
    denials: int = 0
    dollars: Decimal = Decimal(0)
    matched: int = 0  # denials whose 837 we hold
    caught: int = 0  # matched denials at least one edit flags
    caught_dollars: Decimal = Decimal(0)
    edits: list[EditImpact] = field(default_factory=list)

    @property
    def uncaught_share(self) -> float:
        """Share of matched denials that no edit flags."""
        return 1 - self.caught / self.matched if self.matched else 0.0

    def as_record(self, top: int) -> dict[str, object]:
        return {
            "denials": self.denials,
            "denied_dollars": f"{self.dollars:.2f}",
            "denials_with_claim": self.matched,
            "caught_by_an_edit": self.caught,
            "caught_dollars": f"{self.caught_dollars:.2f}",
            "uncaught_share": round(self.uncaught_share, 4),
            "edits": [
                {
                    "edit": e.edit_id,
                    "denials": e.denials,
                    "dollars": f"{e.dollars:.2f}",
                    "same_reason": e.same_reason,
                    "carcs": dict(sorted(e.carcs.items(), key=lambda kv: -kv[1])),
                }
                for e in self.edits[:top]
            ],
        }


def denials_from_remittances(paths: Iterable[Path], since: date | None = None) -> Iterator[Denial]:
    """Denied claims (any denial CARC with money on it) from 835 files."""
    for path in paths:
        for rem in read_835(path):
            if isinstance(rem, RejectedTransaction):
                continue
            decided = rem.production_date or rem.payment.payment_date
            if since is not None and decided is not None and decided < since:
                continue
            for claim in rem.claims:
                if claim.is_reversal:
                    continue
                by_reason: dict[str, Decimal] = {}
                for adj in claim.all_adjustments():
                    if adj.reason in NOT_DENIALS or adj.group == "PR" or adj.amount <= 0:
                        continue
                    key = f"{adj.group}-{adj.reason}"
                    by_reason[key] = by_reason.get(key, Decimal(0)) + adj.amount
                if not by_reason:
                    continue
                ranked = sorted(by_reason, key=lambda k: -by_reason[k])
                yield Denial(
                    claim.patient_control_number,
                    rem.payer_id,
                    tuple(ranked),
                    sum(by_reason.values(), Decimal(0)),
                    decided,
                )


def prevention_report(
    claims: Iterable[SubmittedClaim], denials: Iterable[Denial], scrubber: Scrubber
) -> PreventionReport:
    """Scrub the denied claims as submitted and credit the edits that flag them.

    Claims are scrubbed in submission order (all of them, so the duplicate edit sees the
    earlier claim a duplicate repeats), but only denied ones are counted.
    """
    by_pcn: dict[str, list[Denial]] = {}
    report = PreventionReport()
    for denial in denials:
        by_pcn.setdefault(denial.patient_control_number, []).append(denial)
        report.denials += 1
        report.dollars += denial.dollars
    impacts: dict[str, EditImpact] = {}
    for claim in claims:
        found = by_pcn.get(claim.patient_control_number)
        result = scrubber.scrub(claim, as_of=claim.submitted)
        if not found:
            continue
        for denial in found:
            if denial.payer_id and claim.payer.payer_id and denial.payer_id != claim.payer.payer_id:
                continue
            report.matched += 1
            flagged = {f.edit_id: f for f in result.findings if f.severity.rank >= 2}
            if not flagged:
                continue
            report.caught += 1
            report.caught_dollars += denial.dollars
            sent = {code.split("-", 1)[1] for code in denial.carcs}
            for edit_id, finding in flagged.items():
                impact = impacts.setdefault(edit_id, EditImpact(edit_id))
                impact.denials += 1
                impact.dollars += denial.dollars
                impact.same_reason += finding.carc in sent
                for code in denial.carcs:
                    impact.carcs[code] = impact.carcs.get(code, 0) + 1
    report.edits = sorted(impacts.values(), key=lambda e: (-e.denials, -e.dollars, e.edit_id))
    return report


def claims_from_files(paths: Iterable[Path]) -> Iterator[SubmittedClaim]:
    for path in paths:
        for item in iter_claims(path):
            if isinstance(item, SubmittedClaim):
                yield item
