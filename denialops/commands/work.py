"""Commands: queue, case (show/move/assign/note/attach/due/outcome), appeal (letter/packet).

A thin shell over :mod:`denialops.work`: parse options, open the database, call the
library, print. Whoever runs a command is ``--user`` (default ``$DENIALOPS_USER``, else
the login name); that name goes into the audit trail.
"""

from __future__ import annotations

import csv
import sys
from contextlib import AbstractContextManager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from denialops.commands.common import (
    DbOption,
    JsonOption,
    UserOption,
    fail,
    open_engine,
    print_json,
    user_errors,
)
from denialops.commands.common import who as _who
from denialops.money import fmt

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from denialops.work.cases import Case


VersionOption = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        help="The case version you read; the change is refused if someone changed it since.",
    ),
]
CaseArg = Annotated[int, typer.Argument(help="Case id (from `denialops queue`).")]
FillOption = Annotated[
    list[str] | None,
    typer.Option("--fill", help="Fill a placeholder: NAME=TEXT (repeatable)."),
]
FillsFileOption = Annotated[
    Path | None,
    typer.Option("--fills", help="YAML file of placeholder NAME: TEXT pairs.", exists=True),
]
DraftOption = Annotated[
    bool,
    typer.Option("--draft", help="Render even with empty placeholders (shown as [[FILL ...]])."),
]
TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        help="Template name (see `denialops appeal templates`). Default: by the case's category.",
    ),
]

case_app = typer.Typer(help="Look at and work one denial case.", no_args_is_help=True)
appeal_app = typer.Typer(help="Appeal letters and packets.", no_args_is_help=True)
work_app = typer.Typer(help="Upkeep of the work register.", no_args_is_help=True)


def _engine(db: str | None) -> AbstractContextManager[Engine]:
    return open_engine(db)


def _echo_case_line(case: Case) -> None:
    typer.echo(
        f"case {case.id}: {case.state} (version {case.version}), owner {case.owner}, "
        f"assignee {case.assignee or '-'}"
    )


# ---------------------------------------------------------------------------- queue


def queue_command(
    db: DbOption = None,
    owner: Annotated[
        str | None,
        typer.Option(
            help="Owner queue: patient_access, ur_cdi, coding_him, billing, "
            "managed_care (a prefix such as 'coding' is enough)."
        ),
    ] = None,
    assignee: Annotated[str | None, typer.Option(help="Only cases assigned to this login.")] = None,
    state: Annotated[
        list[str] | None, typer.Option("--state", help="Only cases in this state (repeatable).")
    ] = None,
    payer: Annotated[str | None, typer.Option(help="Only this payer id.")] = None,
    family: Annotated[
        str | None,
        typer.Option(help="Only this denial family: clinical, coding, administrative, technical."),
    ] = None,
    category: Annotated[str | None, typer.Option(help="Only this denial category.")] = None,
    carc: Annotated[
        str | None, typer.Option(help="Only cases denied with this CARC ('50' or 'CO-50').")
    ] = None,
    min_amount: Annotated[
        str | None, typer.Option("--min-amount", help="Only cases with at least this at risk.")
    ] = None,
    max_amount: Annotated[
        str | None, typer.Option("--max-amount", help="Only cases with at most this at risk.")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Denied on or after YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Denied on or before YYYY-MM-DD.")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            help="Claim number, payer claim number, member id or patient name "
            "(its start; any case)."
        ),
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only cases past a deadline.")] = False,
    sort: Annotated[
        str, typer.Option(help="Order: priority, deadline, amount or age.")
    ] = "priority",
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
    limit: Annotated[int, typer.Option(help="Rows per page (1 to 1000).")] = 50,
    after: Annotated[
        str | None,
        typer.Option("--after", help="Show the page after this cursor (printed under a page)."),
    ] = None,
    page: Annotated[
        int, typer.Option("--page", help="Show page N (1 = first), following cursors.", min=1)
    ] = 1,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """The work queue: open denial cases with deadline and priority, highest first, a page
    at a time (``--after CURSOR`` or ``--page N`` for later pages)."""
    from denialops.money import parse_option
    from denialops.work.queue import SORT_KEYS, QueueFilters, as_record, queue_page

    if sort not in SORT_KEYS:
        raise fail(f"--sort must be one of {', '.join(SORT_KEYS)}")
    if after and page != 1:
        raise fail("give --after or --page, not both")
    with user_errors(), _engine(db) as engine:
        filters = QueueFilters(
            owner=owner,
            assignee=assignee,
            states=tuple(state or ()),
            payer=payer,
            family=family,
            category=category,
            carc=carc,
            min_amount=None if min_amount is None else parse_option(min_amount, "--min-amount"),
            max_amount=None if max_amount is None else parse_option(max_amount, "--max-amount"),
            date_from=_date_option(date_from, "--from"),
            date_to=_date_option(date_to, "--to"),
            overdue=overdue,
            search=search,
            include_closed=include_closed,
        )
        cursor = after
        for _ in range(page - 1):
            skipped = queue_page(engine, filters, sort=sort, limit=limit, cursor=cursor)  # type: ignore[arg-type]
            cursor = skipped.next_cursor
            if cursor is None:
                raise fail(f"there is no page {page}")
        result = queue_page(engine, filters, sort=sort, limit=limit, cursor=cursor)  # type: ignore[arg-type]
    records = [_plain(as_record(r)) for r in result.rows]
    if result.next_cursor and (as_json or as_csv):
        typer.echo(f"more: --after {result.next_cursor}", err=True)
    if as_json:
        print_json(records)
        return
    if as_csv:
        columns = list(records[0]) if records else ["case_id"]
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return
    _print_queue(records)
    if result.next_cursor:
        typer.echo(f"more: --after {result.next_cursor}")


def _date_option(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{name} must be a date YYYY-MM-DD, got {text!r}") from None


@work_app.command("refresh")
def work_refresh(
    db: DbOption = None,
    include_closed: Annotated[
        bool, typer.Option("--all", help="Rescore closed cases too.")
    ] = False,
) -> None:
    """Recompute every open case's stored priority for today (age, deadline, history).

    Run it daily (e.g. from cron): the queue sorts by the stored score.
    """
    from denialops.work.scoring import refresh

    with user_errors(), _engine(db) as engine:
        with engine.begin() as conn:
            count = refresh(conn, include_closed=include_closed)
    typer.echo(f"rescored {count} cases")


_MONEY_KEYS = {"at_risk", "expected_recovery", "cost_to_work", "score"}


def _plain(record: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        if key in _MONEY_KEYS and isinstance(value, Decimal):
            out[key] = fmt(value)
        elif isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _cell(record: dict[str, object], key: str) -> str:
    value = record.get(key)
    if key == "profile_warning":  # "payer profile NAME: STATUS" -> "NAME: STATUS"
        return str(value or "").removeprefix("payer profile ")
    return "" if value is None else str(value)


def _print_queue(records: list[dict[str, object]]) -> None:
    if not records:
        typer.echo("no cases")
        return
    shown = [
        ("case_id", "case"), ("score", "score"), ("at_risk", "at risk"),
        ("p_overturn", "p"), ("cost_to_work", "cost"), ("days_left", "days"),
        ("flag", "flag"), ("age_days", "age"), ("state", "state"), ("owner", "owner"),
        ("assignee", "assignee"), ("payer_id", "payer"), ("category", "category"),
        ("profile_warning", "profile"),
    ]  # fmt: skip
    table = [[label for _, label in shown]]
    for record in records:
        table.append([_cell(record, k) for k, _ in shown])
    widths = [max(len(row[i]) for row in table) for i in range(len(shown))]
    for row in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


# ---------------------------------------------------------------------------- case


@case_app.command("show")
def case_show(case_id: CaseArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Everything about a case: facts, deadline, priority, codes, appeals, notes, audit trail."""
    from denialops.work.detail import case_detail, json_ready

    with user_errors(), _engine(db) as engine:
        data: dict[str, Any] = json_ready(case_detail(engine, case_id))
    if as_json:
        print_json(data)
        return
    c = data["case"]
    typer.echo(f"case {c['id']}  {c['state']}  version {c['version']}")
    for label, key in (
        ("kind", "kind"), ("next action", "next_action"),
        ("claim", "patient_control_number"), ("payer claim", "payer_claim_control_number"),
        ("payer", "payer_id"), ("category", "category"), ("family", "family"),
        ("owner", "owner"), ("assignee", "assignee"), ("billed", "billed"),
        ("paid", "paid_initial"), ("expected", "expected_payment"), ("at risk", "at_risk"),
        ("at risk basis", "at_risk_basis"), ("recovered", "recovered"),
        ("appeal level", "appeal_level"), ("next deadline", "next_deadline"),
        ("deadline kind", "next_deadline_kind"), ("due date", "due_date"),
    ):  # fmt: skip
        typer.echo(f"  {label:<14} {'' if c[key] is None else c[key]}")
    if data["priority"]:
        p = data["priority"]
        if p["days_left"] is not None:
            typer.echo(f"  days left      {p['days_left']} {p['flag']}".rstrip())
        typer.echo(
            f"  priority       {p['score']} = ({p['at_risk']} x {p['p_overturn']} "
            f"[{p['p_source']}] - {p['cost_to_work']}) x age {p['age_factor']} "
            f"x deadline {p['deadline_factor']}"
        )
    d = data["deadlines"]
    typer.echo(f"  payer profile  {d['profile']} ({d['profile_status']})")
    for item in d["deadlines"]:
        shown = f"  {item['kind']:<14} {item['due']} ({item['basis']})"
        if item["regulation_date"]:
            shown += f"; regulation's date {item['regulation_date']}"
        typer.echo(shown)
    for note in d["notes"]:
        typer.echo(f"  note           {note}")
    typer.echo(f"  allowed moves  {', '.join(data['allowed_moves'])}")
    typer.echo(
        "contractual adjustments (underpaid lines):"
        if c["kind"] == "underpayment"
        else "denial codes:"
    )
    for a in data["denial_codes"]:
        typer.echo(f"  {a['group_code']}-{a['reason_code']} {a['amount']} {a['category'] or ''}")
    for appeal in data["appeals"]:
        typer.echo(
            f"appeal level {appeal['level']} submitted {appeal['submitted_on']} "
            f"decided {appeal['decided_on'] or '-'} {appeal['outcome'] or ''}"
        )
    for note in data["notes"]:
        typer.echo(f"note {note['at']} {note['author']}: {note['text']}")
    for doc in data["documents"]:
        typer.echo(
            f"document {doc['id']}: {doc['filename']} ({doc['media_type']}, "
            f"{doc['size_bytes']} bytes)"
        )
    access = data["access"]
    left_out = access["total"] - access["shown"]
    more = f" ({left_out} older views, downloads and letters not shown)" if left_out else ""
    typer.echo(f"audit trail:{more}")
    for e in data["events"]:
        change = f"{e['field']}: {e['old']} -> {e['new']}" if e["field"] else ""
        source = f" [remittance {e['remittance_id']}]" if e["remittance_id"] else ""
        typer.echo(f"  {e['at']} {e['actor']} {e['action']} {change}{source}")


@case_app.command("move")
def case_move(
    case_id: CaseArg,
    state: Annotated[
        str, typer.Argument(help="The new state (see `case show` for allowed moves).")
    ],
    note: Annotated[str | None, typer.Option(help="A note recorded with the move.")] = None,
    next_level: Annotated[
        bool,
        typer.Option(
            "--next-level",
            help="appealed -> appealed: file the next appeal level (without it, moving a "
            "case to the state it is in does nothing).",
        ),
    ] = False,
    decided_on: Annotated[
        str | None,
        typer.Option(
            "--decided-on",
            help="Required when escalating (--next-level, or to external_review or back to "
            "appealed while a level is pending): the payer's decision date on the pending "
            "level (YYYY-MM-DD); the next level's window counts from it.",
        ),
    ] = None,
    user: UserOption = None,
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Move a case to a new state along an allowed edge of the state machine."""
    from denialops.work import move

    decided = _date_option(decided_on, "--decided-on")
    with user_errors(), _engine(db) as engine:
        case = move(
            engine,
            case_id,
            state,
            user=_who(user),
            note=note,
            expected_version=version,
            next_level=next_level,
            decided_on=decided,
        )
    _echo_case_line(case)


@case_app.command("assign")
def case_assign(
    case_id: CaseArg,
    assignee: Annotated[str, typer.Argument(help="Login of the person who will work the case.")],
    user: UserOption = None,
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Assign a case to a user."""
    from denialops.work import assign

    with user_errors(), _engine(db) as engine:
        case = assign(engine, case_id, assignee, user=_who(user), expected_version=version)
    _echo_case_line(case)


@case_app.command("owner")
def case_owner(
    case_id: CaseArg,
    owner: Annotated[
        str,
        typer.Argument(help="patient_access, ur_cdi, coding_him, billing or managed_care."),
    ],
    user: UserOption = None,
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Send a case to another owner queue."""
    from denialops.work import set_owner
    from denialops.work.queue import resolve_owner

    with user_errors(), _engine(db) as engine:
        case = set_owner(
            engine, case_id, resolve_owner(owner), user=_who(user), expected_version=version
        )
    _echo_case_line(case)


@case_app.command("note")
def case_note(
    case_id: CaseArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Add a note to a case."""
    from denialops.work import add_note

    with user_errors(), _engine(db) as engine:
        note_id = add_note(engine, case_id, text, user=_who(user))
    typer.echo(f"note {note_id} added to case {case_id}")


@case_app.command("due")
def case_due(
    case_id: CaseArg,
    due: Annotated[str, typer.Argument(help="Due date YYYY-MM-DD, or 'none' to clear.")],
    user: UserOption = None,
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Set a due date by hand (it counts as a deadline when earlier than the payer's)."""
    from denialops.work import set_due_date

    try:
        when = None if due.lower() == "none" else date.fromisoformat(due)
    except ValueError:
        raise fail(f"due date must be YYYY-MM-DD or 'none', got {due!r}") from None
    with user_errors(), _engine(db) as engine:
        case = set_due_date(engine, case_id, when, user=_who(user), expected_version=version)
    typer.echo(f"case {case.id}: next deadline {case.next_deadline} ({case.next_deadline_kind})")


@case_app.command("attach")
def case_attach(
    case_id: CaseArg,
    files: Annotated[list[Path], typer.Argument(help="PDF, PNG, JPEG or .txt files.")],
    internal: Annotated[
        bool,
        typer.Option(
            "--internal",
            help="An internal document (notes, call logs): never enclosed in a packet "
            "unless named with `appeal packet --enclose-document ID`.",
        ),
    ] = False,
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Attach documents to a case (stored under their content hash; size and type checked).

    A symbolic link is followed only to a file inside the working directory."""
    from denialops.work.documents import attach_document

    with user_errors(), _engine(db) as engine:
        for path in files:
            doc = attach_document(engine, case_id, path, user=_who(user), internal=internal)
            kind = " (internal)" if not doc.enclose else ""
            typer.echo(f"document {doc.id}: {doc.filename}{kind} sha256 {doc.sha256[:16]}...")


@case_app.command("outcome")
def case_outcome(
    case_id: CaseArg,
    outcome: Annotated[str, typer.Argument(help="won, partially_won or lost.")],
    recovered: Annotated[
        str, typer.Option(help="Dollars recovered (0 for lost).", show_default=False)
    ] = "0",
    note: Annotated[str | None, typer.Option(help="Where the decision came from.")] = None,
    decided_on: Annotated[
        str | None,
        typer.Option("--decided-on", help="The payer's decision date YYYY-MM-DD (default today)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a recovered amount above the amount at risk.")
    ] = False,
    user: UserOption = None,
    version: VersionOption = None,
    db: DbOption = None,
) -> None:
    """Record an outcome by hand (a payer letter or call), with the dollars recovered."""
    from denialops.money import parse_option
    from denialops.work import record_outcome

    with user_errors(), _engine(db) as engine:
        amount = parse_option(recovered, "--recovered")
        case = record_outcome(
            engine,
            case_id,
            outcome,
            amount,
            user=_who(user),
            note=note,
            expected_version=version,
            on=_date_option(decided_on, "--decided-on"),
            force=force,
        )
    typer.echo(f"case {case.id}: {case.state}, recovered {fmt(case.recovered)}")


# ---------------------------------------------------------------------------- appeal


def _fills(pairs: list[str] | None, path: Path | None) -> dict[str, str]:
    import yaml

    from denialops.errors import InputLimitError
    from denialops.files import load_yaml

    fills: dict[str, str] = {}
    if path is not None:
        try:
            data = load_yaml(path.read_bytes(), name=path.name) or {}
        except InputLimitError as exc:
            raise fail(str(exc)) from None
        except yaml.YAMLError as exc:
            raise fail(f"{path.name}: not valid YAML ({exc})".replace("\n", " ")) from None
        if not isinstance(data, dict):
            raise fail(f"{path.name}: expected NAME: TEXT pairs")
        fills.update({str(k): str(v) for k, v in data.items()})
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise fail(f"--fill expects NAME=TEXT, got {pair!r}")
        fills[name.strip()] = text
    return fills


AppealAnywayOption = Annotated[
    bool,
    typer.Option(
        "--appeal-anyway",
        help="Write an appeal letter for a case whose next step is a corrected claim "
        "(only where the payer left appeal rights).",
    ),
]


def _check_out(out: Path, suffixes: tuple[str, ...], what: str) -> None:
    from denialops.files import check_output_path

    with user_errors():
        check_output_path(out)
    if out.suffix.lower() not in suffixes:
        raise fail(f"{out.name}: {what} must end in {' or '.join(suffixes)}")


def _echo_notes(notes: list[str]) -> None:
    for note in notes:
        typer.echo(f"note: {note}", err=True)


@appeal_app.command("letter")
def appeal_letter(
    case_id: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Output file: .pdf or .docx.")],
    template: TemplateOption = None,
    fill: FillOption = None,
    fills: FillsFileOption = None,
    draft: DraftOption = False,
    appeal_anyway: AppealAnywayOption = False,
    db: DbOption = None,
) -> None:
    """Write the appeal letter for a case as PDF or DOCX (enclosures: the case's documents)."""
    from denialops.work.letters import appeal_letter_for_case, write_letter
    from denialops.work.packets import case_enclosures

    _check_out(out, (".pdf", ".docx"), "--out")
    values = _fills(fill, fills)
    with user_errors(), _engine(db) as engine:
        enclosed = case_enclosures(engine, case_id)
        letter = appeal_letter_for_case(
            engine,
            case_id,
            template=template,
            fills=values,
            final=not draft,
            enclosures=[e.name for e in enclosed],
            appeal_anyway=appeal_anyway,
        )
        write_letter(letter, out)
    _echo_notes(letter.notes)
    left = f" ({len(letter.missing)} placeholders left: {', '.join(letter.missing)})"
    typer.echo(f"wrote {out} from template {letter.template}{left if letter.missing else ''}")


@appeal_app.command("corrected-claim")
def appeal_corrected_claim(
    case_id: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Output file: .pdf or .docx.")],
    fill: FillOption = None,
    fills: FillsFileOption = None,
    draft: DraftOption = False,
    db: DbOption = None,
) -> None:
    """Write the corrected-claim worksheet of a case: what to fix, where in the 837, how
    to resubmit (frequency code 7, the payer's claim number in REF*F8)."""
    from denialops.work.letters import corrected_claim_for_case, write_letter

    _check_out(out, (".pdf", ".docx"), "--out")
    values = _fills(fill, fills)
    with user_errors(), _engine(db) as engine:
        sheet = corrected_claim_for_case(engine, case_id, fills=values, final=not draft)
        write_letter(sheet, out)
    _echo_notes(sheet.notes)
    left = f" ({len(sheet.missing)} placeholders left: {', '.join(sheet.missing)})"
    typer.echo(f"wrote {out}: corrected-claim worksheet{left if sheet.missing else ''}")


@appeal_app.command("packet")
def appeal_packet(
    case_id: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Output PDF.")],
    attach: Annotated[
        list[Path] | None,
        typer.Option("--attach", help="A PDF, image or .txt enclosure (repeatable, in order)."),
    ] = None,
    with_case_documents: Annotated[
        bool,
        typer.Option(
            "--case-documents/--no-case-documents",
            help="Enclose the documents attached to the case first (not the internal ones).",
        ),
    ] = True,
    enclose_document: Annotated[
        list[int] | None,
        typer.Option(
            "--enclose-document",
            help="Enclose this case document even if attached as internal (repeatable).",
        ),
    ] = None,
    enclose_note: Annotated[
        list[int] | None,
        typer.Option(
            "--enclose-note",
            help="Enclose this case note (notes are internal otherwise; repeatable).",
        ),
    ] = None,
    template: TemplateOption = None,
    fill: FillOption = None,
    fills: FillsFileOption = None,
    draft: DraftOption = False,
    appeal_anyway: AppealAnywayOption = False,
    db: DbOption = None,
) -> None:
    """One PDF: cover letter, index of enclosures, then the enclosures, pages numbered."""
    from denialops.work.packets import build_case_packet, case_enclosures

    _check_out(out, (".pdf",), "a packet")
    values = _fills(fill, fills)
    with user_errors(), _engine(db) as engine:
        enclosed = case_enclosures(
            engine,
            case_id,
            attach=attach or [],
            with_case_documents=with_case_documents,
            documents=enclose_document or [],
            notes=enclose_note or [],
        )
        packet, letter = build_case_packet(
            engine,
            case_id,
            out,
            enclosures=enclosed,
            template=template,
            fills=values,
            final=not draft,
            appeal_anyway=appeal_anyway,
        )
    _echo_notes(letter.notes)
    typer.echo(
        f"wrote {out}: {packet.pages} pages (letter {packet.letter_pages}, index "
        f"{packet.index_pages}, {len(packet.enclosures)} enclosures)"
    )


@appeal_app.command("templates")
def appeal_templates(as_json: JsonOption = False) -> None:
    """List the letter templates (built-in and your own) and the categories that use them."""
    from denialops.work.letters import TEMPLATE_FOR_CATEGORY, load_template, template_names

    with user_errors():
        names = template_names()
        for name in names:
            load_template(name)
    by_template: dict[str, list[str]] = {}
    for category, name in TEMPLATE_FOR_CATEGORY.items():
        by_template.setdefault(name, []).append(category)
    if as_json:
        print_json({name: by_template.get(name, []) for name in names})
        return
    for name in names:
        typer.echo(f"{name:<22} {', '.join(by_template.get(name, [])) or '(by --template only)'}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("queue")(queue_command)
    app.add_typer(case_app, name="case")
    app.add_typer(work_app, name="work")
    app.add_typer(appeal_app, name="appeal")
