"""Claim chains: every claim payment about one claim, in the payer's order, not ours.

A claim is identified across remittances by its patient control number and payer. Its
payments (the original adjudication, reversals, corrections, payments after appeal) are
ordered by the remittance's date (payment date, else production date), then by content
that does not depend on when a file was ingested (trace number, fingerprint), then by the
claim's position in its remittance. Cases open at the first denied claim of the chain
and outcomes follow from the claims after it, so the same files give the same cases and
outcomes whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, exists, or_, select

from denialops.vocabulary import REVERSAL_STATUS as REVERSAL_STATUS
from denialops.work.store import CHUNK, case_t, chunks, claim_t, remit_t

DENIED_STATUSES = ("partially_denied", "fully_denied")

Key = tuple[str, str]
"""(patient control number, payer id)."""


@dataclass(frozen=True, slots=True)
class ChainClaim:
    id: int
    remittance_id: int
    seq: int
    status: str
    frequency: str
    paid: Decimal
    payer_claim_control_number: str
    denial_status: str
    remit_date: date | None
    trace_number: str
    fingerprint: str

    @property
    def order(self) -> tuple[date, str, str, int]:
        return (self.remit_date or date.max, self.trace_number, self.fingerprint, self.seq)

    @property
    def opens_case(self) -> bool:
        return self.denial_status in DENIED_STATUSES and self.status != REVERSAL_STATUS


_COLUMNS = (
    claim_t.c.id,
    claim_t.c.remittance_id,
    claim_t.c.seq,
    claim_t.c.status,
    claim_t.c.frequency,
    claim_t.c.paid,
    claim_t.c.payer_claim_control_number,
    claim_t.c.denial_status,
    claim_t.c.patient_control_number,
    claim_t.c.payer_id,
    remit_t.c.payment_date,
    remit_t.c.production_date,
    remit_t.c.trace_number,
    remit_t.c.fingerprint,
)


def _chain_claim(row: Any) -> ChainClaim:
    return ChainClaim(
        id=row.id,
        remittance_id=row.remittance_id,
        seq=row.seq,
        status=row.status,
        frequency=row.frequency,
        paid=row.paid,
        payer_claim_control_number=row.payer_claim_control_number,
        denial_status=row.denial_status,
        remit_date=row.payment_date or row.production_date,
        trace_number=row.trace_number,
        fingerprint=row.fingerprint,
    )


def chains_touching(
    conn: Connection, remittance_ids: Sequence[int], *, keep: bool = False
) -> dict[Key, list[ChainClaim]]:
    """Every claim (stored anywhere) whose key is the key of a claim of these remittances,
    grouped by key and in chain order, for the keys the work register has something to
    do with: a claim of the chain opens a case, or a case exists. The chains of claims
    that were paid and never denied (most of them) are not read. One query per few
    hundred remittances.

    Opening cases and matching outcomes over the same batch in one transaction read the
    same chains: :func:`~denialops.work.cases.open_cases` keeps them (``keep``) and the
    next call, :func:`~denialops.work.outcomes.match_outcomes` on the same ids in the same
    transaction, takes them; any other call drops them.
    """
    transaction = conn.get_transaction()
    cached = conn.info.pop(_CACHE, None)
    if (
        keep is False
        and cached is not None
        and cached[0] is transaction
        and cached[1] == tuple(remittance_ids)
    ):
        chains: dict[Key, list[ChainClaim]] = cached[2]
        return chains
    chains = _read_chains(conn, remittance_ids)
    if keep and transaction is not None:
        conn.info[_CACHE] = (transaction, tuple(remittance_ids), chains)
    return chains


_CACHE = "denialops.work.chains"


def _read_chains(conn: Connection, remittance_ids: Sequence[int]) -> dict[Key, list[ChainClaim]]:
    other = claim_t.alias("batch_claim")
    denied = claim_t.alias("denied_claim")
    # what ChainClaim.opens_case says, in SQL (ix_claim_pcn_payer, ix_denial_case_pcn_payer)
    opens_case = exists().where(
        denied.c.patient_control_number == other.c.patient_control_number,
        denied.c.payer_id == other.c.payer_id,
        denied.c.denial_status.in_(DENIED_STATUSES),
        denied.c.status != REVERSAL_STATUS,
    )
    has_case = exists().where(
        case_t.c.patient_control_number == other.c.patient_control_number,
        case_t.c.payer_id == other.c.payer_id,
    )
    found: dict[Key, dict[int, ChainClaim]] = {}
    for part in chunks(list(remittance_ids), CHUNK):
        keys = (
            select(other.c.patient_control_number, other.c.payer_id)
            .where(other.c.remittance_id.in_(part), or_(opens_case, has_case))
            .distinct()
            .subquery()
        )
        query = (
            select(*_COLUMNS)
            .join(remit_t, remit_t.c.id == claim_t.c.remittance_id)
            .join(
                keys,
                and_(
                    keys.c.patient_control_number == claim_t.c.patient_control_number,
                    keys.c.payer_id == claim_t.c.payer_id,
                ),
            )
        )
        for row in conn.execute(query):
            found.setdefault((row.patient_control_number, row.payer_id), {})[row.id] = _chain_claim(
                row
            )
    return {key: sorted(claims.values(), key=lambda c: c.order) for key, claims in found.items()}


def first_denial(chain: Iterable[ChainClaim]) -> ChainClaim | None:
    return next((c for c in chain if c.opens_case), None)
