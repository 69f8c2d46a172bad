"""Commands: ``denialops spark ...`` (scale-out on Apache Spark; needs ``denialops[spark]``).

``spark_app`` is the sub-application other Spark commands add themselves to
(``spark report kpis``). Nothing here imports PySpark until a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from denialops.commands.common import JsonOption, fail, print_json, user_errors

spark_app = typer.Typer(
    help="Scale-out on Apache Spark: ingest 835 archives into Parquet facts "
    "(pip install 'denialops[spark]', Java 17+). See docs/scale-out.md.",
    no_args_is_help=True,
)

MASTER_HELP = (
    "Spark master: local[2], local[*] (all cores of this machine), spark://HOST:7077, "
    "yarn ... Ignored under spark-submit, which sets its own."
)
MasterOption = Annotated[str, typer.Option("--master", help=MASTER_HELP)]


@spark_app.command("ingest")
def spark_ingest_command(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="835 files, folders (read recursively) and zip archives: local paths or "
            "Hadoop-compatible URLs (hdfs://, s3a://, abfss://, file:/...).",
            show_default=False,
        ),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out",
            help="Output folder or URL: Parquet facts partitioned by payer_id and month "
            "(the `export parquet` layout), plus quarantine, raw_sets and bookkeeping "
            "datasets. Re-running over the same input adds nothing.",
            show_default=False,
        ),
    ],
    master: MasterOption = "local[*]",
    split_bytes: Annotated[
        int,
        typer.Option(
            "--split-bytes",
            help="Files larger than this many bytes are cut at transaction-set (ST..SE) "
            "boundaries into pieces of about this size, read by different tasks.",
        ),
    ] = 64 << 20,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="User rules file (YAML) on top of the shipped rules, payer overrides "
            "included; sent to every executor. Default: $DENIALOPS_RULES.",
            show_default=False,
        ),
    ] = None,
    repair: Annotated[
        list[str] | None,
        typer.Option(
            "--repair",
            help="Let the reader repair a defect, as `denialops ingest --repair` ('separators').",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Ingest 835 remittances on Spark: parse, classify and build the analytical facts in
    the executors with the single-machine pipeline; write Parquet that
    `denialops report kpis --from-parquet OUT` reads.

    Unreadable transaction sets go to OUT/quarantine with the error text `denialops
    ingest` gives; they are listed on stderr and the exit status is 1.
    """
    from denialops.x12.parse835 import REPAIRS

    unknown = sorted(set(repair or ()) - REPAIRS)
    if unknown:
        raise fail(f"--repair {unknown[0]!r} is not known; known: {', '.join(sorted(REPAIRS))}")
    with user_errors():
        from denialops.spark.ingest import spark_ingest
        from denialops.spark.session import spark_session

        session = spark_session(master, "denialops spark ingest")
        summary = spark_ingest(
            session,
            sources,
            out,
            split_bytes=split_bytes,
            rules=rules,
            repair=frozenset(repair or ()),
        )
    data = summary.to_json()
    if json_output:
        print_json(data)
    elif summary.nothing_new:
        typer.echo(f"nothing new: {summary.files_skipped} file(s) already in {out}")
    else:
        for label in (
            "files", "files_skipped", "units", "partitions", "transactions",
            "duplicates_skipped", "claims", "total_charge", "total_paid", "denial",
        ):  # fmt: skip
            typer.echo(f"  {label:<20} {data[label]!s:>14}")
        typer.echo(f"  {'seconds':<20} {summary.seconds:>14.1f}")
    for item in summary.quarantined:
        typer.secho(
            f"quarantined: {item['file']} segment {item['segment_number']}: {item['error']}",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if summary.quarantined:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(spark_app, name="spark")
