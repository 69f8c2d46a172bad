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
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, insert, select

from denialops.codes import carc, rarc
from denialops.money import fmt
from denialops.store import schema
from denialops.work import states
from denialops.work.cases import (
    case_adj_t,
    case_t,
    claim_t,
    event_t,
    get_case,
    now,
    remit_t,
    transaction,
)
from denialops.work.queue import QueueFilters, QueueRow, SortKey, as_record, queue
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


def plain(value: Any) -> Any:
    """JSON-ready: money and other Decimals as strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return fmt(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


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


def _code_text(kind: str, code: str) -> str:
    info = carc(code) if kind == "carc" else rarc(code)
    return info.text if info else ""


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _enrich(engine: Engine, rows: list[QueueRow]) -> list[dict[str, Any]]:
    """Queue records with the patient, payer name and denial codes of each case."""
    if not rows:
        return []
    case_ids = [r.case.id for r in rows]
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
                listed.append({"code": code, "text": _short(_code_text("carc", adj.reason_code))})
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
                "expected": fmt(row.case.billed - row.case.paid_initial),
                "codes": codes.get(row.case.id, []),
                "version": row.case.version,
            }
        )
        out.append(record)
    return out


def _name(last: str, first: str) -> str:
    return ", ".join(part for part in (last, first) if part)


def case_detail(engine: Engine, case_id: int, *, today: date | None = None) -> dict[str, Any]:
    """Everything the case page shows, JSON-ready."""
    from denialops.work import cases as register
    from denialops.work.documents import case_documents

    case = get_case(engine, case_id)
    scored = queue(engine, include_closed=True, case_id=case_id, today=today)
    with transaction(engine) as conn:
        claim = conn.execute(select(claim_t).where(claim_t.c.id == case.claim_id)).one()
        remit = conn.execute(select(remit_t).where(remit_t.c.id == case.remittance_id)).one()
        lines = conn.execute(
            select(line_t).where(line_t.c.claim_id == claim.id).order_by(line_t.c.seq)
        ).all()
        adjustments = conn.execute(
            select(adj_t).where(adj_t.c.claim_id == claim.id).order_by(adj_t.c.id)
        ).all()
        history = conn.execute(
            select(
                claim_t.c.id,
                claim_t.c.status,
                claim_t.c.charge,
                claim_t.c.paid,
                claim_t.c.denial_status,
                claim_t.c.reverses_claim_id,
                remit_t.c.id.label("remittance_id"),
                remit_t.c.payment_date,
                remit_t.c.trace_number,
            )
            .join(remit_t, remit_t.c.id == claim_t.c.remittance_id)
            .where(
                claim_t.c.patient_control_number == case.patient_control_number,
                claim_t.c.payer_id == case.payer_id,
            )
            .order_by(remit_t.c.payment_date, claim_t.c.id)
        ).all()

    def adjustment(a: Any) -> dict[str, Any]:
        return {
            "id": a.id,
            "service_line_id": a.service_line_id,
            "group_code": a.group_code,
            "reason_code": a.reason_code,
            "reason_text": _code_text("carc", a.reason_code),
            "amount": fmt(a.amount),
            "rarcs": [{"code": c, "text": _code_text("rarc", c)} for c in (a.rarcs or [])],
            "is_denial": a.is_denial,
            "family": a.family,
            "category": a.category,
            "owner": a.owner,
            "next_action": a.next_action,
            "rule_id": a.rule_id,
            "ruleset_version": a.ruleset_version,
            "needs_review": a.needs_review,
        }

    adj_by_line: dict[int | None, list[dict[str, Any]]] = {}
    for a in adjustments:
        adj_by_line.setdefault(a.service_line_id, []).append(adjustment(a))
    detail: dict[str, Any] = plain(
        {
            "case": {f: getattr(case, f) for f in case.__dataclass_fields__},
            "priority": as_record(scored[0]) if scored else None,
            "claim": {
                "patient_control_number": claim.patient_control_number,
                "payer_claim_control_number": claim.payer_claim_control_number,
                "patient_name": _name(claim.patient_last_name, claim.patient_first_name),
                "member_id": claim.patient_id,
                "status": claim.status,
                "charge": claim.charge,
                "paid": claim.paid,
                "patient_responsibility": claim.patient_responsibility,
                "statement_from": claim.statement_from,
                "statement_to": claim.statement_to,
                "facility_type": claim.facility_type,
                "drg": claim.drg,
                "remark_codes": [
                    {"code": c, "text": _code_text("rarc", c)} for c in (claim.remark_codes or [])
                ],
            },
            "payer": {"id": remit.payer_id, "name": remit.payer_name},
            "remittance": {
                "id": remit.id,
                "trace_number": remit.trace_number,
                "payment_date": remit.payment_date,
            },
            "claim_adjustments": adj_by_line.get(None, []),
            "lines": [
                {
                    "id": line.id,
                    "seq": line.seq,
                    "code": line.code,
                    "modifiers": [
                        m
                        for m in (line.modifier1, line.modifier2, line.modifier3, line.modifier4)
                        if m
                    ],
                    "revenue_code": line.revenue_code,
                    "service_date": line.service_date,
                    "charge": line.charge,
                    "paid": line.paid,
                    "adjustments": adj_by_line.get(line.id, []),
                }
                for line in lines
            ],
            "remittance_history": [dict(h._mapping) for h in history],
            "appeals": register.appeals(engine, case_id),
            "notes": [
                {"at": at, "author": who, "text": text}
                for at, who, text in register.notes(engine, case_id)
            ],
            "documents": [
                {
                    "id": d.id,
                    "filename": d.filename,
                    "media_type": d.media_type,
                    "size_bytes": d.size_bytes,
                    "uploaded_by": d.uploaded_by,
                    "uploaded_at": d.uploaded_at,
                }
                for d in case_documents(engine, case_id)
            ],
            "allowed_moves": list(states.allowed_moves(case.state)),
            "events": [
                {
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "field": e.field,
                    "old": e.old_value,
                    "new": e.new_value,
                    "remittance_id": e.remittance_id,
                    "note": e.note,
                }
                for e in register.events(engine, case_id)
            ],
        }
    )
    return detail


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
