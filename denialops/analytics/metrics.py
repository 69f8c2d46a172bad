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
from denialops.analytics.engine import ALL_FAMILIES, AnalyticsDB
from denialops.money import CENT, ZERO, fmt


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
    Metric("gross_charges", "dollars", "billed charges (CLP03) of those claims"),
    Metric("fully_denied_claims", "count", "claims denied in full at initial adjudication"),
    Metric("partially_denied_claims", "count", "claims paid in part, with a denial"),
    Metric("denied_claims", "count", "fully + partially denied claims"),
    Metric("denied_lines", "count", "service lines carrying a line-level denial"),
    Metric("denied_lines_by_family", "object", "denied_lines per denial family"),
    Metric("denial_dollars", "dollars", "sum of denial adjustment amounts"),
    Metric("denial_dollars_by_family", "object", "denial_dollars per denial family"),
    Metric("initial_denial_rate_claims", "rate", "denied_claims / claims (HFMA CITF)"),
    Metric("initial_denial_rate_dollars", "rate", "denial_dollars / gross_charges (HFMA CITF)"),
    Metric("denial_rate_claims_by_family", "object", "claims with a family's denial / claims"),
    Metric("denials_per_1000_claims", "rate", "1000 x denied_claims / claims"),
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
        "paid + patient responsibility, net of reversals (NPSR proxy)",
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
        "clinical denied claims traced to documentation / clinical denied claims",
    ),
    Metric("appeal_volume", "count", "appeals submitted in the period", True),
    Metric("appeals_decided", "count", "appeals decided in the period", True),
    Metric("overturn_rate", "rate", "appeals won or partially won / decided (CITF)", True),
    Metric("appeal_recovered_dollars", "dollars", "dollars recovered by decided appeals", True),
    Metric("recovery_per_worked_appeal", "dollars", "recovered / decided appeals", True),
    Metric("cost_per_worked_appeal", "dollars", "labor cost / appeals submitted", True),
    Metric("appeal_cycle_time_days", "days", "mean days submitted -> decided", True),
    Metric("days_from_denial_to_appeal", "days", "mean days determination -> appeal", True),
    Metric("days_to_correct_and_resubmit", "days", "mean days determination -> resubmit", True),
    Metric("open_denials_by_aging", "object", "open cases per age bucket (count)", True),
    Metric("open_denial_dollars_by_aging", "object", "open cases per age bucket ($)", True),
    Metric("open_denials_by_deadline_risk", "object", "open cases per deadline bucket", True),
    Metric("denial_write_offs", "dollars", "at-risk less recovered of written-off cases", True),
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


@dataclass(frozen=True)
class LaborCost:
    """What an appeal costs to work: hourly rate times hours per appeal kind."""

    hourly_rate: Decimal = Decimal("45.00")
    hours_by_kind: Mapping[str, Decimal] = field(
        default_factory=lambda: {
            "appeal": Decimal("1.5"),
            "peer_to_peer": Decimal("1.0"),
            "external_review": Decimal("3.0"),
        }
    )
    default_hours: Decimal = Decimal("1.5")


@dataclass
class KpiGroup:
    key: dict[str, str]
    metrics: dict[str, Any]


@dataclass
class KpiReport:
    """The computed metrics, one group per combination of cut values."""

    by: tuple[str, ...]
    groups: list[KpiGroup]

    def to_json(self) -> dict[str, Any]:
        """``{"metrics": {...}}`` without cuts, ``{"groups": [...]}`` with them."""
        if not self.by:
            return {"metrics": self.groups[0].metrics if self.groups else empty_metrics()}
        return {"groups": [{"key": g.key, "metrics": g.metrics} for g in self.groups]}


def empty_metrics() -> dict[str, Any]:
    return {m.id: None for m in METRICS}


Key = tuple[str | None, ...]


def compute_kpis(
    db: AnalyticsDB,
    *,
    by: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    filters: Mapping[str, str] | None = None,
    labor: LaborCost | None = None,
    as_of: date | None = None,
) -> KpiReport:
    """All metrics of :data:`METRICS`, for the period, cut by ``by``."""
    cuts = check_dimensions(by)
    filters = dict(filters or {})
    check_dimensions(list(filters))
    labor = labor or LaborCost()
    as_of = as_of or until or datetime.now(UTC).date()

    claims = _claim_side(db, cuts, filters, since, until)
    denials = _denial_side(db, cuts, filters, since, until)
    work = _work_side(db, cuts, filters, since, until, labor, as_of) if db.has_work else {}

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
    return KpiReport(by=cuts, groups=groups)


# --- the three sides ---------------------------------------------------------------


def _grouped(db: AnalyticsDB, sql: str, params: list[Any], width: int) -> dict[Key, dict[str, Any]]:
    cursor = db.con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    out: dict[Key, dict[str, Any]] = {}
    for row in cursor.fetchall():
        out[tuple(row[:width])] = dict(zip(names[width:], row[width:], strict=True))
    return out


def _group_by(names: Sequence[str]) -> str:
    return f"GROUP BY {', '.join(names)}" if names else ""


def _claim_side(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
) -> dict[Key, dict[str, Any]]:
    """Denominators: claims, charges, remits, NPSR, first-pass claims."""
    claim_cuts = claim_part(cuts)
    where, params = where_clause(filters, since=since, until=until, claim_only=True)
    cols = select_list(claim_cuts)
    sql = f"""
        SELECT {cols + "," if cols else ""}
               COUNT(*) FILTER (WHERE is_initial) AS claims,
               COALESCE(SUM(charge) FILTER (WHERE is_initial), 0) AS gross_charges,
               COUNT(*) FILTER (WHERE NOT not_adjudication) AS remits,
               COUNT(*) FILTER (WHERE is_primary) AS primary_remits,
               COUNT(*) FILTER (WHERE is_initial AND NOT denied AND NOT resubmitted)
                   AS first_pass_claims,
               COALESCE(SUM(paid + patient_responsibility), 0) AS npsr
        FROM claim_fact WHERE {where} {_group_by(claim_cuts)}
    """
    return _grouped(db, sql, params, len(claim_cuts))


def _denial_side(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
) -> dict[Key, dict[str, Any]]:
    """Numerators, overall and per family; from per-claim summaries when cuts allow."""
    if _claim_level(cuts, filters, allow_family_cut=True):
        return _denial_side_per_claim(db, cuts, filters, since, until)
    return _denial_side_per_adjustment(db, cuts, filters, since, until)


def _denial_side_per_adjustment(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
) -> dict[Key, dict[str, Any]]:
    """Numerators from adjustment rows, in two steps: first one row per (group, claim)
    (GROUPING SETS give the per-family and the all-family rows in one scan), then plain
    counts and sums over those rows, so only the line count needs a DISTINCT."""
    where, params = where_clause(filters, since=since, until=until)
    cols = select_list(cuts)
    by_family = "family" not in cuts
    raw = [DIMENSIONS[c] for c in cuts]
    sets = (
        f"GROUPING SETS (({', '.join([*raw, 'family', 'claim_id'])}), "
        f"({', '.join([*raw, 'claim_id'])}))"
        if by_family
        else f"GROUP BY {', '.join([*raw, 'claim_id'])}"
    )
    documentation = "(process_step = 'documentation' OR category ILIKE '%documentation%')"
    cut_names = ", ".join(cuts)
    sql = f"""
        WITH per_claim AS (
            SELECT {cols + "," if cols else ""}
                   {"family, GROUPING(family) AS all_families," if by_family else ""}
                   claim_id,
                   BOOL_OR(is_initial) AS initial,
                   BOOL_OR(fully_denied) AS fully,
                   BOOL_OR(partially_denied) AS partially,
                   BOOL_OR(is_primary) AS primary_remit,
                   BOOL_OR({documentation}) AS documentation,
                   SUM(amount) AS dollars,
                   COUNT(DISTINCT service_line_id) FILTER (WHERE level = 'line') AS lines
            FROM denial_fact
            WHERE is_denial AND NOT not_adjudication AND {where}
            {"GROUP BY " + sets if by_family else sets}
        )
        SELECT {cut_names + "," if cut_names else ""}
               {"family, all_families," if by_family else ""}
               COUNT(*) FILTER (WHERE initial) AS denied_claims,
               COUNT(*) FILTER (WHERE initial AND fully) AS fully_denied_claims,
               COUNT(*) FILTER (WHERE initial AND partially) AS partially_denied_claims,
               COALESCE(SUM(lines) FILTER (WHERE initial), 0) AS denied_lines,
               COALESCE(SUM(dollars) FILTER (WHERE initial), 0) AS denial_dollars,
               COUNT(*) AS denied_remits,
               COUNT(*) FILTER (WHERE primary_remit AND fully) AS zero_pay_primary_remits,
               COUNT(*) FILTER (WHERE initial AND documentation) AS documentation_claims
        FROM per_claim
        {_group_by([*cuts, *(["family", "all_families"] if by_family else [])])}
    """
    width = len(cuts)
    cursor = db.con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    out: dict[Key, dict[str, Any]] = {}
    for row in cursor.fetchall():
        values = dict(zip(names[width:], row[width:], strict=True))
        key: Key = tuple(row[:width])
        group = out.setdefault(key, {"by_family": {}})
        if by_family and not values.pop("all_families"):
            group["by_family"][values.pop("family")] = values
        else:
            if by_family:
                values.pop("family")
            else:
                group["by_family"][key[cuts.index("family")]] = dict(values)
            group.update(values)
    return out


def _claim_level(
    cuts: Sequence[str], filters: Mapping[str, str], *, allow_family_cut: bool = False
) -> bool:
    """True when no cut or filter needs adjustment rows (so per-claim summaries serve)."""
    allowed = set(CLAIM_DIMENSIONS) | ({"family"} if allow_family_cut else set())
    return set(cuts) <= allowed and set(filters) <= set(CLAIM_DIMENSIONS)


def _denial_side_per_claim(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
) -> dict[Key, dict[str, Any]]:
    """The same numerators as :func:`_denial_side`, from ``claim_denial_fact``."""
    where, params = where_clause(filters, since=since, until=until)
    cols = select_list(cuts)
    family_cut = "family" in cuts
    group = [c for c in cuts if c != "family"] + ["family"]
    sql = f"""
        SELECT {cols + "," if cols else ""} family AS family_key,
               COUNT(*) FILTER (WHERE is_initial) AS denied_claims,
               COUNT(*) FILTER (WHERE is_initial AND fully_denied) AS fully_denied_claims,
               COUNT(*) FILTER (WHERE is_initial AND partially_denied) AS partially_denied_claims,
               COALESCE(SUM(lines) FILTER (WHERE is_initial), 0) AS denied_lines,
               COALESCE(SUM(dollars) FILTER (WHERE is_initial), 0) AS denial_dollars,
               COUNT(*) AS denied_remits,
               COUNT(*) FILTER (WHERE is_primary AND fully_denied) AS zero_pay_primary_remits,
               COUNT(*) FILTER (WHERE is_initial AND documentation) AS documentation_claims
        FROM claim_denial_fact
        WHERE NOT not_adjudication AND {where}
              {f"AND family <> '{ALL_FAMILIES}'" if family_cut else ""}
        GROUP BY {", ".join(DIMENSIONS[c] if c != "family" else "family" for c in group)}
    """
    width = len(cuts)
    cursor = db.con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    out: dict[Key, dict[str, Any]] = {}
    for row in cursor.fetchall():
        key: Key = tuple(row[:width])
        values = dict(zip(names[width:], row[width:], strict=True))
        family = values.pop("family_key")
        group_values = out.setdefault(key, {"by_family": {}})
        if family_cut:
            group_values["by_family"][family] = dict(values)
            group_values.update(values)
        elif family == ALL_FAMILIES:
            group_values.update(values)
        else:
            group_values["by_family"][family] = values
    return out


def _work_side(
    db: AnalyticsDB,
    cuts: Sequence[str],
    filters: Mapping[str, str],
    since: date | None,
    until: date | None,
    labor: LaborCost,
    as_of: date,
) -> dict[Key, dict[str, Any]]:
    """Appeals, resubmissions, open cases and write-offs from the work register."""
    dim_where, dim_params = where_clause(filters, since=None, until=None)
    cols = select_list(cuts)
    key_cols = ", ".join(cuts)
    # One row per (cut values, case): a case whose denials fall in two groups counts in both.
    # Claim-level cuts read the one-row-per-case summary; no DISTINCT needed.
    source = "case_claim_fact" if _claim_level(cuts, filters) else "case_fact"
    distinct = "" if source == "case_claim_fact" else "DISTINCT"
    cases = f"SELECT {distinct} {cols + ',' if cols else ''} case_id, state, closed, at_risk,"
    cases += " case_recovered, determination_date, next_deadline, closed_at, resubmitted_on,"
    cases += f" first_appeal_on FROM {source} WHERE {dim_where}"

    def period(column: str) -> tuple[str, list[Any]]:
        cond, par = where_clause({}, since=since, until=until, date_column=column)
        return cond, par

    hours = " ".join(f"WHEN '{kind}' THEN {value}" for kind, value in labor.hours_by_kind.items())
    submitted, submitted_p = period("p.submitted_on")
    decided, decided_p = period("p.decided_on")
    appeals_sql = f"""
        WITH cases AS ({cases})
        SELECT {", ".join(f"k.{c}" for c in cuts) + "," if cuts else ""}
               COUNT(*) FILTER (WHERE {submitted}) AS appeal_volume,
               COUNT(*) FILTER (WHERE p.decided_on IS NOT NULL AND {decided}) AS appeals_decided,
               COUNT(*) FILTER (WHERE p.decided_on IS NOT NULL AND {decided}
                                AND p.outcome IN ('won', 'partially_won')) AS overturned,
               COALESCE(SUM(p.recovered) FILTER (WHERE p.decided_on IS NOT NULL AND {decided}),
                        0) AS recovered,
               COALESCE(SUM(CASE p.kind {hours} ELSE {labor.default_hours} END)
                        FILTER (WHERE {submitted}), 0) AS labor_hours,
               AVG(p.decided_on - p.submitted_on)
                   FILTER (WHERE p.decided_on IS NOT NULL AND {decided}) AS cycle_days
        FROM appeal_fact p JOIN cases k ON k.case_id = p.case_id
        {_group_by([f"k.{c}" for c in cuts])}
    """
    appeal_params = [
        *dim_params,
        *submitted_p,
        *decided_p,
        *decided_p,
        *decided_p,
        *submitted_p,
        *decided_p,
    ]
    appeals = _grouped(db, appeals_sql, appeal_params, len(cuts))

    first_appeal, first_appeal_p = period("first_appeal_on")
    resubmit, resubmit_p = period("resubmitted_on")
    closed, closed_p = period("closed_at")
    aging = ", ".join(
        f'COUNT(*) FILTER (WHERE open_now AND {_age_in(lo, hi)}) AS "aging_{name}", '
        f"COALESCE(SUM(at_risk) FILTER (WHERE open_now AND {_age_in(lo, hi)}), 0)"
        f' AS "aging_dollars_{name}"'
        for name, lo, hi in AGING_BUCKETS
    )
    deadline = """
        COUNT(*) FILTER (WHERE open_now AND days_left < 0) AS "deadline_overdue",
        COUNT(*) FILTER (WHERE open_now AND days_left BETWEEN 0 AND 7) AS "deadline_due_0_7",
        COUNT(*) FILTER (WHERE open_now AND days_left BETWEEN 8 AND 30) AS "deadline_due_8_30",
        COUNT(*) FILTER (WHERE open_now AND days_left > 30) AS "deadline_due_31_plus",
        COUNT(*) FILTER (WHERE open_now AND days_left IS NULL) AS "deadline_no_deadline"
    """
    cases_sql = f"""
        WITH cases AS ({cases}),
        aged AS (
            SELECT *,
                   determination_date <= CAST(? AS DATE)
                       AND (NOT closed OR closed_at > CAST(? AS DATE)) AS open_now,
                   CAST(? AS DATE) - determination_date AS age,
                   next_deadline - CAST(? AS DATE) AS days_left
            FROM cases
        )
        SELECT {key_cols + "," if cuts else ""}
               AVG(first_appeal_on - determination_date)
                   FILTER (WHERE first_appeal_on IS NOT NULL AND {first_appeal})
                   AS denial_to_appeal_days,
               AVG(resubmitted_on - determination_date)
                   FILTER (WHERE resubmitted_on IS NOT NULL AND {resubmit}) AS resubmit_days,
               COALESCE(SUM(at_risk - case_recovered)
                        FILTER (WHERE state = 'written_off' AND {closed}), 0) AS write_offs,
               {aging},
               {deadline}
        FROM aged {_group_by(cuts)}
    """
    cases_params = [*dim_params, as_of, as_of, as_of, as_of, *first_appeal_p, *resubmit_p]
    cases_params += closed_p
    case_rows = _grouped(db, cases_sql, cases_params, len(cuts))

    out: dict[Key, dict[str, Any]] = {}
    for key in set(appeals) | set(case_rows):
        out[key] = {
            **case_rows.get(key, {}),
            **appeals.get(key, {}),
            "hourly_rate": labor.hourly_rate,
        }
    return out


def _age_in(low: int, high: int | None) -> str:
    return f"age >= {low}" if high is None else f"age BETWEEN {low} AND {high}"


# --- assembling one group ------------------------------------------------------------


def _rate(numerator: Any, denominator: Any, scale: int = 1) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(float(Decimal(numerator) * scale / Decimal(denominator)), 6)


def _money_per(numerator: Decimal | None, denominator: int | None) -> str | None:
    if numerator is None or not denominator:
        return None
    return fmt((Decimal(numerator) / denominator).quantize(CENT, rounding=ROUND_HALF_UP))


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _assemble(
    claims: Mapping[str, Any],
    denials: Mapping[str, Any],
    work: Mapping[str, Any] | None,
    *,
    denial_cut: bool,
) -> dict[str, Any]:
    n_claims = int(claims.get("claims") or 0)
    charges = Decimal(claims.get("gross_charges") or ZERO)
    npsr = Decimal(claims.get("npsr") or ZERO)
    by_family: Mapping[str, Mapping[str, Any]] = denials.get("by_family", {})
    denied = int(denials.get("denied_claims") or 0)
    dollars = Decimal(denials.get("denial_dollars") or ZERO)
    clinical = by_family.get("clinical", {})
    coding = by_family.get("coding", {})
    clinical_dollars = Decimal(clinical.get("denial_dollars") or ZERO)
    clinical_claims = int(clinical.get("denied_claims") or 0)

    m: dict[str, Any] = {
        "claims": n_claims,
        "gross_charges": fmt(charges),
        "fully_denied_claims": int(denials.get("fully_denied_claims") or 0),
        "partially_denied_claims": int(denials.get("partially_denied_claims") or 0),
        "denied_claims": denied,
        "denied_lines": int(denials.get("denied_lines") or 0),
        "denied_lines_by_family": {
            f: int(v["denied_lines"] or 0) for f, v in sorted(by_family.items())
        },
        "denial_dollars": fmt(dollars),
        "denial_dollars_by_family": {
            f: fmt(v["denial_dollars"]) for f, v in sorted(by_family.items())
        },
        "initial_denial_rate_claims": _rate(denied, n_claims),
        "initial_denial_rate_dollars": _rate(dollars, charges),
        "denial_rate_claims_by_family": {
            f: _rate(v["denied_claims"] or 0, n_claims) for f, v in sorted(by_family.items())
        },
        "denials_per_1000_claims": _rate(denied, n_claims, 1000),
        "remittance_denial_rate": _rate(denials.get("denied_remits") or 0, claims.get("remits")),
        "primary_denial_rate": _rate(
            denials.get("zero_pay_primary_remits") or 0, claims.get("primary_remits")
        ),
        "first_pass_yield": None
        if denial_cut
        else _rate(claims.get("first_pass_claims") or 0, n_claims),
        "coding_denial_rate_claims": _rate(coding.get("denied_claims") or 0, n_claims),
        "clinical_denial_dollars": fmt(clinical_dollars),
        "net_patient_service_revenue": None if denial_cut else fmt(npsr),
        "clinical_denials_pct_npsr": _rate(clinical_dollars, npsr),
        "avg_dollars_at_risk_per_clinical_denial": _money_per(clinical_dollars, clinical_claims),
        "clinical_documentation_share": _rate(
            clinical.get("documentation_claims") or 0, clinical_claims
        ),
    }
    m.update(_work_metrics(work, npsr))
    return m


def _work_metrics(work: Mapping[str, Any] | None, npsr: Decimal) -> dict[str, Any]:
    ids = [x.id for x in METRICS if x.needs_work_register]
    if work is None:
        return dict.fromkeys(ids)
    volume = int(work.get("appeal_volume") or 0)
    decided = int(work.get("appeals_decided") or 0)
    recovered = Decimal(work.get("recovered") or ZERO)
    labor_cost = Decimal(work.get("labor_hours") or ZERO) * _hourly_rate(work)
    write_offs = Decimal(work.get("write_offs") or ZERO)
    return {
        "appeal_volume": volume,
        "appeals_decided": decided,
        "overturn_rate": _rate(work.get("overturned") or 0, decided),
        "appeal_recovered_dollars": fmt(recovered),
        "recovery_per_worked_appeal": _money_per(recovered, decided),
        "cost_per_worked_appeal": _money_per(labor_cost, volume),
        "appeal_cycle_time_days": _days(work.get("cycle_days")),
        "days_from_denial_to_appeal": _days(work.get("denial_to_appeal_days")),
        "days_to_correct_and_resubmit": _days(work.get("resubmit_days")),
        "open_denials_by_aging": {
            name: int(work.get(f"aging_{name}") or 0) for name, _, _ in AGING_BUCKETS
        },
        "open_denial_dollars_by_aging": {
            name: fmt(work.get(f"aging_dollars_{name}")) for name, _, _ in AGING_BUCKETS
        },
        "open_denials_by_deadline_risk": {
            name: int(work.get(f"deadline_{name}") or 0) for name in DEADLINE_BUCKETS
        },
        "denial_write_offs": fmt(write_offs),
        "denial_write_offs_pct_npsr": _rate(write_offs, npsr),
    }


def _hourly_rate(work: Mapping[str, Any]) -> Decimal:
    return Decimal(work.get("hourly_rate") or ZERO)


__all__ = [
    "AGING_BUCKETS",
    "DEADLINE_BUCKETS",
    "DENIAL_DIMENSIONS",
    "METRICS",
    "METRIC_IDS",
    "KpiGroup",
    "KpiReport",
    "LaborCost",
    "Metric",
    "compute_kpis",
]
