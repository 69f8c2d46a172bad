"""Finding the 835 files to ingest: plain files, folders (recursively) and zip archives.

Discovery returns :class:`Source` records that know how to open themselves, so a zip
member is streamed from the archive rather than extracted to disk.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

X12_SUFFIXES = frozenset({".835", ".837", ".edi", ".txt", ".x12"})
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Source:
    """One file to ingest: a path on disk, or a member of a zip archive."""

    path: Path
    member: str | None = None
    size: int = 0

    @property
    def name(self) -> str:
        """How the source is named in summaries and the database: ``a.zip!dir/b.835``."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A binary stream over the source's bytes (decompressed for zip members)."""
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
            return
        with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
            yield handle  # type: ignore[misc]

    def sha256(self) -> str:
        """Content hash, streamed, so a renamed copy of an ingested file is recognised."""
        digest = hashlib.sha256()
        with self.open() as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def read_from(self, offset: int) -> bytes:
        """The source's bytes from ``offset`` to the end (for quarantining a bad tail)."""
        with self.open() as handle:
            if self.member is None:
                handle.seek(offset)
            else:
                remaining = offset
                while remaining > 0:
                    skipped = handle.read(min(remaining, _HASH_CHUNK))
                    if not skipped:
                        break
                    remaining -= len(skipped)
            return handle.read()


def _starts_with_isa(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")


def looks_like_x12(name: str, head: bytes) -> bool:
    """True for an 835-looking name (.835/.edi/.txt/.x12) or content opening with ISA."""
    return Path(name).suffix.lower() in X12_SUFFIXES or _starts_with_isa(head)


def _file_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def _zip_members(path: Path) -> Iterator[Source]:
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            with archive.open(info) as handle:
                head = handle.read(64)
            if looks_like_x12(info.filename, head):
                yield Source(path=path, member=info.filename, size=info.file_size)


def _expand(path: Path, *, explicit: bool) -> Iterator[Source]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file():
                yield from _expand(child, explicit=False)
        return
    if zipfile.is_zipfile(path):
        yield from _zip_members(path)
        return
    # A file named on the command line is taken as it is; inside folders we only pick
    # what looks like X12 so stray READMEs and spreadsheets are not quarantined.
    if explicit or looks_like_x12(path.name, _file_head(path)):
        yield Source(path=path, size=path.stat().st_size)


def discover(paths: Sequence[str | Path]) -> list[Source]:
    """Every source under ``paths``, in a stable order, each once.

    Raises FileNotFoundError naming the first path that does not exist.
    """
    found: list[Source] = []
    seen: set[tuple[Path, str | None]] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        for source in _expand(path, explicit=True):
            key = (source.path.resolve(), source.member)
            if key not in seen:
                seen.add(key)
                found.append(source)
    return found
