"""Which case to work first, and why: a score whose every part is shown.

``score = (at_risk x P(overturn) - minutes/60 x hourly_cost) x age_factor x deadline_factor``

The settings (priors, costs by owner, factors) are in ``priority.yaml`` next to this
module, or the file named by ``DENIALOPS_PRIORITY``. All arithmetic is Decimal; only the
final parts are rounded to cents, so a worked example checks to the cent.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from denialops.errors import (
    PrioritySettingsError as PrioritySettingsError,  # re-exported: defined in the one tree
)
from denialops.files import cache_key
from denialops.money import CENT, ZERO

PRIORITY_ENV = "DENIALOPS_PRIORITY"
DEFAULT_SETTINGS = Path(__file__).with_name("priority.yaml")
ONE = Decimal(1)
HALF = Decimal("0.5")


class Priors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Decimal = Field(ge=0, le=1)
    family: dict[str, Decimal] = Field(default_factory=dict)
    category: dict[str, Decimal] = Field(default_factory=dict)


class WorkCost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=0)
    hourly_cost: Decimal = Field(ge=0)


class AgeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: Decimal = Field(ge=0)
    horizon_days: int = Field(gt=0)


class DeadlineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overdue: Decimal = Field(ge=0)
    within_7: Decimal = Field(ge=0)
    within_30: Decimal = Field(ge=0)


class ExpectedSettings(BaseModel):
    """How a denied line without an allowed amount is valued (see work/expected.py)."""

    model_config = ConfigDict(extra="forbid")

    default_ratio: Decimal = Field(default=Decimal("0.40"), gt=0, le=1)
    min_lines: int = Field(default=5, ge=1)


class PrioritySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_history: int = Field(ge=1)
    expected_payment: ExpectedSettings = Field(default_factory=ExpectedSettings)
    priors: Priors
    cost_by_owner: dict[str, WorkCost]
    age: AgeSettings
    deadline: DeadlineSettings
    effort_by_kind: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "appeal": Decimal(1),
            "peer_to_peer": Decimal("0.75"),
            "external_review": Decimal(2),
        }
    )

    def cost_for(self, owner: str) -> WorkCost:
        """The owner's cost; an unknown owner costs what billing costs (the cheapest desk)."""
        return self.cost_by_owner.get(owner) or self.cost_by_owner.get(
            "billing", WorkCost(minutes=0, hourly_cost=ZERO)
        )

    def work_cost(self, owner: str, kind: str = "appeal") -> Decimal:
        """Dollars to work one appeal of ``kind`` at ``owner``'s desk: the one cost model.

        The priority score subtracts ``work_cost(owner)`` (an appeal); the cost per worked
        appeal KPI (:func:`denialops.analytics.metrics.compute_kpis`) sums
        ``work_cost(case owner, appeal kind)`` over the appeals submitted,
        so both read the same minutes and hourly costs (``cost_by_owner``) and the same
        effort multipliers (``effort_by_kind``, 1 for an appeal).
        """
        cost = self.cost_for(owner)
        effort = self.effort_by_kind.get(kind, Decimal(1))
        return Decimal(cost.minutes) * cost.hourly_cost * effort / Decimal(60)


def load_settings(path: Path | str | None = None) -> PrioritySettings:
    return _load_cached(*cache_key(path or os.environ.get(PRIORITY_ENV) or DEFAULT_SETTINGS))


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int) -> PrioritySettings:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return PrioritySettings.model_validate(data)
    except OSError as exc:
        raise PrioritySettingsError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise PrioritySettingsError(f"{path}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PrioritySettingsError(f"{path}: {where}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class History:
    """Closed, worked cases of one payer and category."""

    cases: int = 0
    won: int = 0
    partially_won: int = 0


@dataclass(frozen=True, slots=True)
class OverturnRate:
    probability: Decimal
    source: str


def overturn_rate(
    history: History | None, family: str | None, category: str | None, settings: PrioritySettings
) -> OverturnRate:
    """From history when there is enough of it, else the category prior, family prior, default."""
    if history is not None and history.cases >= settings.min_history:
        wins = Decimal(history.won) + HALF * Decimal(history.partially_won)
        return OverturnRate(wins / Decimal(history.cases), f"history ({history.cases} cases)")
    priors = settings.priors
    if category and category in priors.category:
        return OverturnRate(priors.category[category], f"prior for category {category}")
    if family and family in priors.family:
        return OverturnRate(priors.family[family], f"prior for family {family}")
    return OverturnRate(priors.default, "default prior")


@dataclass(frozen=True, slots=True)
class Priority:
    """The score and every part of it, so a manager sees why a case is on top."""

    at_risk: Decimal
    p_overturn: Decimal
    p_source: str
    expected_recovery: Decimal
    minutes: int
    hourly_cost: Decimal
    cost_to_work: Decimal
    age_days: int
    age_factor: Decimal
    days_left: int | None
    deadline_factor: Decimal
    score: Decimal

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def explain(self) -> str:
        days = "none" if self.days_left is None else f"{self.days_left} days left"
        return (
            f"{self.at_risk} at risk x {self.p_overturn:.2f} ({self.p_source})"
            f" = {self.expected_recovery} expected; - {self.cost_to_work} to work"
            f" ({self.minutes} min at {self.hourly_cost}/h);"
            f" x {self.age_factor} age ({self.age_days} days)"
            f" x {self.deadline_factor} deadline ({days}) = {self.score}"
        )


def deadline_factor(days_left: int | None, settings: PrioritySettings) -> Decimal:
    if days_left is None:
        return ONE
    if days_left < 0:
        return settings.deadline.overdue
    if days_left <= 7:
        return settings.deadline.within_7
    if days_left <= 30:
        return settings.deadline.within_30
    return ONE


def age_factor(age_days: int, settings: PrioritySettings) -> Decimal:
    capped = min(max(age_days, 0), settings.age.horizon_days)
    return ONE + settings.age.weight * Decimal(capped) / Decimal(settings.age.horizon_days)


def priority(
    *,
    at_risk: Decimal,
    rate: OverturnRate,
    owner: str,
    age_days: int,
    days_left: int | None,
    settings: PrioritySettings,
) -> Priority:
    """Score one case; only a positive net value is scaled by age and deadline."""
    expected = at_risk * rate.probability
    cost = settings.cost_for(owner)
    cost_to_work = settings.work_cost(owner)
    net = expected - cost_to_work
    age = age_factor(age_days, settings)
    urgency = deadline_factor(days_left, settings)
    score = net * age * urgency if net > 0 else net
    return Priority(
        at_risk=_cents(at_risk),
        p_overturn=rate.probability,
        p_source=rate.source,
        expected_recovery=_cents(expected),
        minutes=cost.minutes,
        hourly_cost=_cents(cost.hourly_cost),
        cost_to_work=_cents(cost_to_work),
        age_days=age_days,
        age_factor=age,
        days_left=days_left,
        deadline_factor=urgency,
        score=_cents(score),
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
