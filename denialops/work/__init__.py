"""Working denials: the register of cases, queues, deadlines, priority, letters, outcomes.

Cases open at ingest (:func:`open_cases`, an ingest hook), move along the state machine
in :mod:`denialops.work.states` (:func:`move`), and close when a later remittance decides
the claim (:func:`match_outcomes`) or a person records the outcome (:func:`record_outcome`).
"""

from __future__ import annotations

from denialops.work.cases import (
    Case,
    Event,
    add_note,
    assign,
    events,
    get_case,
    move,
    open_cases,
    set_due_date,
    set_owner,
    work_hook,
)
from denialops.work.outcomes import match_outcomes, record_outcome
from denialops.work.states import STATES, TRANSITIONS, allowed_moves

__all__ = [
    "STATES",
    "TRANSITIONS",
    "Case",
    "Event",
    "add_note",
    "allowed_moves",
    "assign",
    "events",
    "get_case",
    "match_outcomes",
    "move",
    "open_cases",
    "record_outcome",
    "set_due_date",
    "set_owner",
    "work_hook",
]
