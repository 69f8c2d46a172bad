"""Action plans: a root cause, an owner, a measured baseline, a target and a date.

The seeds' governance ("top 5 root causes and action plans: assign owners, define
measurable targets such as percentage reduction in a specific denial code"). A plan
names one root cause (a payer, a denial category or family, or a CARC) and a metric
(denied dollars or denied claims per 30 days). Its baseline is measured from the data
when the plan is made (the 90 days of remittances before the latest one, per 30 days),
its target is the baseline reduced by a percentage, and its progress is the same metric
over each 30-day window since, measured again on every look, so it follows the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Numeric,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from denialops.errors import PlanError
from denialops.store import schema
from denialops.store.schema import Base

Dimension = Literal["payer", "category", "family", "carc"]
Metric = Literal["denied_dollars", "denied_claims"]
DIMENSIONS: tuple[str, ...] = ("payer", "category", "family", "carc")
METRICS: tuple[str, ...] = ("denied_dollars", "denied_claims")
WINDOW_DAYS = 30
BASELINE_WINDOWS = 3
FOUR = Decimal("0.0001")


class ActionPlanRow(Base):
    """One action plan (the table is created by revision 0006)."""

    __tablename__ = "action_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    dimension: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(48))
    owner: Mapped[str] = mapped_column(String(64))
    baseline: Mapped[Decimal] = mapped_column(Numeric(18, 4, asdecimal=True))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4, asdecimal=True))
    due_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


plan_t = cast(Table, ActionPlanRow.__table__)
remit_t = cast(Table, schema.Remittance.__table__)
claim_t = cast(Table, schema.Claim.__table__)
adj_t = cast(Table, schema.Adjustment.__table__)


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    title: str
    dimension: str
    value: str
    metric: str
    owner: str
    baseline: Decimal
    target: Decimal
    due_date: date
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Point:
    start: date
    end: date
    value: Decimal


@dataclass(frozen=True, slots=True)
class Progress:
    plan: Plan
    points: list[Point]
    """The metric per 30-day window, from the baseline's first window to the latest data."""

    @property
    def current(self) -> Decimal | None:
        return self.points[-1].value if self.points else None

    @property
    def on_track(self) -> bool:
        return self.current is not None and self.current <= self.plan.target


def _column(dimension: str) -> Any:
    return {
        "payer": claim_t.c.payer_id,
        "category": adj_t.c.category,
        "family": adj_t.c.family,
        "carc": adj_t.c.reason_code,
    }[dimension]


def measure(
    conn: Connection, dimension: str, value: str, metric: str, start: date, end: date
) -> Decimal:
    """The metric for the root cause over remittances paid from ``start`` to ``end``."""
    amount = (
        func.coalesce(func.sum(adj_t.c.amount), 0)
        if metric == "denied_dollars"
        else func.count(func.distinct(claim_t.c.id))
    )
    query = (
        select(amount)
        .select_from(adj_t)
        .join(claim_t, claim_t.c.id == adj_t.c.claim_id)
        .join(remit_t, remit_t.c.id == claim_t.c.remittance_id)
        .where(
            adj_t.c.is_denial.is_(True),
            _column(dimension) == value,
            remit_t.c.payment_date >= start,
            remit_t.c.payment_date <= end,
        )
    )
    return Decimal(str(conn.execute(query).scalar_one() or 0))


def latest_data_date(conn: Connection) -> date | None:
    value = conn.execute(select(func.max(remit_t.c.payment_date))).scalar_one_or_none()
    return value if isinstance(value, date) else None


def _plan(row: Any) -> Plan:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Plan(
        id=int(row.id),
        title=row.title,
        dimension=row.dimension,
        value=row.value,
        metric=row.metric,
        owner=row.owner,
        baseline=Decimal(row.baseline),
        target=Decimal(row.target),
        due_date=row.due_date,
        created_by=row.created_by,
        created_at=created,
    )


def add_plan(
    engine: Engine,
    *,
    title: str,
    dimension: str,
    value: str,
    metric: str,
    owner: str,
    reduction_pct: Decimal,
    due: date,
    created_by: str,
) -> Plan:
    """Make a plan: baseline measured now, target = baseline less ``reduction_pct`` %."""
    if dimension not in DIMENSIONS:
        raise PlanError(f"root cause must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    if metric not in METRICS:
        raise PlanError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if not Decimal(0) < reduction_pct <= Decimal(100):
        raise PlanError("the target reduction is a percentage above 0 and at most 100")
    if not title.strip() or len(title) > 128 or not value.strip() or len(value) > 64:
        raise PlanError("a plan needs a title (up to 128 characters) and a cause value")
    if not owner.strip() or len(owner) > 64:
        raise PlanError("a plan needs an owner (a login, up to 64 characters)")
    value = value.strip().upper() if dimension in ("carc", "payer") else value.strip()
    with engine.begin() as conn:
        end = latest_data_date(conn)
        if end is None:
            raise PlanError("there are no remittances yet to measure a baseline from")
        start = end - timedelta(days=WINDOW_DAYS * BASELINE_WINDOWS - 1)
        total = measure(conn, dimension, value, metric, start, end)
        baseline = (total / BASELINE_WINDOWS).quantize(FOUR)
        target = (baseline * (1 - reduction_pct / 100)).quantize(FOUR)
        plan_id = conn.execute(
            insert(plan_t)
            .values(
                title=title.strip(),
                dimension=dimension,
                value=value,
                metric=metric,
                owner=owner.strip(),
                baseline=baseline,
                target=target,
                due_date=due,
                created_by=created_by,
                created_at=datetime.now(UTC),
            )
            .returning(plan_t.c.id)
        ).scalar_one()
        return _plan(conn.execute(select(plan_t).where(plan_t.c.id == plan_id)).one())


def list_plans(engine: Engine) -> list[Plan]:
    with engine.connect() as conn:
        return [_plan(r) for r in conn.execute(select(plan_t).order_by(plan_t.c.id)).all()]


def get_plan(engine: Engine, plan_id: int) -> Plan:
    with engine.connect() as conn:
        row = conn.execute(select(plan_t).where(plan_t.c.id == plan_id)).first()
    if row is None:
        raise PlanError(f"no action plan {plan_id}")
    return _plan(row)


def progress(engine: Engine, plan_id: int) -> Progress:
    """The plan's metric per 30-day window, measured from the data as it is now."""
    plan = get_plan(engine, plan_id)
    with engine.connect() as conn:
        end = latest_data_date(conn)
        if end is None:
            return Progress(plan, [])
        created = plan.created_at.date()
        first = min(end, created) - timedelta(days=WINDOW_DAYS * BASELINE_WINDOWS - 1)
        points: list[Point] = []
        window_end = end
        while window_end >= first and len(points) < 60:
            window_start = window_end - timedelta(days=WINDOW_DAYS - 1)
            value = measure(conn, plan.dimension, plan.value, plan.metric, window_start, window_end)
            points.append(Point(window_start, window_end, value))
            window_end = window_start - timedelta(days=1)
    return Progress(plan, list(reversed(points)))
