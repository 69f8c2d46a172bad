"""Commands: synth (write realistic synthetic 835 files for demos, tests and benchmarks)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from denialops.commands.common import JsonOption, fail, print_json, user_errors


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"{option} must be a date as YYYY-MM-DD, got {value!r}") from None


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A claims-written progress bar on stderr, or nothing when off or not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("claims", total=total)
        yield lambda advance: progress.advance(task, advance)


def synth(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder to write the .835 files into (created if needed)."
        ),
    ],
    claims: Annotated[
        int, typer.Option("--claims", "-n", min=0, help="How many claims to generate.")
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed writes the same bytes.")
    ] = 7,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First date of service, YYYY-MM-DD (default 2025-01-01).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    end: Annotated[
        str | None,
        typer.Option(
            "--end",
            help="Last date of service, YYYY-MM-DD (default 2025-12-31).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    claims_per_file: Annotated[
        int,
        typer.Option("--claims-per-file", min=1, help="Start a new file after this many claims."),
    ] = 5000,
    followups: Annotated[
        bool,
        typer.Option(
            "--followups",
            help="Also write later remittances answering earlier denials (corrected claims "
            "paid, appeals overturned or upheld).",
        ),
    ] = False,
    claims_837: Annotated[
        bool,
        typer.Option(
            "--837",
            help="Write 837P claims with planted defects (unbundled pairs, missing modifier "
            "25, units over MUE, bad ICD-10, missing authorization, duplicates, late "
            "submission) and the 835s that answer them, to measure prevention.",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar; print only the one-line summary."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write realistic synthetic X12 835 remittances (several payers, denials of every
    family, reversals, provider adjustments), reproducible from the seed."""
    from denialops.synth import SynthConfig, write_files

    first = _parse_day(start, "--start")
    last = _parse_day(end, "--end")
    if claims_837:
        _write_claims(out, claims, seed, first, last, claims_per_file, as_json)
        return
    with user_errors():
        try:
            config = SynthConfig(seed=seed, claims=claims)
            if first is not None:
                config.start = first
            if last is not None:
                config.end = last
            config.__post_init__()
        except ValueError as exc:
            raise fail(str(exc)) from None
        with _progress_bar(claims, enabled=not quiet and not as_json) as advance:
            paths = write_files(
                out, config, claims_per_file=claims_per_file, followups=followups,
                on_claims=advance,
            )  # fmt: skip
    if as_json:
        print_json(
            {
                "files": [str(p) for p in paths],
                "claims": claims,
                "seed": seed,
                "start": config.start,
                "end": config.end,
                "bytes": sum(p.stat().st_size for p in paths),
            }
        )
    else:
        if not quiet:
            for path in paths:
                typer.echo(f"{path}  ({path.stat().st_size:,} bytes)")
        typer.echo(f"wrote {len(paths)} file(s) to {out}: {claims:,} claims, seed {seed}")


def _write_claims(
    out: Path,
    claims: int,
    seed: int,
    first: date | None,
    last: date | None,
    claims_per_file: int,
    as_json: bool,
) -> None:
    from denialops.synth.claims837 import generate_claims, write_claim_files

    start = first or date(2025, 1, 1)
    end = last or date(2025, 12, 31)
    if end < start:
        raise fail("--end is before --start")
    planted = list(generate_claims(seed=seed, claims=claims, start=start, end=end))
    with user_errors():
        claim_paths, remit_paths = write_claim_files(
            out, planted, seed=seed, claims_per_batch=claims_per_file
        )
    defects = sum(1 for p in planted if p.defect)
    if as_json:
        print_json(
            {
                "claim_files": [str(p) for p in claim_paths],
                "remittance_files": [str(p) for p in remit_paths],
                "claims": claims,
                "with_planted_defect": defects,
                "seed": seed,
            }
        )
        return
    typer.echo(
        f"wrote {len(claim_paths)} 837 file(s) and {len(remit_paths)} 835 file(s) to {out}: "
        f"{claims:,} claims, {defects:,} with a planted defect, seed {seed}"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("synth")(synth)
