"""Appeal packets: one PDF with the cover letter, an index of enclosures, then each enclosure.

Enclosures are PDFs (pages copied as they are), images (one page each, scaled to fit)
or plain text, in the order given. The index lists each enclosure with the pages it
occupies in the packet, and every page is stamped "Page X of N" so a payer reviewer
can cite a page and nobody can drop one unnoticed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from denialops.errors import DocumentRejected
from denialops.files import atomic_output, check_output_path
from denialops.work.documents import MAX_BYTES, check_file
from denialops.work.letters import Letter, write_pdf


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
    attachments: Sequence[Path],
    out: Path,
    *,
    max_bytes: int = MAX_BYTES,
    names: Sequence[str] | None = None,
) -> Packet:
    """Write the packet to ``out``; every attachment is checked before anything is written."""
    check_output_path(out)
    labels = list(names) if names is not None else [p.name for p in attachments]
    readers = [
        _as_pdf(path, label, max_bytes) for path, label in zip(attachments, labels, strict=True)
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
    _stamp_page_numbers(writer, total)
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


def _as_pdf(path: Path, label: str, max_bytes: int) -> PdfReader:
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
    return PdfReader(io.BytesIO(_text_pdf(path.read_text(encoding="utf-8", errors="replace"))))


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


def _text_pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Preformatted, SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1)
    doc.build([Preformatted(text, getSampleStyleSheet()["Code"])])
    return buffer.getvalue()


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


def _stamp_page_numbers(writer: PdfWriter, total: int) -> None:
    from reportlab.pdfgen import canvas

    for number, page in enumerate(writer.pages, start=1):
        width = float(page.mediabox.width)
        height = float(page.mediabox.height)
        buffer = io.BytesIO()
        stamp = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
        stamp.setFont("Helvetica", 8)
        stamp.drawRightString(width - 36, 20, f"Page {number} of {total}")
        stamp.showPage()
        stamp.save()
        page.merge_page(PdfReader(io.BytesIO(buffer.getvalue())).pages[0])
