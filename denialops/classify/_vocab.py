"""The closed vocabularies a classification uses (DOMAIN.md, "The three-layer model").

Categories are open: the rules file declares them (a user file may add its own), each
with a family from this list. Everything else is fixed (declared once, in
:mod:`denialops.vocabulary`) so that reports, work queues and analytics can rely on
the values.
"""

from __future__ import annotations

from denialops.vocabulary import (
    FAMILIES,
    GROUP_CODES,
    NEXT_ACTIONS,
    OWNERS,
    PROCESS_STEPS,
    SOFT_OR_HARD,
)

__all__ = [
    "FAMILIES",
    "GROUP_CODES",
    "NEXT_ACTIONS",
    "OWNERS",
    "PROCESS_STEPS",
    "SOFT_OR_HARD",
    "UNCLASSIFIED",
]

UNCLASSIFIED = "unclassified"
"""Category of an adjustment no rule covers (unknown code): family null, needs review."""
