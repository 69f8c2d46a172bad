"""What one Spark task does, as plain functions (no Spark here): testable on one machine.

A *unit* of work is a whole file, a whole zip archive, or one piece of a large file cut at
transaction-set boundaries (:mod:`denialops.spark.split`). :func:`run_unit` ingests it with
the single-machine pipeline (:mod:`denialops.pipeline`: parse -> store -> classify ->
facts, the same reader, rules engine and fact statements) into a temporary SQLite
database, then reads the rows back out with **global ids** in place of the database's:

- remittance ``hash(file sha256, "r", ST segment number in the file)``
- claim ``hash(file sha256, "c", ST segment number, CLP sequence in the set)``
- service line ``... "l", ST segment number, CLP sequence, SVC sequence``
- adjustment ``... "a", ST segment number, segment order in the set, CAS triplet``

(:func:`global_id`: the first 63 bits of a SHA-256, so the same claim of the same file
gets the same id on every run and on every machine, whatever piece it was read in).

Facts that depend on other claims (initial adjudication, resubmission, coordination of
benefits, reversal links) are left as the piece computed them; the Spark job recomputes
them over the whole dataset from :class:`ClaimKey` rows (:mod:`denialops.spark.ingest`).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from denialops.analytics.fact_schema import BY_NAME, CLAIM_FACTS, FactTable
from denialops.spark.split import Offset, file_byte, file_segment, split_file
from denialops.store.files import Source, discover, looks_like_x12

DEFAULT_SPLIT_BYTES = 64 << 20
"""Files larger than this are cut into pieces of about this size (``--split-bytes``)."""


# --------------------------------------------------------------------------- ids


def global_id(sha256: str, kind: str, *parts: int) -> int:
    """A positive 63-bit id from the file's hash and the record's position in it."""
    key = "|".join([sha256, kind, *(str(p) for p in parts)]).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 1


# --------------------------------------------------------------------------- units


def display_name(url: str) -> str:
    """How a file is named in errors and datasets: the local path as the CLI names it
    (``file:/data/a.835`` -> ``/data/a.835``), else the URL as given (``s3a://b/a.835``)."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path)
    return url


@dataclass(frozen=True, slots=True)
class Unit:
    """One task's input: a file, an archive, or a piece of a large file."""

    name: str
    sha256: str
    data: bytes
    archive: bool = False
    piece: int = 0
    pieces: int = 1
    mapping: tuple[Offset, ...] = ((1, 0, 0, 0),)
    """How the unit's segment numbers and byte offsets map to the file's (split.Offset)."""


def looks_like_zip(name: str, data: bytes) -> bool:
    return name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


def units_of_file(
    url: str, data: bytes, *, explicit: bool, split_bytes: int = DEFAULT_SPLIT_BYTES
) -> list[Unit]:
    """The units a file becomes: nothing (not X12, found in a folder), the archive whole,
    or the file in pieces of about ``split_bytes`` at ST..SE boundaries."""
    name = display_name(url)
    sha = hashlib.sha256(data).hexdigest()
    if looks_like_zip(name, data):
        return [Unit(name, sha, data, archive=True)]
    if not (explicit or looks_like_x12(name, data[:64])):
        return []
    pieces, _problems = split_file(data, piece_bytes=split_bytes)
    return [
        Unit(name, sha, p.data, piece=p.index, pieces=len(pieces), mapping=p.mapping)
        for p in pieces
    ]  # fmt: skip


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ClaimKey:
    """What the cross-file facts need of a claim, besides its fact_claim row."""

    claim_id: int
    payer_id: str
    pcn: str
    icn: str
    status: str
    charge_cents: int
    source: str
    set_segment: int
    claim_seq: int
    sha256: str


@dataclass(frozen=True, slots=True)
class RawSet:
    """A stored transaction set, its raw X12 whole (lossless)."""

    remittance_id: int
    source: str
    sha256: str
    segment_number: int
    st_control: str
    payer_id: str
    trace_number: str
    fingerprint: str
    claims: int
    raw: bytes


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """What the single-machine ``quarantine`` table would hold for it (same error text)."""

    source: str
    sha256: str
    segment_number: int | None
    byte_offset: int | None
    st_control: str
    error: str
    error_segment: int | None
    error_element: str | None
    raw: bytes


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file (or archive member) the unit read, and whether it was read to the end."""

    source: str
    sha256: str
    size: int


@dataclass
class UnitResult:
    facts: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    claims: list[ClaimKey] = field(default_factory=list)
    raw_sets: list[RawSet] = field(default_factory=list)
    quarantine: list[QuarantineRow] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class _NamedSource(Source):
    """A source read from a temporary copy but named (and hashed) as the original."""

    display: str = ""
    file_sha: str = ""

    @property
    def name(self) -> str:
        return self.display

    def sha256(self) -> str:
        return self.file_sha


_TEMPLATE: dict[int, Path] = {}
_RULES: dict[str, Any] = {}


def _template_database() -> Path:
    """An empty migrated SQLite database, made once per worker process and copied per unit
    (migrating costs far more than copying)."""
    pid = os.getpid()
    found = _TEMPLATE.get(pid)
    if found is not None and found.exists():
        return found
    from denialops.store.database import Database

    folder = Path(tempfile.mkdtemp(prefix="denialops-spark-template-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.db"
    database = Database(str(path))
    try:
        database.migrate()
    finally:
        database.close()
    _TEMPLATE[pid] = path
    return path


def _ruleset(rules_text: str | None) -> Any:
    """The rules in force: shipped, plus the user's file sent by the driver (if any)."""
    from denialops.classify._rules import load_rules

    key = hashlib.sha256((rules_text or "").encode()).hexdigest()
    if key not in _RULES:
        if rules_text is None:
            previous = os.environ.pop("DENIALOPS_RULES", None)
            try:
                _RULES[key] = load_rules(None)
            finally:
                if previous is not None:
                    os.environ["DENIALOPS_RULES"] = previous
        else:
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
                handle.write(rules_text)
            try:
                _RULES[key] = load_rules(Path(handle.name))
            finally:
                os.unlink(handle.name)
    return _RULES[key]


def _steps(rules_text: str | None) -> list[Any]:
    """parse -> store (done by the pipeline) -> classify -> facts: the single-machine
    steps, with the user's rules (the work register's cases are not part of a Spark run)."""
    from denialops.classify.apply import classify_remittances
    from denialops.pipeline.steps import Batch, Step, facts_batch

    ruleset = _ruleset(rules_text)

    def classify(conn: Any, batch: Batch) -> None:
        classify_remittances(conn, batch.remittance_ids, ruleset)

    return [Step("classify", classify), Step("facts", facts_batch)]


def _sources(unit: Unit, folder: Path) -> list[Source]:
    if unit.archive:
        copy = folder / "archive.zip"
        copy.write_bytes(unit.data)
        found: list[Source] = []
        for member in discover([copy]):
            inner_name = member.name.replace(str(copy), unit.name, 1)
            sha = member.sha256()
            found.append(
                _NamedSource(path=member.path, member=member.member, size=member.size,
                             inner=member.inner, problem=member.problem,
                             display=inner_name, file_sha=sha)
            )  # fmt: skip
        return found
    copy = folder / "piece.x12"
    copy.write_bytes(unit.data)
    return [_NamedSource(path=copy, size=len(unit.data), display=unit.name, file_sha=unit.sha256)]


def run_unit(
    unit: Unit, *, rules_text: str | None = None, repair: frozenset[str] = frozenset()
) -> UnitResult:
    """Ingest one unit with the single-machine pipeline into a temporary SQLite database
    and read out its facts, claims, raw sets and quarantine rows with global ids."""
    from denialops.pipeline.run import IngestOptions, ingest_sources
    from denialops.store.database import Database

    folder = Path(tempfile.mkdtemp(prefix="denialops-spark-unit-"))
    try:
        db_path = folder / "unit.db"
        shutil.copyfile(_template_database(), db_path)
        sources = _sources(unit, folder)
        database = Database(str(db_path))
        try:
            ingest_sources(
                database.engine,
                sources,
                steps=_steps(rules_text),
                options=IngestOptions(repair=repair),
            )
        finally:
            database.close()
        return read_unit_database(db_path, unit)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- reading out


def _renumber(text: str, source: str, mapping: tuple[Offset, ...]) -> str:
    """``name, segment 12`` -> the file's segment number (a piece's error in file terms)."""
    pattern = re.compile(re.escape(source) + r", segment (\d+)")
    return pattern.sub(
        lambda m: f"{source}, segment {file_segment(mapping, int(m.group(1)))}", text
    )


def _segment(mapping: tuple[Offset, ...], value: int | None) -> int | None:
    return None if value is None else file_segment(mapping, int(value))


def _byte(mapping: tuple[Offset, ...], value: int | None) -> int | None:
    return None if value is None else file_byte(mapping, int(value))


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def read_unit_database(db_path: Path, unit: Unit) -> UnitResult:
    """The rows of a unit's temporary database, with global ids and file positions."""
    result = UnitResult()
    mapping = unit.mapping
    con = sqlite3.connect(str(db_path))
    try:
        files = {
            int(i): (str(path), str(sha), int(size or 0))
            for i, path, sha, size in con.execute(
                "SELECT id, path, sha256, size_bytes FROM source_file"
            )
        }
        for path, sha, size in files.values():
            result.files.append(SourceFile(path, sha, size))
        remits: dict[int, tuple[str, int]] = {}  # local id -> (file sha, ST segment in file)
        for row in con.execute(
            "SELECT id, file_id, segment_number, st_control, payer_id, trace_number, "
            "fingerprint, claim_count, raw_x12 FROM remittance ORDER BY id"
        ):
            rid, file_id, segment, st, payer, trace, fp, count, raw = row
            source, sha, _size = files[int(file_id)]
            number = file_segment(mapping, int(segment))
            remits[int(rid)] = (sha, number)
            result.raw_sets.append(
                RawSet(global_id(sha, "r", number), source, sha, number, str(st), str(payer),
                       str(trace), str(fp), int(count), zlib.decompress(raw))
            )  # fmt: skip
        claims: dict[int, tuple[str, int, int]] = {}
        for row in con.execute(
            "SELECT c.id, c.remittance_id, c.seq, c.payer_id, c.patient_control_number, "
            "COALESCE(c.payer_claim_control_number, ''), c.status, c.charge, f.path "
            "FROM claim c JOIN remittance r ON r.id = c.remittance_id "
            "JOIN source_file f ON f.id = r.file_id ORDER BY c.id"
        ):
            cid, rid, seq, payer, pcn, icn, status, charge, source = row
            sha, number = remits[int(rid)]
            gid = global_id(sha, "c", number, int(seq))
            claims[int(cid)] = (sha, number, int(seq))
            result.claims.append(
                ClaimKey(gid, str(payer), str(pcn), str(icn), str(status), int(charge or 0),
                         str(source), number, int(seq), sha)
            )  # fmt: skip
        lines: dict[int, int] = {}
        for lid, cid, seq in con.execute("SELECT id, claim_id, seq FROM service_line"):
            sha, number, claim_seq = claims[int(cid)]
            lines[int(lid)] = global_id(sha, "l", number, claim_seq, int(seq))
        adjustments: dict[int, int] = {}
        for aid, rid, order, position in con.execute(
            "SELECT id, remittance_id, segment_order, position FROM adjustment"
        ):
            sha, number = remits[int(rid)]
            adjustments[int(aid)] = global_id(sha, "a", number, int(order), int(position))
        ids = {
            "claim_id": lambda v: global_id(*_claim_parts(claims[int(v)])),
            "remittance_id": lambda v: global_id(remits[int(v)][0], "r", remits[int(v)][1]),
            "service_line_id": lambda v: None if v is None else lines[int(v)],
            "adjustment_id": lambda v: adjustments[int(v)],
        }
        for name in CLAIM_FACTS:
            result.facts[name] = list(_fact_rows(con, BY_NAME[name], ids))
        for row in con.execute(
            "SELECT q.path, q.segment_number, q.byte_offset, q.st_control, q.error, "
            "q.error_segment, q.error_element, q.raw_text, f.sha256 FROM quarantine q "
            "LEFT JOIN source_file f ON f.id = q.file_id ORDER BY q.id"
        ):
            path, segment, offset, st, error, err_seg, element, raw, sha = row
            result.quarantine.append(
                QuarantineRow(str(path), str(sha or unit.sha256), _segment(mapping, segment),
                              _byte(mapping, offset), str(st or ""),
                              _renumber(str(error), str(path), mapping),
                              _segment(mapping, err_seg), element, zlib.decompress(raw))
            )  # fmt: skip
    finally:
        con.close()
    return result


def _claim_parts(parts: tuple[str, int, int]) -> tuple[str, str, int, int]:
    sha, number, seq = parts
    return sha, "c", number, seq


def _fact_rows(
    con: sqlite3.Connection, table: FactTable, ids: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    columns = table.column_names
    kinds = [c.kind for c in table.columns]
    for row in con.execute(f"SELECT {', '.join(columns)} FROM {table.name}"):
        out: list[Any] = []
        for name, kind, value in zip(columns, kinds, row, strict=True):
            if name in ids:
                out.append(ids[name](value))
            elif kind == "date":
                out.append(_day(value))
            else:
                out.append(value)
        yield tuple(out)


# --------------------------------------------------------------------------- cross-file facts


def cob_level(status: str | None) -> int:
    """Coordination-of-benefits level of a CLP02 (as analytics.facts spells it in SQL)."""
    if status in ("1", "4", "19"):
        return 1
    if status in ("2", "20"):
        return 2
    if status in ("3", "21"):
        return 3
    return 0


def link_reversals(claims: Iterable[tuple[Any, ...]]) -> dict[int, int]:
    """Reversal -> original links among claims of one (payer, patient control number), in
    ingest order: ``(order, claim_id, status, icn, charge_cents)`` tuples.

    The rule of the single-machine store (:mod:`denialops.store.load`): a status-22 claim
    takes back the most recent earlier non-reversal claim of the same payer with its
    payer claim control number, else with its patient control number and charge (either
    sign); each original is taken back once.
    """
    from denialops.vocabulary import REVERSAL_STATUS

    taken: set[int] = set()
    links: dict[int, int] = {}
    earlier: list[tuple[int, str, int]] = []  # (claim_id, icn, charge) in order
    for _order, claim_id, status, icn, charge in sorted(claims, key=lambda c: c[0]):
        if status != REVERSAL_STATUS:
            earlier.append((claim_id, icn, charge))
            continue
        chosen = None
        if icn:
            chosen = next((c for c, i, _ in reversed(earlier) if i == icn and c not in taken), None)
        if chosen is None:
            chosen = next(
                (c for c, _, ch in reversed(earlier) if ch in (charge, -charge) and c not in taken),
                None,
            )
        if chosen is not None:
            taken.add(chosen)
            links[claim_id] = chosen
    return links


__all__ = [
    "DEFAULT_SPLIT_BYTES",
    "ClaimKey",
    "QuarantineRow",
    "RawSet",
    "SourceFile",
    "Unit",
    "UnitResult",
    "cob_level",
    "display_name",
    "global_id",
    "link_reversals",
    "looks_like_zip",
    "read_unit_database",
    "run_unit",
    "units_of_file",
]
