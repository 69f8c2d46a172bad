"""KPI definitions and the report that computes them (definitions: docs/kpis.md).

Every metric has a stable id. The report runs a handful of aggregate queries on the
DuckDB facts (claims, denials, cases, appeals), each grouped by the requested cuts, and
only then, per group, divides numerators by denominators in Python: the data volume in
Python is one row per group, never one per claim.

Values: counts are ints, rates are fractions (0.054, not 5.4) rounded to 6 places,
dollars are two-decimal strings, days are floats rounded to 1 place, ``*_by_family`` and
aging metrics are objects. A metric whose denominator is zero, or whose source table is
absent (the work register), is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from denialops.analytics.dimensions import (
    CLAIM_DIMENSIONS,
    DENIAL_DIMENSIONS,
    DIMENSIONS,
    check_dimensions,
    claim_part,
    has_denial_part,
    select_list,
    where_clause,
)
from denialops.analytics.engine import AnalyticsDB
from denialops.money import CENT, ZERO, fmt
from denialops.work.priority import PrioritySettings, load_settings


@dataclass(frozen=True)
class Metric:
    """One KPI: its id, unit, and the one-line definition the docs expand."""

    id: str
    unit: str  # count | dollars | rate | days | object
    summary: str
    needs_work_register: bool = False
    claim_cuts_only: bool = False


METRICS: tuple[Metric, ...] = (
    Metric("claims", "count", "claims at their initial adjudication in the period"),
    Metric("claims_basis", "text", "what `claims` counts: claims remitted (835) or submitted"),
    Metric("gross_charges", "dollars", "billed charges (CLP03) of those claims"),
    Metric("fully_denied_claims", "count", "claims denied in full at initial adjudication"),
    Metric("partially_denied_claims", "count", "claims paid in part, with a denial"),
    Metric("denied_claims", "count", "fully + partially denied claims"),
    Metric("denied_charges", "dollars", "gross charges of the denied claims"),
    Metric("denied_lines", "count", "service lines carrying a line-level denial"),
    Metric("denied_lines_by_family", "object", "denied_lines per denial family"),
    Metric("denial_dollars", "dollars", "sum of denial adjustment amounts"),
    Metric("denial_dollars_by_family", "object", "denial_dollars per denial family"),
    Metric("initial_denial_rate_claims", "rate", "denied_claims / claims (HFMA CITF)"),
    Metric("initial_denial_rate_dollars", "rate", "denied_charges / gross_charges (HFMA CITF)"),
    Metric("denial_adjustment_rate_dollars", "rate", "denial_dollars / gross_charges"),
    Metric("denial_rate_claims_by_family", "object", "claims with a family's denial / claims"),
    Metric("denials_per_1000_claims", "rate", "1000 x denied_claims / claims"),
    Metric("duplicate_denied_claims", "count", "claims with a duplicate-claim denial"),
    Metric("duplicate_denial_dollars", "dollars", "duplicate-claim denial amounts (excluded)"),
    Metric("remittance_denial_rate", "rate", "denied remits / remits, all (HFMA MAP AR-5)"),
    Metric("primary_denial_rate", "rate", "zero-pay primary remits / primary remits (CITF)"),
    Metric(
        "first_pass_yield",
        "rate",
        "claims paid without denial or resubmission / claims (CL-1 proxy)",
        claim_cuts_only=True,
    ),
    Metric("coding_denial_rate_claims", "rate", "claims with a coding denial / claims"),
    Metric("clinical_denial_dollars", "dollars", "denial_dollars of the clinical family"),
    Metric(
        "net_patient_service_revenue",
        "dollars",
        "paid + patient responsibility not billed on to a later payer, net of reversals",
        claim_cuts_only=True,
    ),
    Metric("clinical_denials_pct_npsr", "rate", "clinical_denial_dollars / NPSR"),
    Metric(
        "avg_dollars_at_risk_per_clinical_denial",
        "dollars",
        "clinical_denial_dollars / claims with a clinical denial",
    ),
    Metric(
        "clinical_documentation_share",
        "rate",
        "clinical denied claims with documentation evidence / clinical denied claims",
    ),
    Metric("appeal_volume", "count", "appeals submitted in the period", True),
    Metric("appeals_decided", "count", "appeal levels the payer decided in the period", True),
    Metric("appeal_overturn_rate", "rate", "appeal decisions won or partly won / decided", True),
    Metric("denials_decided", "count", "initial denials the payer decided in the period", True),
    Metric("denials_overturned", "count", "initial denials overturned in full", True),
    Metric("denials_partially_overturned", "count", "initial denials overturned in part", True),
    Metric("overturn_rate", "rate", "denials_overturned / denials_decided (CITF)", True),
    Metric("partial_overturn_rate", "rate", "denials_partially_overturned / decided", True),
    Metric("overturned_recovered_dollars", "dollars", "recovered on overturned denials", True),
    Metric("appeal_recovered_dollars", "dollars", "dollars recovered by decided appeals", True),
    Metric("recovery_per_worked_appeal", "dollars", "recovered / decided appeals", True),
    Metric("cost_per_worked_appeal", "dollars", "labor cost / appeals submitted", True),
    Metric("appeal_cycle_time_days", "days", "mean days submitted -> decided", True),
    Metric("days_from_denial_to_appeal", "days", "mean days determination -> appeal", True),
    Metric("days_to_correct_and_resubmit", "days", "mean days determination -> resubmit", True),
    Metric("days_from_denial_to_resolution", "days", "mean days determination -> decision", True),
    Metric("open_denials_by_aging", "object", "open cases per age bucket (count)", True),
    Metric("open_denial_dollars_by_aging", "object", "open cases per age bucket ($)", True),
    Metric("open_denials_by_deadline_risk", "object", "open cases per deadline bucket", True),
    Metric("denial_write_offs", "dollars", "expected payment less recovered, written off", True),
    Metric("denial_write_offs_pct_npsr", "rate", "denial_write_offs / NPSR (MAP AR-6)", True),
)
METRIC_IDS = tuple(m.id for m in METRICS)

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("120+", 121, None),
)
DEADLINE_BUCKETS = ("overdue", "due_0_7", "due_8_30", "due_31_plus", "no_deadline")


@dataclass
class KpiGroup:
    key: dict[str, str]
    metrics: dict[str, Any]


@dataclass
class KpiReport:
    """The computed metrics, one group per combination of cut values."""

    by: tuple[str, ...]
    groups: list[KpiGroup]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``{"metrics": {...}}`` without cuts, ``{"groups": [...]}`` with them (and
        ``"notes"`` when there is something to say about the figures)."""
        out: dict[str, Any]
        if not self.by:
            out = {"metrics": self.groups[0].metrics if self.groups else empty_metrics()}
        else:
            out = {"groups": [{"key": g.key, "metrics": g.metrics} for g in self.groups]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def empty_metrics() -> dict[str, Any]:
    return {m.id: None for m in METRICS}


Key = tuple[str | None, ...]


CLAIMS_BASIS = "remitted"
"""Claims-based rates count claims remitted (835): no 837 claims are loaded to count
claims submitted (docs/kpis.md)."""


def compute_kpis(
    db: AnalyticsDB,
    *,
    by: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    filters: Mapping[str, str] | None = None,
    costs: PrioritySettings | None = None,
    as_of: date | None = None,
) -> KpiReport:
    """All metrics of :data:`METRICS`, for the period, cut by ``by``.

    ``costs`` is the one cost model (default :func:`denialops.work.priority.load_settings`,
    the settings the priority score uses): cost per worked appeal sums
    ``costs.work_cost(case owner, appeal kind)`` over the appeals submitted."""
    cuts = check_dimensions(by)
    filters = dict(filters or {})
    check_dimensions(list(filters))
    costs = costs or load_settings()
    as_of = as_of or until or datetime.now(UTC).date()

    if db.has_cube and _cube_serves(cuts, filters):
        claims = _claim_side(db, cuts, filters, since, until, cube=True)
        denials = _denial_side_cube(db, cuts, filters, since, until, claims)
    else:
        claims = _claim_side(db, cuts, filters, since, until)
        if _claim_level(cuts, filters, allow_family_cut=True):
            denials = _denial_side_per_claim(db, cuts, filters, since, until, claims)
        else:
            denials = _denial_side_per_adjustment(db, cuts, filters, since, until)
    work = _work_side(db, cuts, filters, since, until, costs, as_of) if db.has_work else {}

    keys: set[Key] = set(denials)
    claim_positions = [i for i, n in enumerate(cuts) if n in CLAIM_DIMENSIONS]
    if has_denial_part(cuts):
        keys |= set(work)
    else:
        keys |= set(claims) | set(work)
    if not cuts:
        keys.add(())

    groups = []
    for key in sorted(keys, key=lambda k: tuple("" if v is None else v for v in k)):
        claim_key = tuple(key[i] for i in claim_positions)
        metrics = _assemble(
            claims.get(claim_key, {}),
            denials.get(key, {}),
            work.get(key, {}) if db.has_work else None,
            denial_cut=has_denial_part(cuts),
        )
        groups.append(
            KpiGroup(key=dict(zip(cuts, [v or "" for v in key], strict=True)), metrics=metrics)
        )
    return KpiReport(by=cuts, groups=groups, notes=list(db.notes))


# --- the three sides ---------------------------------------------------------------


def _grouped(
    db: AnalyticsDB, sql: str, params: Mapping[str, Any], width: int
) -> dict[Key, dict[str, Any]]:
    names, rows = db.described(sql, params)
    out: dict[Key, dict[str, Any]] = {}
    for row in rows:
        out[tuple(row[:width])] = dict(zip(names[width:], row[width:], strict=True))
    return out


def _group_by(names: Sequence[str]) -> str:
    return f"GROUP BY {', '.join(names)}" if names else ""


def _cut_exprs(cuts: Sequence[str], qualify: Any = None) -> list[str]:
    column = qualify or (lambda name: name)
    return [f"CAST({column(DIMENSIONS[c])} AS VARCHAR)" for c in cuts]


def _when(condition: str, value: str = "1") -> str:
    return f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END)"


def _cube_serves(cuts: Sequence[str], filters: Mapping[str, str]) -> bool:
    """The cube holds claim cuts but the rendering provider, and one denial cut at a time."""
    names = set(cuts) | set(filters)
    return "rendering_provider" not in names and len(names & set(DENIAL_DIMENSIONS)) <= 1


_CUBE_CLAIM_SIDE = """
    SUM(claims) AS claims, SUM(gross_charges_cents) AS gross_charges, SUM(remits) AS remits,
    SUM(primary_remits) AS primary_remits, SUM(first_pass_claims) AS first_pass_claims,
    SUM(npsr_cents) AS npsr, SUM(duplicate_denied_claims) AS duplicate_denied_claims,
    SUM(duplicate_cents) AS duplicate_denial_dollars,
"""
_CUBE_DENIAL_SIDE = """
    SUM(denied_claims) AS denied_claims, SUM(fully_denied_claims) AS fully_denied_claims,
    SUM(partially_denied_claims) AS partially_denied_claims,
    SUM(denied_charges_cents) AS denied_charges, SUM(denied_lines) AS denied_lines,
    SUM(denial_cents) AS denial_dollars, SUM(denied_remits) AS denied_remits,
    SUM(zero_pay_primary_remits) AS zero_pay_primary_remits,
    SUM(documentation_claims) AS documentation_claims
"""


def _denial_side_cube(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
    claims: Mapping[Key, Mapping[str, Any]],
) -> dict[Key, dict[str, Any]]:
    """The denial numerators from ``fact_cube``: the rows of the one denial cut in play
    (``family`` when none), ``family = '*'`` for a group's totals, the others per family."""
    denial = [d for d in (*cuts, *filters) if d in DENIAL_DIMENSIONS]
    cut = denial[0] if denial else "family"
    claim_cuts = claim_part(cuts)
    claim_filters = {k: v for k, v in filters.items() if k in CLAIM_DIMENSIONS}
    where, params = where_clause(claim_filters, since=since, until=until)
    params["cube_cut"] = cut
    condition = "cut = :cube_cut"
    if cut in filters:
        condition += " AND value = :cube_value"
        params["cube_value"] = filters[cut]
    keys = [*_cut_exprs(claim_cuts), *(["value"] if cut in cuts else []), "family"]
    aliases = ", ".join(f"{k} AS g{i}" for i, k in enumerate(keys))
    names, rows = db.described(
        f"SELECT {aliases}, {_CUBE_DENIAL_SIDE} FROM fact_cube WHERE {condition} AND {where} "
        f"GROUP BY {', '.join(keys)}",
        params,
    )
    width = len(keys)
    out: dict[Key, dict[str, Any]] = {}
    for row in rows:
        values = dict(zip(names[width:], row[width:], strict=True))
        claim_parts = iter(row[: len(claim_cuts)])
        value = row[len(claim_cuts)] if cut in cuts else None
        key: Key = tuple(value if c == cut else next(claim_parts) for c in cuts)
        family = str(row[width - 1])
        group = out.setdefault(key, {"by_family": {}})
        if cut == "family":
            group["by_family"][family] = values
            if denial:  # a family cut or filter: the family is the group
                group.update(values)
        elif family == "*":
            group.update(values)
        else:
            group["by_family"][family] = values
    if not denial:
        for key, claim_values in claims.items():
            target = out.setdefault(key, {"by_family": {}})
            for name in _DENIAL_NUMERATORS:
                target[name] = claim_values.get(name)
    return out


def _claim_side(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
    *,
    cube: bool = False,
) -> dict[Key, dict[str, Any]]:
    """Denominators (claims, charges, remits, NPSR) and the all-family denial numerators
    of each claim: one scan of ``fact_claim`` (or of the cube's claim rows)."""
    claim_cuts = claim_part(cuts)
    where, params = where_clause(filters, since=since, until=until, claim_only=True)
    cols = select_list(claim_cuts)
    if cube:
        sql = f"""
            SELECT {cols + "," if cols else ""} {_CUBE_CLAIM_SIDE} {_CUBE_DENIAL_SIDE}
            FROM fact_cube WHERE cut = '' AND {where} {_group_by(_cut_exprs(claim_cuts))}
        """
        return _grouped(db, sql, params, len(claim_cuts))
    initial = "is_initial = 1"
    sql = f"""
        SELECT {cols + "," if cols else ""}
               SUM(is_initial) AS claims,
               {_when(initial, "charge_cents")} AS gross_charges,
               SUM(is_adjudication) AS remits,
               SUM(is_primary) AS primary_remits,
               {_when("is_initial = 1 AND denied = 0 AND resubmitted = 0")} AS first_pass_claims,
               SUM(npsr_cents) AS npsr,
               {_when("is_initial = 1 AND denied = 1")} AS denied_claims,
               {_when("is_initial = 1 AND fully_denied = 1")} AS fully_denied_claims,
               {_when("is_initial = 1 AND partially_denied = 1")} AS partially_denied_claims,
               {_when("is_initial = 1 AND denied = 1", "charge_cents")} AS denied_charges,
               {_when(initial, "denied_lines")} AS denied_lines,
               {_when(initial, "denial_cents")} AS denial_dollars,
               {_when("is_adjudication = 1 AND denied = 1")} AS denied_remits,
               {_when("is_primary = 1 AND fully_denied = 1")} AS zero_pay_primary_remits,
               {_when("is_initial = 1 AND denied = 1 AND documentation = 1")}
                   AS documentation_claims,
               {_when("is_initial = 1 AND duplicate_denied = 1")} AS duplicate_denied_claims,
               {_when(initial, "duplicate_cents")} AS duplicate_denial_dollars
        FROM fact_claim WHERE {where} {_group_by(_cut_exprs(claim_cuts))}
    """
    return _grouped(db, sql, params, len(claim_cuts))


_DENIAL_NUMERATORS = (
    "denied_claims", "fully_denied_claims", "partially_denied_claims", "denied_charges",
    "denied_lines", "denial_dollars", "denied_remits", "zero_pay_primary_remits",
    "documentation_claims",
)  # fmt: skip


def _claim_level(
    cuts: Sequence[str], filters: Mapping[str, str], *, allow_family_cut: bool = False
) -> bool:
    """True when no cut or filter needs denial rows (so per-claim facts serve)."""
    allowed = set(CLAIM_DIMENSIONS) | ({"family"} if allow_family_cut else set())
    return set(cuts) <= allowed and set(filters) <= allowed


def _denial_side_per_claim(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
    claims: Mapping[Key, Mapping[str, Any]],
) -> dict[Key, dict[str, Any]]:
    """Numerators per family from ``fact_claim_family``; all families from ``fact_claim``
    (already read by :func:`_claim_side`) unless a family cut or filter narrows them."""
    family_cut = "family" in cuts
    family_filter = "family" in filters
    where, params = where_clause(filters, since=since, until=until)
    group = [c for c in cuts if c != "family"]
    cols = select_list(group)
    sql = f"""
        SELECT {cols + "," if cols else ""} family AS family_key,
               SUM(is_initial) AS denied_claims,
               {_when("is_initial = 1 AND fully_denied = 1")} AS fully_denied_claims,
               {_when("is_initial = 1 AND partially_denied = 1")} AS partially_denied_claims,
               {_when("is_initial = 1", "charge_cents")} AS denied_charges,
               {_when("is_initial = 1", "denied_lines")} AS denied_lines,
               {_when("is_initial = 1", "denial_cents")} AS denial_dollars,
               SUM(is_adjudication) AS denied_remits,
               {_when("is_primary = 1 AND fully_denied = 1")} AS zero_pay_primary_remits,
               {_when("is_initial = 1 AND documentation = 1")} AS documentation_claims
        FROM fact_claim_family WHERE is_adjudication = 1 AND {where}
        GROUP BY {", ".join([*_cut_exprs(group), "family"])}
    """
    names, rows = db.described(sql, params)
    width = len(group)
    out: dict[Key, dict[str, Any]] = {}
    positions = [i for i, c in enumerate(cuts) if c != "family"]
    for row in rows:
        values = dict(zip(names[width:], row[width:], strict=True))
        family = values.pop("family_key")
        partial = list(row[:width])
        if family_cut:
            key: Key = tuple(
                family if c == "family" else partial[positions.index(i)] for i, c in enumerate(cuts)
            )
            group_values = out.setdefault(key, {"by_family": {}})
            group_values["by_family"][family] = dict(values)
            group_values.update(values)
        else:
            key = tuple(partial)
            group_values = out.setdefault(key, {"by_family": {}})
            group_values["by_family"][family] = values
    if not family_cut:
        for key, claim_values in claims.items():
            target = out.setdefault(key, {"by_family": {}})
            if family_filter:
                _add_up(target)
            else:
                for name in _DENIAL_NUMERATORS:
                    target[name] = claim_values.get(name)
    return out


def _add_up(group: dict[str, Any]) -> None:
    """With a family filter the (one) family's numerators are the group's."""
    for values in group["by_family"].values():
        for name in _DENIAL_NUMERATORS:
            group[name] = (group.get(name) or 0) + (values.get(name) or 0)


def _denial_side_per_adjustment(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
) -> dict[Key, dict[str, Any]]:
    """Numerators from denial rows, in two steps: one row per (group, claim), then sums
    over those rows; once for all families and once per family."""
    where, params = where_clause(filters, since=since, until=until)

    def query(with_family: bool) -> tuple[list[str], list[tuple[Any, ...]]]:
        names = [*cuts, *(["family"] if with_family and "family" not in cuts else [])]
        exprs = _cut_exprs(cuts) + (["family"] if len(names) > len(cuts) else [])
        aliases = ", ".join(f"{e} AS g{i}" for i, e in enumerate(exprs))
        keys = ", ".join(f"g{i}" for i in range(len(exprs)))
        sql = f"""
            WITH per_claim AS (
                SELECT {aliases + "," if aliases else ""} claim_id,
                       MAX(is_initial) AS initial, MAX(fully_denied) AS fully,
                       MAX(partially_denied) AS partially, MAX(is_primary) AS primary_remit,
                       MAX(documentation) AS documentation, SUM(amount_cents) AS dollars,
                       MAX(charge_cents) AS charge,
                       COUNT(DISTINCT CASE WHEN level = 'line' THEN service_line_id END) AS lines
                FROM fact_denial
                WHERE is_duplicate = 0 AND is_adjudication = 1 AND {where}
                GROUP BY {", ".join([*exprs, "claim_id"])}
            )
            SELECT {keys + "," if keys else ""}
                   SUM(initial) AS denied_claims,
                   {_when("initial = 1 AND fully = 1")} AS fully_denied_claims,
                   {_when("initial = 1 AND partially = 1")} AS partially_denied_claims,
                   {_when("initial = 1", "charge")} AS denied_charges,
                   {_when("initial = 1", "lines")} AS denied_lines,
                   {_when("initial = 1", "dollars")} AS denial_dollars,
                   COUNT(*) AS denied_remits,
                   {_when("primary_remit = 1 AND fully = 1")} AS zero_pay_primary_remits,
                   {_when("initial = 1 AND documentation = 1")} AS documentation_claims
            FROM per_claim {_group_by([f"g{i}" for i in range(len(exprs))])}
        """
        return db.described(sql, params)

    width = len(cuts)
    out: dict[Key, dict[str, Any]] = {}
    names, rows = query(False)
    for row in rows:
        key: Key = tuple(row[:width])
        values = dict(zip(names[width:], row[width:], strict=True))
        group = out.setdefault(key, {"by_family": {}})
        group.update(values)
        if "family" in cuts:
            group["by_family"][key[cuts.index("family")]] = dict(values)
    if "family" not in cuts:
        names, rows = query(True)
        for row in rows:
            key = tuple(row[:width])
            values = dict(zip(names[width + 1 :], row[width + 1 :], strict=True))
            out.setdefault(key, {"by_family": {}})["by_family"][row[width]] = values
    return out


JOINED_CASE_CUTS = tuple(c for c in DENIAL_DIMENSIONS if c not in ("family", "category", "owner"))
"""Denial cuts a case does not carry itself: work metrics join the case's denials for them."""


def _work_side(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
    costs: PrioritySettings,
    as_of: date,
) -> dict[Key, dict[str, Any]]:
    """Appeals, decisions, resubmissions, open cases and write-offs from the work facts.

    A case is one unit of work: cut by family, category or owner it counts once, under
    its own classification (``fact_case``); cut by another denial dimension (CARC,
    revenue code, ...) it counts in every group one of its denials falls in."""
    denial_join = bool((set(cuts) | set(filters)) & set(JOINED_CASE_CUTS))

    def qualify(column: str) -> str:
        if column in {DENIAL_DIMENSIONS[c] for c in JOINED_CASE_CUTS}:
            return f"d.{column}"
        return f"k.{column}"

    dim_where, params = where_clause(filters, since=None, until=None, tag="k", qualify=qualify)
    exprs = _cut_exprs(cuts, qualify)
    aliases = ", ".join(f"{e} AS g{i}" for i, e in enumerate(exprs))
    keys = [f"g{i}" for i in range(len(exprs))]
    join = (
        "JOIN fact_denial d ON d.claim_id = k.claim_id AND d.is_duplicate = 0"
        if denial_join
        else ""
    )
    cases = f"""
        SELECT {"DISTINCT" if denial_join else ""} {aliases + "," if aliases else ""}
               k.case_id, k.state, k.closed, k.outcome, k.at_risk_cents, k.expected_cents,
               k.recovered_cents, k.determination_date, k.next_deadline, k.closed_on,
               k.resubmitted_on, k.first_appeal_on, k.owner AS case_owner
        FROM fact_case k {join} WHERE {dim_where}
    """

    def period(column: str, tag: str) -> str:
        cond, extra = where_clause({}, since=since, until=until, date_column=column, tag=tag)
        params.update(extra)
        return cond

    submitted = period("p.submitted_on", "sub")
    decided = f"p.is_decision = 1 AND {period('p.decided_on', 'dec')}"
    key_list = ", ".join(f"k.{k}" for k in keys)
    appeals_sql = f"""
        WITH cases AS ({cases})
        SELECT {key_list + "," if keys else ""}
               {_when(submitted)} AS appeal_volume,
               {_when(decided)} AS appeals_decided,
               {_when(f"{decided} AND p.outcome IN ('won', 'partially_won')")}
                   AS appeals_overturned,
               {_when(decided, "p.recovered_cents")} AS appeal_recovered,
               AVG(CASE WHEN {decided} THEN {db.days("p.decided_on", "p.submitted_on")} END)
                   AS cycle_days
        FROM fact_appeal p JOIN cases k ON k.case_id = p.case_id
        {_group_by([f"k.{k}" for k in keys])}
    """
    appeals = _grouped(db, appeals_sql, params, len(cuts))
    worked_sql = f"""
        WITH cases AS ({cases})
        SELECT {key_list + "," if keys else ""} k.case_owner, p.kind, COUNT(*) AS appeals
        FROM fact_appeal p JOIN cases k ON k.case_id = p.case_id
        WHERE {submitted}
        {_group_by([*(f"k.{k}" for k in keys), "k.case_owner", "p.kind"])}
    """
    labor: dict[Key, Decimal] = {}
    for row in db.described(worked_sql, params)[1]:
        key, (owner, kind, count) = tuple(row[: len(cuts)]), row[len(cuts) :]
        cost = costs.work_cost(str(owner or ""), str(kind or "appeal")) * int(count)
        labor[key] = labor.get(key, ZERO) + cost

    as_of_sql = db.date_param("as_of")
    params["as_of"] = as_of
    first_appeal = period("first_appeal_on", "fa")
    resubmit = period("resubmitted_on", "rs")
    closed = period("closed_on", "cl")
    aging = ", ".join(
        f'{_when(f"open_now = 1 AND {_age_in(lo, hi)}")} AS "aging_{name}", '
        f"{_when(f'open_now = 1 AND {_age_in(lo, hi)}', 'at_risk_cents')}"
        f' AS "aging_dollars_{name}"'
        for name, lo, hi in AGING_BUCKETS
    )
    deadline = f"""
        {_when("open_now = 1 AND days_left < 0")} AS "deadline_overdue",
        {_when("open_now = 1 AND days_left BETWEEN 0 AND 7")} AS "deadline_due_0_7",
        {_when("open_now = 1 AND days_left BETWEEN 8 AND 30")} AS "deadline_due_8_30",
        {_when("open_now = 1 AND days_left > 30")} AS "deadline_due_31_plus",
        {_when("open_now = 1 AND days_left IS NULL")} AS "deadline_no_deadline"
    """
    decided_case = f"outcome <> '' AND closed_on IS NOT NULL AND {closed}"
    # ``aged`` is MATERIALIZED: inlined, SQLite re-evaluated open_now, age and days_left
    # (two julianday() calls each) in every one of the ~30 sums that name them, which was
    # 80% of a KPI report's time at 1 M claims (docs/kpis.md, "Speed").
    cases_sql = f"""
        WITH cases AS ({cases}),
        aged AS MATERIALIZED (
            SELECT c.*,
                   CASE WHEN determination_date <= {as_of_sql}
                             AND (closed = 0 OR (closed_on IS NOT NULL
                                                 AND closed_on > {as_of_sql}))
                        THEN 1 ELSE 0 END AS open_now,
                   {db.days(as_of_sql, "determination_date")} AS age,
                   {db.days("next_deadline", as_of_sql)} AS days_left
            FROM cases c
        )
        SELECT {", ".join(keys) + "," if keys else ""}
               AVG(CASE WHEN first_appeal_on IS NOT NULL AND {first_appeal}
                        THEN {db.days("first_appeal_on", "determination_date")} END)
                   AS denial_to_appeal_days,
               AVG(CASE WHEN resubmitted_on IS NOT NULL AND {resubmit}
                        THEN {db.days("resubmitted_on", "determination_date")} END)
                   AS resubmit_days,
               AVG(CASE WHEN {decided_case}
                        THEN {db.days("closed_on", "determination_date")} END)
                   AS resolution_days,
               {_when(f"state = 'written_off' AND {closed}", "expected_cents - recovered_cents")}
                   AS write_offs,
               {_when(decided_case)} AS denials_decided,
               {_when(f"{decided_case} AND outcome = 'overturned'")} AS denials_overturned,
               {_when(f"{decided_case} AND outcome = 'partially_overturned'")}
                   AS denials_partially_overturned,
               {_when(f"{decided_case} AND outcome <> 'upheld'", "recovered_cents")}
                   AS overturned_recovered,
               {aging},
               {deadline}
        FROM aged {_group_by(keys)}
    """
    case_rows = _grouped(db, cases_sql, params, len(cuts))

    out: dict[Key, dict[str, Any]] = {}
    for key in set(appeals) | set(case_rows):
        out[key] = {
            **case_rows.get(key, {}),
            **appeals.get(key, {}),
            "labor_cost": labor.get(key, ZERO),
        }
    return out


def _age_in(low: int, high: int | None) -> str:
    return f"age >= {low}" if high is None else f"age BETWEEN {low} AND {high}"


# --- assembling one group ------------------------------------------------------------


def _dollars(cents: Any) -> Decimal:
    """Whole cents from SQL (int, or Decimal/float from a SUM) as Decimal dollars."""
    if cents is None:
        return ZERO
    return (Decimal(str(cents)) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _rate(numerator: Any, denominator: Any, scale: int = 1) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(float(Decimal(str(numerator)) * scale / Decimal(str(denominator))), 6)


def _money_per(numerator: Decimal | None, denominator: int | None) -> str | None:
    if numerator is None or not denominator:
        return None
    return fmt((Decimal(numerator) / denominator).quantize(CENT, rounding=ROUND_HALF_UP))


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _int(value: Any) -> int:
    return int(value or 0)


def _assemble(
    claims: Mapping[str, Any],
    denials: Mapping[str, Any],
    work: Mapping[str, Any] | None,
    *,
    denial_cut: bool,
) -> dict[str, Any]:
    n_claims = _int(claims.get("claims"))
    charges = _dollars(claims.get("gross_charges"))
    npsr = _dollars(claims.get("npsr"))
    by_family: Mapping[str, Mapping[str, Any]] = denials.get("by_family", {})
    denied = _int(denials.get("denied_claims"))
    denied_charges = _dollars(denials.get("denied_charges"))
    dollars = _dollars(denials.get("denial_dollars"))
    clinical = by_family.get("clinical", {})
    coding = by_family.get("coding", {})
    clinical_dollars = _dollars(clinical.get("denial_dollars"))
    clinical_claims = _int(clinical.get("denied_claims"))

    m: dict[str, Any] = {
        "claims": n_claims,
        "claims_basis": CLAIMS_BASIS,
        "gross_charges": fmt(charges),
        "fully_denied_claims": _int(denials.get("fully_denied_claims")),
        "partially_denied_claims": _int(denials.get("partially_denied_claims")),
        "denied_claims": denied,
        "denied_charges": fmt(denied_charges),
        "denied_lines": _int(denials.get("denied_lines")),
        "denied_lines_by_family": {
            f: _int(v.get("denied_lines")) for f, v in sorted(by_family.items())
        },
        "denial_dollars": fmt(dollars),
        "denial_dollars_by_family": {
            f: fmt(_dollars(v.get("denial_dollars"))) for f, v in sorted(by_family.items())
        },
        "initial_denial_rate_claims": _rate(denied, n_claims),
        "initial_denial_rate_dollars": _rate(denied_charges, charges),
        "denial_adjustment_rate_dollars": _rate(dollars, charges),
        "denial_rate_claims_by_family": {
            f: _rate(_int(v.get("denied_claims")), n_claims) for f, v in sorted(by_family.items())
        },
        "denials_per_1000_claims": _rate(denied, n_claims, 1000),
        "duplicate_denied_claims": None
        if denial_cut
        else _int(claims.get("duplicate_denied_claims")),
        "duplicate_denial_dollars": None
        if denial_cut
        else fmt(_dollars(claims.get("duplicate_denial_dollars"))),
        "remittance_denial_rate": _rate(_int(denials.get("denied_remits")), claims.get("remits")),
        "primary_denial_rate": _rate(
            _int(denials.get("zero_pay_primary_remits")), claims.get("primary_remits")
        ),
        "first_pass_yield": None
        if denial_cut
        else _rate(_int(claims.get("first_pass_claims")), n_claims),
        "coding_denial_rate_claims": _rate(_int(coding.get("denied_claims")), n_claims),
        "clinical_denial_dollars": fmt(clinical_dollars),
        "net_patient_service_revenue": None if denial_cut else fmt(npsr),
        "clinical_denials_pct_npsr": _rate(clinical_dollars, npsr),
        "avg_dollars_at_risk_per_clinical_denial": _money_per(clinical_dollars, clinical_claims),
        "clinical_documentation_share": _rate(
            _int(clinical.get("documentation_claims")), clinical_claims
        ),
    }
    m.update(_work_metrics(work, npsr))
    return m


def _work_metrics(work: Mapping[str, Any] | None, npsr: Decimal) -> dict[str, Any]:
    ids = [x.id for x in METRICS if x.needs_work_register]
    if work is None:
        return dict.fromkeys(ids)
    volume = _int(work.get("appeal_volume"))
    decided = _int(work.get("appeals_decided"))
    recovered = _dollars(work.get("appeal_recovered"))
    labor_cost = Decimal(work.get("labor_cost") or ZERO)
    write_offs = _dollars(work.get("write_offs"))
    denials_decided = _int(work.get("denials_decided"))
    return {
        "appeal_volume": volume,
        "appeals_decided": decided,
        "appeal_overturn_rate": _rate(_int(work.get("appeals_overturned")), decided),
        "denials_decided": denials_decided,
        "denials_overturned": _int(work.get("denials_overturned")),
        "denials_partially_overturned": _int(work.get("denials_partially_overturned")),
        "overturn_rate": _rate(_int(work.get("denials_overturned")), denials_decided),
        "partial_overturn_rate": _rate(
            _int(work.get("denials_partially_overturned")), denials_decided
        ),
        "overturned_recovered_dollars": fmt(_dollars(work.get("overturned_recovered"))),
        "appeal_recovered_dollars": fmt(recovered),
        "recovery_per_worked_appeal": _money_per(recovered, decided),
        "cost_per_worked_appeal": _money_per(labor_cost, volume),
        "appeal_cycle_time_days": _days(work.get("cycle_days")),
        "days_from_denial_to_appeal": _days(work.get("denial_to_appeal_days")),
        "days_to_correct_and_resubmit": _days(work.get("resubmit_days")),
        "days_from_denial_to_resolution": _days(work.get("resolution_days")),
        "open_denials_by_aging": {
            name: _int(work.get(f"aging_{name}")) for name, _, _ in AGING_BUCKETS
        },
        "open_denial_dollars_by_aging": {
            name: fmt(_dollars(work.get(f"aging_dollars_{name}"))) for name, _, _ in AGING_BUCKETS
        },
        "open_denials_by_deadline_risk": {
            name: _int(work.get(f"deadline_{name}")) for name in DEADLINE_BUCKETS
        },
        "denial_write_offs": fmt(write_offs),
        "denial_write_offs_pct_npsr": _rate(write_offs, npsr),
    }


__all__ = [
    "AGING_BUCKETS",
    "CLAIMS_BASIS",
    "DEADLINE_BUCKETS",
    "DENIAL_DIMENSIONS",
    "METRICS",
    "METRIC_IDS",
    "KpiGroup",
    "KpiReport",
    "Metric",
    "compute_kpis",
]
