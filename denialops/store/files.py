"""Finding the 835 files to ingest: plain files, folders (recursively) and zip archives.

Discovery returns :class:`Source` records that know how to open themselves, so a zip
member is streamed from the archive rather than extracted to disk.

Only regular files and zip members are ever read: a path named on the command line
that is a device (``/dev/zero``), a FIFO or a socket is refused with one line
(:class:`~denialops.errors.InputLimitError`) before anything is read; inside folders such
entries are skipped. A zip inside a zip is read, down to :data:`MAX_ZIP_DEPTH`
archives; deeper ones, corrupt archives and members whose CRC does not match become
sources that cannot be read: reading one raises an X12 error (so the ingest quarantines
the archive's bytes, see :meth:`Source.read_from`) and the run goes on.
"""

from __future__ import annotations

import hashlib
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from denialops.errors import InputLimitError, X12SyntaxError

X12_SUFFIXES = frozenset({".835", ".837", ".edi", ".txt", ".x12"})
_HASH_CHUNK = 1 << 20
MAX_ZIP_DEPTH = 3
"""Archives inside archives are read down to this many levels (the outer one is 1)."""
MAX_ARCHIVE_QUARANTINE = 256 << 20
"""The most of a broken archive's bytes kept in the quarantine."""
_SPOOL = 32 << 20  # an inner archive is held in memory up to this size, on disk beyond
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass(frozen=True, slots=True)
class Source:
    """One file to ingest: a path on disk, or a member of a zip archive.

    ``inner`` names the archives inside ``path`` that lead to ``member`` (a zip in a
    zip); ``problem`` says why the source cannot be read (a corrupt archive, a bad CRC,
    nesting too deep): opening it then raises X12SyntaxError on the first read.
    """

    path: Path
    member: str | None = None
    size: int = 0
    inner: tuple[str, ...] = ()
    problem: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        """How the source is named in summaries and the database: ``a.zip!dir/b.835``."""
        parts = [str(self.path), *self.inner]
        if self.member:
            parts.append(self.member)
        return "!".join(parts)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A binary stream over the source's bytes (decompressed for zip members)."""
        if self.problem:
            yield _Unreadable(self.problem, self.name)  # type: ignore[misc]
            return
        if self.member is None:
            with self.path.open("rb") as handle:
                yield handle
            return
        with ExitStack() as stack:
            archive = _open_chain(stack, self.path, self.inner)
            member: IO[bytes] = stack.enter_context(archive.open(self.member))
            yield _Checked(member, self.name)  # type: ignore[misc]

    def sha256(self) -> str:
        """Content hash, streamed, so a renamed copy of an ingested file is recognised.

        A member that turns out unreadable (bad CRC, corrupt data) is marked with a
        ``problem`` and hashed by its archive's bytes instead.
        """
        digest = hashlib.sha256()
        try:
            with self.open() as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
        except X12SyntaxError as exc:
            if not self.problem:
                object.__setattr__(self, "problem", exc.message)
            digest = hashlib.sha256(b"unreadable\x00" + self.name.encode())
            digest.update(self._archive_bytes())
        return digest.hexdigest()

    def read_from(self, offset: int) -> bytes:
        """The source's bytes from ``offset`` to the end (for quarantining a bad tail).

        For a source that cannot be read: the bytes of the archive that holds the
        problem, whole (up to :data:`MAX_ARCHIVE_QUARANTINE`), so it can be repaired.
        """
        if self.problem:
            return self._archive_bytes()
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

    def _archive_bytes(self) -> bytes:
        """The bytes of the archive holding the problem: the file, or an inner archive."""
        try:
            with ExitStack() as stack:
                if not self.inner:
                    handle: IO[bytes] = stack.enter_context(self.path.open("rb"))
                else:
                    outer = _open_chain(stack, self.path, self.inner[:-1])
                    handle = stack.enter_context(outer.open(self.inner[-1]))
                return handle.read(MAX_ARCHIVE_QUARANTINE)
        except (*_ZIP_ERRORS, OSError):
            return b""


class _Unreadable:
    """The stream of a source that cannot be read: the first read says why."""

    def __init__(self, problem: str, name: str) -> None:
        self._problem = problem
        self.name = name

    def read(self, size: int = -1) -> bytes:
        raise _unreadable(self._problem, self.name)


class _Checked:
    """A zip member's stream whose zip errors (bad CRC, corrupt data) are X12 errors."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self._handle = handle
        self.name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except _ZIP_ERRORS as exc:
            raise _unreadable(f"archive member cannot be read: {exc}", self.name) from None


def _unreadable(problem: str, name: str) -> X12SyntaxError:
    return X12SyntaxError(
        problem,
        file=name,
        segment_number=0,
        expected="a readable zip archive; the archive is quarantined whole",
    )


def _open_chain(stack: ExitStack, path: Path, inner: tuple[str, ...]) -> zipfile.ZipFile:
    """Open ``path`` as a zip and each archive named in ``inner`` inside the previous."""
    archive = stack.enter_context(zipfile.ZipFile(path))
    for name in inner:
        spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL))
        with archive.open(name) as handle:
            while chunk := handle.read(_HASH_CHUNK):
                spool.write(chunk)
        spool.seek(0)
        archive = stack.enter_context(zipfile.ZipFile(spool))
    return archive


def _starts_with_isa(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")


def looks_like_x12(name: str, head: bytes) -> bool:
    """True for an 835-looking name (.835/.edi/.txt/.x12) or content opening with ISA."""
    return Path(name).suffix.lower() in X12_SUFFIXES or _starts_with_isa(head)


def _looks_like_zip(name: str, head: bytes) -> bool:
    return name.lower().endswith(".zip") or head.startswith(b"PK\x03\x04")


def _file_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def _zip_members(path: Path, inner: tuple[str, ...] = ()) -> Iterator[Source]:
    """The readable members of an archive, archives inside it too; problems as sources."""
    try:
        with ExitStack() as stack:
            archive = _open_chain(stack, path, inner)
            infos = sorted(archive.infolist(), key=lambda i: i.filename)
            found: list[Source] = []
            for info in infos:
                if info.is_dir():
                    continue
                with archive.open(info) as handle:
                    head = handle.read(64)
                if _looks_like_zip(info.filename, head):
                    found.extend(_nested(path, (*inner, info.filename)))
                elif looks_like_x12(info.filename, head):
                    found.append(
                        Source(path=path, member=info.filename, size=info.file_size, inner=inner)
                    )
    except _ZIP_ERRORS as exc:
        yield _broken(path, inner, f"corrupt zip archive: {exc}")
        return
    yield from found


def _nested(path: Path, inner: tuple[str, ...]) -> list[Source]:
    if len(inner) >= MAX_ZIP_DEPTH:
        problem = f"zip archive nested deeper than {MAX_ZIP_DEPTH} archives: not read"
        return [_broken(path, inner, problem)]
    return list(_zip_members(path, inner))


def _broken(path: Path, inner: tuple[str, ...], problem: str) -> Source:
    """A source standing for an archive that cannot be read (quarantined whole).

    An inner archive is named as a member of the archive holding it.
    """
    if inner:
        return Source(path=path, member=inner[-1], inner=inner[:-1], problem=problem)
    return Source(path=path, size=path.stat().st_size, problem=problem)


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _expand(path: Path, *, explicit: bool) -> Iterator[Source]:
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        for child in sorted(path.rglob("*")):
            if child.is_file():  # regular files only (devices, FIFOs, sockets skipped)
                yield from _expand(child, explicit=False)
        return
    if not stat.S_ISREG(mode):
        raise InputLimitError(
            f"{path} is {_kind(mode)}: only regular files, folders and zip archives are read"
        )
    head = _file_head(path)
    if zipfile.is_zipfile(path) or _looks_like_zip(path.name, head):
        yield from _zip_members(path)
        return
    # A file named on the command line is taken as it is; inside folders we only pick
    # what looks like X12 so stray READMEs and spreadsheets are not quarantined.
    if explicit or looks_like_x12(path.name, head):
        yield Source(path=path, size=path.stat().st_size)


def discover(paths: Sequence[str | Path]) -> list[Source]:
    """Every source under ``paths``, in a stable order, each once.

    Raises FileNotFoundError naming the first path that does not exist, and
    :class:`~denialops.errors.InputLimitError` for one that is a device, FIFO or socket.
    """
    found: list[Source] = []
    seen: set[tuple[Path, tuple[str, ...], str | None]] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        for source in _expand(path, explicit=True):
            key = (source.path.resolve(), source.inner, source.member)
            if key not in seen:
                seen.add(key)
                found.append(source)
    return found
