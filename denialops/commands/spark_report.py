"""Command: ``spark report kpis`` (the KPIs as Spark SQL over the Parquet facts).

A thin shell over :mod:`denialops.spark.report`: the options, the output formats and
the printing are those of ``report kpis`` (:func:`denialops.commands.report.emit_kpis`);
only the engine differs. It adds its ``report`` group to ``spark_app`` (the ``spark``
group of :mod:`denialops.commands.spark`, beside ``spark ingest``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from denialops.commands.report import (
    AsOfOption,
    ByOption,
    FormatOption,
    OutOption,
    PlotOption,
    SinceOption,
    UntilOption,
    WhereOption,
    emit_kpis,
)
from denialops.commands.spark import MasterOption, spark_app

if TYPE_CHECKING:
    from denialops.analytics.metrics import KpiReport


def register(app: typer.Typer) -> None:
    """Add ``spark report kpis`` to the application."""
    report_app = typer.Typer(
        help="Reports as Spark SQL over the Parquet facts (for data past one machine).",
        no_args_is_help=True,
    )
    spark_app.add_typer(report_app, name="report")

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
        plot: PlotOption = None,
    ) -> None:
        """KPIs of docs/kpis.md computed by Spark SQL: the same definitions, figures and
        output as `report kpis --from-parquet DIR`."""

        def compute(**query: Any) -> KpiReport:
            from denialops.analytics.metrics import compute_kpis
            from denialops.spark.report import open_spark_facts
            from denialops.spark.session import spark_session

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
            plot=plot,
        )


__all__ = ["register"]
