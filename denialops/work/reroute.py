"""Open cases follow re-applied rules: category, family, owner, next action, denial codes.

Re-applying rules (``denialops reclassify``, the rules page's "reclassify", ``POST
/api/v1/rules/reclassify``: all :func:`denialops.classify.apply.reclassify`) rewrites the
adjustments and the claims' denial view; :func:`reroute_open_cases` then brings the open
denial cases of those claims along, in the same transaction, so the queue never routes
by rules that are no longer in force. The fields are derived as a case opening derives
them (:func:`denialops.work.cases.open_cases`): category and family are the claim's
primary denial category and family (else the largest denied adjustment's); owner and
next action are the largest denied adjustment's (ties: the first stored), the owner by
family when its rule names none; the denial status is the claim's. The case's denial
codes (``case_adjustment``) are relinked to the claim's denied adjustments with their
new classification, and the stored priority is recomputed (its prior and cost depend
on family, category and owner).

Each changed field is one ``case_event`` row (action ``reclassify``, the person who asked,
old and new value, a note naming the rules version and the rule that now routes the
case); the case's version goes up, so an editor holding the old one gets a conflict and
the analytical case facts catch up.

Left alone, by design:

- closed cases: their routing is the history of work done (and of the KPIs on it);
- the **owner** of a case someone sent to an owner queue by hand (any ``case_event`` with
  action ``owner``: ``denialops work owner``, the case page, the queue's bulk "set
  owner"): a person's decision outranks a rule. Its category, family and next action
  still follow the rules; how many such cases the rules would route elsewhere is
  reported (``owners_kept``). The assignee is never changed;
- the soft/hard flag and the deadlines, which were computed from the case's history
  (state, appeal level, filing dates) and are not re-derived here;
- underpayment cases (routed by the fee schedule, not by a denial rule);
- a case whose claim no longer carries any denial under the new rules: it is counted
  (``no_longer_denied``) for a person to close, not changed.

Set based: a fixed number of statements per call whatever the number of cases (a
temporary table of the re-derived values, then INSERT ... SELECT and UPDATE ... FROM),
plus the batched rescoring of :func:`denialops.work.scoring.rescore`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime, bindparam, text

from denialops.vocabulary import DENIAL_KIND
from denialops.work.cases import _FAMILY_OWNER
from denialops.work.scoring import rescore

_CHANGES = "reroute_case"
ROUTED_FIELDS = ("denial_status", "family", "category", "owner", "next_action")
"""The case columns re-derived from the classification (the order of the audit rows)."""
_DENIED_VIEWS = ("partially_denied", "fully_denied")
MANUAL_OWNER_ACTION = "owner"
"""The ``case_event`` action of an owner set by hand (:func:`denialops.work.set_owner`)."""
ACTION = "reclassify"


@dataclass
class RerouteSummary:
    """What :func:`reroute_open_cases` did."""

    cases_rerouted: int = 0
    events: int = 0
    owners_kept: int = 0
    """Cases whose owner was set by hand and which the rules would route elsewhere."""
    no_longer_denied: int = 0
    """Open cases whose claim carries no denial under the new rules (left for a person)."""


def _differs(conn: Connection, left: str, right: str) -> str:
    operator = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    return f"{left} {operator} {right}"


def _create_temp(conn: Connection) -> None:
    columns = ", ".join(f"old_{name} VARCHAR(64), new_{name} VARCHAR(64)" for name in ROUTED_FIELDS)
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_CHANGES} (case_id BIGINT PRIMARY KEY, "
            f"{columns}, routed_owner VARCHAR(64), manual BOOLEAN, rule_id VARCHAR(128))"
        )
    )
    conn.execute(text(f"DELETE FROM {_CHANGES}"))


def _open_cases_sql(first: str, last: str) -> str:
    """The open denial cases of the claims with ids in [first, last] (alias ``k``)."""
    return (
        f"k.claim_id BETWEEN {first} AND {last} AND k.kind = '{DENIAL_KIND}' "
        "AND k.closed_at IS NULL"
    )


def _fill_sql(conn: Connection) -> str:
    true = "1" if conn.dialect.name == "sqlite" else "TRUE"
    family = "COALESCE(c.primary_denial_family, t.family)"
    by_family = " ".join(f"WHEN '{fam}' THEN '{owner}'" for fam, owner in _FAMILY_OWNER.items())
    routed_owner = f"COALESCE(NULLIF(t.owner, ''), CASE {family} {by_family} ELSE 'billing' END)"
    views = ", ".join(f"'{v}'" for v in _DENIED_VIEWS)
    cases = _open_cases_sql(":first", ":last")
    old = ", ".join(f"k.{name}" for name in ROUTED_FIELDS)
    return f"""
        INSERT INTO {_CHANGES} (case_id, {", ".join("old_" + n for n in ROUTED_FIELDS)},
            {", ".join("new_" + n for n in ROUTED_FIELDS)}, routed_owner, manual, rule_id)
        WITH top AS (
            SELECT a.claim_id, a.family, a.category, a.owner, a.next_action, a.rule_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY a.claim_id ORDER BY a.amount DESC, a.id
                   ) AS rank
            FROM adjustment a
            WHERE a.claim_id BETWEEN :first AND :last AND a.is_denial = {true}
        ),
        routed AS (
            SELECT k.id AS case_id, {old},
                   CASE WHEN c.denial_status IN ({views}) THEN c.denial_status
                        ELSE k.denial_status END AS r_status,
                   {family} AS r_family,
                   COALESCE(c.primary_denial_category, t.category) AS r_category,
                   {routed_owner} AS r_owner,
                   t.next_action AS r_next_action, t.rule_id AS rule_id,
                   EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = k.id
                           AND e.action = '{MANUAL_OWNER_ACTION}') AS manual
            FROM denial_case k
            JOIN claim c ON c.id = k.claim_id
            JOIN top t ON t.claim_id = k.claim_id AND t.rank = 1
            WHERE {cases}
        )
        SELECT case_id, {", ".join(ROUTED_FIELDS)},
               r_status, r_family, r_category,
               CASE WHEN manual THEN owner ELSE r_owner END, r_next_action,
               r_owner, manual, rule_id
        FROM routed
    """


def _any_change(conn: Connection) -> str:
    changes = " OR ".join(_differs(conn, f"r.old_{n}", f"r.new_{n}") for n in ROUTED_FIELDS)
    return f"({changes})"


def _events_sql(conn: Connection) -> str:
    """One audit row per changed field of every changed case, in case then field order."""
    parts = [
        f"SELECT r.case_id AS case_id, {order} AS ord, '{name}' AS field, "
        f"r.old_{name} AS old_value, r.new_{name} AS new_value, r.rule_id AS rule_id "
        f"FROM {_CHANGES} r WHERE {_differs(conn, f'r.old_{name}', f'r.new_{name}')}"
        for order, name in enumerate(ROUTED_FIELDS)
    ]
    return (
        "INSERT INTO case_event (case_id, at, actor, action, field, old_value, new_value, note) "
        f"SELECT u.case_id, :at, :actor, '{ACTION}', u.field, u.old_value, u.new_value, "
        "CAST(:note AS VARCHAR(200)) || COALESCE(u.rule_id, 'none') "
        f"FROM ({' UNION ALL '.join(parts)}) u ORDER BY u.case_id, u.ord"
    )


def _relink_sql(conn: Connection) -> list[str]:
    """``case_adjustment`` of the rerouted cases = the claim's denied adjustments, with
    their current classification (drop, add, update: what a case opening links)."""
    true, false = ("1", "0") if conn.dialect.name == "sqlite" else ("TRUE", "FALSE")
    scope = f"(SELECT case_id FROM {_CHANGES})"
    columns = ("family", "category", "owner")
    return [
        # driven from the rerouted cases (case_adjustment by case, adjustment by id):
        # filtering case_adjustment by adjustment id had SQLite scan it (1.4 s a batch)
        "DELETE FROM case_adjustment WHERE id IN (SELECT x.id FROM "
        f"{_CHANGES} r JOIN case_adjustment x ON x.case_id = r.case_id "
        "JOIN adjustment a ON a.id = x.adjustment_id "
        f"WHERE COALESCE(a.is_denial, {false}) = {false})",
        "INSERT INTO case_adjustment (case_id, adjustment_id, service_line_id, group_code, "
        "reason_code, amount, family, category, owner) "
        "SELECT k.id, a.id, a.service_line_id, a.group_code, a.reason_code, a.amount, "
        f"a.family, a.category, a.owner FROM denial_case k "
        f"JOIN adjustment a ON a.claim_id = k.claim_id AND a.is_denial = {true} "
        f"WHERE k.id IN {scope} AND NOT EXISTS (SELECT 1 FROM case_adjustment x "
        "WHERE x.case_id = k.id AND x.adjustment_id = a.id) ORDER BY k.id, a.id",
        "UPDATE case_adjustment SET "
        + ", ".join(f"{c} = a.{c}" for c in columns)
        + f" FROM adjustment a WHERE a.id = case_adjustment.adjustment_id "
        f"AND case_adjustment.case_id IN {scope} AND ("
        + " OR ".join(_differs(conn, f"case_adjustment.{c}", f"a.{c}") for c in columns)
        + ")",
    ]


def reroute_open_cases(
    conn: Connection,
    first_claim_id: int,
    last_claim_id: int,
    *,
    actor: str,
    ruleset_version: str,
) -> RerouteSummary:
    """Re-derive the routing of the open denial cases of the claims with ids in
    [``first_claim_id``, ``last_claim_id``] from their (re)classified adjustments, on the
    caller's connection and transaction (see the module docstring for what changes and
    what is left alone). Idempotent: a second call changes nothing."""
    summary = RerouteSummary()
    bounds = {"first": first_claim_id, "last": last_claim_id}
    _create_temp(conn)
    try:
        conn.execute(text(_fill_sql(conn)), bounds)
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ANALYZE {_CHANGES}"))
        cases = _open_cases_sql(":first", ":last")
        (summary.no_longer_denied,) = conn.execute(
            text(
                f"SELECT COUNT(*) FROM denial_case k WHERE {cases} AND NOT EXISTS "
                f"(SELECT 1 FROM {_CHANGES} r WHERE r.case_id = k.id)"
            ),
            bounds,
        ).one()
        (summary.owners_kept,) = conn.execute(
            text(
                f"SELECT COUNT(*) FROM {_CHANGES} r WHERE r.manual "
                f"AND {_differs(conn, 'r.old_owner', 'r.routed_owner')}"
            )
        ).one()
        changed = [
            int(i)
            for i in conn.execute(
                text(f"SELECT r.case_id FROM {_CHANGES} r WHERE {_any_change(conn)}")
            ).scalars()
        ]
        for statement in _relink_sql(conn):
            conn.execute(text(statement), bounds)
        if not changed:
            return summary
        stamp = datetime.now(UTC)
        at = bindparam("at", type_=DateTime(timezone=True))
        summary.events = max(
            int(
                conn.execute(
                    text(_events_sql(conn)).bindparams(at),
                    {"at": stamp, "actor": actor, "note": f"rules {ruleset_version}: rule "},
                ).rowcount
                or 0
            ),
            0,
        )
        assignments = ", ".join(f"{n} = r.new_{n}" for n in ROUTED_FIELDS)
        conn.execute(
            text(
                f"UPDATE denial_case SET {assignments}, version = denial_case.version + 1, "
                f"updated_at = :at FROM {_CHANGES} r "
                f"WHERE denial_case.id = r.case_id AND {_any_change(conn)}"
            ).bindparams(at),
            {"at": stamp},
        )
        rescore(conn, changed)
        summary.cases_rerouted = len(changed)
        return summary
    finally:
        conn.execute(text(f"DELETE FROM {_CHANGES}"))
