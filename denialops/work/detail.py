"""One case, everything about it: the record ``case show`` (CLI) and the case page and
``GET /api/v1/cases/{id}`` (web) both print.

:func:`case_detail` reads the case, its stored priority, every deadline with the payer
profile, the codes it was opened with, the claim as the payer sent it (lines,
adjustments with the CARC/RARC texts, the other remittances of the claim), appeals,
notes, documents, the allowed moves and the audit trail (every change and the latest
views: :func:`denialops.work.store.trail`). Values are Python values
(Decimal, date); :func:`json_ready` turns the record into JSON values, the same way for
both shells. Reading never writes (the web records the view itself).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from denialops.codes import code_list
from denialops.money import CENT, fmt
from denialops.work import states
from denialops.work.cases import (
    appeals,
    assess_case,
    case_adjustments,
    get_case,
    notes,
    transaction,
)
from denialops.work.deadlines import assessment_record, profile_for
from denialops.work.documents import case_documents
from denialops.work.queue import as_record, queue_row
from denialops.work.store import (
    Case,
    Event,
    adj_t,
    case_claim_rows,
    claim_t,
    remit_t,
    trail,
)


def json_ready(value: Any) -> Any:
    """JSON values: money (two-place Decimals) as "1234.50", other Decimals as text,
    dates as ISO text; dicts, lists and tuples walked."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:
        return value  # most values of a record: no work
    if isinstance(value, Decimal):
        return fmt(value) if value == value.quantize(CENT) else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def code_text(kind: str, code: str) -> str:
    """The CARC (``kind`` "carc") or RARC text of a code, "" when unknown."""
    return code_list("carc" if kind == "carc" else "rarc").text(code)


def code_texts() -> Callable[[str, str], str]:
    """:func:`code_text` over the lists in force, looked up once: a page naming many
    codes checks the user's code files once, not once per code."""
    lists = {"carc": code_list("carc"), "rarc": code_list("rarc")}
    return lambda kind, code: lists["carc" if kind == "carc" else "rarc"].text(code)


def person_name(last: str, first: str) -> str:
    return ", ".join(part for part in (last, first) if part)


def _adjustment(a: Any, text: Callable[[str, str], str]) -> dict[str, Any]:
    return {
        "id": a.id,
        "service_line_id": a.service_line_id,
        "group_code": a.group_code,
        "reason_code": a.reason_code,
        "reason_text": text("carc", a.reason_code),
        "amount": a.amount,
        "rarcs": [{"code": c, "text": text("rarc", c)} for c in (a.rarcs or [])],
        "is_denial": a.is_denial,
        "family": a.family,
        "category": a.category,
        "owner": a.owner,
        "next_action": a.next_action,
        "rule_id": a.rule_id,
        "ruleset_version": a.ruleset_version,
        "needs_review": a.needs_review,
    }


def case_detail(
    engine_or_conn: Engine | Connection, case_id: int, *, today: date | None = None
) -> dict[str, Any]:
    """Everything about one case (see the module docstring); unknown ids raise StoreError.

    One read transaction (one connection) for all of it: a consistent record, and no
    connection checkout per part."""
    text = code_texts()
    with transaction(engine_or_conn) as conn:
        return _detail(conn, get_case(conn, case_id), text, today)


def _detail(
    conn: Connection, case: Case, text: Callable[[str, str], str], today: date | None
) -> dict[str, Any]:
    case_id = case.id
    shown = trail(conn, case_id)
    deadlines = assessment_record(
        assess_case(conn, case), profile_for(case.payer_id, case.filing_indicator)
    )
    claim, remit, lines = case_claim_rows(conn, case)
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
    by_line: dict[int | None, list[dict[str, Any]]] = {}
    for a in adjustments:
        by_line.setdefault(a.service_line_id, []).append(_adjustment(a, text))
    return {
        "case": {f: getattr(case, f) for f in case.__dataclass_fields__},
        "priority": as_record(queue_row(case, today)),
        "deadlines": deadlines,
        "denial_codes": case_adjustments(conn, case_id),
        "claim": {
            "patient_control_number": claim.patient_control_number,
            "payer_claim_control_number": claim.payer_claim_control_number,
            "patient_name": person_name(claim.patient_last_name, claim.patient_first_name),
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
                {"code": c, "text": text("rarc", c)} for c in (claim.remark_codes or [])
            ],
        },
        "payer": {"id": remit.payer_id, "name": remit.payer_name},
        "remittance": {
            "id": remit.id,
            "trace_number": remit.trace_number,
            "payment_date": remit.payment_date,
        },
        "claim_adjustments": by_line.get(None, []),
        "lines": [
            {
                "id": line.id,
                "seq": line.seq,
                "code": line.code,
                "modifiers": [
                    m for m in (line.modifier1, line.modifier2, line.modifier3, line.modifier4) if m
                ],
                "revenue_code": line.revenue_code,
                "service_date": line.service_date,
                "charge": line.charge,
                "paid": line.paid,
                "adjustments": by_line.get(line.id, []),
            }
            for line in lines
        ],
        "remittance_history": [dict(h._mapping) for h in history],
        "appeals": appeals(conn, case_id),
        "notes": [
            {"at": at, "author": who, "text": note} for at, who, note in notes(conn, case_id)
        ],
        "documents": [
            {
                "id": d.id,
                "filename": d.filename,
                "media_type": d.media_type,
                "size_bytes": d.size_bytes,
                "sha256": d.sha256,
                "uploaded_by": d.uploaded_by,
                "uploaded_at": d.uploaded_at,
                "enclose": d.enclose,
            }
            for d in case_documents(conn, case_id)
        ],
        "allowed_moves": list(states.allowed_moves(case.state)),
        "events": [event_record(e) for e in shown.events],
        "access": {"total": shown.access_total, "shown": shown.access_shown},
    }


def event_record(e: Event) -> dict[str, Any]:
    """One audit event as the case record, the full trail and ``case show`` print it."""
    return {
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "field": e.field,
        "old": e.old_value,
        "new": e.new_value,
        "remittance_id": e.remittance_id,
        "note": e.note,
    }
