"""What the pages and the API show: work-queue pages and case detail, read-only.

A thin read layer over :mod:`denialops.work`: the queue rows, their scores and the case
facts come from the work library; this module adds what a screen needs beside them
(patient and payer names, CARC/RARC texts, the page of rows after a keyset cursor) and
turns money into two-decimal strings for JSON. Nothing here writes, except
:func:`record_case_view`, which appends the view to the case's audit trail.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, insert, select

from denialops.money import fmt
from denialops.store import schema
from denialops.work.cases import (
    case_adj_t,
    case_t,
    claim_t,
    event_t,
    events,
    now,
    remit_t,
    transaction,
)
from denialops.work.detail import case_detail as work_case_detail
from denialops.work.detail import code_texts, event_record, json_ready, person_name
from denialops.work.queue import QueueFilters, QueueRow, SortKey, as_record
from denialops.work.queue import queue_page as work_queue_page

line_t = cast(Table, schema.ServiceLine.__table__)
adj_t = cast(Table, schema.Adjustment.__table__)

MAX_PAGE = 200


QUERY_FIELDS = (
    ("owner", "owner"),
    ("assignee", "assignee"),
    ("payer", "payer"),
    ("family", "family"),
    ("category", "category"),
    ("carc", "carc"),
    ("min_amount", "min_amount"),
    ("max_amount", "max_amount"),
    ("date_from", "date_from"),
    ("date_to", "date_to"),
    ("search", "q"),
)


def query_items(filters: QueueFilters) -> list[tuple[str, str]]:
    """The filters as query-string pairs (for links, the next page and saved views)."""
    items = [
        (param, str(getattr(filters, name)))
        for name, param in QUERY_FIELDS
        if getattr(filters, name) not in (None, "")
    ]
    items += [("state", state) for state in filters.states]
    if filters.overdue:
        items.append(("overdue", "true"))
    if filters.include_closed:
        items.append(("include_closed", "true"))
    return items


@dataclass(frozen=True, slots=True)
class WebQueuePage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


plain = json_ready
"""JSON-ready: money and other Decimals as strings, dates as ISO text."""


def queue_page(
    engine: Engine,
    filters: QueueFilters,
    *,
    sort: SortKey = "priority",
    after: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> WebQueuePage:
    """One page of the work queue (:func:`denialops.work.queue.queue_page`, keyset
    pagination in SQL) with the patient, payer name and denial codes of each row."""
    page = work_queue_page(
        engine, filters, sort=sort, limit=max(1, min(limit, MAX_PAGE)), cursor=after, today=today
    )
    return WebQueuePage(rows=_enrich(engine, page.rows), next_cursor=page.next_cursor)


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _enrich(engine: Engine, rows: list[QueueRow]) -> list[dict[str, Any]]:
    """Queue records with the patient, payer name and denial codes of each case."""
    if not rows:
        return []
    case_ids = [r.case.id for r in rows]
    text = code_texts()
    with transaction(engine) as conn:
        people = {
            r.id: r
            for r in conn.execute(
                select(
                    case_t.c.id,
                    claim_t.c.patient_last_name,
                    claim_t.c.patient_first_name,
                    claim_t.c.patient_id,
                    claim_t.c.statement_from,
                    claim_t.c.statement_to,
                    remit_t.c.payer_name,
                )
                .join(claim_t, claim_t.c.id == case_t.c.claim_id)
                .join(remit_t, remit_t.c.id == case_t.c.remittance_id)
                .where(case_t.c.id.in_(case_ids))
            ).all()
        }
        codes: dict[int, list[dict[str, str]]] = {}
        for adj in conn.execute(
            select(case_adj_t.c.case_id, case_adj_t.c.group_code, case_adj_t.c.reason_code)
            .where(case_adj_t.c.case_id.in_(case_ids))
            .order_by(case_adj_t.c.amount.desc(), case_adj_t.c.id)
        ).all():
            listed = codes.setdefault(adj.case_id, [])
            code = f"{adj.group_code}-{adj.reason_code}"
            if all(c["code"] != code for c in listed):
                listed.append({"code": code, "text": _short(text("carc", adj.reason_code))})
    out = []
    for row in rows:
        record = plain(as_record(row))
        person = people.get(row.case.id)
        record.update(
            {
                "patient_name": _name(person.patient_last_name, person.patient_first_name)
                if person
                else "",
                "member_id": person.patient_id if person else "",
                "payer_name": person.payer_name if person else "",
                "payer_claim_number": row.case.payer_claim_control_number,
                "service_from": plain(
                    (person.statement_from if person else None) or row.case.service_date
                ),
                "service_to": plain(person.statement_to if person else None),
                "billed": fmt(row.case.billed),
                # what the payer should pay for the denied services (the basis of at
                # risk), not billed minus paid
                "expected": fmt(
                    row.case.at_risk
                    if row.case.expected_payment is None
                    else row.case.expected_payment
                ),
                "codes": codes.get(row.case.id, []),
                "version": row.case.version,
            }
        )
        out.append(record)
    return out


_name = person_name


def case_detail(engine: Engine, case_id: int, *, today: date | None = None) -> dict[str, Any]:
    """Everything the case page shows, JSON-ready: :func:`denialops.work.detail.case_detail`,
    the record ``case show`` prints too."""
    detail: dict[str, Any] = plain(work_case_detail(engine, case_id, today=today))
    return detail


def case_trail(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    """A case's whole audit trail, oldest first, JSON-ready (the case record shows every
    change but only the latest views)."""
    return [json_ready(event_record(e)) for e in events(engine, case_id)]


def record_case_access(
    engine_or_conn: Engine | Connection,
    case_id: int,
    actor: str,
    action: str = "view",
    note: str | None = None,
) -> None:
    """Append "``actor`` looked at the case" (view, download, letter) to its audit trail.

    Reads of protected health information are accounted for like changes (HIPAA access
    accounting); the row names the user and what they read, never the content.
    """
    with transaction(engine_or_conn, write=True) as conn:
        conn.execute(
            insert(event_t).values(case_id=case_id, at=now(), actor=actor, action=action, note=note)
        )


def record_case_view(engine_or_conn: Engine | Connection, case_id: int, actor: str) -> None:
    record_case_access(engine_or_conn, case_id, actor, "view")


# ---------------------------------------------------------------------------- quarantine

quarantine_t = cast(Table, schema.Quarantine.__table__)


def quarantine_items(engine: Engine, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest quarantined transaction sets (without their raw text)."""
    with transaction(engine) as conn:
        rows = conn.execute(
            select(
                quarantine_t.c.id,
                quarantine_t.c.path,
                quarantine_t.c.segment_number,
                quarantine_t.c.byte_offset,
                quarantine_t.c.st_control,
                quarantine_t.c.error,
                quarantine_t.c.created_at,
                quarantine_t.c.resolved_at,
                quarantine_t.c.resolved_by_remittance_id,
            )
            .order_by(quarantine_t.c.id.desc())
            .limit(max(1, min(limit, 1000)))
        ).all()
    out: list[dict[str, Any]] = plain(
        [{**dict(r._mapping), "file": Path(r.path.split("!")[0]).name} for r in rows]
    )
    return out


def stored_remittance(engine: Engine, remittance_id: int) -> dict[str, Any] | None:
    """A stored remittance in brief (trace, payer, claims) and the cases it opened: what a
    resolved quarantine row links to."""
    with transaction(engine) as conn:
        rem = conn.execute(
            select(
                remit_t.c.id, remit_t.c.trace_number, remit_t.c.payer_id, remit_t.c.payer_name
            ).where(remit_t.c.id == remittance_id)
        ).first()
        if rem is None:
            return None
        claims = conn.execute(
            select(func.count()).select_from(claim_t).where(claim_t.c.remittance_id == rem.id)
        ).scalar_one()
        cases = conn.execute(
            select(case_t.c.id).where(case_t.c.remittance_id == rem.id).order_by(case_t.c.id)
        ).scalars()
        return {
            "id": int(rem.id),
            "trace_number": rem.trace_number,
            "payer": rem.payer_name or rem.payer_id,
            "claims": int(claims),
            "case_ids": [int(c) for c in cases],
        }


def quarantine_raw(engine: Engine, item_id: int) -> bytes | None:
    """The raw X12 of one quarantined item, decompressed; None when there is no such item."""
    with transaction(engine) as conn:
        raw = conn.execute(
            select(quarantine_t.c.raw_text).where(quarantine_t.c.id == item_id)
        ).scalar_one_or_none()
    return None if raw is None else zlib.decompress(raw)


def segments_in_context(raw: bytes, limit: int = 60) -> list[str]:
    """The first segments of a raw X12 text, one per line, for showing where it failed."""
    text = raw.decode("latin-1")
    terminator = text[105] if text.startswith("ISA") and len(text) > 106 else "~"
    parts = [p.strip() for p in text.split(terminator) if p.strip()]
    return parts[:limit]
