"""Commands: ingest (X12 835 files, folders and zip archives into the database)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from denialops.commands.common import (
    DbOption,
    JsonOption,
    fail,
    open_engine,
    print_json,
    user_errors,
)

if TYPE_CHECKING:
    from denialops.pipeline import IngestSummary

PathsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="835 files, folders (searched recursively for .835/.edi/.txt/.x12 files and "
        "files starting with ISA) and zip archives.",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no table; errors only.")
]


@contextmanager
def _progress_bar(total_bytes: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A bytes-read progress bar on stderr, or nothing when off or stderr is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("ingesting", total=total_bytes)
        yield lambda advance: progress.advance(task, advance)


def print_run_summary(summary: IngestSummary) -> None:
    """What this run stored, found and opened; database-wide figures are not printed."""
    data = summary.to_json()
    if summary.nothing_new:
        known = []
        if summary.files_skipped:
            known.append(f"{summary.files_skipped} file(s) already ingested")
        if summary.duplicates_skipped:
            known.append(f"{summary.duplicates_skipped} payment(s) already stored")
        typer.echo("nothing new" + (f": {', '.join(known)}" if known else ""))
        return
    rate = summary.denial_rate
    rows = [
        ("files ingested", str(data["files"])),
        ("files already ingested", str(data["files_skipped"])),
        ("transaction sets stored", str(data["transactions"])),
        ("duplicate payments skipped", str(data["duplicates_skipped"])),
        ("new claims", str(data["claims"])),
        ("service lines", str(data["service_lines"])),
        ("adjustments", str(data["adjustments"])),
        ("reversals read", str(data["reversals"])),
        ("reversals linked", str(data["reversals_linked"])),
        ("reversals unmatched", str(data["reversals_unmatched"])),
        ("total charge", data["total_charge"]),
        ("total paid (claims)", data["total_paid"]),
        ("payments (BPR)", data["bpr_total"]),
        ("provider adjustments (PLB)", data["plb_total"]),
        ("new denied claims", str(data["denied_claims"])),
        ("denial rate (this run)", "-" if rate is None else f"{rate * 100:.1f}%"),
        ("new cases", str(data["cases_opened"])),
        ("new underpayment cases", str(data["underpayment_cases_opened"])),
        ("unbalanced items", str(len(data["unbalanced"]))),
        ("quarantined", str(len(data["quarantined"]))),
    ]
    if summary.claims_submitted:
        rows[2:2] = [
            ("claims submitted (837)", str(data["claims_submitted"])),
            ("  clean at scrub", str(data["claims_submitted_clean"])),
        ]
    width = max(len(label) for label, _ in rows)
    typer.echo("this run:")
    for label, value in rows:
        typer.echo(f"  {label:<{width}}  {value:>14}")
    if summary.reasons:
        reasons = ", ".join(f"{r['reason']} ({r['adjustments']})" for r in summary.top_reasons())
        typer.echo(f"  top denial reasons (this run): {reasons}")
    for skipped in summary.skipped_files:
        typer.echo(f"skipped {skipped['file']}: {skipped['reason']}")
    for item in summary.unbalanced[:20]:
        typer.echo(
            f"unbalanced {item['level']} in {item['file']} ST {item['st_control']}: "
            f"{item['message']}"
        )
    if len(summary.unbalanced) > 20:
        typer.echo(f"... and {len(summary.unbalanced) - 20} more unbalanced items (see --json)")
    if summary.underpayment_check:
        typer.echo(f"contractual lines (CO-45): {summary.underpayment_check}")
    typer.echo("whole database: denialops denials summary | denialops report kpis")


def ingest(
    paths: PathsArgument,
    db: DbOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
    repair: Annotated[
        list[str] | None,
        typer.Option(
            "--repair",
            help="Let the reader repair a defect: 'separators' reads composites that all use"
            " one component separator other than ISA16 (with a warning). Nothing else is"
            " ever guessed.",
        ),
    ] = None,
) -> None:
    """Store 835 remittances, classify their denials and open cases, set by set.

    Unreadable transaction sets, and sets that fail to store, classify or open cases,
    are quarantined and listed on stderr (exit code 1); the run goes on with the rest.
    """
    from denialops.pipeline import IngestOptions, ingest_sources
    from denialops.x12.parse835 import REPAIRS

    unknown = sorted(set(repair or ()) - REPAIRS)
    if unknown:
        raise fail(f"--repair {unknown[0]!r} is not known; known: {', '.join(sorted(REPAIRS))}")
    options = IngestOptions(repair=frozenset(repair or ()))
    from denialops.store.files import discover

    with user_errors():
        try:
            sources = discover(paths)
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None
        with open_engine(db, create=True) as engine:
            total_bytes = sum(source.size for source in sources)
            with _progress_bar(total_bytes, enabled=not quiet) as advance:
                summary = ingest_sources(engine, sources, progress=advance, options=options)
    if json_output:
        print_json(summary.to_json())
    elif not quiet:
        print_run_summary(summary)
    for warning in summary.warnings:
        typer.secho(
            f"warning: {warning['file']} ST {warning['st_control']}: {warning['warning']}",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if summary.quarantined:
        for item in summary.quarantined:
            typer.secho(
                f"quarantined: {item['file']} segment {item['error_segment']}: {item['reason']}",
                fg=typer.colors.YELLOW,
                err=True,
            )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands (and ``quarantine``, which works what ingest set aside)."""
    from denialops.commands import quarantine

    app.command("ingest")(ingest)
    quarantine.register(app)
