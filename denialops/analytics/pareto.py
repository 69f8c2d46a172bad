"""Pareto of root causes: the fewest causes that make up a share of denials.

Answers the seed question "which root causes account for 70% of our clinical denials
with payer X": causes are ranked by dollars (or by denied claims), and the answer is the
shortest prefix of that ranking whose cumulative share reaches the requested share.
Only initial-adjudication denials count, as for the initial denial rate, and duplicate-claim
denials are left out unless asked for (docs/kpis.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from denialops.analytics.dimensions import DIMENSIONS, check_dimensions, where_clause
from denialops.analytics.engine import AnalyticsDB
from denialops.errors import DenialopsError
from denialops.money import fmt

Measure = Literal["dollars", "count"]


@dataclass(frozen=True)
class ParetoRow:
    cause: str
    denied_claims: int
    dollars: Decimal
    share: float
    cumulative_share: float
    in_answer: bool
    """True for the causes that together first reach the requested share."""

    def to_json(self) -> dict[str, object]:
        return {
            "cause": self.cause,
            "denied_claims": self.denied_claims,
            "dollars": fmt(self.dollars),
            "share": self.share,
            "cumulative_share": self.cumulative_share,
            "in_answer": self.in_answer,
        }


@dataclass(frozen=True)
class ParetoResult:
    cause_dimension: str
    measure: Measure
    share: float
    filters: dict[str, str]
    rows: list[ParetoRow]

    @property
    def answer(self) -> list[ParetoRow]:
        return [r for r in self.rows if r.in_answer]

    def to_json(self) -> dict[str, object]:
        return {
            "cause": self.cause_dimension,
            "measure": self.measure,
            "share": self.share,
            "filters": self.filters,
            "answer": [r.cause for r in self.answer],
            "rows": [r.to_json() for r in self.rows],
        }


def pareto(
    db: AnalyticsDB,
    *,
    cause: str = "category",
    measure: Measure = "dollars",
    share: float = 0.7,
    filters: Mapping[str, str] | None = None,
    since: date | None = None,
    until: date | None = None,
    include_duplicates: bool = False,
) -> ParetoResult:
    """Causes ranked by ``measure`` with shares, and which of them answer ``share``."""
    if not 0 < share <= 1:
        raise DenialopsError(f"--share must be a fraction in (0, 1], got {share}")
    if measure not in ("dollars", "count"):
        raise DenialopsError(f"--by must be dollars or count, got {measure!r}")
    check_dimensions([cause])
    filters = dict(filters or {})
    where, params = where_clause(filters, since=since, until=until)
    duplicates = "" if include_duplicates else "AND is_duplicate = 0"
    sql = f"""
        SELECT CAST({DIMENSIONS[cause]} AS VARCHAR) AS cause,
               COUNT(DISTINCT claim_id) AS denied_claims,
               SUM(amount_cents) AS cents
        FROM fact_denial
        WHERE is_initial = 1 {duplicates} AND {where}
        GROUP BY CAST({DIMENSIONS[cause]} AS VARCHAR)
    """
    causes = [
        (str(c), int(n), (Decimal(str(cents)) / 100).quantize(Decimal("0.01")))
        for c, n, cents in db.rows(sql, params)
    ]
    # Ranked by the measure, ties broken by cause name so the answer is deterministic.
    if measure == "dollars":
        causes.sort(key=lambda r: (-r[2], r[0]))
        values = [r[2] for r in causes]
    else:
        causes.sort(key=lambda r: (-r[1], r[0]))
        values = [Decimal(r[1]) for r in causes]
    total = sum(values, Decimal(0))
    rows = []
    running = Decimal(0)
    for (name, claims, dollars), value in zip(causes, values, strict=True):
        before = running / total if total else Decimal(0)
        running += value
        rows.append(
            ParetoRow(
                cause=name,
                denied_claims=claims,
                dollars=dollars,
                share=round(float(value / total), 6) if total else 0.0,
                cumulative_share=round(float(running / total), 6) if total else 0.0,
                in_answer=bool(total) and before < Decimal(str(share)),
            )
        )
    return ParetoResult(
        cause_dimension=cause, measure=measure, share=share, filters=filters, rows=rows
    )
