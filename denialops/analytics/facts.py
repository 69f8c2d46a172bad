"""Keeping the analytical facts current: set-based refresh from the remittance tables.

:func:`refresh_facts` rebuilds the fact rows (:mod:`.fact_schema`) of a set of claims in
a few ``INSERT ... SELECT`` statements: the pipeline calls it after classification and
case opening with the ids it just stored, case changes call it (or
:func:`refresh_case_facts`) for the cases they touched, and ``denialops report refresh``
calls it with ``None`` (every claim) to backfill a database.

Some facts depend on other claims: whether a claim is the *initial* adjudication of its
(payer, patient control number), whether it was *resubmitted*, and whether its patient
responsibility was billed on to a later payer (coordination of benefits). So the given ids
are first widened to every claim sharing a patient control number with them, and those
claims are rebuilt together.

:func:`catch_up` is what a report runs first: it refreshes what the hooks missed (claims
stored without a refresh, reclassified adjustments, changed cases), cheaply when nothing
is missing, and rebuilds everything when the facts were written under another
:data:`~denialops.analytics.fact_schema.FACT_SCHEMA_VERSION`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, inspect, text

from denialops.analytics.fact_schema import (
    CLAIM_FACTS,
    CUBE_MEASURES,
    FACT_CASE,
    FACT_CLAIM,
    FACT_SCHEMA_VERSION,
    WORK_FACTS,
)
from denialops.vocabulary import CLOSED_STATES as VOCABULARY_CLOSED_STATES
from denialops.vocabulary import NOT_ADJUDICATIONS, REVERSAL_STATUS

# Remark codes (and CARCs) that are evidence a denial is about documentation: the payer
# says a record, note, order, certification or report was missing, incomplete or did not
# support the service. docs/kpis.md lists them with their texts' gist.
DOCUMENTATION_RARCS: tuple[str, ...] = (
    "M29", "M30", "M127", "M141", "N29", "N163", "N206", "N223", "N224", "N225", "N233",
    "N237", "N238", "N435", "N455", "N456", "N661", "N683", "N705", "N706",
)  # fmt: skip
DOCUMENTATION_CARCS: tuple[str, ...] = ("226", "252")
DUPLICATE_CARCS: tuple[str, ...] = ("18",)
DUPLICATE_CATEGORY = "duplicate"
EARLIEST_PLAUSIBLE = "1990-01-01"
UNDATED = "0001-01-01"
LATEST_PLAUSIBLE_DAYS = 365
CLOSED_STATES = tuple(sorted(VOCABULARY_CLOSED_STATES))
DECISION_OUTCOMES = ("won", "partially_won", "lost", "denied_again")
WORK_SOURCE_TABLES = ("denial_case", "case_event", "appeal")


@dataclass
class RefreshResult:
    claims: int = 0
    cases: int = 0
    rebuilt: bool = False
    notes: list[str] = field(default_factory=list)


class _Sql:
    """The few spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.true = "1" if self.sqlite else "TRUE"

    def cents(self, expr: str) -> str:
        if self.sqlite:  # SQLite money is integer cents (revision 0003, before the facts)
            return f"COALESCE({expr}, 0)"
        return f"COALESCE(CAST(ROUND({expr} * 100) AS BIGINT), 0)"

    def month(self, expr: str) -> str:
        if self.sqlite:
            return f"date({expr}, 'start of month')"
        return f"CAST(date_trunc('month', {expr}) AS DATE)"

    def week(self, expr: str) -> str:
        if self.sqlite:
            return f"date({expr}, '-6 days', 'weekday 1')"
        return f"CAST(date_trunc('week', {expr}) AS DATE)"

    def day_of(self, stamp: str) -> str:
        """The UTC calendar day of a timestamp column."""
        if self.sqlite:
            return f"substr({stamp}, 1, 10)"
        return f"CAST(({stamp} AT TIME ZONE 'UTC') AS DATE)"

    def plus_days(self, day: str, days: int) -> str:
        if self.sqlite:
            return f"date({day}, '+{days} days')"
        return f"CAST({day} + {days} AS DATE)"

    def undated(self) -> str:
        """The date of a claim that has none: long before any plausible date."""
        return f"'{UNDATED}'" if self.sqlite else f"DATE '{UNDATED}'"

    def earliest(self) -> str:
        return f"'{EARLIEST_PLAUSIBLE}'" if self.sqlite else f"DATE '{EARLIEST_PLAUSIBLE}'"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)" if self.sqlite else f"CAST({expr} AS TEXT)"

    def analyze(self, table: str) -> None:
        """Give a just-filled temporary table statistics. Without them PostgreSQL takes it
        for a one-row table and SQLite guesses a million rows, and both then planned the
        refresh as walks of the fact tables probing the keys (bench/RESULTS.md, "Scale")."""
        self.conn.execute(text(f"ANALYZE temp.{table}" if self.sqlite else f"ANALYZE {table}"))


def _in(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _documentation(sql: _Sql) -> str:
    rarcs = sql.text("a.rarcs")
    likes = " OR ".join(f"{rarcs} LIKE '%\"{code}\"%'" for code in DOCUMENTATION_RARCS)
    return f"(a.reason_code IN ({_in(DOCUMENTATION_CARCS)}) OR {likes})"


def _duplicate() -> str:
    return (
        f"(a.reason_code IN ({_in(DUPLICATE_CARCS)}) "
        f"OR COALESCE(a.category, '') = '{DUPLICATE_CATEGORY}')"
    )


def _has_work(conn: Connection) -> bool:
    cache = conn.info.setdefault("denialops_fact_tables", {})
    if "has_work" not in cache:
        names = set(inspect(conn).get_table_names())
        cache["has_work"] = all(t in names for t in WORK_SOURCE_TABLES)
    return bool(cache["has_work"])


def _denial_cases(conn: Connection) -> str:
    """The denial cases as a table expression: underpayment cases (revision 0012) are not
    denials and stay out of every denial KPI."""
    if "kind" in _columns(conn, "denial_case"):
        return "(SELECT * FROM denial_case WHERE kind = 'denial')"
    return "denial_case"


def _columns(conn: Connection, table: str) -> set[str]:
    """A table's columns (cached on the connection: ingest refreshes batch after batch)."""
    cache = conn.info.setdefault("denialops_fact_columns", {})
    if table not in cache:
        cache[table] = {c["name"] for c in inspect(conn).get_columns(table)}
    return set(cache[table])


# --- scope: which claims are rebuilt ---------------------------------------------------


def _load_scope(conn: Connection, sql: _Sql, claim_ids: Iterable[int]) -> int:
    """Fill ``tmp_fact_scope`` with the claims and every claim sharing their PCN."""
    kind = "INTEGER" if sql.sqlite else "BIGINT"
    for name in ("tmp_fact_seed", "tmp_fact_scope"):
        conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} (claim_id {kind} PRIMARY KEY)"))
        conn.execute(text(f"DELETE FROM {name}"))
    ids = sorted({int(i) for i in claim_ids})
    if not ids:
        return 0
    conn.execute(text("INSERT INTO tmp_fact_seed (claim_id) VALUES (:i)"), [{"i": i} for i in ids])
    conn.execute(
        text(
            """
            INSERT INTO tmp_fact_scope (claim_id)
            SELECT DISTINCT c.id FROM claim c
            WHERE c.patient_control_number IN (
                SELECT s.patient_control_number FROM claim s
                JOIN tmp_fact_seed t ON t.claim_id = s.id)
            """
        )
    )
    sql.analyze("tmp_fact_scope")
    (count,) = conn.execute(text("SELECT COUNT(*) FROM tmp_fact_scope")).one()
    return int(count)


def refresh_facts(conn: Connection, claim_ids: Iterable[int] | None) -> RefreshResult:
    """Rebuild the fact rows of ``claim_ids`` (and of claims sharing their PCN); ``None``
    rebuilds every fact row. Runs in the caller's transaction (call it inside
    ``db.write()``); set-based: a few statements whatever the number of claims."""
    sql = _Sql(conn)
    everything = claim_ids is None
    result = RefreshResult(rebuilt=everything)
    if not everything:
        assert claim_ids is not None
        if _load_scope(conn, sql, claim_ids) == 0:
            return result
    scope = not everything
    work = _has_work(conn)
    tables = [*CLAIM_FACTS, *(WORK_FACTS if work else ())]
    if not everything:
        _remember_cells(conn, sql, fresh=True)
    for table in tables:
        if everything:
            conn.execute(text(f"DELETE FROM {table}"))
        else:
            conn.execute(
                text(f"DELETE FROM {table} WHERE claim_id IN (SELECT claim_id FROM tmp_fact_scope)")
            )
    result.claims = _insert_claims(conn, sql, scope)
    _insert_families(conn, sql, scope)
    _insert_denials(conn, sql, scope)
    if work:
        result.cases = _insert_cases(conn, sql, scope)
        _insert_appeals(conn, sql, scope)
    if not everything:
        _remember_cells(conn, sql, fresh=False)
        _load_cell_claims(conn, sql)
    _refresh_cube(conn, sql, cells=not everything)
    if everything:
        _set_meta(conn, "schema_version", str(FACT_SCHEMA_VERSION))
        _mark_current(conn, sql)
    return result


def refresh_case_facts(conn: Connection, case_ids: Iterable[int]) -> int:
    """Rebuild the case and appeal facts of these cases (after a state change, an outcome,
    an appeal). Cheaper than :func:`refresh_facts`: the claim facts do not change."""
    sql = _Sql(conn)
    ids = sorted({int(i) for i in case_ids})
    if not ids or not _has_work(conn):
        return 0
    kind = "INTEGER" if sql.sqlite else "BIGINT"
    conn.execute(
        text(f"CREATE TEMP TABLE IF NOT EXISTS tmp_fact_cases (case_id {kind} PRIMARY KEY)")
    )
    conn.execute(text("DELETE FROM tmp_fact_cases"))
    conn.execute(text("INSERT INTO tmp_fact_cases (case_id) VALUES (:i)"), [{"i": i} for i in ids])
    for table in WORK_FACTS:
        conn.execute(
            text(f"DELETE FROM {table} WHERE case_id IN (SELECT case_id FROM tmp_fact_cases)")
        )
    scope = "JOIN tmp_fact_cases sk ON sk.case_id = k.id"
    count = _insert_cases(conn, sql, False, case_scope=scope)
    _insert_appeals(conn, sql, False, case_scope=scope)
    return count


# --- the statements ------------------------------------------------------------------------


def _scope(scoped: bool, claim_column: str) -> str:
    """The join limiting a statement to the claims in ``tmp_fact_scope``."""
    return f"JOIN tmp_fact_scope sc ON sc.claim_id = {claim_column}" if scoped else ""


def _level(status: str) -> str:
    """Coordination-of-benefits level of a CLP02 status: 1 primary, 2 secondary, 3 tertiary."""
    return (
        f"(CASE WHEN {status} IN ('1', '4', '19') THEN 1 WHEN {status} IN ('2', '20') THEN 2 "
        f"WHEN {status} IN ('3', '21') THEN 3 ELSE 0 END)"
    )


def _insert_claims(conn: Connection, sql: _Sql, scope: bool) -> int:
    remit = f"COALESCE(r.payment_date, r.production_date, c.service_date, {sql.undated()})"
    latest = sql.plus_days(sql.day_of("r.ingested_at"), LATEST_PLAUSIBLE_DAYS)
    names = ", ".join(FACT_CLAIM.column_names)
    statement = f"""
        INSERT INTO fact_claim ({names})
        WITH base AS (
            SELECT c.id AS claim_id, c.remittance_id, c.payer_id,
                   COALESCE(NULLIF(r.payee_id, ''), '(unknown)') AS facility,
                   COALESCE(NULLIF(c.facility_type, ''), '(unknown)') AS facility_type,
                   COALESCE(NULLIF(c.rendering_npi, ''), '(none)') AS rendering_provider,
                   {remit} AS remit_date,
                   CASE WHEN {remit} >= {sql.earliest()} AND {remit} <= {latest}
                        THEN 1 ELSE 0 END AS date_ok,
                   c.patient_control_number AS pcn, c.status, c.frequency,
                   CASE WHEN c.status IN ({_in(NOT_ADJUDICATIONS)}) THEN 0 ELSE 1 END
                       AS is_adjudication,
                   CASE WHEN c.status = '{REVERSAL_STATUS}' THEN {_level("rv.status")}
                        ELSE {_level("c.status")} END AS cob_level,
                   {sql.cents("c.charge")} AS charge_cents,
                   {sql.cents("c.paid")} AS paid_cents,
                   {sql.cents("c.patient_responsibility")} AS patient_resp_cents
            FROM claim c {_scope(scope, "c.id")}
            JOIN remittance r ON r.id = c.remittance_id
            LEFT JOIN claim rv ON rv.id = c.reverses_claim_id
        ),
        adj AS (
            SELECT a.claim_id, a.level, a.service_line_id,
                   {sql.cents("a.amount")} AS amount_cents,
                   CASE WHEN {_duplicate()} THEN 1 ELSE 0 END AS dup,
                   CASE WHEN {_documentation(sql)} THEN 1 ELSE 0 END AS doc
            FROM adjustment a {_scope(scope, "a.claim_id")}
            WHERE a.is_denial = {sql.true}
        ),
        den AS (
            SELECT claim_id,
                   SUM(CASE WHEN dup = 0 THEN amount_cents ELSE 0 END) AS denial_cents,
                   SUM(CASE WHEN dup = 1 THEN amount_cents ELSE 0 END) AS duplicate_cents,
                   MAX(1 - dup) AS denied,
                   MAX(dup) AS duplicate_denied,
                   MAX(CASE WHEN dup = 0 THEN doc ELSE 0 END) AS documentation,
                   COUNT(DISTINCT CASE WHEN dup = 0 AND level = 'line'
                                       THEN service_line_id END) AS denied_lines
            FROM adj GROUP BY claim_id
        ),
        ordered AS (
            SELECT claim_id,
                   ROW_NUMBER() OVER (PARTITION BY payer_id, pcn
                                      ORDER BY remit_date, claim_id) AS remit_number,
                   COUNT(*) OVER (PARTITION BY payer_id, pcn) AS adjudications
            FROM base WHERE is_adjudication = 1
        ),
        levels AS (
            SELECT pcn, MAX(CASE WHEN is_adjudication = 1 THEN cob_level ELSE 0 END) AS top_level
            FROM base GROUP BY pcn
        ),
        joined AS (
            SELECT b.*, COALESCE(d.denied, 0) AS denied,
                   COALESCE(d.duplicate_denied, 0) AS duplicate_denied,
                   COALESCE(d.documentation, 0) AS documentation,
                   COALESCE(d.denial_cents, 0) AS denial_cents,
                   COALESCE(d.duplicate_cents, 0) AS duplicate_cents,
                   COALESCE(d.denied_lines, 0) AS denied_lines,
                   CASE WHEN o.remit_number = 1 AND b.frequency NOT IN ('7', '8')
                        THEN 1 ELSE 0 END AS is_initial,
                   CASE WHEN o.remit_number < o.adjudications THEN 1 ELSE 0 END AS resubmitted,
                   CASE WHEN b.cob_level = 0 OR b.cob_level >= l.top_level
                        THEN b.patient_resp_cents ELSE 0 END AS counted_pr
            FROM base b
            LEFT JOIN den d ON d.claim_id = b.claim_id
            LEFT JOIN ordered o ON o.claim_id = b.claim_id
            LEFT JOIN levels l ON l.pcn = b.pcn
        )
        SELECT claim_id, remittance_id, payer_id, facility, facility_type, rendering_provider,
               remit_date, {sql.month("remit_date")}, {sql.week("remit_date")}, date_ok,
               pcn, status, frequency, is_adjudication, is_initial,
               CASE WHEN status IN ('1', '4', '19') THEN 1 ELSE 0 END,
               CASE WHEN denied = 1 AND (status = '4' OR paid_cents = 0) THEN 1 ELSE 0 END,
               CASE WHEN denied = 1 AND NOT (status = '4' OR paid_cents = 0) THEN 1 ELSE 0 END,
               resubmitted, denied, duplicate_denied, documentation,
               charge_cents, paid_cents, patient_resp_cents, paid_cents + counted_pr,
               denial_cents, duplicate_cents, denied_lines
        FROM joined
    """
    return int(conn.execute(text(statement)).rowcount or 0)


_CLAIM_COPY = (
    "payer_id", "facility", "facility_type", "rendering_provider", "remit_date", "month",
    "week", "date_ok", "is_adjudication", "is_initial", "is_primary", "fully_denied",
    "partially_denied",
)  # fmt: skip


def _insert_families(conn: Connection, sql: _Sql, scope: bool) -> None:
    copy = ", ".join(f"f.{c}" for c in _CLAIM_COPY)
    statement = f"""
        INSERT INTO fact_claim_family (claim_id, family, {", ".join(_CLAIM_COPY)},
                                       documentation, charge_cents, denial_cents, denied_lines)
        SELECT a.claim_id, COALESCE(a.family, '(unclassified)'), {copy},
               MAX(CASE WHEN {_documentation(sql)} THEN 1 ELSE 0 END), f.charge_cents,
               SUM({sql.cents("a.amount")}),
               COUNT(DISTINCT CASE WHEN a.level = 'line' THEN a.service_line_id END)
        FROM adjustment a {_scope(scope, "a.claim_id")}
        JOIN fact_claim f ON f.claim_id = a.claim_id
        WHERE a.is_denial = {sql.true} AND NOT {_duplicate()}
        GROUP BY a.claim_id, COALESCE(a.family, '(unclassified)'), {copy}, f.charge_cents
    """
    conn.execute(text(statement))


def _insert_denials(conn: Connection, sql: _Sql, scope: bool) -> None:
    rarcs = sql.text("a.rarcs")
    spaced = (
        f"TRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE({rarcs}, ''), '[', ''), "
        f"']', ''), '\"', ''), ',', ' '), '  ', ' '))"
    )
    procedure = (
        "CASE WHEN s.id IS NULL THEN '(claim level)' "
        "WHEN s.qualifier IN ('HC', 'HP') AND LENGTH(s.code) >= 5 "
        "THEN SUBSTR(s.code, 1, 3) || 'xx' "
        "ELSE COALESCE(NULLIF(s.code, ''), '(none)') END"
    )
    copy = ", ".join(f"f.{c}" for c in _CLAIM_COPY)
    statement = f"""
        INSERT INTO fact_denial (adjustment_id, claim_id, service_line_id, level, carc, rarcs,
            amount_cents, family, category, owner, process_step, soft_or_hard, next_action,
            revenue_code, procedure_range, service_line, documentation, is_duplicate,
            {", ".join(_CLAIM_COPY)}, charge_cents)
        SELECT a.id, a.claim_id, a.service_line_id, a.level,
               a.group_code || '-' || a.reason_code, SUBSTR({spaced}, 1, 256),
               {sql.cents("a.amount")},
               COALESCE(a.family, '(unclassified)'), COALESCE(a.category, '(unclassified)'),
               COALESCE(a.owner, '(unassigned)'), COALESCE(a.process_step, '(unknown)'),
               a.soft_or_hard, a.next_action,
               COALESCE(NULLIF(s.revenue_code, ''), '(none)'),
               {procedure},
               CASE WHEN s.id IS NOT NULL AND COALESCE(s.revenue_code, '') <> ''
                    THEN 'rev ' || s.revenue_code ELSE {procedure} END,
               CASE WHEN {_documentation(sql)} THEN 1 ELSE 0 END,
               CASE WHEN {_duplicate()} THEN 1 ELSE 0 END,
               {copy}, f.charge_cents
        FROM adjustment a {_scope(scope, "a.claim_id")}
        JOIN fact_claim f ON f.claim_id = a.claim_id
        LEFT JOIN service_line s ON s.id = a.service_line_id
        WHERE a.is_denial = {sql.true}
    """
    conn.execute(text(statement))


def _insert_cases(conn: Connection, sql: _Sql, scope: bool, case_scope: str = "") -> int:
    columns = _columns(conn, "denial_case")
    closed_day = sql.day_of("k.closed_at")
    decided = "k.decided_on" if "decided_on" in columns else "NULL"
    expected = (
        "COALESCE(NULLIF(k.expected_payment, 0), k.at_risk)"
        if "expected_payment" in columns
        else "k.at_risk"
    )
    resubmitted = sql.day_of("MIN(e.at)")
    claim_scope = _scope(scope, "k.claim_id")
    names = ", ".join(FACT_CASE.column_names)
    copy = ", ".join(
        f"f.{c}"
        for c in (
            "payer_id",
            "facility",
            "facility_type",
            "rendering_provider",
            "remit_date",
            "month",
            "week",
            "date_ok",
        )  # fmt: skip
    )
    statement = f"""
        INSERT INTO fact_case ({names})
        SELECT k.id, k.claim_id, k.version, k.state,
               CASE WHEN k.state IN ({_in(CLOSED_STATES)}) THEN 1 ELSE 0 END,
               CASE WHEN k.state = 'won' THEN 'overturned'
                    WHEN k.state = 'partially_won' THEN 'partially_overturned'
                    WHEN k.state = 'lost' THEN 'upheld' ELSE '' END,
               {sql.cents("k.at_risk")}, {sql.cents(expected)}, {sql.cents("k.recovered")},
               k.determination_date, k.next_deadline,
               CASE WHEN k.state IN ({_in(CLOSED_STATES)})
                    THEN COALESCE({decided}, {closed_day}) END,
               {decided},
               (SELECT {resubmitted} FROM case_event e
                WHERE e.case_id = k.id AND e.field = 'state' AND e.new_value = 'resubmitted'),
               (SELECT MIN(p.submitted_on) FROM appeal p WHERE p.case_id = k.id),
               COALESCE(k.family, '(unclassified)'), COALESCE(k.category, '(unclassified)'),
               COALESCE(k.owner, '(unassigned)'),
               {copy}
        FROM {_denial_cases(conn)} k {claim_scope} {case_scope}
        JOIN fact_claim f ON f.claim_id = k.claim_id
    """
    return int(conn.execute(text(statement)).rowcount or 0)


def _insert_appeals(conn: Connection, sql: _Sql, scope: bool, case_scope: str = "") -> None:
    columns = _columns(conn, "appeal")
    if "decision_source" in columns:
        decision = "p.decided_on IS NOT NULL AND p.decision_source IS NOT NULL"
    else:
        decision = f"p.decided_on IS NOT NULL AND p.outcome IN ({_in(DECISION_OUTCOMES)})"
    claim_scope = _scope(scope, "k.claim_id")
    statement = f"""
        INSERT INTO fact_appeal (appeal_id, case_id, claim_id, level, kind, submitted_on,
                                 decided_on, is_decision, outcome, recovered_cents)
        SELECT p.id, p.case_id, k.claim_id, p.level, p.kind, p.submitted_on, p.decided_on,
               CASE WHEN {decision} THEN 1 ELSE 0 END, COALESCE(p.outcome, ''),
               {sql.cents("p.recovered")}
        FROM appeal p JOIN {_denial_cases(conn)} k ON k.id = p.case_id {claim_scope} {case_scope}
    """
    conn.execute(text(statement))


# --- the cube: KPI measures pre-summed per cell ------------------------------------------

CELL = ("payer_id", "facility", "facility_type", "remit_date")
CUBE_CUTS: dict[str, str] = {
    "category": "category",
    "owner": "owner",
    "process_step": "process_step",
    "carc": "carc",
    "revenue_code": "revenue_code",
    "procedure_range": "procedure_range",
    "service_line": "service_line",
}
"""Denial cuts pre-summed in ``fact_cube`` besides ``family`` (cut name -> column)."""


def _remember_cells(conn: Connection, sql: _Sql, *, fresh: bool) -> None:
    """Note the cube cells (payer, facility, facility type, day) the scope's claims fall
    in: before their facts are deleted (old cells) and after they are rebuilt (new)."""
    if fresh:
        conn.execute(
            text(
                "CREATE TEMP TABLE IF NOT EXISTS tmp_fact_cells (payer_id VARCHAR(64), "
                "facility VARCHAR(64), facility_type VARCHAR(16), remit_date DATE)"
            )
        )
        # indexed: the dedupe below and the cube's refresh look cells up one by one
        columns = ", ".join(CELL)
        conn.execute(
            text(f"CREATE INDEX IF NOT EXISTS ix_tmp_fact_cells ON tmp_fact_cells ({columns})")
        )
        conn.execute(text("DELETE FROM tmp_fact_cells"))
    cell = ", ".join(CELL)
    qualified = ", ".join(f"f.{c}" for c in CELL)
    # The scope's claims by primary key, then EXCEPT: written as a join with a correlated
    # NOT EXISTS, SQLite walked every fact_claim row and scanned the cells per row
    # (7.5 s of a 5,000-claim batch at 160,000 claims; bench/RESULTS.md, "Scale").
    conn.execute(
        text(
            f"INSERT INTO tmp_fact_cells ({cell}) SELECT {qualified} FROM fact_claim f "
            "WHERE f.claim_id IN (SELECT claim_id FROM tmp_fact_scope) "
            f"EXCEPT SELECT {cell} FROM tmp_fact_cells"
        )
    )
    sql.analyze("tmp_fact_cells")


def _load_cell_claims(conn: Connection, sql: _Sql) -> None:
    """Fill ``tmp_fact_cell_claims`` with every claim in the remembered cells: the claims
    whose facts the cube's cells are re-summed from. Found from the cells' days through
    ``ix_fact_claim_remit_date``; the re-sums then read ``fact_claim``,
    ``fact_claim_family`` and ``fact_denial`` by claim key. Joined to the cells directly,
    the re-sums walked the whole of ``fact_claim_family`` and ``fact_denial`` (no cell
    index) fifteen times a batch, a cost growing with the database, not the batch."""
    kind = "INTEGER" if sql.sqlite else "BIGINT"
    conn.execute(
        text(f"CREATE TEMP TABLE IF NOT EXISTS tmp_fact_cell_claims (claim_id {kind} PRIMARY KEY)")
    )
    conn.execute(text("DELETE FROM tmp_fact_cell_claims"))
    on = " AND ".join(f"f.{c} = t.{c}" for c in CELL)
    # the cells are distinct (EXCEPT above) and a claim lies in one cell: no duplicates
    conn.execute(
        text(
            "INSERT INTO tmp_fact_cell_claims (claim_id) "
            f"SELECT f.claim_id FROM tmp_fact_cells t JOIN fact_claim f ON {on}"
        )
    )
    sql.analyze("tmp_fact_cell_claims")


def _refresh_cube(conn: Connection, sql: _Sql, *, cells: bool) -> None:
    """Re-sum the cube for the remembered cells (or all of it)."""
    if cells:
        match = " AND ".join(f"t.{c} = fact_cube.{c}" for c in CELL)
        # driven from the cells' days (ix_fact_cube_remit_date_payer_id), not a scan of the
        # whole cube with a lookup per row
        conn.execute(
            text(
                "DELETE FROM fact_cube WHERE remit_date IN (SELECT remit_date FROM tmp_fact_cells) "
                f"AND EXISTS (SELECT 1 FROM tmp_fact_cells t WHERE {match})"
            )
        )
    else:
        conn.execute(text("DELETE FROM fact_cube"))
    measures = ", ".join(c.name for c in CUBE_MEASURES)
    dims = "payer_id, facility, facility_type, remit_date, month, week"
    fdims = ", ".join(f"f.{d.strip()}" for d in dims.split(","))
    join = "JOIN tmp_fact_cell_claims k ON k.claim_id = f.claim_id" if cells else ""
    head = f"INSERT INTO fact_cube (cut, value, family, {dims}, {measures})"
    conn.execute(
        text(
            f"""{head}
            SELECT '', '', '*', {fdims},
                   SUM(f.is_initial), {_sum("f.is_initial = 1", "f.charge_cents")},
                   SUM(f.is_adjudication), SUM(f.is_primary),
                   {_sum("f.is_initial = 1 AND f.denied = 0 AND f.resubmitted = 0")},
                   SUM(f.npsr_cents),
                   {_sum("f.is_initial = 1 AND f.denied = 1")},
                   {_sum("f.is_initial = 1 AND f.fully_denied = 1")},
                   {_sum("f.is_initial = 1 AND f.partially_denied = 1")},
                   {_sum("f.is_initial = 1 AND f.denied = 1", "f.charge_cents")},
                   {_sum("f.is_initial = 1", "f.denied_lines")},
                   {_sum("f.is_initial = 1", "f.denial_cents")},
                   {_sum("f.is_adjudication = 1 AND f.denied = 1")},
                   {_sum("f.is_primary = 1 AND f.fully_denied = 1")},
                   {_sum("f.is_initial = 1 AND f.denied = 1 AND f.documentation = 1")},
                   {_sum("f.is_initial = 1 AND f.duplicate_denied = 1")},
                   {_sum("f.is_initial = 1", "f.duplicate_cents")}
            FROM fact_claim f {join}
            GROUP BY {fdims}"""
        )
    )
    denial_sums = f"""
                   SUM(initial), {_sum("initial = 1 AND fully = 1")},
                   {_sum("initial = 1 AND partially = 1")}, {_sum("initial = 1", "charge")},
                   {_sum("initial = 1", "lines")}, {_sum("initial = 1", "dollars")},
                   COUNT(*), {_sum("primary_remit = 1 AND fully = 1")},
                   {_sum("initial = 1 AND documentation = 1")}, 0, 0"""
    zeros = "0, 0, 0, 0, 0, 0"
    conn.execute(
        text(
            f"""{head}
            SELECT 'family', f.family, f.family, {fdims}, {zeros},
                   SUM(f.is_initial), {_sum("f.is_initial = 1 AND f.fully_denied = 1")},
                   {_sum("f.is_initial = 1 AND f.partially_denied = 1")},
                   {_sum("f.is_initial = 1", "f.charge_cents")},
                   {_sum("f.is_initial = 1", "f.denied_lines")},
                   {_sum("f.is_initial = 1", "f.denial_cents")},
                   COUNT(*), {_sum("f.is_primary = 1 AND f.fully_denied = 1")},
                   {_sum("f.is_initial = 1 AND f.documentation = 1")}, 0, 0
            FROM fact_claim_family f {join}
            WHERE f.is_adjudication = 1
            GROUP BY f.family, {fdims}"""
        )
    )
    for cut, column in CUBE_CUTS.items():
        for per_family in (False, True):
            family = "f.family" if per_family else "'*'"
            keys = [f"CAST(f.{column} AS VARCHAR)", *(["f.family"] if per_family else [])]
            conn.execute(
                text(
                    f"""{head}
                    WITH per_claim AS (
                        SELECT {fdims}, CAST(f.{column} AS VARCHAR) AS value,
                               {family} AS family, f.claim_id,
                               MAX(f.is_initial) AS initial, MAX(f.fully_denied) AS fully,
                               MAX(f.partially_denied) AS partially,
                               MAX(f.is_primary) AS primary_remit,
                               MAX(f.documentation) AS documentation,
                               SUM(f.amount_cents) AS dollars, MAX(f.charge_cents) AS charge,
                               COUNT(DISTINCT CASE WHEN f.level = 'line'
                                                   THEN f.service_line_id END) AS lines
                        FROM fact_denial f {join}
                        WHERE f.is_duplicate = 0 AND f.is_adjudication = 1
                        GROUP BY {", ".join([*keys, fdims, "f.claim_id"])}
                    )
                    SELECT '{cut}', value, family, {dims}, {zeros}, {denial_sums}
                    FROM per_claim
                    GROUP BY value, family, {dims}"""
                )
            )


def rebuild_cube(conn: Connection) -> None:
    """Re-sum the whole cube from the fact tables (for facts loaded by other means)."""
    _refresh_cube(conn, _Sql(conn), cells=False)


def _sum(condition: str, value: str = "1") -> str:
    return f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END)"


# --- bookkeeping and catch-up -----------------------------------------------------------


def _get_meta(conn: Connection, name: str) -> str | None:
    row = conn.execute(text("SELECT value FROM fact_meta WHERE name = :n"), {"n": name}).first()
    return None if row is None else str(row[0])


def _set_meta(conn: Connection, name: str, value: str) -> None:
    conn.execute(text("DELETE FROM fact_meta WHERE name = :n"), {"n": name})
    conn.execute(
        text("INSERT INTO fact_meta (name, value) VALUES (:n, :v)"), {"n": name, "v": value}
    )


def _mark_current(conn: Connection, sql: _Sql) -> None:
    """Record how far the facts reach: the newest claim and classification-history ids."""
    (claim_top,) = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM claim")).one()
    (history_top,) = conn.execute(
        text("SELECT COALESCE(MAX(id), 0) FROM classification_history")
    ).one()
    _set_meta(conn, "claim_watermark", str(int(claim_top)))
    _set_meta(conn, "history_watermark", str(int(history_top)))


@dataclass
class Staleness:
    """What :func:`catch_up` would refresh (cheap to compute: index lookups and sums)."""

    rebuild: bool = False
    other_version: str | None = None
    claim_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    marks_behind: bool = False

    @property
    def current(self) -> bool:
        return not (self.rebuild or self.claim_ids or self.case_ids or self.marks_behind)


def staleness(conn: Connection) -> Staleness:
    """Compare the facts with their sources without reading either in full."""
    out = Staleness()
    version = _get_meta(conn, "schema_version")
    if version is None and _any_row(conn, "fact_claim"):
        # Facts written batch by batch by the ingest pipeline, which leaves the
        # bookkeeping to the first report: find what is missing (one pass over the
        # claims' ids, once) instead of rebuilding every fact (minutes at 1 M claims).
        version = str(FACT_SCHEMA_VERSION)
        out.marks_behind = True
    if version != str(FACT_SCHEMA_VERSION):
        (claims,) = conn.execute(text("SELECT COUNT(*) FROM (SELECT 1 FROM claim LIMIT 1) x")).one()
        out.rebuild = bool(claims) or version is not None
        out.other_version = version
        out.marks_behind = not out.rebuild
        return out
    claim_mark = int(_get_meta(conn, "claim_watermark") or 0)
    history_mark = int(_get_meta(conn, "history_watermark") or 0)
    missing = conn.execute(
        text(
            "SELECT c.id FROM claim c WHERE c.id > :m AND NOT EXISTS "
            "(SELECT 1 FROM fact_claim f WHERE f.claim_id = c.id)"
        ),
        {"m": claim_mark},
    ).scalars()
    out.claim_ids = [int(i) for i in missing]
    # Driven from the history rows past the mark (usually none): written as a join,
    # SQLite walked every adjustment's claim index and probed the history per row
    # (~3 s at 4.4 M adjustments); IN (...) looks up only the adjustments named.
    reclassified = conn.execute(
        text(
            "SELECT DISTINCT a.claim_id FROM adjustment a WHERE a.id IN "
            "(SELECT h.adjustment_id FROM classification_history h WHERE h.id > :m)"
        ),
        {"m": history_mark},
    ).scalars()
    out.claim_ids = sorted({*out.claim_ids, *(int(i) for i in reclassified)})
    (claim_top,) = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM claim")).one()
    (history_top,) = conn.execute(
        text("SELECT COALESCE(MAX(id), 0) FROM classification_history")
    ).one()
    out.marks_behind |= int(claim_top) > claim_mark or int(history_top) > history_mark
    if _has_work(conn):
        cases = _denial_cases(conn)
        sums = conn.execute(
            text(
                f"SELECT (SELECT COUNT(*) FROM {cases} c), "
                f"(SELECT COALESCE(SUM(version), 0) FROM {cases} c), "
                "(SELECT COUNT(*) FROM fact_case), "
                "(SELECT COALESCE(SUM(case_version), 0) FROM fact_case), "
                f"(SELECT COUNT(*) FROM appeal p JOIN {cases} c ON c.id = p.case_id), "
                "(SELECT COUNT(*) FROM fact_appeal)"
            )
        ).one()
        if (sums[0], sums[1], sums[4]) != (sums[2], sums[3], sums[5]):
            changed = conn.execute(
                text(
                    f"SELECT k.id FROM {cases} k LEFT JOIN fact_case f ON f.case_id = k.id "
                    "WHERE f.case_id IS NULL OR f.case_version <> k.version "
                    "OR (SELECT COUNT(*) FROM appeal p WHERE p.case_id = k.id) <> "
                    "(SELECT COUNT(*) FROM fact_appeal q WHERE q.case_id = k.id)"
                )
            ).scalars()
            out.case_ids = [int(i) for i in changed]
    return out


def _any_row(conn: Connection, table: str) -> bool:
    return conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None


def catch_up(conn: Connection) -> RefreshResult:
    """Bring the facts up to date with the source tables (what a report runs first)."""
    stale = staleness(conn)
    if stale.rebuild:
        result = refresh_facts(conn, None)
        if stale.other_version is not None:
            result.notes.append(
                f"analytical facts rebuilt: they were written by fact schema "
                f"{stale.other_version}, this version writes {FACT_SCHEMA_VERSION}"
            )
        return result
    result = RefreshResult()
    if stale.claim_ids:
        result = refresh_facts(conn, stale.claim_ids)
    if stale.case_ids:
        result.cases += refresh_case_facts(conn, stale.case_ids)
    if stale.marks_behind or stale.claim_ids:
        if _get_meta(conn, "schema_version") is None:
            _set_meta(conn, "schema_version", str(FACT_SCHEMA_VERSION))
        _mark_current(conn, _Sql(conn))
    return result


__all__ = [
    "DOCUMENTATION_CARCS",
    "DOCUMENTATION_RARCS",
    "RefreshResult",
    "Staleness",
    "catch_up",
    "rebuild_cube",
    "refresh_case_facts",
    "refresh_facts",
    "staleness",
]
