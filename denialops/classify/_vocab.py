"""The closed vocabularies a classification uses (DOMAIN.md, "The three-layer model").

Categories are open: the rules file declares them (a user file may add its own), each
with a family from this list. Everything else here is fixed so that reports, work
queues and analytics can rely on the values.
"""

from __future__ import annotations

FAMILIES = ("clinical", "coding", "administrative", "technical")
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
NEXT_ACTIONS = (
    "correct_and_resubmit",
    "appeal",
    "bill_patient",
    "bill_next_payer",
    "write_off",
    "review",
)
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
UNCLASSIFIED = "unclassified"
"""Category of an adjustment no rule covers (unknown code): family null, needs review."""
