"""The dashboard's numbers and charts, computed by :mod:`denialops.analytics`.

:func:`dashboard` asks the analytics library for the KPIs of the latest period and the
one before it (period-over-period change), the denial dollars by family and by payer,
the Pareto of denial categories and the weekly trend by family with its spikes, and
lays the charts out as SVG geometry for the template (no script, no image files). Each
number carries the link of the work-queue list behind it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from sqlalchemy import Engine, Table, func, select

from denialops.analytics.engine import open_analytics
from denialops.analytics.metrics import compute_kpis
from denialops.analytics.pareto import pareto
from denialops.analytics.trend import trend
from denialops.store import schema

remit_t = cast(Table, schema.Remittance.__table__)

PERIOD_DAYS = 90
COLORS = ("#1f5fa8", "#b3261e", "#2e7d32", "#9a6700", "#6a1b9a", "#00838f")

HEADLINE = (
    ("initial_denial_rate_claims", "Initial denial rate", "rate", "/queue?include_closed=true"),
    ("denial_dollars", "Denial dollars", "dollars", "/queue?include_closed=true&sort=amount"),
    ("first_pass_yield", "First-pass yield", "rate", "/queue"),
    ("overturn_rate", "Overturn rate", "rate", "/queue?state=won"),
    ("appeal_cycle_time_days", "Appeal cycle time (days)", "days", "/queue?state=appealed"),
)


def _queue_link(**params: str) -> str:
    return "/queue?" + urlencode({k: v for k, v in params.items() if v})


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        return None


def _show(value: Any, kind: str) -> str:
    number = _number(value)
    if number is None:
        return "–"
    if kind == "rate":
        return f"{number * 100:.1f}%" if number <= 1 else f"{number:.1f}"
    if kind == "dollars":
        return f"${number:,.0f}"
    return f"{number:,.1f}"


def _change(current: Any, previous: Any) -> str:
    now, before = _number(current), _number(previous)
    if now is None or before is None or before == 0:
        return ""
    delta = (now - before) / abs(before) * 100
    return f"{delta:+.1f}% vs previous {PERIOD_DAYS} days"


def latest_remit_date(engine: Engine) -> date | None:
    with engine.connect() as conn:
        value = conn.execute(select(func.max(remit_t.c.payment_date))).scalar_one_or_none()
    return value if isinstance(value, date) else None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    link: str


def _pareto_chart(
    rows: list[dict[str, Any]], width: int = 640, height: int = 220
) -> dict[str, Any]:
    rows = rows[:10]
    if not rows:
        return {"bars": [], "line": "", "width": width, "height": height}
    top = max(_number(r["dollars"]) or 0 for r in rows) or 1
    step = width / len(rows)
    bars = []
    points = []
    for i, row in enumerate(rows):
        h = (_number(row["dollars"]) or 0) / top * (height - 40)
        x = i * step + 4
        bars.append(
            Bar(
                x,
                height - 20 - h,
                step - 8,
                h,
                row["cause"],
                f"${_number(row['dollars']):,.0f}",
                _queue_link(category=row["cause"]),
            )  # fmt: skip
        )
        points.append(
            f"{x + (step - 8) / 2:.1f},{height - 20 - row['cumulative_share'] * (height - 40):.1f}"
        )
    return {"bars": bars, "line": " ".join(points), "width": width, "height": height}


def _trend_chart(
    series: list[dict[str, Any]], width: int = 640, height: int = 220
) -> dict[str, Any]:
    lines = []
    top = max((p["value"] for s in series for p in s["points"]), default=0) or 1
    for index, s in enumerate(series):
        points = s["points"]
        if not points:
            continue
        step = width / max(len(points) - 1, 1)
        coords = [
            (i * step, height - 20 - float(p["value"]) / float(top) * (height - 40))
            for i, p in enumerate(points)
        ]
        lines.append(
            {
                "key": s["key"],
                "color": COLORS[index % len(COLORS)],
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
                "spikes": [
                    {"x": x, "y": y, "period": p["period"], "value": p["value"]}
                    for (x, y), p in zip(coords, points, strict=True)
                    if p["spike"]
                ],
                "link": _queue_link(family=s["key"]),
            }
        )
    first = series[0]["points"] if series and series[0]["points"] else []
    return {
        "lines": lines,
        "width": width,
        "height": height,
        "start": first[0]["period"] if first else "",
        "end": first[-1]["period"] if first else "",
    }


def dashboard(engine: Engine, *, period_days: int = PERIOD_DAYS) -> dict[str, Any]:
    """Everything the dashboard shows, for the latest ``period_days`` of remittances."""
    end = latest_remit_date(engine)
    if end is None:
        return {"empty": True}
    start = end - timedelta(days=period_days - 1)
    before_end = start - timedelta(days=1)
    before_start = before_end - timedelta(days=period_days - 1)
    db = open_analytics(engine)
    try:
        now = compute_kpis(db, since=start, until=end).to_json()["metrics"]
        before = compute_kpis(db, since=before_start, until=before_end).to_json()["metrics"]
        by_payer = compute_kpis(db, by=["payer"], since=start, until=end).to_json()["groups"]
        causes: dict[str, Any] = pareto(db, cause="category", since=start, until=end).to_json()
        weekly: dict[str, Any] = trend(
            db, by="family", freq="week", since=before_start, until=end
        ).to_json()
    finally:
        db.close()
    kpis = [
        {
            "id": metric,
            "label": label,
            "value": _show(now.get(metric), kind),
            "change": _change(now.get(metric), before.get(metric)),
            "link": link,
        }
        for metric, label, kind, link in HEADLINE
    ]
    families = now.get("denial_dollars_by_family") or {}
    return {
        "empty": False,
        "period": {"start": start.isoformat(), "end": end.isoformat(), "days": period_days},
        "kpis": kpis,
        "aging": [
            {"bucket": k, "count": v, "link": "/queue?sort=age"}
            for k, v in (now.get("open_denials_by_aging") or {}).items()
        ],
        "deadline_risk": [
            {
                "bucket": k,
                "count": v,
                "link": "/queue?overdue=true" if k == "overdue" else "/queue?sort=deadline",
            }
            for k, v in (now.get("open_denials_by_deadline_risk") or {}).items()
        ],
        "by_family": [
            {"family": k, "dollars": _show(v, "dollars"), "link": _queue_link(family=k)}
            for k, v in families.items()
        ],
        "by_payer": [
            {
                "payer": g["key"].get("payer", ""),
                "dollars": _show(g["metrics"].get("denial_dollars"), "dollars"),
                "rate": _show(g["metrics"].get("initial_denial_rate_claims"), "rate"),
                "link": _queue_link(payer=g["key"].get("payer", ""), include_closed="true"),
            }
            for g in by_payer
        ],
        "pareto": {"answer": causes["answer"], "chart": _pareto_chart(causes["rows"])},
        "trend": _trend_chart(weekly["series"]),
        "metrics": now,
    }


class DashboardCache:
    """The last dashboard per engine for ``ttl`` seconds (the facts are rebuilt per call)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[float, dict[str, Any]] | None = None

    def get(self, engine: Engine) -> dict[str, Any]:
        with self._lock:
            if self._value and time.monotonic() - self._value[0] < self.ttl:
                return self._value[1]
            value = dashboard(engine)
            self._value = (time.monotonic(), value)
            return value

    def clear(self) -> None:
        with self._lock:
            self._value = None
