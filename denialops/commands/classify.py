"""Commands: classify, rules (show/check/coverage), reclassify, refdata load-codes, denials summary.

Thin shells over :mod:`denialops.classify` and :mod:`denialops.codes`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from denialops.commands.common import (
    DbOption,
    JsonOption,
    UserOption,
    db_url,
    fail,
    migrated_database,
    open_engine,
    print_json,
    user_errors,
    who,
)
from denialops.money import fmt

RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="User rules file (YAML) on top of the shipped rules. Default: $DENIALOPS_RULES.",
        show_default=False,
    ),
]


def _database(db: str | None) -> AbstractContextManager[Engine]:
    return open_engine(db)


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--date {text!r} is not a date in the form YYYY-MM-DD") from None


def classify_command(
    code: Annotated[
        str, typer.Argument(help="Group code and CARC as the payer sent them, e.g. CO-50.")
    ],
    rarc: Annotated[
        list[str] | None,
        typer.Option("--rarc", help="A remark code (RARC) sent with it; repeat for several."),
    ] = None,
    payer: Annotated[
        str | None, typer.Option("--payer", help="Payer id, for payer-specific rules.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Judge the codes by the lists in force on YYYY-MM-DD."),
    ] = None,
    rules: RulesOption = None,
    json_output: JsonOption = False,
) -> None:
    """Classify one adjustment reason: family, root cause, owner and next action.

    Unknown or deactivated codes still get an answer, with warnings (exit 0); only
    malformed input such as XX-ABC is an error.
    """
    from denialops.classify import classify, is_well_formed_code, load_rules, parse_adjustment_code
    from denialops.codes import carc as carc_info
    from denialops.codes import rarc as rarc_info

    try:
        group, carc = parse_adjustment_code(code)
    except ValueError as exc:
        raise fail(str(exc)) from None
    remarks = [r.strip().upper() for r in rarc or []]
    for remark in remarks:
        if not is_well_formed_code(remark):
            raise fail(f"--rarc {remark!r} is not a well-formed remark code such as N115")
    day = _parse_date(on)
    with user_errors():
        ruleset = load_rules(rules)
        result = classify(group, carc, remarks, payer=payer, on=day, rules=ruleset)
    carc_code = carc_info(carc, day)
    remark_texts = {r: (info.text if (info := rarc_info(r, day)) else None) for r in remarks}
    if json_output:
        print_json(
            {
                "group": group,
                "carc": carc,
                "rarcs": remarks,
                "payer": payer,
                "is_denial": result.is_denial,
                "family": result.family,
                "category": result.category,
                "soft_or_hard": result.soft_or_hard,
                "process_step": result.process_step,
                "owner": result.owner,
                "next_action": result.next_action,
                "liability": result.liability,
                "checks": list(result.checks),
                "rule": result.rule,
                "ruleset_version": result.ruleset_version,
                "needs_review": result.needs_review,
                "carc_text": carc_code.text if carc_code else None,
                "carc_status": carc_code.status if carc_code else None,
                "rarc_texts": remark_texts,
                "warnings": list(result.warnings),
            }
        )
        return
    typer.echo(f"{group}-{carc}: {carc_code.text if carc_code else '(not on the CARC list)'}")
    for remark, text in remark_texts.items():
        typer.echo(f"  {remark}: {text or '(not on the RARC list)'}")
    typer.echo(f"denial:       {'yes' if result.is_denial else 'no'}")
    typer.echo(f"family:       {result.family or '-'}")
    typer.echo(f"category:     {result.category}")
    typer.echo(f"soft/hard:    {result.soft_or_hard or '-'}")
    typer.echo(f"process step: {result.process_step or '-'}")
    typer.echo(f"owner:        {result.owner or '-'}")
    typer.echo(f"liability:    {result.liability or '-'}")
    typer.echo(f"next action:  {result.next_action}")
    for check in result.checks:
        typer.echo(f"  check:      {check}")
    typer.echo(f"rule:         {result.rule or '-'} (rules {result.ruleset_version})")
    if result.needs_review:
        typer.echo("needs review: yes")
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)


rules_app = typer.Typer(
    help="Show, check and measure the classification rules.", no_args_is_help=True
)


@rules_app.command("show")
def rules_show(rules: RulesOption = None, json_output: JsonOption = False) -> None:
    """List the rules in force (shipped plus user file) with what each matches."""
    from denialops.classify import load_rules
    from denialops.classify._rules import describe_key

    with user_errors():
        ruleset = load_rules(rules)
    rows: list[dict[str, Any]] = []
    for rule in ruleset.rules:
        outcome = rule.outcome
        rows.append(
            {
                "id": rule.id,
                "matches": [describe_key(k) for k in rule.keys],
                "is_denial": outcome.is_denial,
                "family": outcome.family,
                "category": outcome.category,
                "soft_or_hard": outcome.soft_or_hard,
                "process_step": outcome.process_step,
                "owner": outcome.owner,
                "next_action": outcome.next_action,
                "where": rule.where,
            }
        )
    if json_output:
        print_json({"version": ruleset.version, "sources": ruleset.sources, "rules": rows})
        return
    typer.echo(f"rules {ruleset.version} from {', '.join(ruleset.sources)}: {len(rows)} rules")
    for row in rows:
        matches = ", ".join(row["matches"][:6])
        if len(row["matches"]) > 6:
            matches += f", ... ({len(row['matches'])} in all)"
        family = row["family"] or ("not a denial" if not row["is_denial"] else "-")
        typer.echo(
            f"{row['id']:<34} {family:<14} {row['category']:<24} {row['next_action']:<20} {matches}"
        )


@rules_app.command("check")
def rules_check(
    file: Annotated[Path, typer.Argument(help="The user rules file to validate.")],
    json_output: JsonOption = False,
) -> None:
    """Validate a user rules file: conflicts, unknown codes and bad values, with line numbers.

    Exits 1 when there are problems.
    """
    from denialops.classify import check_rules_file

    with user_errors():
        problems = check_rules_file(file)
    if json_output:
        print_json(
            {
                "file": str(file),
                "ok": not problems,
                "problems": [
                    {"line": p.line, "message": p.message, "source": p.source} for p in problems
                ],
            }
        )
    elif problems:
        for problem in problems:
            typer.echo(str(problem))
    else:
        typer.echo(f"{file}: ok")
    if problems:
        raise typer.Exit(1)


@rules_app.command("coverage")
def rules_coverage(
    db: DbOption = None, rules: RulesOption = None, json_output: JsonOption = False
) -> None:
    """Codes in the database the rules leave unclassified, with counts and dollars."""
    from denialops.classify import load_rules
    from denialops.classify.apply import coverage

    with user_errors():
        ruleset = load_rules(rules)
        with _database(db) as engine:
            rows = coverage(engine, ruleset)
    if json_output:
        print_json(
            {
                "ruleset_version": ruleset.version,
                "unclassified": [{**row.to_json(), "dollars": fmt(row.dollars)} for row in rows],
            }
        )
        return
    if not rows:
        typer.echo(f"every code in the database has a rule (rules {ruleset.version})")
        return
    typer.echo(f"{'code':<10} {'adjustments':>11} {'claims':>7} {'dollars':>14}  why")
    for row in rows:
        typer.echo(
            f"{row.group}-{row.carc:<7} {row.adjustments:>11} {row.claims:>7} "
            f"{fmt(row.dollars):>14}  {row.reason}"
        )


def reclassify_command(
    db: DbOption = None,
    rules: RulesOption = None,
    json_output: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Re-apply the rules to every stored adjustment; replaced results go to history.

    Open cases follow: their category, family, owner (unless set by hand) and next
    action are re-derived, each change audited under --user."""
    from denialops.classify import load_rules
    from denialops.classify.apply import reclassify

    with user_errors():
        ruleset = load_rules(rules)
        with _database(db) as engine:
            summary = reclassify(engine, ruleset, actor=who(user))
    if json_output:
        print_json(summary.to_json())
        return
    typer.echo(
        f"rules {summary.ruleset_version}: {summary.examined} adjustments examined, "
        f"{summary.changed} changed ({summary.history_rows} earlier results kept in history), "
        f"{summary.claims_updated} claims updated, {summary.cases_rerouted} open cases "
        f"re-routed ({summary.owners_kept} kept the owner set by hand)"
    )
    if summary.cases_no_longer_denied:
        typer.echo(
            f"{summary.cases_no_longer_denied} open cases no longer carry a denial under "
            "these rules: review and close them"
        )
    for move, count in sorted(summary.moves.items(), key=lambda item: -item[1]):
        typer.echo(f"  {count:>8}  {move}")


refdata_app = typer.Typer(
    help="Reference data: code lists (CARC, RARC) and CMS edit tables (NCCI, MUE).",
    no_args_is_help=True,
)


@refdata_app.command("load-codes")
def load_codes(
    file: Annotated[
        Path, typer.Argument(help="A CARC or RARC list in X12's published CSV layout.")
    ],
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="carc or rarc (default: detected from the codes)."),
    ] = None,
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            help="Folder to write to (default: the user code folder, $DENIALOPS_CODES_DIR). "
            "Maintainers rebuild the package data with --into denialops/codes/data.",
        ),
    ] = None,
    note: Annotated[
        str, typer.Option("--note", help="Provenance note: where the list came from.")
    ] = "",
    json_output: JsonOption = False,
) -> None:
    """Install a newer CARC/RARC list so lookups and classification use it."""
    from denialops.codes import load_code_file

    if list_name not in (None, "carc", "rarc"):
        raise fail(f"--list must be carc or rarc, not {list_name!r}")
    with user_errors():
        result = load_code_file(
            file,
            list_name=list_name,  # type: ignore[arg-type]
            into=into,
            note=note or f"loaded from {file.name}",
        )
    if json_output:
        print_json(
            {
                "list": result.list_name,
                "path": str(result.path),
                "codes": result.codes,
                "codes_with_dates": result.with_dates,
                "expired_today": result.expired_today,
            }
        )
        return
    typer.echo(
        f"{result.list_name.upper()}: {result.codes} codes loaded into {result.path} "
        f"({result.with_dates} with dates, {result.expired_today} deactivated as of today)"
    )


@refdata_app.command("load-fees")
def load_fees(
    file: Annotated[
        Path,
        typer.Argument(
            help="Fee schedule CSV: payer,code,modifier,allowed,effective_from,effective_to."
        ),
    ],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Also check the remittances already stored in this database and open an "
            "underpayment case for each claim paid below the schedule (ingest does it for "
            "later remittances).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Install a fee schedule so contractual adjustments (CO-45) are checked against it.

    Ingest checks every remittance it stores from then on and opens underpayment cases;
    with ``--db`` the claims already stored are checked now too."""
    from denialops.classify.fees import install_fee_schedule

    url = db_url(db)
    opened: int | None = None
    with user_errors():
        schedule, path = install_fee_schedule(file)
        if url is not None:
            from denialops.work.underpayments import open_underpayment_cases

            with migrated_database(url) as database, database.write() as conn:
                opened = open_underpayment_cases(conn, schedule).opened
    if json_output:
        print_json({"fees": len(schedule.fees), "path": str(path), "cases_opened": opened})
        return
    typer.echo(f"fee schedule: {len(schedule.fees)} fees loaded into {path}")
    if opened is None:
        typer.echo(
            "underpayment cases open as remittances are ingested; give --db to check the "
            "remittances already stored"
        )
    else:
        typer.echo(f"stored remittances checked: {opened} underpayment cases opened")


denials_app = typer.Typer(help="Denial views of the stored remittances.", no_args_is_help=True)


def _json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "dollars": fmt(row["dollars"])} for row in rows]


def print_denial_summary(summary: dict[str, Any]) -> None:
    """The text rendering shared by ``denials summary`` (and usable by ingest/demo)."""
    typer.echo(
        f"denied: {summary['denied_lines']} lines, {summary['denied_claims']} claims, "
        f"{fmt(summary['denied_dollars'])} dollars"
    )
    typer.echo("by family:")
    for row in summary["by_family"]:
        typer.echo(
            f"  {row['family'] or 'unclassified':<16} {row['lines']:>8} lines "
            f"{row['claims']:>8} claims {fmt(row['dollars']):>14}"
        )
    typer.echo("by category:")
    for row in summary["by_category"]:
        typer.echo(
            f"  {row['family'] or '-':<15} {row['category'] or '-':<26} {row['lines']:>8} lines "
            f"{row['claims']:>8} claims {fmt(row['dollars']):>14}"
        )


@denials_app.command("summary")
def denials_summary(db: DbOption = None, json_output: JsonOption = False) -> None:
    """Denied lines, claims and dollars by family and by category."""
    from denialops.classify.apply import denial_summary

    with user_errors(), _database(db) as engine:
        summary = denial_summary(engine)
    if json_output:
        print_json(
            {
                **summary,
                "denied_dollars": fmt(summary["denied_dollars"]),
                "by_family": _json_rows(summary["by_family"]),
                "by_category": _json_rows(summary["by_category"]),
            }
        )
        return
    print_denial_summary(summary)


@denials_app.command("underpaid")
def denials_underpaid(db: DbOption = None, json_output: JsonOption = False) -> None:
    """Contractual lines (CO-45) the payer allowed below the loaded fee schedule."""
    from denialops.classify.fees import check_contractual, installed_fee_schedule

    with user_errors(), _database(db) as engine, engine.connect() as conn:
        check = check_contractual(conn, installed_fee_schedule())
    if json_output:
        print_json(
            {
                "skipped": check.skipped,
                "checked": check.checked,
                "not_in_schedule": check.not_in_schedule,
                "underpaid": [u.to_json() for u in check.underpaid],
            }
        )
        return
    if check.skipped:
        typer.echo(f"skipped: {check.skipped}")
        return
    typer.echo(
        f"{check.checked} contractual lines checked, {len(check.underpaid)} underpaid, "
        f"{check.not_in_schedule} not in the fee schedule"
    )
    for u in check.underpaid:
        typer.echo(
            f"  claim {u.claim_id} line {u.service_line_id} {u.payer} {u.code}"
            f"{'-' + u.modifier if u.modifier else ''} {u.service_date or '-'}: allowed "
            f"{fmt(u.allowed)}, expected {fmt(u.expected)}, short {fmt(u.shortfall)}"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("classify")(classify_command)
    app.command("reclassify")(reclassify_command)
    app.add_typer(rules_app, name="rules")
    app.add_typer(refdata_app, name="refdata")
    app.add_typer(denials_app, name="denials")
