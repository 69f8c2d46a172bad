"""Commands: ``quarantine list|show|export`` (working the sets ingest could not store)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from denialops.commands.common import (
    DbOption,
    JsonOption,
    fail,
    migrated_database,
    print_json,
    user_errors,
)

quarantine_app = typer.Typer(
    help="Transaction sets ingest could not store: list, show, export to repair.",
    no_args_is_help=True,
)
IdArgument = Annotated[int, typer.Argument(help="Quarantine row id (see `quarantine list`).")]


@quarantine_app.command("list")
def list_rows(
    db: DbOption = None,
    json_output: JsonOption = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only rows not yet repaired.")] = False,
) -> None:
    """Every quarantined set: id, file, position, status and error."""
    from denialops.store.quarantine import list_quarantine

    with user_errors(), migrated_database(db) as database, database.read() as conn:
        rows = list_quarantine(conn, open_only=open_only)
    if json_output:
        print_json([row.to_json() for row in rows])
        return
    if not rows:
        typer.echo("quarantine is empty" if not open_only else "no open quarantine rows")
        return
    for row in rows:
        where = f"{row.path} segment {row.segment_number}"
        typer.echo(f"{row.id:>6}  {row.status:<8}  ST {row.st_control or '-':<9}  {where}")
        typer.echo(f"        {row.error}")


@quarantine_app.command("show")
def show(quarantine_id: IdArgument, db: DbOption = None, json_output: JsonOption = False) -> None:
    """The error and the segments around it, the failing element between >>> and <<<."""
    from denialops.store.quarantine import get_quarantine, segments_around

    with user_errors(), migrated_database(db) as database, database.read() as conn:
        row, raw, delimiters = get_quarantine(conn, quarantine_id)
    shown = segments_around(row, raw, delimiters)
    if json_output:
        print_json(
            {
                **row.to_json(),
                "segments": [
                    {"number": s.number, "text": s.text, "at_fault": s.at_fault} for s in shown
                ],
            }
        )
        return
    typer.echo(f"quarantine {row.id} ({row.status}): {row.path}, ST {row.st_control or '-'}")
    typer.echo(f"error: {row.error}")
    for segment in shown:
        number = "" if segment.number is None else str(segment.number)
        mark = "=>" if segment.at_fault else "  "
        typer.echo(f"{mark} {number:>7}  {segment.marked}")
    typer.echo(f"repair: denialops quarantine export {row.id} --out FILE, edit FILE, ingest it")


@quarantine_app.command("export")
def export(
    quarantine_id: IdArgument,
    out: Annotated[Path, typer.Option("--out", help="File to write the set to.")],
    db: DbOption = None,
) -> None:
    """Write the raw set as an 835 interchange of its own; ingesting the repaired file
    stores it and closes the quarantine row."""
    from denialops.store.quarantine import export_set, get_quarantine

    with user_errors(), migrated_database(db) as database, database.read() as conn:
        row, raw, delimiters = get_quarantine(conn, quarantine_id)
    data = export_set(row, raw, delimiters, now=datetime.now(UTC))
    if out.is_dir():
        raise fail(f"--out {out} is a folder; give a file name")
    if not out.parent.exists():
        raise fail(f"--out {out}: no such folder {out.parent}")
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise fail(f"cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(f"wrote quarantine {row.id} to {out}; repair it, then: denialops ingest {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.add_typer(quarantine_app, name="quarantine")
