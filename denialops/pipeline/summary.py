"""What one ingest run did: :class:`IngestSummary` (its ``to_json`` is ``ingest --json``).

Every figure is about this run (what it stored, classified and opened), never about the
whole database; the CLI labels the few database-wide figures it prints as such.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from denialops.errors import X12Error
from denialops.money import ZERO, fmt
from denialops.store.load import ClaimTotals, StoredRemittance
from denialops.x12.remittance import Remittance


@dataclass
class RunTally:
    """What the steps made of one batch (read back from the database after them)."""

    denied_claims: int = 0
    cases_opened: int = 0
    underpayment_cases_opened: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    """Denial adjustments by ``group-CARC`` (e.g. ``CO-16``)."""


@dataclass
class IngestSummary:
    """What one ingest run did; :meth:`to_json` is the ``--json`` output."""

    files: int = 0
    transactions: int = 0
    claims: int = 0
    service_lines: int = 0
    adjustments: int = 0
    total_charge: Decimal = ZERO
    total_paid: Decimal = ZERO
    bpr_total: Decimal = ZERO
    plb_total: Decimal = ZERO
    reversals: int = 0
    """Status-22 claims read and stored in this run."""
    reversals_linked: int = 0
    """Of those, the ones linked to the claim they take back."""
    unbalanced: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    duplicates_skipped: int = 0
    files_skipped: int = 0
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    resumed_transactions: int = 0
    """Transaction sets an interrupted earlier run had already stored from the same file."""
    bytes_read: int = 0
    denied_claims: int = 0
    """Claims of this run that classification found denied (fully or partially)."""
    cases_opened: int = 0
    """Denial cases opened for the claims of this run."""
    underpayment_cases_opened: int = 0
    """Underpayment cases opened for the claims of this run (contractual lines paid below
    the loaded fee schedule)."""
    underpayment_check: str | None = None
    """Whether contractual lines were checked: ``checked against FILE`` or ``skipped: ...``
    (no fee schedule loaded); None when the run did not run the check."""
    reasons: Counter[str] = field(default_factory=Counter)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    quarantine_resolved: int = 0
    """Quarantine rows closed by repaired sets stored in this run."""
    claims_submitted: int = 0
    """Claims read from 837 files in this run (claims as submitted, scrubbed at ingest)."""
    claims_submitted_clean: int = 0
    """Of those, the ones the scrubber found nothing at warning or above on."""
    claim_batches: int = 0

    @property
    def reversals_unmatched(self) -> int:
        """Reversals whose original is not in the database (e.g. paid before go-live)."""
        return self.reversals - self.reversals_linked

    @property
    def nothing_new(self) -> bool:
        """True when the run stored no transaction set and quarantined nothing."""
        return self.transactions == 0 and self.claim_batches == 0 and not self.quarantined

    @property
    def denial_rate(self) -> Decimal | None:
        """Denied claims / claims of this run (None when the run stored no claims)."""
        if not self.claims:
            return None
        return (Decimal(self.denied_claims) / Decimal(self.claims)).quantize(Decimal("0.0001"))

    def add_stored(
        self, rem: Remittance, stored: StoredRemittance, totals: ClaimTotals | None = None
    ) -> None:
        """Count a stored set; ``totals`` stand for ``rem.claims`` when its claims were
        stored as they were read (then ``rem.claims`` holds only the last of them)."""
        self.transactions += 1
        self.claims += stored.claims
        self.service_lines += stored.service_lines
        self.adjustments += stored.adjustments
        self.reversals += stored.reversals_read
        self.reversals_linked += stored.reversals_linked
        sums = totals if totals is not None else ClaimTotals.of(rem.claims)
        self.total_charge += sums.charge
        self.total_paid += sums.paid
        amount = rem.payment.amount
        self.bpr_total += -amount if rem.payment.credit_debit == "D" else amount
        self.plb_total += rem.provider_adjustment_total()

    def add_tally(self, tally: RunTally) -> None:
        self.denied_claims += tally.denied_claims
        self.cases_opened += tally.cases_opened
        self.underpayment_cases_opened += tally.underpayment_cases_opened
        self.reasons.update(tally.reasons)

    def top_reasons(self, count: int = 5) -> list[dict[str, Any]]:
        return [
            {"reason": reason, "adjustments": n}
            for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
        ]

    def to_json(self) -> dict[str, Any]:
        rate = self.denial_rate
        return {
            "files": self.files,
            "transactions": self.transactions,
            "claims": self.claims,
            "service_lines": self.service_lines,
            "adjustments": self.adjustments,
            "total_charge": fmt(self.total_charge),
            "total_paid": fmt(self.total_paid),
            "bpr_total": fmt(self.bpr_total),
            "plb_total": fmt(self.plb_total),
            "reversals": self.reversals,
            "reversals_linked": self.reversals_linked,
            "reversals_unmatched": self.reversals_unmatched,
            "denied_claims": self.denied_claims,
            "denial_rate": None if rate is None else str(rate),
            "cases_opened": self.cases_opened,
            "underpayment_cases_opened": self.underpayment_cases_opened,
            "underpayment_check": self.underpayment_check,
            "top_reasons": self.top_reasons(),
            "nothing_new": self.nothing_new,
            "unbalanced": self.unbalanced,
            "quarantined": self.quarantined,
            "warnings": self.warnings,
            "quarantine_resolved": self.quarantine_resolved,
            "duplicates_skipped": self.duplicates_skipped,
            "files_skipped": self.files_skipped,
            "skipped_files": self.skipped_files,
            "resumed_transactions": self.resumed_transactions,
            "bytes_read": self.bytes_read,
            "claims_submitted": self.claims_submitted,
            "claims_submitted_clean": self.claims_submitted_clean,
        }


def quarantine_entry(
    source_name: str,
    segment_number: int | None,
    byte_offset: int | None,
    st: str,
    error: str | X12Error,
) -> dict[str, Any]:
    """One ``quarantined`` item: ``error`` in full, ``reason`` without file and segment.

    ``segment_number`` is where the quarantined text starts, ``error_segment`` the
    segment that failed; ``reason`` names the element and the text found there
    (``SVC01 'HC>1': ...``).
    """
    error_segment = segment_number
    if isinstance(error, X12Error):
        reason = error.detail()
        if error.segment_number is not None:
            error_segment = error.segment_number
    else:
        reason = error
    return {
        "file": source_name,
        "segment_number": segment_number,
        "error_segment": error_segment,
        "byte_offset": byte_offset,
        "st_control": st,
        "error": str(error),
        "reason": reason,
    }
