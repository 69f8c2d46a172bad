"""Appeal letters: Jinja2 templates per denial category, checked against a field schema.

A template sees only the fields in :data:`FIELD_SCHEMA` (claim facts, the payer's codes
with their texts, the case) plus ``fill(name, hint)``: a placeholder a clinician or coder
must complete. Loading a template walks its syntax tree and refuses any variable or
attribute the schema does not have, so a typo fails when the template is added, not in
front of a payer. A final rendering refuses placeholders still empty; a draft shows them
as ``[[FILL name: hint]]``. User templates run in Jinja's sandbox.

Templates write a small line markup that both renderers read: ``# title``, ``## heading``,
``- bullet``, a blank line between paragraphs. Built-in templates live in ``templates/``;
a user's own (``$DENIALOPS_TEMPLATES_DIR``, else ``~/.local/share/denialops/templates``)
are ``NAME.j2`` files that may extend ``_base.j2`` and override a built-in of that name.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import IO, Any, Literal

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Connection, Engine, select

from denialops.classify.fees import check_contractual, installed_fee_schedule
from denialops.codes import carc, rarc
from denialops.errors import InputLimitError, TemplateError, WrongDocumentError
from denialops.files import atomic_output, atomic_path, check_output_path
from denialops.money import fmt
from denialops.vocabulary import UNDERPAYMENT_CATEGORY, UNDERPAYMENT_KIND
from denialops.work.cases import (
    Case,
    appeal_t,
    assess_case,
    case_adj_t,
    claim_t,
    compute_deadline,
    get_case,
    last_decision_date,
    transaction,
)
from denialops.work.corrections import (
    REPLACEMENT_FREQUENCY,
    DocumentChoice,
    choose_document,
    corrections_for,
)
from denialops.work.deadlines import has_appeal_rights, profile_for
from denialops.work.store import case_claim_rows, line_t

TEMPLATES_ENV = "DENIALOPS_TEMPLATES_DIR"
BUILTIN_DIR = Path(__file__).with_name("templates")
FILL_MARK = re.compile(r"\[\[FILL ([a-z0-9_]+): [^\]]*\]\]")
LITERAL = "\ue000"
"""Put before every value a template prints: a line starting with it is never markup
(a payer name ``## Request`` stays text). Values cannot contain it (private use)."""
_USAGE = re.compile(r"\s*\b(Usage|Note):.*\Z", re.DOTALL)
_REMARK_REQUIRED = re.compile(
    r"\s*At least one Remark Code must be provided[^)]*\)\.?", re.IGNORECASE
)


def one_line(value: object, *, strip: bool = True) -> str:
    """A data value as one line of plain text: line breaks, tabs and other control or
    format characters (including bidirectional overrides) become single spaces."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # no control, format, private-use or separator but " "
        cleaned = text
    else:
        cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    flat = _SPACES.sub(" ", cleaned)
    return flat.strip() if strip else flat


_SPACES = re.compile(" {2,}")


def plain_paragraphs(text: str) -> str:
    """User text (a placeholder fill): line breaks kept, other control characters dropped."""
    lines = [one_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def payer_facing(text: str) -> str:
    """A CARC/RARC text without the notes addressed to payers: the ``Usage:`` and
    ``Note:`` parts and "At least one Remark Code must be provided (...)"."""
    return one_line(_REMARK_REQUIRED.sub("", _USAGE.sub("", text)))


class _UserText(str):
    """A placeholder's fill: the user's own words, so paragraphs are kept."""

    __slots__ = ()


def _finalize(value: object) -> object:
    """Every ``{{ ... }}`` output: data becomes one literal line, fills keep paragraphs."""
    if isinstance(value, _UserText):
        return value
    return LITERAL + one_line(value, strip=False)


FIELD_SCHEMA: dict[str, tuple[Literal["object", "list", "value"], frozenset[str]]] = {
    "case": (
        "object",
        frozenset(
            {
                "id",
                "state",
                "category",
                "family",
                "owner",
                "at_risk",
                "appeal_level",
                "next_deadline",
                "next_deadline_kind",
                "opened_on",
            }
        ),
    ),
    "claim": (
        "object",
        frozenset(
            {
                "patient_control_number",
                "payer_claim_control_number",
                "billed",
                "paid",
                "patient_responsibility",
                "service_from",
                "service_to",
                "filing_indicator",
                "facility_type",
                "frequency",
                "drg",
                "status",
                "received_date",
            }
        ),
    ),
    "patient": ("object", frozenset({"full_name", "first_name", "last_name", "member_id"})),
    "payer": ("object", frozenset({"name", "id"})),
    "provider": ("object", frozenset({"name", "npi", "rendering_npi"})),
    "remittance": ("object", frozenset({"payment_date", "trace_number", "id"})),
    "appeal": (
        "object",
        frozenset({"level", "name", "deadline", "window", "previous_decision"}),
    ),
    "denial_codes": (
        "list",
        frozenset({"group", "reason", "amount", "text", "line", "procedure"}),
    ),
    "remarks": ("list", frozenset({"code", "text"})),
    "lines": (
        "list",
        frozenset({"seq", "procedure", "modifiers", "service_date", "billed", "paid", "units"}),
    ),
    "enclosures": ("list", frozenset({"number", "name"})),
    "corrections": ("list", frozenset({"code", "what", "loop", "element"})),
    "resubmission": (
        "object",
        frozenset({"reason", "frequency", "ref_f8", "bill_type", "deadline", "window", "note"}),
    ),
    "underpayment": (
        "object",
        frozenset({"contracted", "allowed", "paid", "variance", "source"}),
    ),
    "underpaid_lines": (
        "list",
        frozenset(
            {
                "seq",
                "procedure",
                "modifiers",
                "service_date",
                "contracted",
                "allowed",
                "paid",
                "variance",
                "fee_in_force",
            }
        ),
    ),
    "today": ("value", frozenset()),
}
GLOBALS = frozenset({"fill", "money"})

TEMPLATE_FOR_CATEGORY = {
    "medical_necessity": "medical_necessity",
    "coverage_policy": "medical_necessity",
    "frequency": "medical_necessity",
    "documentation": "medical_necessity",
    "readmission": "level_of_care",
    "level_of_care": "level_of_care",
    "length_of_stay": "length_of_stay",
    "experimental": "experimental",
    "authorization": "authorization",
    "modifier": "coding_modifier",
    "bundling_ncci": "coding_bundling",
    "dx_procedure_mismatch": "coding_dx_procedure",
    "code_pairing": "coding_dx_procedure",
    "timely_filing": "timely_filing",
    "cob": "cob",
    "duplicate": "duplicate",
    UNDERPAYMENT_CATEGORY: "payment_dispute",
}
GENERAL_TEMPLATE = "general"
CORRECTED_CLAIM_TEMPLATE = "corrected_claim"
RESERVED_FILLS = frozenset({"enclosures"})
"""Names a template may not ask the user to type: the enclosures come from the packet."""
MAX_OUTPUT_CHARS = 1_000_000
"""A rendered letter longer than this is refused (a runaway user template)."""
MAX_VALUE_CHARS = 100_000
"""A string or list a template builds by ``*`` may not be longer than this."""
RENDER_SECONDS = 5.0
"""A template still rendering after this long is stopped."""


def user_templates_dir() -> Path:
    chosen = os.environ.get(TEMPLATES_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "denialops" / "templates"


class _LimitedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, with ``*`` and ``**`` unable to build huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise InputLimitError(f"template: exponent {right} is over the limit of 64")
            return left**right
        for value, times in ((left, right), (right, left)):
            if isinstance(value, str | list | tuple) and isinstance(times, int):
                if len(value) * times > MAX_VALUE_CHARS:
                    raise InputLimitError(
                        f"template: a value of {len(value) * times:,} characters is over "
                        f"the limit of {MAX_VALUE_CHARS:,}"
                    )
        return left * right


def _environment(user_dir: Path | None) -> SandboxedEnvironment:
    search = [str(user_dir)] if user_dir is not None and user_dir.is_dir() else []
    env = _LimitedEnvironment(
        loader=jinja2.FileSystemLoader([*search, str(BUILTIN_DIR)]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.globals["money"] = _money
    return env


def _money(value: object) -> str:
    return "$" + fmt(value if isinstance(value, Decimal) else Decimal(str(value)))


def template_names(user_dir: Path | None = None) -> list[str]:
    """Every template a user can pick (built-in and their own; ``_`` files are partials)."""
    dirs = [BUILTIN_DIR, user_dir if user_dir is not None else user_templates_dir()]
    names = {p.stem for d in dirs if d.is_dir() for p in d.glob("*.j2")}
    return sorted(n for n in names if not n.startswith("_"))


def check_template_source(source: str, name: str, env: jinja2.Environment | None = None) -> None:
    """Refuse a template using a variable or attribute outside :data:`FIELD_SCHEMA`."""
    env = env or _environment(None)
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template {name}: line {exc.lineno}: {exc.message}") from None
    local_names = _assigned_names(tree)
    unknown = sorted(
        n
        for n in meta.find_undeclared_variables(tree)
        if n not in FIELD_SCHEMA and n not in GLOBALS
    )
    unknown = [n for n in unknown if n not in local_names]
    if unknown:
        raise TemplateError(
            f"template {name}: unknown field(s) {', '.join(unknown)}; "
            f"fields are {', '.join(sorted(FIELD_SCHEMA))}"
        )
    loop_items = _loop_bindings(tree)
    for node in tree.find_all(nodes.Getattr):
        _check_attribute(node, loop_items, name)


def _assigned_names(tree: nodes.Template) -> set[str]:
    found: set[str] = set()
    for node in tree.find_all((nodes.For, nodes.Assign, nodes.Macro)):
        target = getattr(node, "target", None)
        if isinstance(target, nodes.Name):
            found.add(target.name)
        elif isinstance(target, nodes.Tuple):
            found.update(t.name for t in target.items if isinstance(t, nodes.Name))
        if isinstance(node, nodes.Macro):
            found.add(node.name)
            found.update(a.name for a in node.args)
    return found


def _loop_bindings(tree: nodes.Template) -> dict[str, str]:
    """Loop variable -> the list field it walks (``{% for code in denial_codes %}``)."""
    bindings: dict[str, str] = {}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.target, nodes.Name) and isinstance(loop.iter, nodes.Name):
            if FIELD_SCHEMA.get(loop.iter.name, ("value", frozenset()))[0] == "list":
                bindings[loop.target.name] = loop.iter.name
    return bindings


def _check_attribute(node: nodes.Getattr, loop_items: Mapping[str, str], name: str) -> None:
    owner = node.node
    if isinstance(owner, nodes.Getattr):
        raise TemplateError(
            f"template {name}: line {node.lineno}: {owner.attr}.{node.attr} — "
            f"fields have no sub-fields"
        )
    if not isinstance(owner, nodes.Name):
        return
    if owner.name in GLOBALS:
        raise TemplateError(
            f"template {name}: line {node.lineno}: {owner.name} is a function, it has no fields"
        )
    field_name = loop_items.get(owner.name, owner.name)
    if owner.name in loop_items:
        kind, attrs = "object", FIELD_SCHEMA[field_name][1]
    elif owner.name in FIELD_SCHEMA:
        kind, attrs = FIELD_SCHEMA[owner.name]
    else:
        return
    if kind == "object" and node.attr not in attrs:
        raise TemplateError(
            f"template {name}: line {node.lineno}: {owner.name}.{node.attr} does not exist; "
            f"{owner.name} has {', '.join(sorted(attrs))}"
        )


@dataclass(slots=True)
class LoadedTemplate:
    name: str
    template: jinja2.Template


def load_template(name: str, user_dir: Path | None = None) -> LoadedTemplate:
    """Load and check a template (and the templates it extends or includes)."""
    directory = user_dir if user_dir is not None else user_templates_dir()
    env = _environment(directory)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise TemplateError(f"template name {name!r} may only use letters, digits, _ and -")
    seen: set[str] = set()
    pending = [f"{name}.j2"]
    while pending:
        filename = pending.pop()
        if filename in seen:
            continue
        seen.add(filename)
        try:
            source, _path, _uptodate = env.loader.get_source(env, filename)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            known = ", ".join(template_names(directory))
            raise TemplateError(f"no template {filename[:-3]!r}; templates are {known}") from None
        check_template_source(source, filename[:-3], env)
        pending.extend(
            ref for ref in meta.find_referenced_templates(env.parse(source)) if ref is not None
        )
    return LoadedTemplate(name, env.get_template(f"{name}.j2"))


def template_for(category: str | None) -> str:
    """The template a case's letter uses unless one is named (the CLI and the web both
    ask here): by category; an underpayment case's is the payment dispute."""
    return TEMPLATE_FOR_CATEGORY.get(category or "", GENERAL_TEMPLATE)


# ---------------------------------------------------------------------------- rendering


@dataclass(frozen=True, slots=True)
class Block:
    kind: Literal["title", "heading", "bullet", "paragraph"]
    text: str
    closing: bool = False
    """Part of the closing (after the ``--`` line): kept together on one page."""


@dataclass(slots=True)
class Letter:
    """A rendered letter: ``text`` is what a person reads, ``markup`` what the renderers
    parse (the same text with every data value marked literal)."""

    template: str
    text: str
    missing: list[str] = field(default_factory=list)
    markup: str | None = None
    reference: str = ""
    """Printed on every page: our claim number, the payer's, the member id."""
    notes: list[str] = field(default_factory=list)
    """What the renderer ignored and why (e.g. an ``enclosures`` fill)."""

    @property
    def blocks(self) -> list[Block]:
        return parse_blocks(self.text if self.markup is None else self.markup)


def render_letter(
    facts: Mapping[str, Any],
    template: LoadedTemplate,
    fills: Mapping[str, str] | None = None,
    *,
    final: bool = True,
) -> Letter:
    """Render a letter; ``final`` refuses any placeholder still empty, naming them all.

    Every value from ``facts`` prints as one line of plain text; fills keep their
    paragraphs. A fill named ``enclosures`` is ignored (the enclosures are the packet's
    index) and said so in :attr:`Letter.notes`. The render is bounded in time and size.
    """
    notes = [
        f"the {name!r} fill is ignored: enclosures are listed from the packet index"
        for name in sorted(RESERVED_FILLS & set(fills or {}))
    ]
    provided = {
        k: v for k, v in (fills or {}).items() if v and v.strip() and k not in RESERVED_FILLS
    }
    missing: list[str] = []

    def fill(name: str, hint: str = "") -> str:
        if name in RESERVED_FILLS:
            raise TemplateError(
                f"template {template.name}: fill({name!r}) is not allowed; "
                f"loop over `{name}` (the packet index) instead"
            )
        if name in provided:
            return _UserText(plain_paragraphs(provided[name]))
        if name not in missing:
            missing.append(name)
        return f"[[FILL {name}: {hint}]]"

    context = {key: facts[key] for key in FIELD_SCHEMA if key in facts}
    context.setdefault("enclosures", [])
    context.setdefault("corrections", [])
    context.setdefault("resubmission", {})
    context.setdefault("underpayment", {})
    context.setdefault("underpaid_lines", [])
    absent = sorted(set(FIELD_SCHEMA) - set(context))
    if absent:
        raise TemplateError(f"letter facts lack {', '.join(absent)}")
    markup = _bounded_render(template, {**context, "fill": fill})
    text = markup.replace(LITERAL, "")
    if final and missing:
        raise TemplateError(
            f"template {template.name}: placeholders still empty: {', '.join(missing)} "
            "(fill them with --fill NAME=TEXT, or render a --draft)"
        )
    return Letter(template.name, text, missing, markup, reference(facts), notes)


def reference(facts: Mapping[str, Any]) -> str:
    """The line every page carries: our claim number, the payer's claim number, member."""
    claim = facts.get("claim", {})
    patient = facts.get("patient", {})
    parts = [
        ("Claim", claim.get("patient_control_number")),
        ("payer claim", claim.get("payer_claim_control_number")),
        ("member", patient.get("member_id")),
    ]
    text = " | ".join(f"{label} {one_line(value)}" for label, value in parts if value)
    return text[:120]


def _bounded_render(template: LoadedTemplate, context: Mapping[str, Any]) -> str:
    """Render with the output size and time limits; Jinja errors become TemplateError."""
    chunks: list[str] = []
    size = 0
    try:
        with _time_limit(RENDER_SECONDS, template.name):
            for chunk in template.template.generate(**context):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise InputLimitError(
                        f"template {template.name}: output over the limit of "
                        f"{MAX_OUTPUT_CHARS:,} characters"
                    )
                chunks.append(chunk)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {template.name}: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template {template.name}: {exc}") from None
    return "".join(chunks)


@contextmanager
def _time_limit(seconds: float, name: str) -> Iterator[None]:
    """Stop the code running in this thread once ``seconds`` have passed.

    A trace function checks the clock every few hundred line events, so a template
    looping without output (nested ``range`` loops) is stopped too. The tracer that was
    installed before (a coverage tool, a debugger) is put back afterwards.
    """
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()
    counter = [0]

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        counter[0] += 1
        if counter[0] % 256 == 0 and time.monotonic() > deadline:
            raise InputLimitError(f"template {name}: still rendering after {seconds:g} s")
        return tracer

    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def parse_blocks(text: str) -> list[Block]:
    """The line markup -> blocks; consecutive plain lines form one paragraph."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    closing_from: int | None = None

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.replace(LITERAL, "").strip():
            flush()
        elif line == "--":
            flush()
            closing_from = len(blocks)
        elif line.startswith(LITERAL):
            paragraph.append(line.replace(LITERAL, "").strip())
        elif line.startswith("# "):
            flush()
            blocks.append(Block("title", line[2:].strip()))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("heading", line[3:].strip()))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", line[2:].strip()))
        else:
            paragraph.append(line.strip())
    flush()
    return [
        Block(b.kind, b.text.replace(LITERAL, ""), closing_from is not None and i >= closing_from)
        for i, b in enumerate(blocks)
    ]


def write_pdf(letter: Letter, path: Path | IO[bytes], *, page_numbers: bool = True) -> int:
    """Write the letter as PDF; returns the pages.

    Every page carries the letter's reference (claim, payer claim, member) and, unless a
    packet numbers the pages itself, its page number. The closing (after ``--``) is kept
    on one page with the signature.
    """
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        KeepTogether,
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    if isinstance(path, Path):
        with atomic_output(path) as handle:
            return write_pdf(letter, handle, page_numbers=page_numbers)
    styles = getSampleStyleSheet()
    story: list[Any] = []
    closing: list[Any] = []
    for block in letter.blocks:
        text = _pdf_escape(block.text)
        target = closing if block.closing else story
        if block.kind == "title":
            target.append(Paragraph(text, styles["Title"]))
        elif block.kind == "heading":
            target.append(Paragraph(text, styles["Heading3"]))
        elif block.kind == "bullet":
            target.append(
                ListFlowable(
                    [ListItem(Paragraph(text, styles["BodyText"]))],
                    bulletType="bullet",
                    leftIndent=12,
                )
            )
        else:
            target.append(Paragraph(text, styles["BodyText"]))
            target.append(Spacer(1, 4))
    if closing:
        story.append(KeepTogether(closing))
    pages = {"count": 0}

    def number(canvas: Any, doc: Any) -> None:
        pages["count"] = doc.page
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        if letter.reference:
            canvas.drawString(inch * 0.75, inch * 0.5, letter.reference)
        if page_numbers:
            canvas.drawRightString(LETTER[0] - inch * 0.75, inch * 0.5, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        path,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch * 0.8,
        bottomMargin=inch * 0.8,
        title=f"Appeal letter ({letter.template})",
        author="denialops",
        invariant=1,
    )
    doc.build(story, onFirstPage=number, onLaterPages=number)
    return pages["count"]


def _pdf_escape(text: str) -> str:
    """Block text as reportlab paragraph markup: XML-escaped, control characters gone."""
    safe = xml_safe(text)
    return safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (python-docx refuses them) removed."""
    return _XML_INVALID.sub("", text)


def write_docx(letter: Letter, path: Path) -> None:
    """Write the letter as a Word document a person can edit before sending."""
    import docx

    document = docx.Document()
    if letter.reference:
        footer = document.sections[0].footer.paragraphs[0]
        footer.text = xml_safe(letter.reference)
    blocks = letter.blocks
    for index, block in enumerate(blocks):
        text = xml_safe(block.text)
        if block.kind == "title":
            paragraph = document.add_heading(text, level=1)
        elif block.kind == "heading":
            paragraph = document.add_heading(text, level=2)
        elif block.kind == "bullet":
            paragraph = document.add_paragraph(text, style="List Bullet")
        else:
            paragraph = document.add_paragraph(text)
        if block.closing and index + 1 < len(blocks):
            paragraph.paragraph_format.keep_with_next = True
    document.core_properties.author = "denialops"
    document.core_properties.created = datetime(2000, 1, 1, tzinfo=UTC)
    with atomic_path(path) as temporary:
        document.save(str(temporary))


def write_letter(letter: Letter, path: Path) -> None:
    """PDF or DOCX by the file's extension."""
    check_output_path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        write_pdf(letter, path)
    elif suffix == ".docx":
        write_docx(letter, path)
    else:
        raise TemplateError(f"{path.name}: letters are written as .pdf or .docx")


def today() -> date:
    return datetime.now(UTC).date()


# ---------------------------------------------------------------------------- facts


def case_facts(
    engine_or_conn: Engine | Connection, case_id: int, *, enclosures: Sequence[str] = ()
) -> dict[str, Any]:
    """Everything a letter may state about a case, keyed as in :data:`FIELD_SCHEMA`.

    ``enclosures`` are the names in the packet's index, in order (the letter lists them).
    """
    with transaction(engine_or_conn) as conn:
        previous_decision = last_decision_date(conn, case_id)
        correction = assess_case(
            conn, get_case(conn, case_id), state="in_progress", correctable=True
        )
        case = get_case(conn, case_id)
        claim, remit, lines = case_claim_rows(conn, case)
        denied = conn.execute(
            select(case_adj_t).where(case_adj_t.c.case_id == case_id).order_by(case_adj_t.c.id)
        ).all()
        underpayment, underpaid_lines = (
            _underpayment_facts(conn, case, lines, denied)
            if case.kind == UNDERPAYMENT_KIND
            else ({}, [])
        )
    line_by_id = {line.id: line for line in lines}
    codes = []
    for adj in denied:
        info = carc(adj.reason_code)
        line = line_by_id.get(adj.service_line_id) if adj.service_line_id else None
        codes.append(
            {
                "group": adj.group_code,
                "reason": adj.reason_code,
                "amount": adj.amount,
                "text": payer_facing(info.text)
                if info
                else "(code text not in the installed CARC list)",
                "line": line.seq if line is not None else None,
                "procedure": line.code if line is not None else "",
            }
        )
    remark_codes: list[str] = []
    for code in [
        *(claim.remark_codes or []),
        *(c for ln in lines for c in (ln.remark_codes or [])),
    ]:
        if code not in remark_codes:
            remark_codes.append(code)
    remarks = []
    for code in remark_codes:
        info = rarc(code)
        remarks.append(
            {
                "code": code,
                "text": payer_facing(info.text)
                if info
                else "(code text not in the installed RARC list)",
            }
        )
    profile = profile_for(case.payer_id, case.filing_indicator)
    level_number, appeal_deadline = _appeal_in_view(engine_or_conn, case)
    level = profile.appeal_level(level_number)
    institutional = bool(claim.drg) or any(ln.qualifier == "NU" or ln.revenue_code for ln in lines)
    denial_pairs = [(adj.group_code, adj.reason_code) for adj in denied]
    choice = choose_document(case.next_action, remark_codes, [f"{g}-{r}" for g, r in denial_pairs])
    windows = [d for d in correction.deadlines if d.kind in ("corrected claim", "timely filing")]
    window = windows[0] if windows else None
    note = ""
    if profile.payer_type == "medicare" and "MA130" in remark_codes:
        note = (
            "Medicare returns an unprocessable claim (MA130) as if never received: if the "
            "contractor refuses a replacement, submit it as a new claim (frequency 1)"
        )
    return {
        "enclosures": [
            {"number": number, "name": one_line(name)}
            for number, name in enumerate(enclosures, start=1)
        ],
        "corrections": [
            {"code": c.code, "what": c.what, "loop": c.loop, "element": c.element}
            for c in corrections_for(denial_pairs, remark_codes, institutional=institutional)
        ],
        "resubmission": {
            "reason": choice.reason,
            "frequency": REPLACEMENT_FREQUENCY,
            "ref_f8": claim.payer_claim_control_number
            or "(not on the remittance: ask the payer for its claim number)",
            "bill_type": f"{claim.facility_type}{REPLACEMENT_FREQUENCY}"
            if institutional and claim.facility_type
            else "",
            "deadline": window.due if window else None,
            "window": f"{window.kind}: {window.basis}" if window else "",
            "note": note,
        },
        "case": {
            "id": case.id,
            "state": case.state,
            "category": case.category or "unclassified",
            "family": case.family or "",
            "owner": case.owner,
            "at_risk": case.at_risk,
            "appeal_level": case.appeal_level,
            "next_deadline": case.next_deadline,
            "next_deadline_kind": case.next_deadline_kind or "",
            "opened_on": case.opened_at.date(),
        },
        "claim": {
            "patient_control_number": claim.patient_control_number,
            "payer_claim_control_number": claim.payer_claim_control_number,
            "billed": claim.charge,
            "paid": claim.paid,
            "patient_responsibility": claim.patient_responsibility or Decimal("0"),
            "service_from": claim.statement_from or claim.service_date,
            "service_to": claim.statement_to or claim.service_date,
            "filing_indicator": claim.filing_indicator,
            "facility_type": claim.facility_type,
            "frequency": claim.frequency,
            "drg": claim.drg,
            "status": claim.status,
            "received_date": claim.received_date,
        },
        "patient": {
            "full_name": " ".join(
                p for p in (claim.patient_first_name, claim.patient_last_name) if p
            ),
            "first_name": claim.patient_first_name,
            "last_name": claim.patient_last_name,
            "member_id": claim.patient_id,
        },
        "payer": {"name": remit.payer_name or remit.payer_id, "id": remit.payer_id},
        "provider": {
            "name": remit.payee_name,
            "npi": remit.payee_id if remit.payee_id_qualifier == "XX" else "",
            "rendering_npi": claim.rendering_npi,
        },
        "remittance": {
            "id": remit.id,
            "payment_date": remit.payment_date or remit.production_date,
            "trace_number": remit.trace_number,
        },
        "appeal": {
            "level": level_number,
            "name": level.name if level else "appeal",
            "deadline": appeal_deadline,
            "window": level.describe() if level else "",
            "previous_decision": previous_decision if level_number > 1 else None,
        },
        "denial_codes": codes,
        "remarks": remarks,
        "underpayment": underpayment,
        "underpaid_lines": underpaid_lines,
        "lines": [
            {
                "seq": ln.seq,
                "procedure": ln.code,
                "modifiers": _modifiers(ln),
                "service_date": ln.service_date,
                "billed": ln.charge,
                "paid": ln.paid,
                "units": ln.units,
            }
            for ln in lines
        ],
        "today": today(),
    }


def _modifiers(line: Any) -> str:
    found = (line.modifier1, line.modifier2, line.modifier3, line.modifier4)
    return " ".join(m for m in found if m)


def _underpayment_facts(
    conn: Connection, case: Case, lines: Sequence[Any], linked: Sequence[Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a payment dispute states: per underpaid line (the lines the case links) the
    contracted amount and the fee schedule row in force on the date of service, what the
    payer allowed and paid, and the variance; in total, the case's expected payment and
    shortfall. The lines are checked again against the installed schedule; a line it no
    longer shows underpaid (the schedule was replaced or removed) prints without its
    amounts and the letter asks for the contract's figures instead."""
    schedule = installed_fee_schedule()
    line_ids = {a.service_line_id for a in linked if a.service_line_id is not None}
    found = {
        u.service_line_id: u
        for u in (check_contractual(conn, schedule, [case.claim_id]).underpaid if schedule else [])
    }
    rows: list[dict[str, Any]] = []
    for line in lines:
        if line.id not in line_ids:
            continue
        under = found.get(line.id)
        fee = (
            schedule.fee_for(case.payer_id, line.code, line.modifier1 or "", under.service_date)
            if schedule is not None and under is not None and under.service_date is not None
            else None
        )
        rows.append(
            {
                "seq": line.seq,
                "procedure": line.code,
                "modifiers": _modifiers(line),
                "service_date": line.service_date,
                "contracted": under.expected if under else None,
                "allowed": under.allowed if under else None,
                "paid": line.paid,
                "variance": under.shortfall if under else None,
                "fee_in_force": _describe_fee(fee, schedule.source if schedule else ""),
            }
        )
    contracted = case.expected_payment if case.expected_payment is not None else Decimal("0")
    return (
        {
            "contracted": contracted,
            "allowed": contracted - case.at_risk,
            "paid": sum((line.paid for line in lines if line.id in line_ids), Decimal("0")),
            "variance": case.at_risk,
            "source": schedule.source if schedule is not None and found else "",
        },
        rows,
    )


def _describe_fee(fee: Any, source: str) -> str:
    if fee is None:
        return ""
    modifier = f" modifier {fee.modifier}" if fee.modifier else ""
    until = f" to {fee.end.isoformat()}" if fee.end else ""
    return (
        f"{source}: {fee.code}{modifier} at {_money(fee.allowed)}, "
        f"effective {fee.start.isoformat()}{until}"
    )


def _appeal_in_view(engine_or_conn: Engine | Connection, case: Case) -> tuple[int, date | None]:
    """The appeal level a letter argues and its deadline.

    A case already appealed argues its current level (deadline as filed); any other case
    the next level, with that level's window even for a correctable denial.
    """
    with transaction(engine_or_conn) as conn:
        if case.state == "appealed" and case.appeal_level > 0:
            filed = conn.execute(
                select(appeal_t.c.deadline).where(
                    appeal_t.c.case_id == case.id, appeal_t.c.level == case.appeal_level
                )
            ).scalar_one_or_none()
            return case.appeal_level, filed
        window = compute_deadline(conn, case, state="in_progress", correctable=False, due_date=None)
    return case.appeal_level + 1, window.due if window else None


# ---------------------------------------------------------------------------- documents


def document_for_case(engine_or_conn: Engine | Connection, case_id: int) -> DocumentChoice:
    """Which document the case needs: an appeal letter or a corrected-claim worksheet."""
    with transaction(engine_or_conn) as conn:
        case = get_case(conn, case_id)
        codes = [
            f"{r.group_code}-{r.reason_code}"
            for r in conn.execute(
                select(case_adj_t.c.group_code, case_adj_t.c.reason_code)
                .where(case_adj_t.c.case_id == case_id)
                .order_by(case_adj_t.c.id)
            )
        ]
        remarks = _remark_codes(conn, case.claim_id)
    return choose_document(case.next_action, remarks, codes)


def _remark_codes(conn: Connection, claim_id: int) -> list[str]:
    found: list[str] = []
    claim_remarks = conn.execute(
        select(claim_t.c.remark_codes).where(claim_t.c.id == claim_id)
    ).scalar_one_or_none()
    line_remarks = conn.execute(
        select(line_t.c.remark_codes).where(line_t.c.claim_id == claim_id).order_by(line_t.c.seq)
    ).scalars()
    for code in [*(claim_remarks or []), *(c for row in line_remarks for c in (row or []))]:
        if code not in found:
            found.append(code)
    return found


def appeal_letter_for_case(
    engine_or_conn: Engine | Connection,
    case_id: int,
    *,
    template: str | None = None,
    fills: Mapping[str, str] | None = None,
    final: bool = True,
    enclosures: Sequence[str] = (),
    appeal_anyway: bool = False,
    user_dir: Path | None = None,
) -> Letter:
    """The appeal letter of a case: template by category unless named, enclosures listed.

    A case whose next step is a corrected claim raises :class:`WrongDocumentError` naming
    the corrected-claim command; ``appeal_anyway`` overrides that only where the payer
    left appeal rights (never with MA130 or N211).
    """
    choice = document_for_case(engine_or_conn, case_id)
    if choice.kind == "corrected_claim":
        with transaction(engine_or_conn) as conn:
            rights = has_appeal_rights(_remark_codes(conn, get_case(conn, case_id).claim_id))
        if not (appeal_anyway and rights):
            hint = " (or appeal anyway with --appeal-anyway)" if rights else ""
            raise WrongDocumentError(
                f"case {case_id} needs a corrected claim, not an appeal letter: {choice.reason}; "
                f"write its worksheet with `denialops appeal corrected-claim {case_id} "
                f"--out FILE`{hint}"
            )
    case = get_case(engine_or_conn, case_id)
    loaded = load_template(template or template_for(case.category), user_dir)
    facts = case_facts(engine_or_conn, case_id, enclosures=enclosures)
    return render_letter(facts, loaded, fills, final=final)


def corrected_claim_for_case(
    engine_or_conn: Engine | Connection,
    case_id: int,
    *,
    fills: Mapping[str, str] | None = None,
    final: bool = True,
    user_dir: Path | None = None,
) -> Letter:
    """The corrected-claim worksheet of a case: what to fix, where, and how to resubmit."""
    loaded = load_template(CORRECTED_CLAIM_TEMPLATE, user_dir)
    return render_letter(case_facts(engine_or_conn, case_id), loaded, fills, final=final)
