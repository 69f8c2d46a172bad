"""Applying the rules to stored remittances, and the denial views built on the result.

:func:`classify_remittance` runs inside ingest's transaction, so it is set-based: each
distinct (payer, group, CARC, RARCs) is classified once and the adjustment rows that
share a result are updated with one statement. :func:`reclassify` re-applies (changed)
rules to everything stored and moves each replaced result to ``classification_history``.

Claim-level view (:func:`claim_denial_view`): a claim is ``fully_denied`` when the payer
says so (CLP02 = 4) or paid nothing while refusing something and leaving nothing to the
patient, ``partially_denied`` when any dollars carry a denial reason, else ``paid``. Its
primary denial reason is the category carrying the most denied dollars.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import cast as sql_cast

from denialops.classify._engine import Classification, classify, default_rules
from denialops.classify._rules import RuleSet
from denialops.classify._vocab import UNCLASSIFIED
from denialops.money import CENT, ZERO, total
from denialops.store import schema
from denialops.store.database import SQLDialect, driver_cursor
from denialops.vocabulary import DENIED_STATUS, REVERSAL_STATUS

ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
CLAIM = cast(Table, schema.Claim.__table__)
REMITTANCE = cast(Table, schema.Remittance.__table__)
HISTORY = cast(Table, schema.ClassificationHistory.__table__)

RESULT_COLUMNS = (
    "is_denial",
    "family",
    "category",
    "soft_or_hard",
    "process_step",
    "owner",
    "next_action",
    "rule_id",
    "ruleset_version",
    "needs_review",
)
_CHUNK = 500
_REVERSAL = REVERSAL_STATUS
_DENIED = DENIED_STATUS

ReasonKey = tuple[str | None, str, str, tuple[str, ...], date | None]
"""(payer, group, CARC, RARCs, date judged on): what a classification depends on."""


def _money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _remarks(value: Any) -> tuple[str, ...]:
    """RARCs as stored (a JSON list; some drivers hand back the JSON text)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return tuple(str(v) for v in value)


def adjustment_values(result: Classification) -> dict[str, Any]:
    """The ``adjustment`` columns a classification fills (e.g. for a loader that
    classifies while inserting)."""
    return {
        "is_denial": result.is_denial,
        "family": result.family,
        "category": result.category,
        "soft_or_hard": result.soft_or_hard,
        "process_step": result.process_step,
        "owner": result.owner,
        "next_action": result.next_action,
        "rule_id": result.rule,
        "ruleset_version": result.ruleset_version,
        "needs_review": result.needs_review,
    }


def _chunks(items: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_groups(conn: Connection, groups: dict[tuple[Any, ...], list[int]]) -> None:
    """One UPDATE per distinct result (ids in chunks), not one per row."""
    for values_key, ids in groups.items():
        values = dict(zip(RESULT_COLUMNS, values_key, strict=True))
        for chunk in _chunks(ids):
            conn.execute(update(ADJUSTMENT).where(ADJUSTMENT.c.id.in_(chunk)).values(**values))


def _judged_on(production: date | None, payment: date | None) -> date | None:
    """Codes are judged by the list in force when the payer produced the remittance."""
    return production or payment


# --------------------------------------------------------------------------- claim view


@dataclass(frozen=True, slots=True)
class ClaimDenialView:
    denial_status: str
    primary_category: str | None
    primary_family: str | None
    denied_amount: Decimal


def claim_denial_view(
    status: str,
    paid: Decimal,
    denied_by_reason: dict[tuple[str | None, str | None], Decimal],
    patient_share: Decimal = ZERO,
) -> ClaimDenialView:
    """The claim-level result from its denial dollars per (category, family).

    A reversal (CLP02 = 22) takes back an earlier payment: it is not itself a denial, so
    it stays ``paid`` while its (negative) denied dollars net out the original's.
    """
    denied = total(denied_by_reason.values())
    positive = [(amount, key) for key, amount in denied_by_reason.items() if amount > 0]
    primary: tuple[str | None, str | None] = (None, None)
    if positive:
        # most dollars first; ties go to the alphabetically first category (stable output)
        _amount, primary = min(positive, key=lambda item: (-item[0], str(item[1][0])))
    if status == _REVERSAL:
        return ClaimDenialView("paid", None, None, denied)
    if status == _DENIED or (paid <= 0 and denied > 0 and patient_share <= 0):
        return ClaimDenialView("fully_denied", primary[0], primary[1], denied)
    if denied > 0:
        return ClaimDenialView("partially_denied", primary[0], primary[1], denied)
    return ClaimDenialView("paid", None, None, denied)


def _claim_changes(
    claims: Sequence[Any],
    denied: dict[int, dict[tuple[str | None, str | None], Decimal]],
    patient: dict[int, Decimal],
) -> list[dict[str, Any]]:
    """Update parameters for the claims whose view differs from what is stored."""
    changes: list[dict[str, Any]] = []
    for row in claims:
        view = claim_denial_view(
            row.status, _money(row.paid), denied.get(row.id, {}), patient.get(row.id, ZERO)
        )
        current = (
            row.denial_status,
            row.primary_denial_category,
            row.primary_denial_family,
            _money(row.denied_amount),
        )
        wanted = (
            view.denial_status,
            view.primary_category,
            view.primary_family,
            view.denied_amount,
        )
        if current != wanted:
            changes.append(
                {
                    "b_id": row.id,
                    "b_status": view.denial_status,
                    "b_category": view.primary_category,
                    "b_family": view.primary_family,
                    "b_amount": view.denied_amount,
                }
            )
    return changes


def _refresh_claims(conn: Connection, claim_filter: ColumnElement[bool]) -> int:
    """Recompute the claim-level fields of the selected claims; returns claims changed."""
    claims = conn.execute(
        select(
            CLAIM.c.id,
            CLAIM.c.status,
            CLAIM.c.paid,
            CLAIM.c.denial_status,
            CLAIM.c.primary_denial_category,
            CLAIM.c.primary_denial_family,
            CLAIM.c.denied_amount,
        ).where(claim_filter)
    ).all()
    if not claims:
        return 0
    ids = [row.id for row in claims]
    denied: dict[int, dict[tuple[str | None, str | None], Decimal]] = defaultdict(dict)
    patient: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(
                ADJUSTMENT.c.claim_id,
                ADJUSTMENT.c.is_denial,
                ADJUSTMENT.c.category,
                ADJUSTMENT.c.family,
                ADJUSTMENT.c.group_code,
                func.sum(ADJUSTMENT.c.amount),
            )
            .where(ADJUSTMENT.c.claim_id.in_(chunk))
            .group_by(
                ADJUSTMENT.c.claim_id,
                ADJUSTMENT.c.is_denial,
                ADJUSTMENT.c.category,
                ADJUSTMENT.c.family,
                ADJUSTMENT.c.group_code,
            )
        ).all()
        for claim_id, is_denial, category, family, group, amount in rows:
            if is_denial:
                key = (category, family)
                denied[claim_id][key] = denied[claim_id].get(key, ZERO) + _money(amount)
            elif group == "PR":
                patient[claim_id] += _money(amount)
    changes = _claim_changes(claims, denied, patient)
    if changes:
        conn.execute(
            update(CLAIM)
            .where(CLAIM.c.id == bindparam("b_id"))
            .values(
                denial_status=bindparam("b_status"),
                primary_denial_category=bindparam("b_category"),
                primary_denial_family=bindparam("b_family"),
                denied_amount=bindparam("b_amount"),
            ),
            changes,
        )
    return len(changes)


# --------------------------------------------------------------------------- ingest hook


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class _Driver:
    """Plain DBAPI access on the caller's connection (same transaction).

    The ingest hook runs once per remittance while ingest is benchmarked, so it skips
    SQLAlchemy's per-row parameter processing: money goes through the dialect adapter
    (integer cents on SQLite, Decimal on PostgreSQL) both ways.
    """

    def __init__(self, conn: Connection) -> None:
        self.dialect = SQLDialect.of(conn)
        self.cursor: Any = driver_cursor(conn)
        self.mark = self.dialect.placeholder
        self.sqlite = self.dialect.is_sqlite

    def money(self, value: Decimal) -> Any:
        return self.dialect.money(value)

    def money_value(self, value: Any) -> Decimal:
        return self.dialect.money_value(value) or ZERO

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", self.mark), params)
        return list(self.cursor.fetchall())

    def update_in(self, table: str, values: dict[str, Any], ids: Sequence[int]) -> None:
        assignments = ", ".join(f"{column} = {self.mark}" for column in values)
        for chunk in _chunks(ids):
            marks = ", ".join([self.mark] * len(chunk))
            self.cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE id IN ({marks})",
                [*values.values(), *chunk],
            )

    def update_results_pg(self, groups: dict[Classification, list[int]]) -> None:
        """PostgreSQL: every result of the remittance in one statement (one round trip)."""
        casts = {"is_denial": "boolean", "needs_review": "boolean"}
        columns = ", ".join(f"{c} = v.{c}" for c in RESULT_COLUMNS)
        first = ", ".join(f"%s::{casts.get(c, 'varchar')}" for c in RESULT_COLUMNS)
        rest = ", ".join("%s" for _ in RESULT_COLUMNS)
        rows = [f"(%s::integer[], {first})"] + [f"(%s, {rest})"] * (len(groups) - 1)
        params: list[Any] = []
        for result, ids in groups.items():
            params.append(ids)
            params.extend(adjustment_values(result).values())
        self.cursor.execute(
            f"UPDATE adjustment AS a SET {columns} FROM (VALUES {', '.join(rows)}) "
            f"AS v(ids, {', '.join(RESULT_COLUMNS)}) WHERE a.id = ANY(v.ids)",
            params,
        )

    def update_many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        self.cursor.executemany(sql.replace("?", self.mark), params)


def classify_remittance(conn: Connection, remittance_id: int, rules: RuleSet | None = None) -> None:
    """Classify every adjustment of one stored remittance and set its claims' view.

    Runs on the caller's connection and transaction (the ingest hook signature). Set
    based: each distinct (payer, group, CARC, RARCs) is classified once, the rows sharing
    a result are updated by one statement, and only claims whose view changes are written.
    """
    ruleset = rules or default_rules()
    db = _Driver(conn)
    header = db.rows(
        "SELECT production_date, payment_date FROM remittance WHERE id = ?", remittance_id
    )
    if not header:
        return
    on = _judged_on(_as_date(header[0][0]), _as_date(header[0][1]))
    claims = db.rows(
        "SELECT id, payer_id, status, paid, denial_status, primary_denial_category, "
        "primary_denial_family, denied_amount FROM claim WHERE remittance_id = ?",
        remittance_id,
    )
    claims = [
        (*row[:3], db.money_value(row[3]), *row[4:7], db.money_value(row[7])) for row in claims
    ]
    payer_of = {row[0]: row[1] for row in claims}
    adjustments = db.rows(
        "SELECT id, claim_id, group_code, reason_code, rarcs, amount FROM adjustment "
        "WHERE remittance_id = ?",
        remittance_id,
    )
    results: dict[tuple[Any, ...], Classification] = {}
    groups: dict[Classification, list[int]] = defaultdict(list)
    denied: dict[int, dict[tuple[str | None, str | None], Decimal]] = defaultdict(dict)
    patient: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for adjustment_id, claim_id, group, reason, remarks, amount in adjustments:
        payer = payer_of.get(claim_id)
        raw_key = (payer, group, reason, remarks if isinstance(remarks, str) else str(remarks))
        result = results.get(raw_key)
        if result is None:
            result = classify(group, reason, _remarks(remarks), payer=payer, on=on, rules=ruleset)
            results[raw_key] = result
        groups[result].append(adjustment_id)
        if result.is_denial:
            cause = (result.category, result.family)
            denied[claim_id][cause] = denied[claim_id].get(cause, ZERO) + db.money_value(amount)
        elif group == "PR":
            patient[claim_id] += db.money_value(amount)
    if db.sqlite:
        for result, ids in groups.items():
            db.update_in("adjustment", adjustment_values(result), ids)
    elif groups:
        db.update_results_pg(groups)
    changes = _claim_changes([_ClaimRow(*row[:1], *row[2:]) for row in claims], denied, patient)
    if changes:
        db.update_many(
            "UPDATE claim SET denial_status = ?, primary_denial_category = ?, "
            "primary_denial_family = ?, denied_amount = ? WHERE id = ?",
            [
                (c["b_status"], c["b_category"], c["b_family"], db.money(c["b_amount"]), c["b_id"])
                for c in changes
            ],
        )


@dataclass(frozen=True, slots=True)
class _ClaimRow:
    id: int
    status: str
    paid: Any
    denial_status: str | None
    primary_denial_category: str | None
    primary_denial_family: str | None
    denied_amount: Any


# --------------------------------------------------------------------------- reclassify


@dataclass
class ReclassifySummary:
    """What a reclassification changed."""

    ruleset_version: str
    examined: int = 0
    changed: int = 0
    history_rows: int = 0
    stamped: int = 0
    """Results unchanged under the new rules whose version stamp was updated."""
    claims_updated: int = 0
    moves: dict[str, int] = field(default_factory=dict)
    """"old category -> new category" with how many adjustments moved."""

    def to_json(self) -> dict[str, Any]:
        return {
            "ruleset_version": self.ruleset_version,
            "examined": self.examined,
            "changed": self.changed,
            "history_rows": self.history_rows,
            "stamped": self.stamped,
            "claims_updated": self.claims_updated,
            "moves": dict(sorted(self.moves.items())),
        }


_OUTCOME_COLUMNS = tuple(c for c in RESULT_COLUMNS if c != "ruleset_version")


def reclassify(
    engine: Engine, rules: RuleSet | None = None, *, batch_size: int = 5000
) -> ReclassifySummary:
    """Re-apply the rules to every stored adjustment, batch by batch.

    A changed result (any field but the version) moves the old one to
    ``classification_history``; an unchanged one only gets the new version stamp.
    """
    ruleset = rules or default_rules()
    summary = ReclassifySummary(ruleset_version=ruleset.version)
    results: dict[ReasonKey, tuple[Any, ...]] = {}
    last_id = 0
    columns = [ADJUSTMENT.c[c] for c in RESULT_COLUMNS]
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(
                    ADJUSTMENT.c.id,
                    ADJUSTMENT.c.claim_id,
                    ADJUSTMENT.c.group_code,
                    ADJUSTMENT.c.reason_code,
                    ADJUSTMENT.c.rarcs,
                    CLAIM.c.payer_id,
                    REMITTANCE.c.production_date,
                    REMITTANCE.c.payment_date,
                    *columns,
                )
                .join(CLAIM, CLAIM.c.id == ADJUSTMENT.c.claim_id)
                .join(REMITTANCE, REMITTANCE.c.id == ADJUSTMENT.c.remittance_id)
                .where(ADJUSTMENT.c.id > last_id)
                .order_by(ADJUSTMENT.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            last_id = rows[-1].id
            summary.examined += len(rows)
            groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
            history: list[dict[str, Any]] = []
            touched_claims: set[int] = set()
            now = datetime.now(UTC)
            for row in rows:
                on = _judged_on(row.production_date, row.payment_date)
                key: ReasonKey = (
                    row.payer_id,
                    row.group_code,
                    row.reason_code,
                    _remarks(row.rarcs),
                    on,
                )
                new = results.get(key)
                if new is None:
                    result = classify(key[1], key[2], key[3], payer=key[0], on=on, rules=ruleset)
                    new = tuple(adjustment_values(result)[c] for c in RESULT_COLUMNS)
                    results[key] = new
                old = tuple(getattr(row, c) for c in RESULT_COLUMNS)
                new_outcome = dict(zip(RESULT_COLUMNS, new, strict=True))
                old_outcome = dict(zip(RESULT_COLUMNS, old, strict=True))
                if all(new_outcome[c] == old_outcome[c] for c in _OUTCOME_COLUMNS):
                    if old_outcome["ruleset_version"] != new_outcome["ruleset_version"]:
                        groups[new].append(row.id)
                        summary.stamped += 1
                    continue
                groups[new].append(row.id)
                touched_claims.add(row.claim_id)
                summary.changed += 1
                move = f"{old_outcome['category']} -> {new_outcome['category']}"
                summary.moves[move] = summary.moves.get(move, 0) + 1
                if old_outcome["ruleset_version"] is not None:
                    history.append(
                        {
                            "adjustment_id": row.id,
                            "replaced_at": now,
                            **{c: old_outcome[c] for c in RESULT_COLUMNS if c != "needs_review"},
                        }
                    )
            if history:
                conn.execute(insert(HISTORY), history)
                summary.history_rows += len(history)
            _update_groups(conn, groups)
            for chunk in _chunks(sorted(touched_claims)):
                summary.claims_updated += _refresh_claims(conn, CLAIM.c.id.in_(chunk))
    return summary


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """A (group, CARC) seen in the database that the rules leave unclassified."""

    group: str
    carc: str
    adjustments: int
    claims: int
    dollars: Decimal
    remarks: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "carc": self.carc,
            "adjustments": self.adjustments,
            "claims": self.claims,
            "dollars": self.dollars,
            "remarks": list(self.remarks),
            "reason": self.reason,
        }


def coverage(engine: Engine, rules: RuleSet | None = None) -> list[CoverageRow]:
    """Codes in the database that fall to ``unclassified`` under ``rules`` (most dollars
    first), judged now, so a rules file can be tried before ``reclassify``."""
    ruleset = rules or default_rules()
    rarcs_text = sql_cast(ADJUSTMENT.c.rarcs, String)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                CLAIM.c.payer_id,
                ADJUSTMENT.c.group_code,
                ADJUSTMENT.c.reason_code,
                rarcs_text,
                REMITTANCE.c.production_date,
                REMITTANCE.c.payment_date,
                func.count(),
                func.sum(ADJUSTMENT.c.amount),
            )
            .join(CLAIM, CLAIM.c.id == ADJUSTMENT.c.claim_id)
            .join(REMITTANCE, REMITTANCE.c.id == ADJUSTMENT.c.remittance_id)
            .group_by(
                CLAIM.c.payer_id,
                ADJUSTMENT.c.group_code,
                ADJUSTMENT.c.reason_code,
                rarcs_text,
                REMITTANCE.c.production_date,
                REMITTANCE.c.payment_date,
            )
        ).all()
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for payer, group, carc, remarks, production, payment, count, amount in rows:
            on = _judged_on(production, payment)
            result = classify(group, carc, _remarks(remarks), payer=payer, on=on, rules=ruleset)
            if result.category != UNCLASSIFIED:
                continue
            entry = found.setdefault(
                (group, carc),
                {"adjustments": 0, "dollars": ZERO, "remarks": set(), "reason": ""},
            )
            entry["adjustments"] += int(count)
            entry["dollars"] += _money(amount)
            entry["remarks"].update(_remarks(remarks))
            entry["reason"] = "; ".join(result.warnings)
        claims: dict[tuple[str, str], int] = {}
        if found:
            claim_rows = conn.execute(
                select(
                    ADJUSTMENT.c.group_code,
                    ADJUSTMENT.c.reason_code,
                    func.count(func.distinct(ADJUSTMENT.c.claim_id)),
                )
                .where(
                    and_(
                        ADJUSTMENT.c.reason_code.in_({carc for _g, carc in found}),
                        ADJUSTMENT.c.group_code.in_({group for group, _c in found}),
                    )
                )
                .group_by(ADJUSTMENT.c.group_code, ADJUSTMENT.c.reason_code)
            ).all()
            claims = {(g, c): int(n) for g, c, n in claim_rows}
    out = [
        CoverageRow(
            group=group,
            carc=carc,
            adjustments=entry["adjustments"],
            claims=claims.get((group, carc), 0),
            dollars=entry["dollars"],
            remarks=tuple(sorted(entry["remarks"])),
            reason=entry["reason"],
        )
        for (group, carc), entry in found.items()
    ]
    return sorted(out, key=lambda r: (-r.dollars, r.group, r.carc))


# --------------------------------------------------------------------------- summary


def denial_summary(engine: Engine) -> dict[str, Any]:
    """Denied lines, claims and dollars, in total, by family and by family + category.

    "Lines" are denial adjustments (one CAS reason each); "claims" are distinct claims
    with at least one; dollars are Decimal (net of reversals). Adjustments not yet
    classified are counted under ``unclassified_adjustments``.
    """
    denial = ADJUSTMENT.c.is_denial.is_(True)
    with engine.connect() as conn:
        totals = conn.execute(
            select(
                func.count(),
                func.count(func.distinct(ADJUSTMENT.c.claim_id)),
                func.sum(ADJUSTMENT.c.amount),
            ).where(denial)
        ).one()
        by_family = conn.execute(
            select(
                ADJUSTMENT.c.family,
                func.count(),
                func.count(func.distinct(ADJUSTMENT.c.claim_id)),
                func.sum(ADJUSTMENT.c.amount),
            )
            .where(denial)
            .group_by(ADJUSTMENT.c.family)
        ).all()
        by_category = conn.execute(
            select(
                ADJUSTMENT.c.family,
                ADJUSTMENT.c.category,
                func.count(),
                func.count(func.distinct(ADJUSTMENT.c.claim_id)),
                func.sum(ADJUSTMENT.c.amount),
            )
            .where(denial)
            .group_by(ADJUSTMENT.c.family, ADJUSTMENT.c.category)
        ).all()
        pending = conn.execute(
            select(func.count()).where(ADJUSTMENT.c.is_denial.is_(None))
        ).scalar_one()
        claim_status = conn.execute(
            select(
                CLAIM.c.denial_status,
                func.count(),
                func.sum(case((CLAIM.c.denial_status != "paid", CLAIM.c.denied_amount), else_=0)),
            ).group_by(CLAIM.c.denial_status)
        ).all()
    family_rows = [
        {"family": fam, "lines": int(n), "claims": int(c), "dollars": _money(d)}
        for fam, n, c, d in by_family
    ]
    category_rows = [
        {"family": fam, "category": cat, "lines": int(n), "claims": int(c), "dollars": _money(d)}
        for fam, cat, n, c, d in by_category
    ]
    family_rows.sort(key=lambda r: (-r["dollars"], str(r["family"])))
    category_rows.sort(key=lambda r: (-r["dollars"], str(r["category"])))
    return {
        "denied_lines": int(totals[0]),
        "denied_claims": int(totals[1]),
        "denied_dollars": _money(totals[2]),
        "claims_by_status": {status: int(n) for status, n, _d in claim_status},
        "by_family": family_rows,
        "by_category": category_rows,
        "unclassified_adjustments": int(pending),
    }
