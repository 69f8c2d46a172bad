"""Reading and writing code lists in the CSV layout X12 publishes.

X12's downloadable CARC/RARC lists have two columns, code and description. The
description runs over several lines and ends with dated lines::

    "16","Claim/service lacks information or has submission/billing error(s).
    Start: 01/01/1995
    Last Modified: 03/01/2018
    Notes: Related to 125"

We read that layout (quoted or not: a row whose first cell is not a code continues the
previous description) and also the ``code,description,start,stop[,source]`` layout of
the starting-point lists in ``refdata/`` (``stop=unknown``: deactivated, no published
date; ``source``: which source gave each field). Writing always produces X12's layout,
with the provenance as a ``Source:`` line and an undated stop as ``Stop: unknown``, so
the shipped package data and a user's newer list go through the same parser.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from denialops.errors import CodeSetError

CODE_PATTERN = re.compile(r"^(?:[A-Z]{1,2}\d{1,4}|\d{1,4})$")
_META_PATTERN = re.compile(
    r"(?P<key>Start|Stop|Last Modified|Notes|Source):\s*(?P<value>.*)$", re.IGNORECASE
)
_META_KEYS = {
    "start": "start",
    "stop": "stop",
    "last modified": "last_modified",
    "notes": "notes",
    "source": "source",
}
UNKNOWN_DATE = "unknown"
"""A stop date written as ``unknown``: the code is deactivated but no date was published."""


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code as a list gives it; dates are None where the source does not give them."""

    code: str
    text: str
    start: date | None = None
    stop: date | None = None
    last_modified: date | None = None
    notes: str = ""
    source: str = ""
    """Where each field came from (e.g. ``desc=x12org-2026-08-17;start=...``); free text."""
    stop_unknown: bool = False
    """Deactivated, but no source gives the stop date (RARC N793)."""

    @property
    def deactivated(self) -> bool:
        return self.stop is not None or self.stop_unknown


def _parse_date(value: str, *, code: str, line: int, source: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for layout in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    raise CodeSetError(
        f"{source}: line {line}: code {code}: date {value!r} is not MM/DD/YYYY or YYYY-MM-DD"
    )


def _split_description(
    lines: list[str], *, code: str, line: int, source: str
) -> tuple[str, dict[str, object]]:
    """Separate the description text from its trailing Start/Stop/Last Modified/Notes."""
    text_lines: list[str] = []
    meta: dict[str, object] = {}
    notes: list[str] = []
    in_notes = False
    for raw in lines:
        piece = raw.strip()
        match = _META_PATTERN.match(piece)
        if match:
            key = _META_KEYS[match.group("key").lower()]
            if key == "notes":
                in_notes = True
                notes.append(match.group("value").strip())
            elif key == "source":
                in_notes = False
                meta["source"] = match.group("value").strip()
            elif key == "stop" and match.group("value").strip().lower() == UNKNOWN_DATE:
                in_notes = False
                meta["stop_unknown"] = True
            else:
                in_notes = False
                meta[key] = _parse_date(match.group("value"), code=code, line=line, source=source)
        elif in_notes:
            notes.append(piece)
        elif piece:
            text_lines.append(piece)
    meta["notes"] = " ".join(n for n in notes if n)
    return " ".join(text_lines), meta


def parse_x12_code_list(content: str, *, source: str = "<text>") -> list[CodeEntry]:
    """Parse a code list in X12's published CSV layout (or the 4-column refdata layout).

    Raises CodeSetError naming the source and line when a row cannot be read, a code
    appears twice, or the list is empty.
    """
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    four_columns = False
    with_source = False
    pending: list[tuple[str, list[str], int, list[str]]] = []  # code, lines, line, extra
    last_end = 0
    for row in reader:
        line = last_end + 1  # where the record starts (a quoted cell may span lines)
        last_end = reader.line_num
        cells = list(row)
        if not any(cell.strip() for cell in cells):
            continue
        first = cells[0].strip()
        if first.lower() == "code" and pending == []:
            header = [c.strip().lower() for c in cells]
            four_columns = header[:4] == ["code", "description", "start", "stop"]
            with_source = four_columns and header[4:5] == ["source"]
            continue
        if CODE_PATTERN.match(first) and len(cells) >= 2:
            extra = [c.strip() for c in cells[2:]] if four_columns else []
            pending.append((first, cells[1].splitlines(), line, extra))
        elif pending:
            pending[-1][1].append(",".join(cells))
        else:
            raise CodeSetError(f"{source}: line {line}: expected a code in the first column")
    entries: list[CodeEntry] = []
    seen: dict[str, int] = {}
    for code, lines, line, extra in pending:
        if code in seen:
            raise CodeSetError(
                f"{source}: line {line}: code {code} already given on line {seen[code]}"
            )
        seen[code] = line
        text, meta = _split_description(lines, code=code, line=line, source=source)
        if not text:
            raise CodeSetError(f"{source}: line {line}: code {code} has no description")
        start = meta.get("start")
        stop = meta.get("stop")
        stop_unknown = bool(meta.get("stop_unknown"))
        provenance = str(meta.get("source", ""))
        if extra:
            start = _parse_date(extra[0], code=code, line=line, source=source) or start
            if len(extra) > 1 and extra[1].lower() == UNKNOWN_DATE:
                stop_unknown = True
            elif len(extra) > 1:
                stop = _parse_date(extra[1], code=code, line=line, source=source) or stop
            if with_source and len(extra) > 2:
                provenance = extra[2]
        last_modified = meta.get("last_modified")
        entries.append(
            CodeEntry(
                code=code,
                text=text,
                start=start if isinstance(start, date) else None,
                stop=stop if isinstance(stop, date) else None,
                last_modified=last_modified if isinstance(last_modified, date) else None,
                notes=str(meta.get("notes", "")),
                source=provenance,
                stop_unknown=stop_unknown and not isinstance(stop, date),
            )
        )
    if not entries:
        raise CodeSetError(f"{source}: no codes found")
    return entries


def _us_date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def write_x12_code_list(entries: list[CodeEntry]) -> str:
    """Render entries in X12's two-column layout (dates only where known)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["Code", "Description"])
    for entry in entries:
        lines = [entry.text]
        if entry.start:
            lines.append(f"Start: {_us_date(entry.start)}")
        if entry.stop:
            lines.append(f"Stop: {_us_date(entry.stop)}")
        elif entry.stop_unknown:
            lines.append(f"Stop: {UNKNOWN_DATE}")
        if entry.last_modified:
            lines.append(f"Last Modified: {_us_date(entry.last_modified)}")
        if entry.notes:
            lines.append(f"Notes: {entry.notes}")
        if entry.source:
            lines.append(f"Source: {entry.source}")
        writer.writerow([entry.code, "\n".join(lines)])
    return out.getvalue()
