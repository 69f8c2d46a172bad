"""Documents attached to a case: checked, stored on disk under their content hash, audited.

Only what a packet can enclose is accepted (PDF, PNG, JPEG, plain text), recognised by
its first bytes as well as its name, up to a size limit; anything else is refused with
the reason. The bytes go to ``<store>/<sha256[:2]>/<sha256><ext>`` (the store is
``$DENIALOPS_DOCUMENTS_DIR``, else ``~/.local/share/denialops/documents``), so the same
file attached twice is kept once and any later change to it is detectable.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, Table, insert, select

from denialops.errors import DocumentRejected as DocumentRejected  # re-exported
from denialops.work.cases import _aware, _lock_row, _log, ensure_user, now, transaction
from denialops.work.tables import CaseDocument

DOCUMENTS_ENV = "DENIALOPS_DOCUMENTS_DIR"
MAX_BYTES = 20 * 1024 * 1024
MEDIA_TYPES: dict[str, tuple[tuple[str, ...], tuple[bytes, ...]]] = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "text/plain": ((".txt",), ()),
}
doc_t = cast(Table, CaseDocument.__table__)


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    case_id: int
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    stored_path: str
    uploaded_by: str
    uploaded_at: datetime
    enclose: bool = True
    """False for an internal document (never enclosed unless named for a packet)."""


def documents_dir() -> Path:
    chosen = os.environ.get(DOCUMENTS_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "denialops" / "documents"


def media_type_of(name: str, head: bytes) -> str:
    """The media type a file's name and first bytes agree on, or DocumentRejected."""
    suffix = Path(name).suffix.lower()
    for media_type, (suffixes, magics) in MEDIA_TYPES.items():
        if suffix not in suffixes:
            continue
        if magics and not any(head.startswith(m) for m in magics):
            raise DocumentRejected(
                f"{name}: the name says {media_type} but the content is not (first bytes differ)"
            )
        if not magics and b"\x00" in head:
            raise DocumentRejected(f"{name}: a .txt file must be text, this one holds binary data")
        return media_type
    allowed = ", ".join(s for suffixes, _ in MEDIA_TYPES.values() for s in suffixes)
    raise DocumentRejected(
        f"{name}: type {suffix or '(none)'} is not accepted; accepted: {allowed}"
    )


def followed_path(path: Path, *, base: Path | None = None) -> Path:
    """The file ``path`` names, following a symbolic link only inside ``base``.

    ``base`` is the user's working directory by default. A link (in the name or in any
    folder above it) that leads outside it is refused: attaching ``/etc/shadow`` through
    a link must never happen silently.
    """
    absolute = Path(os.path.abspath(path))
    try:
        resolved = absolute.resolve(strict=True)
    except (OSError, RuntimeError):
        raise DocumentRejected(f"{path.name}: no such file") from None
    if resolved == absolute:
        return resolved
    root = (base or Path.cwd()).resolve()
    if not resolved.is_relative_to(root):
        raise DocumentRejected(
            f"{path.name}: is a link to a file outside your working directory; "
            "attach the file itself"
        )
    return resolved


def check_file(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[str, int]:
    """(media type, size) of a file fit to attach, or DocumentRejected saying why not."""
    if not path.is_file():
        raise DocumentRejected(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise DocumentRejected(f"{path.name}: the file is empty")
    if size > max_bytes:
        raise DocumentRejected(
            f"{path.name}: {size:,} bytes is over the limit of {max_bytes:,} bytes"
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    return media_type_of(path.name, head), size


def attach_document(
    engine_or_conn: Engine | Connection,
    case_id: int,
    path: Path,
    *,
    user: str,
    store_dir: Path | None = None,
    max_bytes: int = MAX_BYTES,
    internal: bool = False,
    base: Path | None = None,
) -> Document:
    """Check, store and record a file on a case; attaching the same bytes again is a no-op.

    ``internal`` marks a document never to enclose in a packet (unless named for one).
    A symbolic link is followed only inside ``base`` (default: the working directory).
    """
    name = path.name
    path = followed_path(path, base=base)
    media_type, size = check_file(path, max_bytes=max_bytes)
    if Path(name).suffix.lower() != path.suffix.lower():
        media_type = media_type_of(name, path.read_bytes()[:4096])
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    target_dir = (store_dir or documents_dir()) / sha[:2]
    target = target_dir / f"{sha}{Path(name).suffix.lower()}"
    if not target.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(target)
    with transaction(engine_or_conn, write=True) as conn:
        ensure_user(conn, user)
        _lock_row(conn, case_id)
        existing = conn.execute(
            select(doc_t).where(doc_t.c.case_id == case_id, doc_t.c.sha256 == sha)
        ).first()
        if existing is not None:
            return _document(existing._mapping)
        doc_id = int(
            conn.execute(
                insert(doc_t)
                .values(
                    case_id=case_id,
                    filename=name[:255],
                    enclose=not internal,
                    media_type=media_type,
                    size_bytes=size,
                    sha256=sha,
                    stored_path=str(target),
                    uploaded_by=user,
                    uploaded_at=now(),
                )
                .returning(doc_t.c.id)
            ).scalar_one()
        )
        _log(
            conn,
            case_id,
            actor=user,
            action="attach",
            field="document",
            new=f"{doc_id} {name} sha256:{sha}",
        )
        row = conn.execute(select(doc_t).where(doc_t.c.id == doc_id)).one()
        return _document(row._mapping)


def case_documents(engine_or_conn: Engine | Connection, case_id: int) -> list[Document]:
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(doc_t).where(doc_t.c.case_id == case_id).order_by(doc_t.c.id)
        ).all()
    return [_document(r._mapping) for r in rows]


def verified_path(document: Document) -> Path:
    """The stored file, after checking its bytes still hash to what was recorded."""
    path = Path(document.stored_path)
    if not path.is_file():
        raise DocumentRejected(f"document {document.id}: stored file is missing")
    if hashlib.sha256(path.read_bytes()).hexdigest() != document.sha256:
        raise DocumentRejected(f"document {document.id}: stored file changed since it was attached")
    return path


def _document(row: object) -> Document:
    mapping = cast(dict[str, object], row)
    return Document(**{f.name: _aware(mapping[f.name]) for f in fields(Document)})
