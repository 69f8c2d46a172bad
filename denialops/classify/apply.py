"""Applying the rules to stored remittances, and the denial views built on the result.

:func:`classify_claims` is the one path (ingest's pipeline step, ``reclassify`` and the
:func:`classify_remittance` wrapper all use it): set based over a scope of claims, each
distinct (payer, group, CARC, RARCs) classified once in Python (once per date judged on
where a code's dates change the result), the results written with one ``UPDATE ...
FROM`` and the claims' view with another. Codes are judged on the service date (line,
else claim), else the remittance's date. :func:`reclassify` re-applies (changed) rules
to everything stored and moves each replaced result to ``classification_history``.

Claim-level view (:func:`claim_denial_view`, applied in SQL by classification): a claim
is ``fully_denied`` when the payer says so (CLP02 = 4) or paid nothing while refusing
something and leaving nothing to the patient (PR lines count as the patient's, denial
lines included), ``partially_denied`` when any dollars carry a denial reason, else
``paid``. Its primary denial reason is the category carrying the most denied dollars.
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
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    select,
    text,
)
from sqlalchemy import cast as sql_cast

from denialops.classify._engine import Classification, classify, default_rules
from denialops.classify._rules import RuleSet
from denialops.classify._vocab import UNCLASSIFIED
from denialops.classify.overrides import database_rules, rules_in_force
from denialops.money import CENT, ZERO, total
from denialops.store import schema
from denialops.vocabulary import DENIED_STATUS, REVERSAL_STATUS

ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
CLAIM = cast(Table, schema.Claim.__table__)
REMITTANCE = cast(Table, schema.Remittance.__table__)
HISTORY = cast(Table, schema.ClassificationHistory.__table__)
SCOPE_TABLE = Table("classify_scope", MetaData(), Column("id", Integer, primary_key=True))
"""The temporary table of claim ids one set-based classification works on."""

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
LAYER_COLUMNS = ("liability", "checks", "warnings")
"""Also written by classification, not kept in ``classification_history``."""
_JSON_COLUMNS = ("checks", "warnings")
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
        "liability": result.liability,
        "checks": list(result.checks),
        "warnings": list(result.warnings),
    }


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _judged_on(production: date | None, payment: date | None) -> date | None:
    """The remittance's date, for a code with no service date to be judged on."""
    return production or payment


# --------------------------------------------------------------------------- claim view


@dataclass(frozen=True, slots=True)
class ClaimDenialView:
    denial_status: str
    primary_category: str | None
    primary_family: str | None
    denied_amount: Decimal
    patient_responsibility: Decimal = ZERO
    """What the patient owes on the claim's PR lines, denial lines included."""


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
        return ClaimDenialView("paid", None, None, denied, patient_share)
    if status == _DENIED or (paid <= 0 and denied > 0 and patient_share <= 0):
        return ClaimDenialView("fully_denied", primary[0], primary[1], denied, patient_share)
    if denied > 0:
        return ClaimDenialView("partially_denied", primary[0], primary[1], denied, patient_share)
    return ClaimDenialView("paid", None, None, denied, patient_share)


# --------------------------------------------------------------------------- set-based core
#
# One pass over a scope of claims (a temporary table of claim ids):
#   1. SELECT the DISTINCT (payer, group, CARC, RARCs, date judged on) of the scope;
#   2. classify each combination once in Python;
#   3. write the results to a temporary table and UPDATE adjustment FROM a join with it
#      (with history rows first when re-applying rules);
#   4. recompute the claim-level view of the scope's claims from one grouped SELECT and
#      write only the claims whose view changed (executemany).
# No statement is issued per adjustment or per claim.

_SCOPE = "classify_scope"
_RESULTS = "classify_result"
_KEY_COLUMNS = ("payer", "grp", "reason", "rarcs", "judged")
_KEY_SQL = {
    "payer": "COALESCE(c.payer_id, '')",
    "grp": "a.group_code",
    "reason": "a.reason_code",
    "rarcs": "COALESCE(CAST(a.rarcs AS TEXT), '')",
    # a code is judged on the service date, else the remittance's date
    "judged": "COALESCE(CAST(COALESCE(sl.service_date, c.service_date, r.production_date, "
    "r.payment_date) AS VARCHAR(10)), '')",
}
# The scope is an IN (SELECT ...) on the claim join: SQLite then drives the join from
# the scope's rows (claim by rowid, adjustments by ix_adjustment_claim) instead of scanning
# every adjustment (it has no statistics saying the temporary table is small).
_SCOPED_ADJUSTMENTS = (
    f"adjustment a JOIN claim c ON c.id = a.claim_id AND a.claim_id IN (SELECT id FROM {_SCOPE}) "
    "JOIN remittance r ON r.id = a.remittance_id "
    "LEFT JOIN service_line sl ON sl.id = a.service_line_id"
)
_KEYS = "classify_key"
ANY_DATE = "*"
"""``judged`` of a result that holds on every date its (payer, group, CARC, RARCs) was
judged on in the scope: one row instead of one per date, so the join's fan-out stays one
whatever the spread of service dates."""
# The scope's adjustments with their keys, written once (one INSERT ... SELECT driven from
# the scope), then joined with the results on plain columns. Joining the results to the
# key expressions directly let PostgreSQL, with no statistics yet on the rows just
# stored, merge on two of the five keys over every adjustment stored (minutes a batch).
_MATCHED = (
    f"{_KEYS} k JOIN {_RESULTS} x ON "
    + " AND ".join(f"x.{k} = k.{k}" for k in ("reason", "grp", "payer", "rarcs"))
    + f" AND x.judged IN ('{ANY_DATE}', k.judged)"
)
_JOINED = f"{_MATCHED} JOIN adjustment a ON a.id = k.id"
_HISTORY_COLUMNS = tuple(c for c in RESULT_COLUMNS if c != "needs_review")


def _differs(conn: Connection, left: str, right: str) -> str:
    """NULL-safe inequality in the connection's dialect."""
    operator = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    return f"{left} {operator} {right}"


def _outcome_differs(conn: Connection) -> str:
    return "(" + " OR ".join(_differs(conn, f"a.{c}", f"x.{c}") for c in _OUTCOME_COLUMNS) + ")"


def _empty_temp(conn: Connection) -> None:
    """Empty the temporary tables (kept for the connection: no DDL per call)."""
    for table in (_SCOPE, _KEYS, _RESULTS):
        conn.execute(text(f"DELETE FROM {table}"))


def _make_scope(conn: Connection, claim_ids: Iterable[int]) -> int:
    """The temporary table of the claims to classify; returns how many."""
    _create_temp(conn)
    _empty_temp(conn)
    ids = sorted(set(claim_ids))
    for chunk in _chunks(ids, 5000):
        conn.execute(text(f"INSERT INTO {_SCOPE} (id) VALUES (:id)"), [{"id": i} for i in chunk])
    return len(ids)


def _classify_combinations(conn: Connection, ruleset: RuleSet) -> list[dict[str, Any]]:
    """Each distinct (payer, group, CARC, RARCs, date) of the scope, classified once."""
    keys = ", ".join(_KEY_SQL[k] for k in _KEY_COLUMNS)
    conn.execute(
        text(
            f"INSERT INTO {_KEYS} (id, {', '.join(_KEY_COLUMNS)}) "
            f"SELECT a.id, {keys} FROM {_SCOPED_ADJUSTMENTS}"
        )
    )
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {_KEYS}"))
    rows = conn.execute(text(f"SELECT DISTINCT {', '.join(_KEY_COLUMNS)} FROM {_KEYS}")).all()
    by_reason: dict[tuple[str, str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for payer, group, reason, rarcs, judged in rows:
        on = date.fromisoformat(judged[:10]) if judged else None
        result = classify(
            group, reason, _remarks(rarcs or None), payer=payer or None, on=on, rules=ruleset
        )
        values = adjustment_values(result)
        for column in _JSON_COLUMNS:
            values[column] = json.dumps(values[column]) if values[column] else None
        by_reason[(payer, group, reason, rarcs)][judged] = values
    out: list[dict[str, Any]] = []
    for (payer, group, reason, rarcs), dated in by_reason.items():
        key = {"payer": payer, "grp": group, "reason": reason, "rarcs": rarcs}
        first = next(iter(dated.values()))
        if all(values == first for values in dated.values()):
            out.append(key | {"judged": ANY_DATE} | first)
        else:
            out.extend(key | {"judged": judged} | values for judged, values in dated.items())
    return out


def _create_temp(conn: Connection) -> None:
    conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_SCOPE} (id INTEGER PRIMARY KEY)"))
    id_type = "BIGINT" if conn.dialect.name == "postgresql" else "INTEGER"
    keys = ", ".join(f"{k} VARCHAR(4000) NOT NULL" for k in _KEY_COLUMNS)
    conn.execute(
        text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_KEYS} (id {id_type} PRIMARY KEY, {keys})")
    )
    columns = ", ".join(
        [f"{k} VARCHAR(4000) NOT NULL" for k in _KEY_COLUMNS]
        + [
            f"{c} {'BOOLEAN' if c in ('is_denial', 'needs_review') else 'VARCHAR(4000)'}"
            for c in (*RESULT_COLUMNS, *LAYER_COLUMNS)
        ]
    )
    conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_RESULTS} ({columns})"))
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_{_RESULTS} ON {_RESULTS} "
            "(reason, grp, payer, rarcs, judged)"
        )
    )


def _write_results(conn: Connection, results: list[dict[str, Any]]) -> None:
    names = [*_KEY_COLUMNS, *RESULT_COLUMNS, *LAYER_COLUMNS]
    insert_sql = text(
        f"INSERT INTO {_RESULTS} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
    )
    for chunk in _chunks(results, 5000):
        conn.execute(insert_sql, list(chunk))
    if conn.dialect.name == "postgresql":
        # a temporary table has no statistics until analysed: without them the planner
        # takes it for one row and loops over it
        conn.execute(text(f"ANALYZE {_RESULTS}"))


def _update_adjustments(conn: Connection, only_changed: bool) -> None:
    """UPDATE adjustment FROM the scope joined with the results: one statement."""
    where = ""
    if only_changed:
        layers = [
            _differs(conn, f"CAST(a.{c} AS TEXT)" if c in _JSON_COLUMNS else f"a.{c}", f"x.{c}")
            for c in LAYER_COLUMNS
        ]
        where = (
            f"WHERE {_outcome_differs(conn)} OR "
            f"{_differs(conn, 'a.ruleset_version', 'x.ruleset_version')} OR " + " OR ".join(layers)
        )
    json_type = "JSON" if conn.dialect.name == "postgresql" else "TEXT"
    assignments = ", ".join(
        f"{c} = CAST(t.{c} AS {json_type})" if c in _JSON_COLUMNS else f"{c} = t.{c}"
        for c in (*RESULT_COLUMNS, *LAYER_COLUMNS)
    )
    picked = ", ".join(f"x.{c} AS {c}" for c in (*RESULT_COLUMNS, *LAYER_COLUMNS))
    conn.execute(
        text(
            f"UPDATE adjustment SET {assignments} FROM "
            f"(SELECT k.id AS adjustment_id, {picked} FROM {_JOINED if where else _MATCHED} "
            f"{where}) AS t "
            "WHERE adjustment.id = t.adjustment_id"
        )
    )


@dataclass
class ClassifySummary:
    """What one set-based classification did (also what ``reclassify`` reports)."""

    ruleset_version: str
    claims: int = 0
    examined: int = 0
    combinations: int = 0
    """Results written: one per distinct (payer, group, CARC, RARCs), or one per date
    judged on when the date changes the result (a code's start or stop date)."""
    changed: int = 0
    history_rows: int = 0
    stamped: int = 0
    """Results unchanged under the new rules whose version stamp was updated."""
    claims_updated: int = 0
    moves: dict[str, int] = field(default_factory=dict)
    """"old category -> new category" with how many adjustments moved."""
    cases_rerouted: int = 0
    """Open cases whose routing (category, family, owner, next action) followed the rules
    (``reclassify`` only; see :mod:`denialops.work.reroute`)."""
    owners_kept: int = 0
    """Of the open cases, those whose hand-set owner was kept though the rules differ."""
    cases_no_longer_denied: int = 0
    """Open cases whose claim carries no denial under the new rules (left for a person)."""

    def add(self, other: ClassifySummary) -> None:
        self.claims += other.claims
        self.examined += other.examined
        self.combinations += other.combinations
        self.changed += other.changed
        self.history_rows += other.history_rows
        self.stamped += other.stamped
        self.claims_updated += other.claims_updated
        self.cases_rerouted += other.cases_rerouted
        self.owners_kept += other.owners_kept
        self.cases_no_longer_denied += other.cases_no_longer_denied
        for move, count in other.moves.items():
            self.moves[move] = self.moves.get(move, 0) + count

    def to_json(self) -> dict[str, Any]:
        return {
            "ruleset_version": self.ruleset_version,
            "examined": self.examined,
            "changed": self.changed,
            "history_rows": self.history_rows,
            "stamped": self.stamped,
            "claims_updated": self.claims_updated,
            "cases_rerouted": self.cases_rerouted,
            "owners_kept": self.owners_kept,
            "cases_no_longer_denied": self.cases_no_longer_denied,
            "moves": dict(sorted(self.moves.items())),
        }


ReclassifySummary = ClassifySummary
"""The earlier name of the summary ``reclassify`` returns."""


def _record_history(conn: Connection, summary: ClassifySummary) -> None:
    """Before re-applying rules: count what changes and keep the replaced results."""
    differs = _outcome_differs(conn)
    version_differs = _differs(conn, "a.ruleset_version", "x.ruleset_version")
    counts = conn.execute(
        text(
            f"SELECT COUNT(*), "
            f"SUM(CASE WHEN {differs} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN NOT {differs} AND {version_differs} THEN 1 ELSE 0 END) "
            f"FROM {_JOINED}"
        )
    ).one()
    summary.examined += int(counts[0] or 0)
    summary.changed += int(counts[1] or 0)
    summary.stamped += int(counts[2] or 0)
    for old, new, count in conn.execute(
        text(
            f"SELECT a.category, x.category, COUNT(*) FROM {_JOINED} WHERE {differs} "
            "GROUP BY a.category, x.category"
        )
    ).all():
        move = f"{old} -> {new}"
        summary.moves[move] = summary.moves.get(move, 0) + int(count)
    columns = ", ".join(_HISTORY_COLUMNS)
    kept = conn.execute(
        text(
            f"INSERT INTO classification_history (adjustment_id, replaced_at, {columns}) "
            f"SELECT a.id, :now, {', '.join('a.' + c for c in _HISTORY_COLUMNS)} "
            f"FROM {_JOINED} WHERE {differs} AND a.ruleset_version IS NOT NULL"
        ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
        {"now": datetime.now(UTC)},
    )
    summary.history_rows += max(kept.rowcount, 0)


def _claim_view_sql(conn: Connection) -> str:
    """:func:`claim_denial_view` for every claim of the scope, as one ``UPDATE ... FROM``
    writing the claims whose view differs from what is stored (a stored NULL amount
    counts as zero, as in Python)."""
    true = "1" if conn.dialect.name == "sqlite" else "TRUE"
    # ties go to the first category in code-point order, as str comparison in Python
    binary = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
    scoped = f"a.claim_id IN (SELECT id FROM {_SCOPE})"
    denied = "COALESCE(t.denied, 0)"
    denial = (
        f"c.status = '{_DENIED}' OR (COALESCE(c.paid, 0) <= 0 AND {denied} > 0 "
        "AND COALESCE(p.share, 0) <= 0)"
    )
    status = (
        f"CASE WHEN c.status = '{_REVERSAL}' THEN 'paid' WHEN {denial} THEN 'fully_denied' "
        f"WHEN {denied} > 0 THEN 'partially_denied' ELSE 'paid' END"
    )
    primary = f"c.status <> '{_REVERSAL}' AND ({denial} OR {denied} > 0)"
    view = f"""
        WITH sums AS (
            SELECT a.claim_id, a.category, a.family, SUM(a.amount) AS amount
            FROM adjustment a WHERE {scoped} AND a.is_denial = {true}
            GROUP BY a.claim_id, a.category, a.family
        ),
        totals AS (SELECT claim_id, SUM(amount) AS denied FROM sums GROUP BY claim_id),
        ranked AS (
            SELECT claim_id, category, family, ROW_NUMBER() OVER (
                PARTITION BY claim_id
                ORDER BY amount DESC, COALESCE(category, 'None'){binary}, family{binary}
            ) AS rank
            FROM sums WHERE amount > 0
        ),
        patient AS (
            SELECT a.claim_id, SUM(a.amount) AS share FROM adjustment a
            WHERE {scoped} AND a.group_code = 'PR' GROUP BY a.claim_id
        )
        SELECT c.id AS claim_id, {status} AS status,
               CASE WHEN {primary} THEN r.category END AS category,
               CASE WHEN {primary} THEN r.family END AS family,
               {denied} AS denied
        FROM claim c
        LEFT JOIN totals t ON t.claim_id = c.id
        LEFT JOIN ranked r ON r.claim_id = c.id AND r.rank = 1
        LEFT JOIN patient p ON p.claim_id = c.id
        WHERE c.id IN (SELECT id FROM {_SCOPE})
    """
    changed = " OR ".join(
        [
            _differs(conn, "claim.denial_status", "v.status"),
            _differs(conn, "claim.primary_denial_category", "v.category"),
            _differs(conn, "claim.primary_denial_family", "v.family"),
            "COALESCE(claim.denied_amount, 0) <> v.denied",
        ]
    )
    return (
        "UPDATE claim SET denial_status = v.status, primary_denial_category = v.category, "
        f"primary_denial_family = v.family, denied_amount = v.denied FROM ({view}) AS v "
        f"WHERE claim.id = v.claim_id AND ({changed})"
    )


def _refresh_scope_claims(conn: Connection) -> int:
    """Recompute the claim-level view of the scope's claims in SQL (one statement, the
    rule of :func:`claim_denial_view`); returns how many claims changed."""
    return max(int(conn.execute(text(_claim_view_sql(conn))).rowcount or 0), 0)


def classify_claims(
    conn: Connection,
    claim_ids: Iterable[int],
    rules: RuleSet | None = None,
    *,
    keep_history: bool = False,
) -> ClassifySummary:
    """Classify every adjustment of the given claims and set their claim-level view.

    Set based, on the caller's connection and transaction (see the section comment):
    each distinct (payer, group, CARC, RARCs, date judged on) is classified once, the
    results are written with one UPDATE ... FROM, and only claims whose view changes are
    written. ``keep_history`` (re-applying rules) first moves each changed result to
    ``classification_history`` and counts the moves.
    """
    ruleset = database_rules(conn, rules or default_rules())  # + the database's overrides
    summary = ClassifySummary(ruleset_version=ruleset.version)
    summary.claims = _make_scope(conn, claim_ids)
    try:
        if summary.claims == 0:
            return summary
        results = _classify_combinations(conn, ruleset)
        summary.combinations = len(results)
        if not results:
            return summary
        _write_results(conn, results)
        if keep_history:
            _record_history(conn, summary)
        _update_adjustments(conn, only_changed=keep_history)
        summary.claims_updated = _refresh_scope_claims(conn)
        return summary
    finally:
        _empty_temp(conn)


def classify_remittances(
    conn: Connection, remittance_ids: Iterable[int], rules: RuleSet | None = None
) -> ClassifySummary:
    """:func:`classify_claims` for the claims of the given remittances."""
    ids = sorted(set(remittance_ids))
    claim_ids: list[int] = []
    for chunk in _chunks(ids):
        claim_ids.extend(
            conn.execute(select(CLAIM.c.id).where(CLAIM.c.remittance_id.in_(chunk))).scalars()
        )
    return classify_claims(conn, claim_ids, rules)


def classify_remittance(conn: Connection, remittance_id: int, rules: RuleSet | None = None) -> None:
    """Classify one stored remittance (the earlier ingest-hook signature; a thin wrapper
    over :func:`classify_claims`, which the pipeline should call once per batch)."""
    classify_remittances(conn, [remittance_id], rules)


# --------------------------------------------------------------------------- reclassify


_OUTCOME_COLUMNS = tuple(c for c in RESULT_COLUMNS if c != "ruleset_version")


def reclassify(
    engine: Engine,
    rules: RuleSet | None = None,
    *,
    batch_size: int = 5000,
    actor: str = "system",
) -> ClassifySummary:
    """Re-apply the rules to every stored adjustment, claims batch by batch, through the
    same set-based path as ingest.

    A changed result (any field but the version) moves the old one to
    ``classification_history``; an unchanged one only gets the new version stamp. The
    open cases of each batch's claims are re-routed in the same transaction
    (:func:`denialops.work.reroute.reroute_open_cases`, audited as ``actor``).
    """
    from denialops.work.reroute import reroute_open_cases  # work builds on classify

    ruleset = rules_in_force(engine, rules or default_rules())  # + the database's overrides
    summary = ClassifySummary(ruleset_version=ruleset.version)
    last_id = 0
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.execute(
                    select(CLAIM.c.id)
                    .where(CLAIM.c.id > last_id)
                    .order_by(CLAIM.c.id)
                    .limit(batch_size)
                ).scalars()
            )
            if not ids:
                break
            summary.add(classify_claims(conn, ids, ruleset, keep_history=True))
            routed = reroute_open_cases(
                conn, last_id + 1, ids[-1], actor=actor, ruleset_version=ruleset.version
            )
            summary.cases_rerouted += routed.cases_rerouted
            summary.owners_kept += routed.owners_kept
            summary.cases_no_longer_denied += routed.no_longer_denied
            last_id = ids[-1]
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
    ruleset = rules_in_force(engine, rules or default_rules())
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
