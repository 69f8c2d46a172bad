"""Writing output files safely, and reading small YAML inputs with limits.

Every output a command writes (PDF, DOCX, packets, Parquet, CSV, charts) goes through
:func:`atomic_output` (a file object) or :func:`atomic_path` (a path, for libraries that
insist on writing by name): the bytes go to a temporary file in the destination's own
folder, are flushed to disk, and only then renamed over the destination. A full disk or
a crash therefore leaves the old file (or none), never a truncated one. A whole folder
(a Parquet export) is replaced the same way with :func:`atomic_directory`.

:func:`check_output_path` turns the usual mistakes (``--out`` naming a folder, a folder
that does not exist, no permission) into one :class:`~denialops.errors.OutputError` line.

:func:`load_yaml` reads user YAML (``--fills`` files, profiles) refusing anchors and
aliases, the mechanism of "billion laughs" bombs, and files over a size limit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import yaml

from denialops.errors import InputLimitError, OutputError

__all__ = [
    "MAX_YAML_BYTES",
    "atomic_directory",
    "atomic_output",
    "atomic_path",
    "check_output_path",
    "load_yaml",
]

MAX_YAML_BYTES = 1024 * 1024
"""A YAML input (placeholder fills, a profile file) larger than this is refused."""


def cache_key(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(absolute path, modification time or 0 when missing): the key settings files are
    cached under. One ``stat`` and no symlink resolution, since pages ask once per row."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        mtime = 0
    return os.path.abspath(path), mtime


def check_output_path(path: Path) -> None:
    """One clear :class:`OutputError` when ``path`` cannot be written as a file."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name (for example {path / 'out'}.pdf)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"{path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: no permission to write in {parent}")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: the file exists and is read-only")


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextmanager
def atomic_output(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A file object (binary, or UTF-8 text with ``text``) whose content replaces ``path``
    only when the block ends cleanly."""
    with atomic_path(path) as temporary:
        if text:
            with temporary.open("w", encoding="utf-8", newline="") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        else:
            with temporary.open("wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over it when the block ends cleanly.

    The temporary name keeps the destination's suffix (libraries choose the format by
    it) and starts with a dot, so a half-written file never looks like a finished one.
    """
    path = Path(path)
    check_output_path(path)
    try:
        fd, name = tempfile.mkstemp(
            dir=path.parent if str(path.parent) else ".",
            prefix=f".{path.stem}.",
            suffix=f".part{path.suffix}",
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """A fresh temporary folder beside ``path``; it replaces ``path`` (and everything an
    earlier run left in it) when the block ends cleanly, else it is removed."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file; give a folder")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    try:
        temporary = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".part"))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / path.name)
        os.replace(temporary, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases (shared nodes)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise InputLimitError(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not accepted"
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise InputLimitError(
                f"line {event.start_mark.line + 1}: YAML anchors (&{anchor}) are not accepted"
            )
        return super().compose_node(parent, index)


def load_yaml(text: str | bytes, *, name: str = "YAML", max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse user YAML safely: no anchors/aliases, no Python tags, at most ``max_bytes``.

    Raises :class:`InputLimitError` for refused input (naming ``name``) and
    ``yaml.YAMLError`` for text that is not YAML.
    """
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > max_bytes:
        raise InputLimitError(f"{name}: {size:,} bytes is over the limit of {max_bytes:,}")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except InputLimitError as exc:
        raise InputLimitError(f"{name}: {exc}") from None
