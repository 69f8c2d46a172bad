"""Working denials: the register of cases, queues, deadlines, priority, letters, outcomes.

Cases open at ingest (:func:`open_cases`, an ingest hook), move along the state machine
in :mod:`denialops.work.states` (:func:`move`), and close when a later remittance decides
the claim (:func:`match_outcomes`) or a person records the outcome (:func:`record_outcome`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from denialops._lazy import load

if TYPE_CHECKING:
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

# Loaded on first use: importing a submodule (denialops.work.priority for the KPI report,
# denialops.work.queue for the queue) runs this file, and the case-writing modules below
# pull in the chain reader, deadlines and the vocabulary (about 0.26 s of CPU a command).
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "Case",
            "Event",
            "add_note",
            "assign",
            "events",
            "get_case",
            "move",
            "open_cases",
            "set_due_date",
            "set_owner",
            "work_hook",
        ),
        "denialops.work.cases",
    ),
    "match_outcomes": "denialops.work.outcomes",
    "record_outcome": "denialops.work.outcomes",
    "STATES": "denialops.work.states",
    "TRANSITIONS": "denialops.work.states",
    "allowed_moves": "denialops.work.states",
}

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


def __getattr__(name: str) -> Any:
    return load(globals(), __name__, _LAZY, name)


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
