"""Commands: scrub (claims before submission), refdata load-ncci / load-mue."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
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

FAIL_ON = ("error", "warning", "never")


def _date_option(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{name} must be a date YYYY-MM-DD, not {text!r}") from None


def scrub_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="837P/837I files to check before submission.")
    ] = None,
    json_output: JsonOption = False,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when any finding reaches this severity: error, warning or never.",
        ),
    ] = "error",
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules", help="Payer rule sets (default: shipped, or $DENIALOPS_SCRUB_RULES)."
        ),
    ] = None,
    authorizations: Annotated[
        Path | None,
        typer.Option(
            "--authorizations",
            help="CSV of authorizations on file: number, member_id, codes, start, end, "
            "units, provider_npi.",
        ),
    ] = None,
    coverage: Annotated[
        Path | None,
        typer.Option(
            "--coverage", help="CSV of coverage policies: policy_id, procedure, covered_icd10."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Judge timely filing as of this date (default: today)."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these edit ids (repeatable).")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Also check against a denialops database: duplicates of stored claims and "
            "the payer patterns learned from its denials (HISTORY edit).",
        ),
    ] = None,
    list_edits: Annotated[
        bool, typer.Option("--list-edits", help="List the edits with their ids and exit.")
    ] = False,
) -> None:
    """Check claims before submission: NCCI, MUE, ICD-10, codes, modifiers, POS,
    authorization, duplicates, timely filing. Prints findings per claim and line with
    the CARC a payer would most likely return, and 'clean' for a clean claim."""
    from denialops.scrub import EDITS, Scrubber, exit_code, load_rules
    from denialops.scrub.engine import load_authorizations, load_coverage
    from denialops.scrub.findings import ClaimResult
    from denialops.scrub.tables import EditTables
    from denialops.x12.claim837 import SubmittedClaim
    from denialops.x12.envelope import RejectedTransaction
    from denialops.x12.parse837 import iter_claims

    if list_edits:
        for edit in EDITS:
            typer.echo(
                f"{edit.edit_id:<18} {edit.severity.value:<8} CARC {edit.carc or '-':<4} "
                f"{edit.title}"
            )
        return
    if fail_on not in FAIL_ON:
        raise fail(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if not files:
        raise fail("name at least one 837 file to scrub")
    for path in files:
        if not path.is_file():
            raise fail(f"{path}: not a readable file")
    today = _date_option(as_of, "--as-of")
    results: list[ClaimResult] = []
    rejected: list[RejectedTransaction] = []
    with user_errors(), EditTables() as tables, ExitStack() as stack:
        conn = None
        if db is not None:
            database = stack.enter_context(migrated_database(db))
            conn = stack.enter_context(database.read())
        history = None
        if conn is not None:
            from denialops.scrub.stored import learned_history

            history = learned_history(conn)
        scrubber = Scrubber(
            tables=tables,
            rules=load_rules(rules),
            authorizations=load_authorizations(authorizations) if authorizations else None,
            coverage=load_coverage(coverage) if coverage else None,
            history=history,
            today=today,
            only=only,
        )
        if not tables.has_ptp:
            typer.echo(
                "note: no NCCI PTP table installed; run `denialops refdata load-ncci FILE` "
                "to check procedure pairs",
                err=True,
            )
        for path in files:
            items = list(iter_claims(path))
            claims = [c for c in items if isinstance(c, SubmittedClaim)]
            rejected.extend(c for c in items if isinstance(c, RejectedTransaction))
            if conn is not None:
                from denialops.pipeline.claims837 import remember_stored_lines

                remember_stored_lines(conn, claims, scrubber)
            results.extend(scrubber.scrub(c, source_file=str(path)) for c in claims)
    if json_output:
        print_json(
            {
                "rules_version": scrubber.rules.version,
                "claims": [r.as_record() for r in results],
                "clean": sum(r.clean for r in results),
                "with_findings": sum(not r.clean for r in results),
                "unreadable": [str(r.error) for r in rejected],
            }
        )
    else:
        for result in results:
            if result.clean and not result.findings:
                typer.echo(f"{result.patient_control_number}: clean")
                continue
            typer.echo(f"{result.patient_control_number}: {len(result.findings)} finding(s)")
            for f in result.findings:
                where = f"line {f.line}" if f.line is not None else "claim"
                carc = f" CARC {f.carc}" + (f"/{f.rarc}" if f.rarc else "") if f.carc else ""
                typer.echo(f"  {f.severity.value.upper():<7} {f.edit_id:<17} {where:<8}{carc}")
                typer.echo(f"          {f.message}")
                typer.echo(f"          fix: {f.fix}")
        for item in rejected:
            typer.echo(f"unreadable: {item.error}", err=True)
        typer.echo(
            f"{len(results)} claims: {sum(r.clean for r in results)} clean, "
            f"{sum(not r.clean for r in results)} with findings"
            + (f", {len(rejected)} unreadable transaction sets" if rejected else "")
        )
    code = exit_code(results, fail_on)
    if rejected and fail_on != "never":
        code = max(code, 1)
    raise typer.Exit(code)


def load_ncci_command(
    file: Annotated[Path, typer.Argument(help="A CMS NCCI PTP file (tab-separated, CMS layout).")],
    kind: Annotated[
        str, typer.Option("--kind", help="practitioner or hospital (outpatient) edits.")
    ] = "practitioner",
    json_output: JsonOption = False,
) -> None:
    """Install a CMS quarterly NCCI procedure-to-procedure file for the scrubber."""
    from denialops.scrub.tables import NCCI_KINDS, load_ptp

    if kind not in NCCI_KINDS:
        raise fail(f"--kind must be one of {', '.join(NCCI_KINDS)}, not {kind!r}")
    if not file.is_file():
        raise fail(f"{file}: not a readable file")
    with user_errors():
        result = load_ptp(file, kind)  # type: ignore[arg-type]
    if json_output:
        print_json({"kind": result.kind, "rows": result.rows, "store": str(result.path)})
        return
    typer.echo(f"NCCI PTP ({result.kind}): {result.rows} pairs loaded into {result.path}")


def load_mue_command(
    file: Annotated[Path, typer.Argument(help="A CMS MUE file (CSV, CMS layout).")],
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective", help="Effective date YYYY-MM-DD (default: from the file name)."
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Install a CMS quarterly MUE table (practitioner, outpatient hospital or DME)."""
    from denialops.scrub.tables import load_mue

    if not file.is_file():
        raise fail(f"{file}: not a readable file")
    when = _date_option(effective, "--effective")
    with user_errors():
        result = load_mue(file, effective=when)
    if json_output:
        print_json(
            {
                "kind": result.kind,
                "rows": result.rows,
                "effective": result.effective,
                "store": str(result.path),
            }
        )
        return
    typer.echo(
        f"MUE ({result.kind}, effective {result.effective}): {result.rows} codes loaded "
        f"into {result.path}"
    )


prevention_app = typer.Typer(
    help="Which claim edits would have prevented which past denials.", no_args_is_help=True
)


@prevention_app.command("report")
def prevention_report_command(
    claims: Annotated[
        list[Path] | None,
        typer.Option(
            "--claims",
            help="837 files as submitted (repeatable; folders allowed). Without --claims "
            "and --remits the report reads the database (--db).",
        ),
    ] = None,
    remits: Annotated[
        list[Path] | None,
        typer.Option(
            "--remits", help="835 files that answered them (repeatable; folders allowed)."
        ),
    ] = None,
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only denials decided on or after YYYY-MM-DD.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many edits to rank.")] = 10,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Payer rule sets (default: shipped).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Rank the edits by the denials and dollars they would have prevented, and say
    which share of denials no edit catches."""
    from denialops.scrub import Scrubber, load_rules
    from denialops.scrub.prevention import (
        claims_from_files,
        denials_from_remittances,
        prevention_report,
    )
    from denialops.scrub.tables import EditTables

    first = _date_option(since, "--since")
    if not claims and not remits:
        from denialops.scrub.stored import stored_prevention_report

        with user_errors(), migrated_database(db) as database, database.read() as conn:
            report = stored_prevention_report(conn, since=first)
    elif not claims or not remits:
        raise fail("give both --claims and --remits, or neither (to read the database)")
    else:
        claim_files = _expand(claims, (".837", ".x12", ".edi", ".txt"))
        remit_files = _expand(remits, (".835", ".x12", ".edi", ".txt", ".era"))
        with user_errors(), EditTables() as tables:
            scrubber = Scrubber(tables=tables, rules=load_rules(rules))
            report = prevention_report(
                claims_from_files(claim_files),
                denials_from_remittances(remit_files, since=first),
                scrubber,
            )
    if json_output:
        print_json(report.as_record(top))
        return
    typer.echo(
        f"{report.denials} denied claims ({report.dollars:,.2f} dollars); "
        f"{report.matched} with their 837; {report.caught} flagged by at least one edit "
        f"({report.caught_dollars:,.2f} dollars); no edit catches "
        f"{report.uncaught_share:.1%} of them"
    )
    typer.echo(f"{'edit':<18} {'denials':>8} {'dollars':>14} {'same CARC':>10}  top CARCs")
    for impact in report.edits[:top]:
        carcs = ", ".join(c for c, _ in sorted(impact.carcs.items(), key=lambda kv: -kv[1])[:3])
        typer.echo(
            f"{impact.edit_id:<18} {impact.denials:>8} {impact.dollars:>14,.2f} "
            f"{impact.same_reason:>10}  {carcs}"
        )


@prevention_app.command("kpis")
def prevention_kpis_command(
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Claims submitted on or after YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Claims submitted on or before YYYY-MM-DD.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Clean-claim rate, first-pass yield and denials per 1,000 claims, over the claims
    actually submitted (837s stored by ingest) rather than the claims remitted."""
    from denialops.scrub.stored import submitted_measures

    first = _date_option(since, "--since")
    last = _date_option(until, "--until")
    with user_errors(), migrated_database(db) as database, database.read() as conn:
        measures = submitted_measures(conn, since=first, until=last)
    record = measures.as_record()
    if json_output:
        print_json(record)
        return
    if not measures.claims_submitted:
        typer.echo("no claims submitted in the database: ingest 837 files first")
        return
    for key, value in record.items():
        shown = "-" if value is None else value
        typer.echo(f"  {key.replace('_', ' '):<28} {shown}")


def _expand(paths: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes))
        elif path.is_file():
            found.append(path)
        else:
            raise fail(f"{path}: no such file or folder")
    return found


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    from denialops.commands.classify import refdata_app

    app.command("scrub")(scrub_command)
    app.add_typer(prevention_app, name="prevention")
    refdata_app.command("load-ncci")(load_ncci_command)
    refdata_app.command("load-mue")(load_mue_command)
