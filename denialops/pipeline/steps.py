"""The steps that run after transaction sets are stored, and the batch they run over.

A step is a set-based function ``run(conn, batch)`` over the rows just stored: it gets
the ids of a batch of remittances (and their claims) and does its work with a few
statements for the whole batch, on the ingest's connection and inside its transaction.
The pipeline calls each step once per batch (many transaction sets), never per claim,
and contains any exception a step raises to the transaction sets of that batch (see
:mod:`denialops.pipeline.run`).

:func:`default_steps` is the one place that names what ingest does after storing; the
packages implementing the steps (``classify``, ``work``) do not know about ingest, and
``store`` imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True, slots=True)
class Batch:
    """The rows one call of a step is about: remittances just stored and their claims."""

    file_id: int
    remittance_ids: tuple[int, ...]
    claim_ids: tuple[int, ...]


StepFunction = Callable[[Connection, Batch], object]
UNDERPAYMENT_STEP = "underpayments"


@dataclass(frozen=True, slots=True)
class Step:
    """A named step; the name is what a quarantined set's error says failed."""

    name: str
    run: StepFunction


def classify_batch(conn: Connection, batch: Batch) -> None:
    """Classify every adjustment of the batch and set its claims' denial view."""
    from denialops.classify.apply import classify_remittances

    classify_remittances(conn, batch.remittance_ids)  # set based: once per batch


def work_batch(conn: Connection, batch: Batch) -> None:
    """Open cases for the batch's denials, then apply its claims to cases (outcomes).

    Both run once over the whole batch: claims are taken in the payer's dates (claim
    chains, see :mod:`denialops.work.chain`), not in file order, so a later remittance in
    the same batch decides a case an earlier one opened, and an earlier-dated one that
    arrives later re-judges it.
    """
    from denialops.work.cases import open_cases
    from denialops.work.outcomes import match_outcomes

    open_cases(conn, batch.remittance_ids)
    match_outcomes(conn, batch.remittance_ids)


def underpayments_batch(conn: Connection, batch: Batch) -> None:
    """Check the batch's contractual (CO-45) lines against the loaded fee schedule and
    open an underpayment case per claim paid below it; without a schedule nothing is
    checked (the run's summary says so)."""
    from denialops.classify.fees import installed_fee_schedule
    from denialops.work.underpayments import open_underpayment_cases

    open_underpayment_cases(conn, installed_fee_schedule(), batch.claim_ids)


def facts_batch(conn: Connection, batch: Batch) -> None:
    """Bring the analytical facts of the batch's claims (and of the claims sharing their
    patient control numbers, whose cases the batch may have decided) up to date."""
    from denialops.analytics.facts import refresh_facts

    refresh_facts(conn, batch.claim_ids)


def default_steps() -> list[Step]:
    """What ``denialops ingest`` runs after storing, in order.

    Classification first: cases are opened from the claim-level denial status that
    classification sets; then underpayment cases (contractual lines paid below the fee
    schedule); the analytical facts last.
    """
    return [
        Step("classify", classify_batch),
        Step("cases", work_batch),
        Step(UNDERPAYMENT_STEP, underpayments_batch),
        Step("facts", facts_batch),
    ]
