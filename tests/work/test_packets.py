"""Packets: cover letter, index, enclosures in order, every page numbered; documents checked."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from denialops.errors import DocumentRejected, OutputError
from denialops.work.documents import check_file, media_type_of
from denialops.work.letters import Letter
from denialops.work.packets import build_packet


def _pdf(path: Path, labels: list[str]) -> Path:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER)
    for label in labels:
        pdf.drawString(72, 700, label)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def _png(path: Path, width: int = 40, height: int = 20) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


LETTER_TEXT = "# Appeal\n\nCOVER LETTER BODY for claim PCN-1\n\n## Enclosures\n- records\n"


def test_packet_has_letter_index_enclosures_in_order_and_page_numbers(tmp_path: Path) -> None:
    first = _pdf(tmp_path / "records.pdf", ["ENCLOSURE-A PAGE 1", "ENCLOSURE-A PAGE 2"])
    image = _png(tmp_path / "scan.png")
    notes = tmp_path / "notes.txt"
    notes.write_text("ENCLOSURE-C physician statement\n")
    out = tmp_path / "packet.pdf"

    packet = build_packet(Letter("general", LETTER_TEXT), [first, image, notes], out)

    reader = PdfReader(str(out))
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert packet.pages == len(reader.pages) == 1 + 1 + 2 + 1 + 1
    assert (packet.letter_pages, packet.index_pages) == (1, 1)
    assert "COVER LETTER BODY" in texts[0]
    assert "Index of enclosures" in texts[1]
    assert "Enclosure 1: records.pdf (pages 3-4)" in texts[1]
    assert "Enclosure 2: scan.png (page 5)" in texts[1]
    assert "Enclosure 3: notes.txt (page 6)" in texts[1]
    assert "ENCLOSURE-A PAGE 1" in texts[2] and "ENCLOSURE-A PAGE 2" in texts[3]
    assert "ENCLOSURE-C physician statement" in texts[5]
    assert reader.pages[4].images, "the image page carries the image"
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of 6" in text
    assert [(e.number, e.first_page, e.pages) for e in packet.enclosures] == [
        (1, 3, 2),
        (2, 5, 1),
        (3, 6, 1),
    ]


def test_packet_refuses_bad_attachments_before_writing(tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"this is not a pdf")
    out = tmp_path / "packet.pdf"
    with pytest.raises(DocumentRejected, match="fake.pdf: the name says application/pdf"):
        build_packet(Letter("general", LETTER_TEXT), [fake], out)
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("a.exe", b"MZ", "type .exe is not accepted"),
        ("a.png", b"%PDF-1.4", "the name says image/png"),
        ("a.txt", b"abc\x00def", "holds binary data"),
        ("noext", b"%PDF-", r"type \(none\) is not accepted"),
    ],
)
def test_types_are_checked_by_name_and_content(name: str, head: bytes, message: str) -> None:
    with pytest.raises(DocumentRejected, match=message):
        media_type_of(name, head)


def test_size_limits(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(DocumentRejected, match="empty"):
        check_file(empty)
    big = tmp_path / "big.txt"
    big.write_text("x" * 2048)
    with pytest.raises(DocumentRejected, match="2,048 bytes is over the limit of 1,024"):
        check_file(big, max_bytes=1024)
    assert check_file(big) == ("text/plain", 2048)


def test_attached_documents_are_stored_by_hash_once_and_audited(tmp_path: Path) -> None:
    from denialops.store.db import make_engine
    from denialops.store.migrate import upgrade
    from denialops.work import events
    from denialops.work.documents import attach_document, case_documents, verified_path
    from tests.work.builders import claim, ingest, remittance

    url = f"sqlite:///{tmp_path / 'docs.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(
        engine, remittance([claim("D1", charge="10", paid="0", adjustments=[("CO", "50", "10")])])
    )
    store = tmp_path / "store"
    scan = _pdf(tmp_path / "scan.pdf", ["SCAN"])
    first = attach_document(engine, 1, scan, user="ann", store_dir=store)
    again = attach_document(engine, 1, scan, user="ann", store_dir=store)
    assert again == first
    assert first.media_type == "application/pdf" and first.size_bytes == scan.stat().st_size
    stored = Path(first.stored_path)
    assert stored.parent.parent == store and stored.name == f"{first.sha256}.pdf"
    assert [d.id for d in case_documents(engine, 1)] == [first.id]
    attach_rows = [e for e in events(engine, 1) if e.action == "attach"]
    assert len(attach_rows) == 1 and first.sha256 in (attach_rows[0].new_value or "")

    assert verified_path(first) == stored
    stored.write_bytes(stored.read_bytes() + b"tampered")
    with pytest.raises(DocumentRejected, match="changed since it was attached"):
        verified_path(first)
    with pytest.raises(DocumentRejected, match="is not accepted"):
        attach_document(engine, 1, _png(tmp_path / "x.gif"), user="ann", store_dir=store)
    engine.dispose()


def test_a_packet_is_written_atomically_into_an_existing_folder_only(tmp_path: Path) -> None:
    letter = Letter("general", LETTER_TEXT)
    with pytest.raises(OutputError, match="does not exist"):
        build_packet(letter, [], tmp_path / "no" / "such" / "packet.pdf")
    assert not (tmp_path / "no").exists()  # no folder made behind the user's back
    with pytest.raises(OutputError, match="is a folder"):
        build_packet(letter, [], tmp_path)
    out = tmp_path / "packet.pdf"
    out.write_bytes(b"earlier packet")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(DocumentRejected):
        build_packet(letter, [bad], out)
    assert out.read_bytes() == b"earlier packet"
    build_packet(letter, [], out)
    assert PdfReader(str(out)).pages and sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.pdf",
        "packet.pdf",
    ]
