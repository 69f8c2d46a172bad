"""CMS edit tables: NCCI procedure-to-procedure pairs, MUEs, add-on codes, HCPCS, POS.

Two sources, one interface (:class:`EditTables`):
- shipped with the package (``scrub/data``, see its PROVENANCE.md): the 2024-07-01 MUE
  tables, the 2024 add-on code edits, HCPCS Level II record fields and place of service
  codes, in plain CSV;
- installed by the user from CMS's quarterly files in CMS's own layout
  (``denialops refdata load-ncci`` / ``load-mue``) into a small SQLite file in the
  reference-data folder (``$DENIALOPS_REFDATA_DIR``, else
  ``~/.local/share/denialops/refdata``). NCCI PTP tables run to millions of pairs, so
  they are looked up in that file by index, never held in memory.

Dates are honoured by date of service: a PTP pair applies from its effective date up to
(not including) the day after its deletion date; an MUE table applies from its
effective date until a newer table for the same service type takes over.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from denialops.errors import CodeSetError

REFDATA_ENV = "DENIALOPS_REFDATA_DIR"
STORE_NAME = "cms.sqlite"

NcciKind = Literal["practitioner", "hospital"]
MueKind = Literal["practitioner", "outpatient_hospital", "dme"]
NCCI_KINDS: tuple[NcciKind, ...] = ("practitioner", "hospital")
MUE_KINDS: tuple[MueKind, ...] = ("practitioner", "outpatient_hospital", "dme")

PAIR_CACHE_CODES = 4096
"""Column 1 codes whose PTP rows a run keeps at hand (least recently used go first)."""

SHIPPED_MUE_EFFECTIVE = date(2024, 7, 1)
_SHIPPED_MUE_FILES: dict[MueKind, str] = {
    "practitioner": "mue_practitioner_2024-07-01.csv",
    "outpatient_hospital": "mue_outpatient_hospital_2024-07-01.csv",
    "dme": "mue_dme_2024-07-01.csv",
}
_CODE = re.compile(r"[0-9A-Z]{5}")
_YMD = re.compile(r"\d{8}")


def refdata_dir() -> Path:
    chosen = os.environ.get(REFDATA_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "denialops" / "refdata"


def _ymd(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _from_ymd(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One NCCI procedure-to-procedure pair: column 2 is not paid with column 1."""

    kind: NcciKind
    column1: str
    column2: str
    effective: date
    deletion: date | None
    modifier_indicator: str  # 0 never bypassed, 1 bypassed by an NCCI modifier, 9 n/a
    rationale: str

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.deletion is None or on <= self.deletion)


@dataclass(frozen=True, slots=True)
class Mue:
    """A medically unlikely edit: the most units of a code per line or per day."""

    code: str
    value: int
    adjudication: int  # 1 line edit, 2 date-of-service (policy), 3 date-of-service (clinical)
    rationale: str
    effective: date

    @property
    def per_day(self) -> bool:
        return self.adjudication in (2, 3)


@dataclass(frozen=True, slots=True)
class AddOnEdit:
    primary: str  # CCCCC = no specific primary
    add_on: str
    edit_type: int  # 1 only listed primaries, 2 payer decides, 3 some primaries listed


@dataclass(frozen=True, slots=True)
class HcpcsCode:
    code: str
    added: date | None
    terminated: date | None

    def valid_on(self, on: date) -> bool:
        if self.added is not None and on < self.added:
            return False
        return self.terminated is None or on <= self.terminated


@dataclass(frozen=True, slots=True)
class LoadResult:
    kind: str
    rows: int
    effective: date | None
    path: Path


# -- the shipped CSVs ----------------------------------------------------------------


def _shipped_rows(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("denialops.scrub").joinpath("data", name).read_text("utf-8")
    yield from csv.DictReader(io.StringIO(text))


def _iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def shipped_mue(kind: MueKind) -> dict[str, Mue]:
    return {
        row["hcpcs_cpt_code"]: Mue(
            row["hcpcs_cpt_code"],
            int(row["mue_value"]),
            int(row["mue_adjudication_indicator"]),
            row["mue_rationale"],
            SHIPPED_MUE_EFFECTIVE,
        )
        for row in _shipped_rows(_SHIPPED_MUE_FILES[kind])
    }


@cache
def add_on_edits() -> dict[str, list[AddOnEdit]]:
    """Add-on code -> its edits (one per listed primary, or one CCCCC row)."""
    found: dict[str, list[AddOnEdit]] = {}
    for row in _shipped_rows("ncci_add_on_codes_2024.csv"):
        edit = AddOnEdit(row["primary_code"], row["add_on_code"], int(row["aoc_edit_type"]))
        found.setdefault(edit.add_on, []).append(edit)
    return found


@cache
def hcpcs_level2() -> dict[str, HcpcsCode]:
    return {
        row["hcpcs_code"]: HcpcsCode(
            row["hcpcs_code"], _iso(row["date_added"]), _iso(row["date_term"])
        )
        for row in _shipped_rows("hcpcs_level2_2024-07.csv")
    }


@cache
def places_of_service() -> dict[str, str]:
    """POS code -> name (CMS list of June 2024); codes CMS lists as unassigned are left out."""
    rows = _shipped_rows("place_of_service_2024-06.csv")
    return {row["pos_code"]: row["pos_name"] for row in rows if row["pos_name"] != "Unassigned"}


# -- the user's store of CMS files ---------------------------------------------------

_INSERT_LOADED = (
    "INSERT INTO loaded_file (name, kind, table_name, rows, effective) VALUES (?,?,?,?,?)"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS ncci_ptp (
    kind TEXT NOT NULL, column1 TEXT NOT NULL, column2 TEXT NOT NULL,
    effective INTEGER NOT NULL, deletion INTEGER, modifier TEXT NOT NULL, rationale TEXT,
    PRIMARY KEY (kind, column1, column2, effective)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mue (
    kind TEXT NOT NULL, code TEXT NOT NULL, effective INTEGER NOT NULL,
    value INTEGER NOT NULL, adjudication INTEGER NOT NULL, rationale TEXT,
    PRIMARY KEY (kind, code, effective)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS loaded_file (
    name TEXT NOT NULL, kind TEXT NOT NULL, table_name TEXT NOT NULL,
    rows INTEGER NOT NULL, effective INTEGER, loaded_at TEXT NOT NULL DEFAULT (datetime('now'))
);
"""


def open_store(folder: Path | None = None, *, create: bool = False) -> sqlite3.Connection | None:
    """The user's CMS table store, or None when nothing was ever loaded (and not ``create``)."""
    path = (folder or refdata_dir()) / STORE_NAME
    if not path.exists() and not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    return conn


def _table_error(path: Path, line: int, message: str, expected: str) -> CodeSetError:
    return CodeSetError(f"{path.name}, line {line}: {message} (expected {expected})")


def read_ptp_file(path: Path) -> Iterator[tuple[str, str, int, int | None, str, str]]:
    """Rows of a CMS NCCI PTP file: (column1, column2, effective, deletion, modifier, rationale).

    CMS's layout: a copyright line and a few preamble lines (column titles that may run
    over several lines), then tab-separated rows: Column 1, Column 2, ``*`` when in
    existence prior to 1996, effective date YYYYMMDD, deletion date (``*`` = none),
    modifier indicator (0, 1, 9), rationale. A row that breaks the layout after the
    data began is an error naming the line; nothing is guessed.
    """
    started = False
    with path.open("r", encoding="latin-1", newline="") as stream:
        for number, raw in enumerate(stream, start=1):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            fields = [f.strip() for f in text.split("\t")]
            is_data = (
                len(fields) >= 6
                and _CODE.fullmatch(fields[0]) is not None
                and _CODE.fullmatch(fields[1]) is not None
                and _YMD.fullmatch(fields[3]) is not None
            )
            if not is_data:
                if started:
                    raise _table_error(
                        path,
                        number,
                        f"row {text[:60]!r} does not follow the PTP layout",
                        "column 1, column 2, *, effective YYYYMMDD, deletion, modifier, rationale "
                        "separated by tabs",
                    )
                continue
            started = True
            deletion_text, modifier = fields[4], fields[5]
            if deletion_text not in ("*", "") and _YMD.fullmatch(deletion_text) is None:
                raise _table_error(
                    path, number, f"deletion date {deletion_text!r}", "YYYYMMDD or *"
                )
            if modifier not in ("0", "1", "9"):
                raise _table_error(path, number, f"modifier indicator {modifier!r}", "0, 1 or 9")
            deletion = int(deletion_text) if _YMD.fullmatch(deletion_text) else None
            rationale = fields[6] if len(fields) > 6 else ""
            yield fields[0], fields[1], int(fields[3]), deletion, modifier, rationale
    if not started:
        raise _table_error(path, 0, "no PTP rows found", "CMS's tab-separated PTP layout")


def load_ptp(
    path: Path, kind: NcciKind, *, folder: Path | None = None, batch: int = 50_000
) -> LoadResult:
    """Install one CMS PTP file into the store (replacing rows with the same key)."""
    conn = open_store(folder, create=True)
    assert conn is not None
    rows = 0
    try:
        with conn:
            pending: list[tuple[object, ...]] = []
            for row in read_ptp_file(path):
                pending.append((kind, *row))
                if len(pending) >= batch:
                    conn.executemany(
                        "INSERT OR REPLACE INTO ncci_ptp VALUES (?,?,?,?,?,?,?)", pending
                    )
                    rows += len(pending)
                    pending.clear()
            conn.executemany("INSERT OR REPLACE INTO ncci_ptp VALUES (?,?,?,?,?,?,?)", pending)
            rows += len(pending)
            conn.execute(
                _INSERT_LOADED,
                (path.name, kind, "ncci_ptp", rows, None),
            )
    finally:
        conn.close()
    return LoadResult(kind, rows, None, (folder or refdata_dir()) / STORE_NAME)


_MUE_KIND_WORDS: tuple[tuple[str, MueKind], ...] = (
    ("practitioner", "practitioner"),
    ("outpatient hospital", "outpatient_hospital"),
    ("facility outpatient", "outpatient_hospital"),
    ("dme", "dme"),
)
_EFFECTIVE_IN_NAME = re.compile(r"(\d{1,2})[-_](\d{1,2})[-_](\d{4})")


def effective_from_name(name: str) -> date | None:
    """CMS names MUE files like ``MCR_MUE_PractitionerServices_Eff_07-01-2024.csv``."""
    found = _EFFECTIVE_IN_NAME.search(name)
    if found is None:
        return None
    month, day, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_mue_file(path: Path) -> tuple[MueKind, list[tuple[str, int, int, str]]]:
    """The service type and rows (code, value, adjudication, rationale) of a CMS MUE CSV.

    CMS's layout: a multi-line copyright header, then the column titles
    ``HCPCS/CPT Code, <Service type> MUE Values, MUE Adjudication Indicator, MUE
    Rationale``; the indicator reads like ``2 Date of Service Edit: Policy``.
    """
    text = path.read_text("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    kind: MueKind | None = None
    rows: list[tuple[str, int, int, str]] = []
    for row in reader:
        number = reader.line_num
        cells = [c.strip() for c in row]
        if kind is None:
            if cells and cells[0].lower().startswith("hcpcs") and len(cells) >= 3:
                title = cells[1].lower()
                kind = next((k for word, k in _MUE_KIND_WORDS if word in title), None)
                if kind is None:
                    raise _table_error(
                        path,
                        number,
                        f"column {cells[1]!r} names no known service type",
                        "Practitioner, Outpatient Hospital or DME Supplier Services MUE Values",
                    )
            continue
        if not any(cells):
            continue
        if len(cells) < 3 or _CODE.fullmatch(cells[0]) is None or not cells[1].isdigit():
            raise _table_error(
                path, number, f"row {','.join(cells)[:60]!r}", "code, MUE value, indicator"
            )
        indicator = cells[2][:1]
        if indicator not in ("1", "2", "3"):
            raise _table_error(path, number, f"adjudication indicator {cells[2]!r}", "1, 2 or 3")
        rows.append((cells[0], int(cells[1]), int(indicator), cells[3] if len(cells) > 3 else ""))
    if kind is None:
        raise _table_error(path, 0, "no column titles found", "a row starting 'HCPCS/CPT Code'")
    return kind, rows


def load_mue(
    path: Path, *, effective: date | None = None, folder: Path | None = None
) -> LoadResult:
    """Install one CMS MUE file; its effective date comes from the option or the file name."""
    kind, rows = read_mue_file(path)
    when = effective or effective_from_name(path.name)
    if when is None:
        raise CodeSetError(
            f"{path.name}: no effective date in the file name; pass --effective YYYY-MM-DD"
        )
    conn = open_store(folder, create=True)
    assert conn is not None
    try:
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO mue VALUES (?,?,?,?,?,?)",
                [(kind, code, _ymd(when), value, adj, why) for code, value, adj, why in rows],
            )
            conn.execute(
                _INSERT_LOADED,
                (path.name, kind, "mue", len(rows), _ymd(when)),
            )
    finally:
        conn.close()
    return LoadResult(kind, len(rows), when, (folder or refdata_dir()) / STORE_NAME)


class EditTables:
    """Everything the code edits look up, for one scrubbing run."""

    def __init__(self, folder: Path | None = None) -> None:
        self.store = open_store(folder)
        self._ptp_column1: dict[NcciKind, frozenset[str]] = {}
        self._pairs_cache: OrderedDict[tuple[str, str], dict[str, list[PtpEdit]]] = OrderedDict()
        self._mue_loaded: dict[MueKind, list[tuple[date, dict[str, Mue]]]] = {}

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> EditTables:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def has_ptp(self) -> bool:
        if self.store is None:
            return False
        return self.store.execute("SELECT 1 FROM ncci_ptp LIMIT 1").fetchone() is not None

    def _column1_codes(self, kind: NcciKind) -> frozenset[str]:
        found = self._ptp_column1.get(kind)
        if found is None:
            if self.store is None:
                found = frozenset()
            else:
                found = frozenset(
                    r[0]
                    for r in self.store.execute(
                        "SELECT DISTINCT column1 FROM ncci_ptp WHERE kind = ?", (kind,)
                    )
                )
            self._ptp_column1[kind] = found
        return found

    def _pairs_of(self, kind: NcciKind, column1: str) -> dict[str, list[PtpEdit]]:
        """Every PTP row with this column 1 code, by column 2 (one indexed query, cached:
        claims repeat a few hundred codes endlessly, so most lookups never reach SQLite)."""
        key = (kind, column1)
        found = self._pairs_cache.get(key)
        if found is not None:
            self._pairs_cache.move_to_end(key)
            return found
        found = {}
        assert self.store is not None
        for c2, eff, dele, mod, why in self.store.execute(
            "SELECT column2, effective, deletion, modifier, rationale FROM ncci_ptp "
            "WHERE kind = ? AND column1 = ?",
            (kind, column1),
        ):
            effective = _from_ymd(eff)
            assert effective is not None
            edit = PtpEdit(kind, column1, c2, effective, _from_ymd(dele), mod, why or "")
            found.setdefault(c2, []).append(edit)
        self._pairs_cache[key] = found
        if len(self._pairs_cache) > PAIR_CACHE_CODES:
            self._pairs_cache.popitem(last=False)
        return found

    def ptp_pairs(self, kind: NcciKind, codes: Iterable[str], on: date) -> list[PtpEdit]:
        """The PTP edits in force on ``on`` between any two of ``codes``."""
        distinct = set(codes)
        if self.store is None or len(distinct) < 2:
            return []
        column1 = self._column1_codes(kind)
        found: list[PtpEdit] = []
        for first in sorted(distinct & column1):
            pairs = self._pairs_of(kind, first)
            for second in sorted(distinct):
                if second == first:
                    continue
                for edit in pairs.get(second, ()):
                    if edit.in_force(on):
                        found.append(edit)
        return found

    def _mue_tables(self, kind: MueKind) -> list[tuple[date, dict[str, Mue]]]:
        found = self._mue_loaded.get(kind)
        if found is not None:
            return found
        found = [(SHIPPED_MUE_EFFECTIVE, shipped_mue(kind))]
        if self.store is not None:
            by_date: dict[date, dict[str, Mue]] = {}
            for code, eff, value, adj, why in self.store.execute(
                "SELECT code, effective, value, adjudication, rationale FROM mue WHERE kind = ?",
                (kind,),
            ):
                when = _from_ymd(eff)
                assert when is not None
                by_date.setdefault(when, {})[code] = Mue(code, value, adj, why or "", when)
            found.extend(by_date.items())
        found.sort(key=lambda item: item[0], reverse=True)
        self._mue_loaded[kind] = found
        return found

    def mue(self, kind: MueKind, code: str, on: date) -> Mue | None:
        """The MUE in force for a code on a date of service (the newest table not after it)."""
        tables = self._mue_tables(kind)
        if len(tables) == 1 and on >= tables[0][0]:
            return tables[0][1].get(code)  # the common case: only the shipped table
        for effective, table in tables:
            if effective <= on:
                return table.get(code)
        # Before every table we hold: the oldest is the best evidence there is.
        return tables[-1][1].get(code) if tables else None
