"""Command: ``denialops demo``, the main job on the embedded default.

Generates the reproducible synthetic sample (unless it is already there), ingests it into
SQLite and prints what was found: the first result a new user sees.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from denialops.commands.common import DbOption, open_engine, user_errors


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the sample 835 files.")] = Path(
        "sample"
    ),
    claims: Annotated[int, typer.Option("--claims", min=1, help="Claims to generate.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 7,
    db: DbOption = None,
) -> None:
    """Generate sample remittances, ingest them and summarise the denials found."""
    from denialops.classify.apply import denial_summary
    from denialops.commands.classify import print_denial_summary
    from denialops.pipeline import ingest_paths
    from denialops.synth import SynthConfig, write_files

    with user_errors():
        files = sorted(out.glob("*.835"))
        if not files:
            config = SynthConfig(
                seed=seed, claims=claims, start=date(2026, 1, 1), end=date(2026, 9, 30)
            )
            files = write_files(out, config, claims_per_file=1000, followups=True)
            typer.echo(f"wrote {len(files)} sample files to {out}/")
        else:
            typer.echo(f"using {len(files)} sample files in {out}/")
        with open_engine(db, create=True) as engine:
            summary = ingest_paths(engine, [out])
            denials = denial_summary(engine)
    data = summary.to_json()
    if summary.nothing_new:
        typer.echo("nothing new: the sample is already in the database")
    else:
        typer.echo(
            f"ingested {data['files']} files: {data['transactions']} payments, "
            f"{data['claims']} claims, "
            f"{data['service_lines']} service lines, {data['adjustments']} adjustments"
        )
        typer.echo(f"charged {data['total_charge']}, paid {data['total_paid']}")
        typer.echo(f"opened {data['cases_opened']} cases for {data['denied_claims']} denied claims")
    typer.echo("whole database:")
    print_denial_summary(denials)
    typer.echo("next: denialops report kpis --by payer | denialops queue | denialops --help")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("demo")(demo)
