"""Commands: ``report`` (kpis, pareto, trend) and ``export`` (parquet).

Thin shells over :mod:`denialops.analytics`: parse options, open the analytics engine
(database or Parquet export), call the library, print or write the result.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from denialops.analytics.dimensions import DIMENSIONS, check_dimensions
from denialops.commands.common import DbOption, JsonOption, open_engine, print_json, user_errors
from denialops.errors import DenialopsError

if TYPE_CHECKING:
    from denialops.analytics.engine import AnalyticsDB
    from denialops.analytics.metrics import KpiReport

# The analytics stack (DuckDB, Arrow, SciPy, matplotlib) is imported inside each command:
# importing it here would slow every other `denialops` command by seconds.

CUTS = ", ".join(DIMENSIONS)

SinceOption = Annotated[
    str | None, typer.Option("--since", help="First remittance date counted (YYYY-MM-DD).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Last remittance date counted (YYYY-MM-DD).")
]
WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help=f"Keep only rows where CUT=VALUE (repeatable). Cuts: {CUTS}.",
    ),
]
DuplicatesOption = Annotated[
    bool,
    typer.Option(
        "--include-duplicates",
        help="Count duplicate-claim denials (CARC 18) too; left out by default (docs/kpis.md).",
    ),
]
ParquetOption = Annotated[
    Path | None,
    typer.Option(
        "--from-parquet",
        help="Read a `denialops export parquet` directory instead of the database.",
        show_default=False,
    ),
]
PlotOption = Annotated[
    Path | None,
    typer.Option("--plot", help="Also draw the chart to FILE.png, FILE.svg or FILE.html."),
]


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DenialopsError(f"{option} must be a date like 2026-09-01, got {text!r}") from None


def _filters(where: list[str] | None, **named: str | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    for item in where or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise DenialopsError(f"--where takes CUT=VALUE, got {item!r}")
        check_dimensions([name.strip()])
        filters[name.strip()] = value.strip()
    filters.update({k: v for k, v in named.items() if v is not None})
    return filters


def _open(db: str | None, from_parquet: Path | None) -> AnalyticsDB:
    from denialops.analytics.engine import AnalyticsDB, open_analytics

    if from_parquet is not None:
        return AnalyticsDB.from_parquet(from_parquet)
    with open_engine(db) as engine:
        return open_analytics(engine)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


ByOption = Annotated[
    list[str] | None,
    typer.Option("--by", help=f"Cut by these (repeatable or comma-separated): {CUTS}."),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="table, csv, json or parquet (parquet needs --out).")
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write to FILE instead of stdout.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Date open denials are aged at. Default: --until, else today."),
]


def emit_kpis(
    compute: Callable[..., KpiReport],
    *,
    by: list[str] | None,
    since: str | None,
    until: str | None,
    where: list[str] | None,
    output_format: str,
    out: Path | None,
    as_of: str | None,
    plot: Path | None,
) -> None:
    """The body of every ``kpis`` command: check the options, call ``compute`` with
    :func:`~denialops.analytics.metrics.compute_kpis`'s keyword arguments (it picks the
    engine: database, DuckDB over Parquet, Spark SQL) and print or write the report."""
    from denialops.analytics.export import (
        report_csv,
        report_json,
        report_parquet,
        report_table,
        write_text_atomic,
    )
    from denialops.files import check_output_path

    with user_errors():
        if output_format not in ("table", "csv", "json", "parquet"):
            raise DenialopsError(
                f"--format must be table, csv, json or parquet, got {output_format!r}"
            )
        if output_format == "parquet" and out is None:
            raise DenialopsError("--format parquet needs --out FILE.parquet")
        for path in (out, plot):
            if path is not None:
                check_output_path(path)
        report = compute(
            by=_split(by),
            since=_date(since, "--since"),
            until=_date(until, "--until"),
            filters=_filters(where),
            as_of=_date(as_of, "--as-of"),
        )
        if output_format == "parquet":
            assert out is not None
            report_parquet(report, out)
        else:
            text = {"table": report_table, "csv": report_csv, "json": report_json}[output_format](
                report
            )
            if out is None:
                sys.stdout.write(text)
            else:
                write_text_atomic(out, text)
        if output_format != "json":
            for note in report.notes:  # JSON carries them in "notes"
                typer.echo(f"note: {note}", err=True)
        if plot is not None:  # charts only when asked: they are not light to import
            from denialops.analytics.charts import breakdown_spec, render

            render(breakdown_spec(report), plot)


def register(app: typer.Typer) -> None:
    """Add the ``report`` and ``export`` command groups to the application."""
    report_app = typer.Typer(
        help="Denial KPIs, Pareto of root causes and trends with spike detection.",
        no_args_is_help=True,
    )
    export_app = typer.Typer(help="Export denial data for BI tools.", no_args_is_help=True)
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")

    @report_app.command("kpis")
    def kpis_command(
        by: ByOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        where: WhereOption = None,
        output_format: FormatOption = "table",
        out: OutOption = None,
        as_of: AsOfOption = None,
        hourly_rate: Annotated[
            str | None,
            typer.Option(
                "--hourly-rate",
                hidden=True,
                help="Removed: the cost of an appeal comes from priority.yaml.",
            ),
        ] = None,
        plot: PlotOption = None,
        from_parquet: ParquetOption = None,
        db: DbOption = None,
    ) -> None:
        """KPIs (ids in docs/kpis.md): JSON is {"metrics": ...} or {"groups": [...]} with --by."""
        from denialops.analytics.metrics import compute_kpis

        if hourly_rate is not None:
            with user_errors():
                raise DenialopsError(
                    "--hourly-rate was removed: cost per worked appeal uses the priority "
                    "score's costs (cost_by_owner and effort_by_kind in priority.yaml; "
                    "another file with $DENIALOPS_PRIORITY)"
                )

        def compute(**query: Any) -> KpiReport:
            analytics = _open(db, from_parquet)
            try:
                return compute_kpis(analytics, **query)
            finally:
                analytics.close()

        emit_kpis(
            compute,
            by=by,
            since=since,
            until=until,
            where=where,
            output_format=output_format,
            out=out,
            as_of=as_of,
            plot=plot,
        )

    @report_app.command("refresh")
    def refresh_command(
        full: Annotated[
            bool,
            typer.Option("--full", help="Rebuild every fact row (else only what is missing)."),
        ] = False,
        db: DbOption = None,
    ) -> None:
        """Bring the analytical facts up to date (a full rebuild with --full): the backfill
        for a database ingested before facts existed. Reports do this by themselves."""
        from denialops.analytics.facts import catch_up, refresh_facts
        from denialops.store.migrate import migrated_engine

        with user_errors():
            engine = migrated_engine(db)
            try:
                with engine.begin() as conn:
                    result = refresh_facts(conn, None) if full else catch_up(conn)
            finally:
                engine.dispose()
            what = "rebuilt" if result.rebuilt else "refreshed"
            typer.echo(f"facts {what}: {result.claims} claims, {result.cases} cases")

    @report_app.command("pareto")
    def pareto_command(
        family: Annotated[
            str | None, typer.Option("--family", help="Only this denial family (e.g. clinical).")
        ] = None,
        payer: Annotated[str | None, typer.Option("--payer", help="Only this payer id.")] = None,
        share: Annotated[
            float, typer.Option("--share", help="Share of the total the answer must reach.")
        ] = 0.7,
        measure: Annotated[
            str, typer.Option("--by", help="Rank causes by dollars or count (denied claims).")
        ] = "dollars",
        cause: Annotated[
            str, typer.Option("--cause", help=f"What a root cause is: one of {CUTS}.")
        ] = "category",
        since: SinceOption = None,
        until: UntilOption = None,
        where: WhereOption = None,
        as_json: JsonOption = False,
        plot: PlotOption = None,
        include_duplicates: DuplicatesOption = False,
        from_parquet: ParquetOption = None,
        db: DbOption = None,
    ) -> None:
        """The fewest root causes that make up --share of denials, with cumulative share."""
        from denialops.analytics.charts import pareto_spec, render
        from denialops.analytics.pareto import pareto

        with user_errors():
            if measure not in ("dollars", "count"):
                raise DenialopsError(f"--by must be dollars or count, got {measure!r}")
            analytics = _open(db, from_parquet)
            try:
                result = pareto(
                    analytics,
                    cause=cause,
                    measure="dollars" if measure == "dollars" else "count",
                    share=share,
                    filters=_filters(where, family=family, payer=payer),
                    since=_date(since, "--since"),
                    until=_date(until, "--until"),
                    include_duplicates=include_duplicates,
                )
            finally:
                analytics.close()
            if as_json:
                print_json(result.to_json())
            else:
                answer = result.answer
                typer.echo(
                    f"{len(answer)} of {len(result.rows)} {cause} values make up "
                    f"{answer[-1].cumulative_share if answer else 0:.1%} of denial {measure}"
                    f" (target {share:.0%})"
                )
                for row in result.rows:
                    mark = "*" if row.in_answer else " "
                    typer.echo(
                        f"{mark} {row.cause:<32} {row.denied_claims:>8} claims "
                        f"{row.to_json()['dollars']:>14}  {row.share:>7.1%}  "
                        f"cum {row.cumulative_share:>6.1%}"
                    )
            if plot is not None:
                render(pareto_spec(result), plot)

    @report_app.command("trend")
    def trend_command(
        by: Annotated[str, typer.Option("--by", help=f"One series per value of: {CUTS}.")] = (
            "category"
        ),
        freq: Annotated[str, typer.Option("--freq", help="day, week or month.")] = "week",
        measure: Annotated[
            str, typer.Option("--measure", help="count (denied claims) or dollars.")
        ] = "count",
        event: Annotated[
            str | None,
            typer.Option(
                "--event",
                help='A change to test, "YYYY-MM-DD label" (e.g. "2026-09-01 new ED template").',
            ),
        ] = None,
        window: Annotated[int, typer.Option("--window", help="Baseline periods.")] = 12,
        threshold: Annotated[
            float, typer.Option("--threshold", help="Robust z-score that flags a spike.")
        ] = 3.5,
        alpha: Annotated[
            float, typer.Option("--alpha", help="Significance level of the --event test.")
        ] = 0.05,
        since: SinceOption = None,
        until: UntilOption = None,
        where: WhereOption = None,
        as_json: JsonOption = False,
        plot: PlotOption = None,
        include_duplicates: DuplicatesOption = False,
        from_parquet: ParquetOption = None,
        db: DbOption = None,
    ) -> None:
        """Denials per period with spikes flagged against a rolling baseline."""
        from denialops.analytics.charts import render, trend_spec
        from denialops.analytics.trend import SpikeSettings, parse_event, trend

        with user_errors():
            if freq not in ("day", "week", "month"):
                raise DenialopsError(f"--freq must be day, week or month, got {freq!r}")
            if measure not in ("count", "dollars"):
                raise DenialopsError(f"--measure must be count or dollars, got {measure!r}")
            if window < 2:
                raise DenialopsError("--window must be at least 2 periods")
            settings = SpikeSettings(window=window, min_history=min(4, window), threshold=threshold)
            analytics = _open(db, from_parquet)
            try:
                result = trend(
                    analytics,
                    by=by,
                    freq="day" if freq == "day" else "week" if freq == "week" else "month",
                    measure="count" if measure == "count" else "dollars",
                    filters=_filters(where),
                    since=_date(since, "--since"),
                    until=_date(until, "--until"),
                    settings=settings,
                    event=parse_event(event) if event else None,
                    alpha=alpha,
                    include_duplicates=include_duplicates,
                )
            finally:
                analytics.close()
            data = result.to_json()
            if as_json:
                print_json(data)
            else:
                _print_trend(data)
            if plot is not None:
                render(trend_spec(result), plot)

    @export_app.command("parquet")
    def export_parquet_command(
        directory: Annotated[Path, typer.Argument(help="Directory to write (created).")],
        db: DbOption = None,
    ) -> None:
        """Denial-level facts as Parquet, partitioned by month, for BI tools."""
        from denialops.analytics.engine import open_analytics
        from denialops.analytics.export import export_parquet

        with user_errors():
            with open_engine(db) as engine:
                analytics = open_analytics(engine)
            try:
                written = export_parquet(analytics, directory)
            finally:
                analytics.close()
            for table, rows in written.items():
                typer.echo(f"{table}: {rows} rows -> {directory / table}")


def _print_trend(data: dict[str, object]) -> None:
    """One line per series with its spikes, then the values: periods down, series across
    (``*`` marks a spike period), then the event test and any notes."""
    series = data["series"]
    assert isinstance(series, list)
    for s in series:
        spikes = s["spikes"]
        line = f"{s['key']:<32} {len(s['points'])} {data['freq']}s"
        if spikes:
            line += "  spikes: " + "; ".join(
                f"began {sp['start']} (peak {sp['peak']} = {sp['peak_value']}, z {sp['z']})"
                for sp in spikes
            )
        typer.echo(line)
    if series:
        keys = [str(s["key"]) for s in series]
        width = max(12, *(len(k) for k in keys))
        typer.echo("")
        typer.echo(f"{'period':<10}  " + "  ".join(f"{k:>{width}}" for k in keys))
        for i, point in enumerate(series[0]["points"]):
            cells = []
            for s in series:
                p = s["points"][i]
                cells.append(f"{str(p['value']) + ('*' if p['spike'] else ' '):>{width}}")
            typer.echo(f"{point['period']:<10}  " + "  ".join(cells))
    event = data.get("event")
    if isinstance(event, dict):
        moved = ", ".join(event["moved"]) or "nothing"
        typer.echo(f"event {event['date']} {event['label']}: moved {moved}")
        for c in event["categories"]:
            typer.echo(
                f"  {c['key']:<32} per 1000 claims {c['per_1000_claims_before']} -> "
                f"{c['per_1000_claims_after']}  p={c['p_adjusted']:.4g}"
                f"{'  MOVED ' + c['direction'] if c['moved'] else ''}"
            )
    notes = data.get("notes")
    if isinstance(notes, list):
        for note in notes:
            typer.echo(f"note: {note}")
