"""Claim scrubbing before submission: the edits a payer would apply, run first.

:class:`Scrubber` runs the edits of :mod:`denialops.scrub.edits` (NCCI PTP and add-on
codes, MUE, ICD-10-CM validity and demographics, procedure codes, modifiers, place of
service, diagnosis pointers, coverage policies, authorization, duplicates, timely
filing, patterns learned from our own denials) over 837 claims, with payer rule sets
as data (:func:`load_rules`). Findings carry a stable edit id, severity, the CARC a
payer would most likely return and the fix.
"""

from denialops.scrub.edits import EDITS, EDITS_BY_ID, Edit
from denialops.scrub.engine import Scrubber, exit_code, load_rules
from denialops.scrub.findings import ClaimResult, Finding, Severity

__all__ = [
    "EDITS",
    "EDITS_BY_ID",
    "ClaimResult",
    "Edit",
    "Finding",
    "Scrubber",
    "Severity",
    "exit_code",
    "load_rules",
]
