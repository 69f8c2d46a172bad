"""The case state machine: which moves a worker may make, written out edge by edge.

::

    new -> triaged -> in_progress -> resubmitted | appealed | peer_to_peer | external_review
        -> won | partially_won | lost | written_off | billed_patient | billed_next_payer
    any closed state -> reopened -> triaged | in_progress

Decisions that need no payer (write off, bill the patient, bill the next payer) can also
be taken at triage or while in progress; ``appealed -> appealed`` is the next appeal
level (1..MAX_APPEAL_LEVEL). The table is explicit on purpose: a reviewer reads every
edge here, and the tests walk each one.

A later remittance that decides the claim (see :mod:`denialops.work.outcomes`) may close
any open case with won / partially_won / lost: the payer's decision is a fact, not a
workflow step, so :data:`PAYER_OUTCOMES` bypasses the worker edges and the audit trail
names the remittance.
"""

from __future__ import annotations

from denialops.errors import StateTransitionError
from denialops.vocabulary import CLOSED_STATES as CLOSED_STATES
from denialops.vocabulary import DISPOSITIONS as DISPOSITIONS
from denialops.vocabulary import OUTCOMES as OUTCOMES

MAX_APPEAL_LEVEL = 5
"""Medicare has five: redetermination, reconsideration, ALJ, Council, judicial review."""

WORKING_STATES = ("resubmitted", "appealed", "peer_to_peer", "external_review")
PAYER_OUTCOMES = frozenset(OUTCOMES)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("triaged",),
    "triaged": ("in_progress", *DISPOSITIONS),
    "in_progress": (*WORKING_STATES, *DISPOSITIONS),
    "resubmitted": ("appealed", *OUTCOMES, *DISPOSITIONS),
    "appealed": ("appealed", "peer_to_peer", "external_review", *OUTCOMES, *DISPOSITIONS),
    "peer_to_peer": ("appealed", "external_review", *OUTCOMES, *DISPOSITIONS),
    "external_review": (*OUTCOMES, *DISPOSITIONS),
    "won": ("reopened",),
    "partially_won": ("reopened",),
    "lost": ("reopened",),
    "written_off": ("reopened",),
    "billed_patient": ("reopened",),
    "billed_next_payer": ("reopened",),
    "reopened": ("triaged", "in_progress"),
}

STATES = tuple(TRANSITIONS)


def allowed_moves(state: str) -> tuple[str, ...]:
    """Where a worker may move a case from ``state``."""
    if state not in TRANSITIONS:
        raise StateTransitionError(f"unknown state {state!r}; states are {', '.join(STATES)}")
    return TRANSITIONS[state]


def check_move(current: str, new: str, *, appeal_level: int = 0) -> None:
    """Refuse a move the machine does not have, naming the current and allowed states."""
    allowed = allowed_moves(current)
    if new not in TRANSITIONS:
        raise StateTransitionError(
            f"unknown state {new!r}; from {current!r} the allowed moves are {', '.join(allowed)}"
        )
    if new not in allowed:
        raise StateTransitionError(
            f"cannot move a case from {current!r} to {new!r}; "
            f"allowed from {current!r}: {', '.join(allowed)}"
        )
    if current == "appealed" and new == "appealed" and appeal_level >= MAX_APPEAL_LEVEL:
        raise StateTransitionError(
            f"cannot appeal beyond level {MAX_APPEAL_LEVEL}; "
            f"allowed from 'appealed' at level {appeal_level}: "
            + ", ".join(s for s in allowed if s != "appealed")
        )


def is_closed(state: str) -> bool:
    return state in CLOSED_STATES
