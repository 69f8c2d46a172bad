"""Uploaded remittances: checked before anything is stored, then ingested like any file.

An upload is refused whole, with a sentence saying why, when it is too large, is neither
an X12 file (content opening with ``ISA``) nor a zip archive, or is a zip that could hurt
the server: too many members, a member name that climbs out of the archive (``..``,
absolute paths, drive letters), encrypted members, a member that expands more than
``max_zip_ratio`` times, or more than ``max_zip_total_bytes`` in all. Only then is the
file kept under the upload folder (named by its content hash) and handed to
:func:`denialops.pipeline.ingest_paths`, whose transaction sets are each stored
whole or quarantined whole.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine

from denialops.errors import UploadRejected as UploadRejected  # re-exported
from denialops.pipeline import IngestSummary, ingest_paths
from denialops.store.files import looks_like_x12
from denialops.web.config import WebSettings

X12_NAMES = (".835", ".edi", ".txt", ".x12")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    name: str
    kind: str  # "x12" | "zip"
    sha256: str
    size: int
    members: int


def safe_name(name: str) -> str:
    """The client's file name reduced to a harmless base name."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _SAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:100]


def _starts_with_isa(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")


def _bad_member_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    parts = re.split(r"[\\/]", name)
    return ".." in parts


def check_zip(data: bytes, name: str, settings: WebSettings) -> int:
    """The number of X12 members of a zip upload, or UploadRejected saying what is wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRejected(f"{name}: not a readable zip archive") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > settings.max_zip_members:
            raise UploadRejected(
                f"{name}: {len(infos)} files in the archive, the limit is "
                f"{settings.max_zip_members}"
            )
        total = 0
        x12 = 0
        for info in infos:
            if _bad_member_name(info.filename):
                raise UploadRejected(f"{name}: member {info.filename!r} has an unsafe path")
            if info.flag_bits & 0x1:
                raise UploadRejected(f"{name}: member {info.filename!r} is encrypted")
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > settings.max_zip_ratio:
                raise UploadRejected(
                    f"{name}: member {info.filename!r} expands {ratio:.0f} times "
                    f"(limit {settings.max_zip_ratio}); refused as a possible zip bomb"
                )
            total += info.file_size
            if total > settings.max_zip_total_bytes:
                raise UploadRejected(
                    f"{name}: the archive expands to more than "
                    f"{settings.max_zip_total_bytes:,} bytes"
                )
            with archive.open(info) as handle:
                head = handle.read(64)
            if looks_like_x12(info.filename, head):
                x12 += 1
        if x12 == 0:
            raise UploadRejected(f"{name}: the archive holds no 835 files")
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError):
            bad = "?"
        if bad is not None:
            raise UploadRejected(f"{name}: member {bad!r} is damaged")
        return x12


def check_upload(data: bytes, name: str, settings: WebSettings) -> CheckedUpload:
    """Refuse an upload that is empty, too big, or not an 835 or a zip of 835s."""
    clean = safe_name(name)
    if not data:
        raise UploadRejected(f"{clean}: the file is empty")
    if len(data) > settings.max_upload_bytes:
        raise UploadRejected(
            f"{clean}: {len(data):,} bytes is over the upload limit of "
            f"{settings.max_upload_bytes:,} bytes"
        )
    sha = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04") or clean.lower().endswith(".zip"):
        members = check_zip(data, clean, settings)
        return CheckedUpload(clean, "zip", sha, len(data), members)
    if not _starts_with_isa(data[:1024]):
        raise UploadRejected(
            f"{clean}: not an X12 835 file (it must begin with an ISA segment) "
            "nor a zip archive of them"
        )
    return CheckedUpload(clean, "x12", sha, len(data), 1)


def store_upload(data: bytes, checked: CheckedUpload, folder: Path) -> Path:
    """Keep the checked bytes under ``folder`` as ``<sha256[:16]>-<name>``."""
    folder.mkdir(parents=True, exist_ok=True)
    name = checked.name
    if checked.kind == "x12" and not name.lower().endswith(X12_NAMES):
        name += ".835"
    if checked.kind == "zip" and not name.lower().endswith(".zip"):
        name += ".zip"
    target = folder / f"{checked.sha256[:16]}-{name}"
    if not target.exists():
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        partial.replace(target)
    return target


def ingest_upload(
    engine: Engine, data: bytes, name: str, settings: WebSettings
) -> tuple[CheckedUpload, IngestSummary]:
    """Check, keep and ingest one uploaded file; UploadRejected before anything is stored."""
    checked = check_upload(data, name, settings)
    path = store_upload(data, checked, settings.upload_dir)
    return checked, ingest_paths(engine, [path])
