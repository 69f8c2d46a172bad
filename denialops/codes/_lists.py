"""The CARC and RARC lists in force: shipped package data plus a user's newer list.

The package ships X12-layout files in ``denialops/codes/data`` with a provenance record
next to each. ``denialops refdata load-codes FILE`` parses a newer X12 list with the same
parser and writes it to the user's code directory (``$DENIALOPS_CODES_DIR``, else
``$XDG_DATA_HOME/denialops/codes``, else ``~/.local/share/denialops/codes``); a code
there replaces the shipped code of the same name and adds codes the package lacks, so a
partial list is safe to load.

A code is judged on a date: ``expired`` on or after its stop date, ``not_yet_valid``
before its start date, ``active`` inside known dates, ``unknown`` when the list gives no
start date and no stop date rules it out (codes newer than the dated sources, e.g.
CARC 307), ``deactivated`` when the list says it was deactivated without a date
(RARC N793): no day can be judged, so it is reported on every date.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from denialops.codes._x12csv import (
    CodeEntry,
    parse_x12_code_list,
    write_x12_code_list,
)
from denialops.errors import CodeSetError

ListName = Literal["carc", "rarc"]
CodeStatus = Literal["active", "expired", "not_yet_valid", "unknown", "deactivated"]
LIST_NAMES: tuple[ListName, ...] = ("carc", "rarc")
CODES_DIR_ENV = "DENIALOPS_CODES_DIR"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """A code with its official text, dates where known, and its status on the asked date."""

    code: str
    text: str
    start: date | None
    stop: date | None
    last_modified: date | None
    status: CodeStatus
    source: str = ""
    """Which source gave the text and each date (see ``denialops/codes/data/PROVENANCE.md``)."""
    stop_unknown: bool = False

    @property
    def deactivated(self) -> bool:
        """Deactivated at some date (whatever the date asked about)."""
        return self.stop is not None or self.stop_unknown

    @property
    def is_alert(self) -> bool:
        """RARCs worded "Alert: ..." inform; they never give a reason to deny."""
        return self.text.lstrip().lower().startswith("alert:")


def status_on(entry: CodeEntry, on: date) -> CodeStatus:
    """Judge a code by its dates on one day (stop dates are exclusive)."""
    if entry.stop is not None and on >= entry.stop:
        return "expired"
    if entry.stop_unknown:
        return "deactivated"
    if entry.start is not None:
        return "not_yet_valid" if on < entry.start else "active"
    return "unknown"


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CodeList:
    """One list (CARC or RARC) as in force: shipped entries overlaid by the user's."""

    name: ListName
    entries: dict[str, CodeEntry]
    provenance: tuple[dict[str, object], ...]

    def lookup(self, code: str, on: date | None = None) -> CodeInfo | None:
        entry = self.entries.get(code.strip().upper())
        if entry is None:
            return None
        return CodeInfo(
            code=entry.code,
            text=entry.text,
            start=entry.start,
            stop=entry.stop,
            last_modified=entry.last_modified,
            status=status_on(entry, on or today()),
            source=entry.source,
            stop_unknown=entry.stop_unknown,
        )

    def text(self, code: str) -> str:
        """The code's text, "" when unknown: what a screen prints beside a code."""
        entry = self.entries.get(code.strip().upper())
        return entry.text if entry is not None else ""

    def in_force(self, on: date | None = None) -> list[str]:
        """Codes not expired and already valid on the date (undated codes count)."""
        day = on or today()
        return [c for c, e in self.entries.items() if status_on(e, day) in ("active", "unknown")]


def user_codes_dir() -> Path:
    """Where loaded code lists live (see the module docstring)."""
    return Path(_user_dir_text())


def _package_text(filename: str) -> str:
    return resources.files("denialops.codes").joinpath("data", filename).read_text("utf-8")


def _read_provenance(text: str | None) -> dict[str, object]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


@lru_cache(maxsize=8)
def _load(name: ListName, user_dir: str, user_mtime: float) -> CodeList:
    del user_mtime  # part of the cache key only: a newly loaded list invalidates the cache
    entries = {
        e.code: e
        for e in parse_x12_code_list(_package_text(f"{name}.csv"), source=f"package {name}.csv")
    }
    provenance = [_read_provenance(_package_text(f"{name}.provenance.json"))]
    user_file = Path(user_dir) / f"{name}.csv"
    if user_file.exists():
        for entry in parse_x12_code_list(user_file.read_text("utf-8"), source=str(user_file)):
            entries[entry.code] = entry
        prov_file = user_file.with_suffix(".provenance.json")
        if prov_file.exists():
            provenance.append(_read_provenance(prov_file.read_text("utf-8")))
    return CodeList(name=name, entries=entries, provenance=tuple(provenance))


def _user_dir_text() -> str:
    explicit = os.environ.get(CODES_DIR_ENV)
    if explicit:
        return explicit
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(base, "denialops", "codes")


def code_list(name: ListName) -> CodeList:
    """The list in force (cached until the user's file changes; cheap to call often)."""
    user_dir = _user_dir_text()
    try:
        mtime = os.stat(os.path.join(user_dir, f"{name}.csv")).st_mtime
    except OSError:
        mtime = 0.0
    return _load(name, user_dir, mtime)


def carc(code: str, on: date | None = None) -> CodeInfo | None:
    """The CARC (X12 external code source 139) with its status on ``on`` (default today)."""
    return code_list("carc").lookup(code, on)


def rarc(code: str, on: date | None = None) -> CodeInfo | None:
    """The RARC (X12 external code source 411) with its status on ``on`` (default today)."""
    return code_list("rarc").lookup(code, on)


def detect_list(entries: list[CodeEntry]) -> ListName:
    """RARCs start with M or N (M1, MA130, N386); CARCs never do."""
    rarc_like = sum(1 for e in entries if e.code[0] in "MN")
    return "rarc" if rarc_like * 2 > len(entries) else "carc"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What ``load-codes`` did, for the command to report."""

    list_name: ListName
    path: Path
    codes: int
    with_dates: int
    expired_today: int
    deactivated: int = 0
    """Codes with a stop date (or ``Stop: unknown``) in the list, whatever the date."""


def load_code_file(
    source: Path,
    *,
    list_name: ListName | None = None,
    into: Path | None = None,
    note: str = "",
) -> LoadResult:
    """Parse an X12-layout list and install it (user directory, or ``into``).

    The same function rebuilt the shipped package data (``into`` = the package's data
    folder), so what users load and what ships cannot drift apart.
    """
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise CodeSetError(f"{source}: cannot read ({exc.strerror})") from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content = raw.decode("cp1252")
    entries = parse_x12_code_list(content, source=source.name)
    detected = detect_list(entries)
    name = list_name or detected
    if name != detected:
        raise CodeSetError(f"{source.name}: looks like a {detected.upper()} list, not {name}")
    target_dir = into or user_codes_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{name}.csv"
    target.write_text(write_x12_code_list(entries), encoding="utf-8")
    with_dates = sum(1 for e in entries if e.start or e.stop or e.last_modified)
    provenance = {
        "list": name,
        "source_file": source.name,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "codes": len(entries),
        "codes_with_dates": with_dates,
        "deactivated": sum(1 for e in entries if e.deactivated),
        "note": note,
    }
    target.with_suffix(".provenance.json").write_text(
        json.dumps(provenance, indent=2) + "\n", encoding="utf-8"
    )
    _load.cache_clear()
    day = today()
    return LoadResult(
        list_name=name,
        path=target,
        codes=len(entries),
        with_dates=with_dates,
        expired_today=sum(1 for e in entries if status_on(e, day) in ("expired", "deactivated")),
        deactivated=sum(1 for e in entries if e.deactivated),
    )
