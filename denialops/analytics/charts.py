"""Chart specifications, in one place, and their renderers.

A chart is a plain dict: a Vega-Lite v5 spec (data inlined), so the web dashboard can
hand it to vega-embed (served from its own local assets) unchanged, with a
``usermeta.denialops`` block that tells the matplotlib renderer what to draw for PNG/SVG
(and for the inline SVG of the HTML page). The spec builders take the report objects
(:class:`~denialops.analytics.pareto.ParetoResult`, :class:`TrendResult`,
:class:`KpiReport`), never the database, so any caller with those objects gets the same
chart.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from denialops.errors import DenialopsError

if TYPE_CHECKING:  # the types only: trend imports numpy (0.2 s), not needed to draw
    from denialops.analytics.metrics import KpiReport
    from denialops.analytics.pareto import ParetoResult
    from denialops.analytics.trend import TrendResult

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
Spec = dict[str, Any]


def pareto_spec(result: ParetoResult) -> Spec:
    """Bars of each cause's value, the cumulative share line, and the share threshold."""
    value_field = "dollars" if result.measure == "dollars" else "denied_claims"
    values = [
        {
            "cause": r.cause,
            "value": float(r.dollars) if result.measure == "dollars" else r.denied_claims,
            "cumulative_share": r.cumulative_share,
            "in_answer": r.in_answer,
        }
        for r in result.rows
    ]
    title = f"Pareto of denials by {result.cause_dimension} ({result.measure})"
    if result.filters:
        title += " - " + ", ".join(f"{k}={v}" for k, v in result.filters.items())
    order = [r.cause for r in result.rows]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": title,
        "data": {"values": values},
        "encoding": {"x": {"field": "cause", "type": "nominal", "sort": order, "title": None}},
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "y": {"field": "value", "type": "quantitative", "title": value_field},
                    "color": {"field": "in_answer", "type": "nominal", "title": "in answer"},
                },
            },
            {
                "mark": {"type": "line", "point": True, "color": "black"},
                "encoding": {
                    "y": {
                        "field": "cumulative_share",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1]},
                        "axis": {"format": "%"},
                        "title": "cumulative share",
                    }
                },
            },
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "red"},
                "encoding": {"y": {"datum": result.share, "type": "quantitative"}},
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
        "usermeta": {"denialops": {"kind": "pareto", "share": result.share, "title": title}},
    }


def trend_spec(result: TrendResult) -> Spec:
    """One line per series, spike periods marked, the event date as a rule."""
    values = [
        {
            "period": point["period"],
            "key": series["key"],
            "value": float(point["value"]),
            "spike": point["spike"],
        }
        for series in result.to_json()["series"]  # type: ignore[attr-defined]
        for point in series["points"]
    ]
    title = f"Denials per {result.freq} by {result.by} ({result.measure})"
    layers: list[Spec] = [
        {
            "mark": "line",
            "encoding": {
                "x": {"field": "period", "type": "temporal"},
                "y": {"field": "value", "type": "quantitative", "title": result.measure},
                "color": {"field": "key", "type": "nominal", "title": result.by},
            },
        },
        {
            "transform": [{"filter": "datum.spike"}],
            "mark": {"type": "point", "shape": "triangle-up", "size": 120, "filled": True},
            "encoding": {
                "x": {"field": "period", "type": "temporal"},
                "y": {"field": "value", "type": "quantitative"},
                "color": {"value": "red"},
                "tooltip": [{"field": "key"}, {"field": "period"}, {"field": "value"}],
            },
        },
    ]
    event = None
    if result.event is not None:
        event = {"date": result.event.event_date.isoformat(), "label": result.event.label}
        layers.append(
            {
                "data": {"values": [event]},
                "mark": {"type": "rule", "strokeDash": [6, 3]},
                "encoding": {"x": {"field": "date", "type": "temporal"}},
            }
        )
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": title,
        "data": {"values": values},
        "layer": layers,
        "usermeta": {"denialops": {"kind": "trend", "title": title, "event": event}},
    }


def breakdown_spec(report: KpiReport, metric: str = "denial_dollars_by_family") -> Spec:
    """Stacked bars: a ``*_by_family`` metric per group (payer, month, ...)."""
    values = []
    for group in report.groups:
        label = ", ".join(str(v) for v in group.key.values()) or "all"
        for family, value in (group.metrics.get(metric) or {}).items():
            values.append({"group": label, "family": family, "value": float(value or 0)})
    title = f"{metric} by {', '.join(report.by) or 'all'}"
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": title,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "group", "type": "nominal", "title": ", ".join(report.by) or None},
            "y": {"field": "value", "type": "quantitative", "stack": True, "title": metric},
            "color": {"field": "family", "type": "nominal"},
        },
        "usermeta": {"denialops": {"kind": "breakdown", "title": title}},
    }


# --- rendering ---------------------------------------------------------------------------

_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: sans-serif; margin: 1em; }}
svg {{ max-width: 100%; height: auto; }}</style>
</head><body>
{svg}
<script type="application/json" id="vega-lite-spec">{spec}</script>
</body></html>
"""


def render(spec: Spec, path: str | Path) -> Path:
    """Write the chart to .png, .svg or .html, atomically (temporary file, then rename).

    The HTML page is self-contained: the chart drawn server-side as inline SVG (hospital
    networks have no internet, so nothing is loaded from a CDN), with the Vega-Lite spec
    beside it in a ``<script type="application/json" id="vega-lite-spec">`` block for
    tools (the web app) that draw it interactively with their own local Vega assets.
    """
    from denialops.files import atomic_path

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".png", ".svg", ".html"):
        raise DenialopsError(f"--plot must end in .png, .svg or .html, got {target.name!r}")
    with atomic_path(target) as temporary:
        if suffix == ".html":
            svg = _render_matplotlib(spec, "svg").decode("utf-8")
            svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
            text = json.dumps(spec).replace("</", "<\\/")
            title = html.escape(str(spec.get("title", "chart")))
            temporary.write_text(_HTML.format(title=title, svg=svg, spec=text), "utf-8")
        else:
            temporary.write_bytes(_render_matplotlib(spec, suffix[1:]))
    return target


def _render_matplotlib(spec: Spec, image_format: str) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta = spec["usermeta"]["denialops"]
    values: list[dict[str, Any]] = spec["data"]["values"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    try:
        if meta["kind"] == "pareto":
            _draw_pareto(ax, values, meta["share"])
        elif meta["kind"] == "trend":
            _draw_trend(ax, values, meta.get("event"))
        else:
            _draw_breakdown(ax, values)
        ax.set_title(meta["title"])
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=image_format)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _slanted_labels(ax: Any) -> None:
    """Slanted category labels anchored at their tick, so long names do not overlap."""
    for label in ax.get_xticklabels():
        label.set_rotation(40)
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")


def _draw_pareto(ax: Any, values: list[dict[str, Any]], share: float) -> None:
    causes = [v["cause"] for v in values]
    colors = ["tab:blue" if v["in_answer"] else "tab:gray" for v in values]
    ax.bar(causes, [v["value"] for v in values], color=colors)
    _slanted_labels(ax)
    twin = ax.twinx()
    twin.plot(causes, [v["cumulative_share"] for v in values], color="black", marker="o")
    twin.axhline(share, color="red", linestyle="--")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share")


def _draw_trend(ax: Any, values: list[dict[str, Any]], event: dict[str, str] | None) -> None:
    from datetime import date

    keys = sorted({v["key"] for v in values})
    for key in keys:
        points = [v for v in values if v["key"] == key]
        dates = [date.fromisoformat(p["period"]) for p in points]
        ax.plot(dates, [p["value"] for p in points], label=key)
        spikes = [p for p in points if p["spike"]]
        if spikes:
            ax.scatter(
                [date.fromisoformat(p["period"]) for p in spikes],
                [p["value"] for p in spikes],
                marker="^",
                color="red",
                s=80,
                zorder=3,
            )
    if event:
        ax.axvline(date.fromisoformat(event["date"]), color="black", linestyle="--")
        ax.annotate(event["label"], (date.fromisoformat(event["date"]), 0), rotation=90)
    if keys:
        ax.legend(fontsize="small", loc="upper left")


def _draw_breakdown(ax: Any, values: list[dict[str, Any]]) -> None:
    groups = list(dict.fromkeys(v["group"] for v in values))
    families = sorted({v["family"] for v in values})
    bottom = [0.0] * len(groups)
    for family in families:
        heights = [
            sum(v["value"] for v in values if v["group"] == g and v["family"] == family)
            for g in groups
        ]
        ax.bar(groups, heights, bottom=bottom, label=family)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    _slanted_labels(ax)
    if families:
        ax.legend(fontsize="small")
