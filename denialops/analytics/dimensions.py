"""The cuts every metric can be split by, and how a cut becomes SQL.

Two kinds, because they answer different questions:

* **claim dimensions** (payer, facility, facility type, rendering provider, month, week)
  belong to the whole claim, so both sides of a rate are split: "initial denial rate of
  payer X" is X's denied claims over X's claims.
* **denial dimensions** (family, category, owner, process step, CARC, revenue code,
  procedure range, service line) belong to one adjustment. Only numerators are split;
  denominators stay those of the enclosing claim scope, so "denial rate of the clinical
  family" is claims with a clinical denial over all claims, and the families' rates add
  up to more than the overall rate only where one claim has denials of two families.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from denialops.errors import (
    UnknownDimensionError as UnknownDimensionError,  # re-exported: defined in the one tree
)

CLAIM_DIMENSIONS: dict[str, str] = {
    "payer": "payer_id",
    "facility": "facility",
    "facility_type": "facility_type",
    "rendering_provider": "rendering_provider",
    "month": "month",
    "week": "week",
}
DENIAL_DIMENSIONS: dict[str, str] = {
    "family": "family",
    "category": "category",
    "owner": "owner",
    "process_step": "process_step",
    "carc": "carc",
    "revenue_code": "revenue_code",
    "procedure_range": "procedure_range",
    "service_line": "service_line",
}
DIMENSIONS = {**CLAIM_DIMENSIONS, **DENIAL_DIMENSIONS}


def check_dimensions(names: Sequence[str]) -> tuple[str, ...]:
    """Validate cut names, keeping their order and dropping repeats."""
    seen: list[str] = []
    for name in names:
        if name not in DIMENSIONS:
            raise UnknownDimensionError(
                f"unknown cut {name!r}; choose from {', '.join(DIMENSIONS)}"
            )
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def claim_part(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(n for n in names if n in CLAIM_DIMENSIONS)


def has_denial_part(names: Sequence[str]) -> bool:
    return any(n in DENIAL_DIMENSIONS for n in names)


def where_clause(
    filters: Mapping[str, str],
    *,
    since: date | None,
    until: date | None,
    date_column: str = "remit_date",
    claim_only: bool = False,
    tag: str = "w",
    qualify: Callable[[str], str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """SQL conditions and named parameters (``:{tag}_...``) for a period and equality
    filters on cuts. ``qualify`` maps a cut's column to the expression to compare."""
    column = qualify or (lambda name: name)
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if since is not None:
        conditions.append(f"{date_column} >= :{tag}_since")
        params[f"{tag}_since"] = since
    if until is not None:
        conditions.append(f"{date_column} <= :{tag}_until")
        params[f"{tag}_until"] = until
    for i, (name, value) in enumerate(filters.items()):
        check_dimensions([name])
        if claim_only and name not in CLAIM_DIMENSIONS:
            continue
        conditions.append(f"CAST({column(DIMENSIONS[name])} AS VARCHAR) = :{tag}_f{i}")
        params[f"{tag}_f{i}"] = value
    return (" AND ".join(conditions) or "1 = 1"), params


def select_list(names: Sequence[str], qualify: Callable[[str], str] | None = None) -> str:
    """The cut columns as ``expr AS name`` (dates rendered as ISO text for stable keys)."""
    column = qualify or (lambda name: name)
    return ", ".join(f"CAST({column(DIMENSIONS[n])} AS VARCHAR) AS {n}" for n in names)
