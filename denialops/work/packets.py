"""Appeal packets: one PDF with the cover letter, an index of enclosures, then each enclosure.

Enclosures are PDFs (pages copied as they are), images (one page each, scaled to fit)
or plain text (long lines wrapped inside the page), in the order given. The index lists
each enclosure with the pages it occupies in the packet, and every page is stamped with
the claim reference (our claim number, the payer's, the member id) and "Page X of N", so
a payer reviewer can cite a page, match it to the claim, and nobody can drop one
unnoticed.

:func:`case_enclosures` decides what a case's packet encloses (the case's documents not
marked internal, then the files given; internal documents and case notes only when
named), and :func:`build_case_packet` writes it with the letter listing exactly that
index: the CLI and the web app call these two.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from sqlalchemy import Connection, Engine, select

from denialops.errors import DocumentRejected
from denialops.files import atomic_output, check_output_path
from denialops.work.documents import MAX_BYTES, case_documents, check_file, verified_path
from denialops.work.letters import Letter, write_pdf, xml_safe


@dataclass(frozen=True, slots=True)
class Source:
    """One enclosure to be: a file, or text (a case note the user chose to enclose)."""

    name: str
    path: Path | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    number: int
    name: str
    first_page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Packet:
    pages: int
    letter_pages: int
    index_pages: int
    enclosures: list[Enclosure]


def build_packet(
    letter: Letter,
    attachments: Sequence[Path | Source],
    out: Path,
    *,
    max_bytes: int = MAX_BYTES,
    names: Sequence[str] | None = None,
) -> Packet:
    """Write the packet to ``out``; every attachment is checked before anything is written."""
    check_output_path(out)
    sources = [a if isinstance(a, Source) else Source(a.name, path=a) for a in attachments]
    labels = list(names) if names is not None else [src.name for src in sources]
    readers = [
        _as_pdf(src, label, max_bytes, letter.reference)
        for src, label in zip(sources, labels, strict=True)
    ]
    letter_pdf = io.BytesIO()
    letter_pages = write_pdf(letter, letter_pdf, page_numbers=False)
    counts = [len(r.pages) for r in readers]

    index_pages = 1
    while True:
        enclosures = _layout(labels, counts, letter_pages + index_pages + 1)
        index_pdf = _index_pdf(enclosures)
        rendered = len(PdfReader(io.BytesIO(index_pdf)).pages)
        if rendered == index_pages:
            break
        index_pages = rendered

    writer = PdfWriter()
    for source in (PdfReader(io.BytesIO(letter_pdf.getvalue())), PdfReader(io.BytesIO(index_pdf))):
        for page in source.pages:
            writer.add_page(page)
    for reader in readers:
        for page in reader.pages:
            writer.add_page(page)
    total = len(writer.pages)
    _stamp_page_numbers(writer, total, letter.reference)
    writer.add_metadata({"/Title": f"Appeal packet ({letter.template})", "/Producer": "denialops"})
    with atomic_output(out) as handle:
        writer.write(handle)
    return Packet(total, letter_pages, index_pages, enclosures)


def _layout(labels: Sequence[str], counts: Sequence[int], first: int) -> list[Enclosure]:
    enclosures = []
    page = first
    for number, (label, count) in enumerate(zip(labels, counts, strict=True), start=1):
        enclosures.append(Enclosure(number, label, page, count))
        page += count
    return enclosures


def _as_pdf(source: Source, label: str, max_bytes: int, reference: str = "") -> PdfReader:
    if source.path is None:
        return PdfReader(io.BytesIO(_text_pdf(source.text or "", reference)))
    path = source.path
    media_type, _size = check_file(path, max_bytes=max_bytes)
    if media_type == "application/pdf":
        try:
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                raise DocumentRejected(
                    f"{label}: the PDF is password-protected; enclose an open copy"
                )
            if not reader.pages:
                raise DocumentRejected(f"{label}: the PDF has no pages")
            return reader
        except PdfReadError as exc:
            raise DocumentRejected(f"{label}: not a readable PDF ({exc})") from None
    if media_type.startswith("image/"):
        return PdfReader(io.BytesIO(_image_pdf(path, label)))
    text = path.read_text(encoding="utf-8", errors="replace")
    return PdfReader(io.BytesIO(_text_pdf(text, reference)))


def _image_pdf(path: Path, label: str) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import inch
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    try:
        image = ImageReader(str(path))
        width, height = image.getSize()
    except Exception as exc:  # reportlab raises bare Exceptions for bad images
        raise DocumentRejected(f"{label}: not a readable image ({exc})") from None
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER, invariant=1)
    box_w, box_h = LETTER[0] - 2 * inch, LETTER[1] - 2 * inch
    scale = min(box_w / width, box_h / height, 1.0)
    draw_w, draw_h = width * scale, height * scale
    pdf.drawImage(image, (LETTER[0] - draw_w) / 2, (LETTER[1] - draw_h) / 2, draw_w, draw_h)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _text_pdf(text: str, reference: str = "") -> bytes:
    """Plain text in a fixed-width font, every line wrapped to fit inside the margins."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Preformatted, SimpleDocTemplate

    style = getSampleStyleSheet()["Code"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1)
    room = doc.width - style.leftIndent - style.rightIndent
    columns = max(20, int(room // stringWidth("M", style.fontName, style.fontSize)))
    doc.build([Preformatted(wrap_text(text, columns), style)])
    return buffer.getvalue()


def wrap_text(text: str, columns: int) -> str:
    """Each line cut to ``columns`` characters (continuations indented by two), tabs
    expanded, control characters dropped; blank lines kept."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = xml_safe(raw.expandtabs(4)).replace("\x0b", " ").replace("\x0c", " ")
        line = "".join(ch for ch in line if ch.isprintable() or ch == " ")
        if len(line) <= columns:
            out.append(line.rstrip())
            continue
        out.extend(
            textwrap.wrap(
                line,
                columns,
                subsequent_indent="  ",
                break_long_words=True,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
        )
    return "\n".join(out)


def _index_pdf(enclosures: Sequence[Enclosure]) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph("Index of enclosures", styles["Title"]), Spacer(1, 12)]
    if not enclosures:
        story.append(Paragraph("No enclosures.", styles["BodyText"]))
    for enc in enclosures:
        last = enc.first_page + enc.pages - 1
        span = f"page {enc.first_page}" if enc.pages == 1 else f"pages {enc.first_page}-{last}"
        name = enc.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        story.append(Paragraph(f"Enclosure {enc.number}: {name} ({span})", styles["BodyText"]))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1).build(story)
    return buffer.getvalue()


def _stamp_page_numbers(writer: PdfWriter, total: int, reference: str = "") -> None:
    from reportlab.pdfgen import canvas

    for number, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        width = float(box.width)
        height = float(box.height)
        buffer = io.BytesIO()
        stamp = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
        stamp.setFont("Helvetica", 8)
        stamp.drawRightString(width - 36, 20, f"Page {number} of {total}")
        if reference:
            stamp.drawString(36, 20, reference)
        stamp.showPage()
        stamp.save()
        page.merge_page(PdfReader(io.BytesIO(buffer.getvalue())).pages[0])


# ---------------------------------------------------------------------------- case packets


def case_enclosures(
    engine_or_conn: Engine | Connection,
    case_id: int,
    *,
    attach: Sequence[Path] = (),
    with_case_documents: bool = True,
    documents: Sequence[int] = (),
    notes: Sequence[int] = (),
) -> list[Source]:
    """What the case's packet encloses, in order.

    The case's documents first (unless ``with_case_documents`` is off), leaving out those
    attached as internal unless their id is in ``documents``; then the case notes named
    in ``notes`` (notes are internal: never enclosed otherwise); then ``attach``.
    """
    from denialops.work.cases import note_t, transaction

    chosen = set(documents)
    found: list[Source] = []
    known = {d.id: d for d in case_documents(engine_or_conn, case_id)}
    missing = sorted(chosen - set(known))
    if missing:
        raise DocumentRejected(
            f"case {case_id} has no document {', '.join(str(m) for m in missing)}"
        )
    for doc in known.values():
        if (with_case_documents and doc.enclose) or doc.id in chosen:
            found.append(Source(doc.filename, path=verified_path(doc)))
    if notes:
        with transaction(engine_or_conn) as conn:
            rows = {
                r.id: r
                for r in conn.execute(
                    select(note_t).where(note_t.c.case_id == case_id, note_t.c.id.in_(notes))
                )
            }
        for note_id in notes:
            row = rows.get(note_id)
            if row is None:
                raise DocumentRejected(f"case {case_id} has no note {note_id}")
            found.append(
                Source(
                    f"Note {note_id} ({row.author}, {row.created_at:%Y-%m-%d})",
                    text=row.text,
                )
            )
    found.extend(Source(path.name, path=path) for path in attach)
    return found


def build_case_packet(
    engine_or_conn: Engine | Connection,
    case_id: int,
    out: Path,
    *,
    enclosures: Sequence[Source],
    template: str | None = None,
    fills: Mapping[str, str] | None = None,
    final: bool = True,
    appeal_anyway: bool = False,
) -> tuple[Packet, Letter]:
    """Render the case's appeal letter listing ``enclosures`` and write the packet."""
    from denialops.work.letters import appeal_letter_for_case

    letter = appeal_letter_for_case(
        engine_or_conn,
        case_id,
        template=template,
        fills=fills,
        final=final,
        enclosures=[e.name for e in enclosures],
        appeal_anyway=appeal_anyway,
    )
    return build_packet(letter, enclosures, out), letter
