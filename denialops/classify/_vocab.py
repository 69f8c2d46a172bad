"""The closed vocabularies a classification uses (DOMAIN.md, "The three-layer model").

Categories are open: the rules file declares them (a user file may add its own), each
with a family from this list. Everything else is fixed (declared once, in
:mod:`denialops.vocabulary`) so that reports, work queues and analytics can rely on
the values.
"""

from __future__ import annotations

from enum import StrEnum

from denialops.vocabulary import FAMILIES as FAMILIES
from denialops.vocabulary import OWNERS as OWNERS
from denialops.vocabulary import PROCESS_STEPS as PROCESS_STEPS
from denialops.vocabulary import SOFT_OR_HARD as SOFT_OR_HARD


class NextAction(StrEnum):
    """What staff do next with an adjustment (issue 14, "Next actions that match what
    staff do"). Stored as the value; values of earlier releases (correct_and_resubmit,
    appeal, bill_patient, bill_next_payer, write_off, review) are all still members."""

    POST_NOTHING = "post_nothing"
    """Informational amount, already accounted for (e.g. OA-23: the prior payer's payment)."""
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment"
    """The contract's reduction: post it (CO-45 and kin); not a loss."""
    WRITE_OFF = "write_off"
    """A loss: needs approval."""
    BILL_PATIENT = "bill_patient"
    BILL_NEXT_PAYER = "bill_next_payer"
    RESUBMIT_WITH_PRIMARY_EOB = "resubmit_with_primary_eob"
    """Same payer, with the primary payer's EOB (it knows it is secondary and lacks the data)."""
    CHECK_ORIGINAL_CLAIM = "check_original_claim"
    """Duplicates: find the original; rebill as frequency 7 or with 76/77 when distinct."""
    ELIGIBILITY_SEARCH = "eligibility_search"
    """Find the coverage in force; bill the right payer or self-pay."""
    RETRO_AUTH_OR_PEER_TO_PEER = "retro_auth_or_peer_to_peer"
    HOLD_FOR_RELATED_CLAIM = "hold_for_related_claim"
    UPDATE_ENROLLMENT = "update_enrollment"
    """Provider enrollment or credentialing with the payer, then rebill."""
    REFUND = "refund"
    CORRECT_AND_RESUBMIT = "correct_and_resubmit"
    CODER_REVIEW = "coder_review"
    """A coder decides: correct (distinct-service modifier documented) or write off."""
    APPEAL = "appeal"
    DISPUTE_UNDERPAYMENT = "dispute_underpayment"
    """Paid below the contract (fee schedule): a payment dispute / appeal to the payer for
    the shortfall (underpayment cases, :mod:`denialops.work.underpayments`)."""
    REVIEW = "review"
    """No rule can say: a person looks (unknown codes, invalid groups)."""


NEXT_ACTIONS: tuple[str, ...] = tuple(action.value for action in NextAction)


class Liability(StrEnum):
    """Who owes the adjusted amount, set by the CAS01 group code alone."""

    PROVIDER = "provider"  # CO, PI: the provider writes it off; never bill the patient
    PATIENT = "patient"  # PR
    OTHER = "other"  # OA: neither, or another party


LIABILITY_BY_GROUP: dict[str, Liability] = {
    "CO": Liability.PROVIDER,
    "PI": Liability.PROVIDER,
    "PR": Liability.PATIENT,
    "OA": Liability.OTHER,
}
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
INVALID_GROUPS = ("CR",)
"""CR (correction/reversal) is not a CAS01 group in 005010: reversals are CLP02 = 22."""
PATIENT_ACTIONS = (
    NextAction.BILL_PATIENT,
    NextAction.POST_NOTHING,
    NextAction.REFUND,
    NextAction.BILL_NEXT_PAYER,
)
"""Next actions a PR (patient responsibility) adjustment may keep; any other becomes
``bill_patient`` after the rule's checks."""
UNCLASSIFIED = "unclassified"
"""Category of an adjustment no rule covers (unknown code): family null, needs review."""
INVALID_GROUP = "invalid_group"
"""Category of an adjustment under a group code 5010 does not allow (CR): never a denial."""
