"""Command: ``spark report kpis`` (the KPIs as Spark SQL over the Parquet facts).

A thin shell over :mod:`denialops.spark.report`: the options, the output formats and
the printing are those of ``report kpis`` (:func:`denialops.commands.report.emit_kpis`);
only the engine differs. The ``spark`` group is shared with ``spark ingest``: this module
adds its ``report`` group to it (or makes the group when it is not there yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from denialops.commands.report import (
    AsOfOption,
    ByOption,
    FormatOption,
    HourlyRateOption,
    OutOption,
    PlotOption,
    SinceOption,
    UntilOption,
    WhereOption,
    emit_kpis,
)

if TYPE_CHECKING:
    from denialops.analytics.metrics import KpiReport

SPARK_HELP = "Scale-out on Apache Spark: ingest archives, report on the Parquet facts."

MasterOption = Annotated[
    str,
    typer.Option(
        "--master",
        help="Spark master URL: local[2], local[*], spark://HOST:7077, yarn, k8s://...",
    ),
]


def spark_group(app: typer.Typer) -> typer.Typer:
    """The application's ``spark`` command group (made here when absent)."""
    for info in app.registered_groups:
        if info.name == "spark" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=SPARK_HELP, no_args_is_help=True)
    app.add_typer(group, name="spark")
    return group


def register(app: typer.Typer) -> None:
    """Add ``spark report kpis`` to the application."""
    report_app = typer.Typer(
        help="Reports as Spark SQL over the Parquet facts (for data past one machine).",
        no_args_is_help=True,
    )
    spark_group(app).add_typer(report_app, name="report")

    @report_app.command("kpis")
    def kpis_command(
        directory: Annotated[
            str,
            typer.Argument(
                help="Parquet facts: `spark ingest --out` or `export parquet` folder, "
                "a local path or a Hadoop URL (hdfs://, s3a://, file://...).",
                show_default=False,
            ),
        ],
        master: MasterOption = "local[2]",
        by: ByOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        where: WhereOption = None,
        output_format: FormatOption = "table",
        json_output: Annotated[
            bool, typer.Option("--json", help="Print JSON (the same as --format json).")
        ] = False,
        out: OutOption = None,
        as_of: AsOfOption = None,
        hourly_rate: HourlyRateOption = "45.00",
        plot: PlotOption = None,
    ) -> None:
        """KPIs of docs/kpis.md computed by Spark SQL: the same definitions, figures and
        output as `report kpis --from-parquet DIR`."""

        def compute(**query: Any) -> KpiReport:
            from denialops.analytics.metrics import compute_kpis
            from denialops.spark.report import open_spark_facts
            from denialops.spark.session import (  # type: ignore[import-not-found, unused-ignore]
                spark_session,
            )

            session = spark_session(master, "denialops spark report kpis")
            with open_spark_facts(session, directory) as facts:
                return compute_kpis(facts, **query)

        if json_output and output_format not in ("table", "json"):
            raise typer.BadParameter("--json and --format are one choice: give one of them")
        emit_kpis(
            compute,
            by=by,
            since=since,
            until=until,
            where=where,
            output_format="json" if json_output else output_format,
            out=out,
            as_of=as_of,
            hourly_rate=hourly_rate,
            plot=plot,
        )


__all__ = ["register", "spark_group"]
