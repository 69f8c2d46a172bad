"""The closed vocabularies every layer shares, declared once (DOMAIN.md).

Claim status codes the whole product treats specially, the classification's fixed
vocabularies (families, owners, ...) and the case states that count as closed. Anything
that needs one of these imports it from here, never spells the literal again; SQL built
from them uses :func:`sql_list`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from denialops.x12.remittance import ClaimStatus

# --------------------------------------------------------------------------- claim status

REVERSAL_STATUS: str = ClaimStatus.REVERSAL.value
"""CLP02 ``22``: reversal of a previous payment (takes an earlier claim payment back)."""

DENIED_STATUS: str = ClaimStatus.DENIED.value
"""CLP02 ``4``: denied."""

NOT_ADJUDICATIONS: tuple[str, ...] = (
    ClaimStatus.REVERSAL.value,
    ClaimStatus.NOT_OUR_CLAIM_FORWARDED.value,
    ClaimStatus.PREDETERMINATION.value,
)
"""Claim statuses that are not an adjudication of our claim: 22 reversal of a previous
payment, 23 not our claim (forwarded), 25 predetermination pricing only."""

# --------------------------------------------------------------------------- classification

Family = Literal["clinical", "coding", "administrative", "technical"]
FAMILIES: tuple[Family, ...] = get_args(Family)
SOFT_OR_HARD = ("soft", "hard")
PROCESS_STEPS = (
    "scheduling",
    "registration",
    "authorization",
    "documentation",
    "coding",
    "charge_capture",
    "billing",
    "credentialing",
)
OWNERS = ("patient_access", "ur_cdi", "coding_him", "billing", "managed_care")
"""Who works a denial: the classification's owner and the work queue's owner filter."""
# Next actions: ``denialops.classify.NextAction`` (the classification's vocabulary; a
# shorter copy that lived here was out of date and unused).
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")

# --------------------------------------------------------------------------- case states

OUTCOMES = ("won", "partially_won", "lost")
"""How the payer decided: closes a case."""
DISPOSITIONS = ("written_off", "billed_patient", "billed_next_payer")
"""Decisions that need no payer: close a case too."""
CLOSED_STATES = frozenset(OUTCOMES + DISPOSITIONS)

# --------------------------------------------------------------------------- case kinds

DENIAL_KIND = "denial"
"""A case about a denied claim (opened from the classification's denials)."""
UNDERPAYMENT_KIND = "underpayment"
"""A case about contractual lines the payer allowed below the loaded fee schedule."""
CASE_KINDS = (DENIAL_KIND, UNDERPAYMENT_KIND)
UNDERPAYMENT_CATEGORY = "underpayment"
UNDERPAYMENT_FAMILY = "administrative"
"""Contract terms are an administrative matter (seed 001's families)."""
UNDERPAYMENT_OWNER = "managed_care"
"""Payer contracting: the desk that knows the contract and disputes payments under it."""
UNDERPAYMENT_NEXT_ACTION = "dispute_underpayment"


def sql_list(values: Iterable[str]) -> str:
    """``'a', 'b'`` for an SQL ``IN (...)`` built from one of these (sorted, so stable)."""
    return ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values))
