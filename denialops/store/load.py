"""Turning one :class:`~denialops.x12.remittance.Remittance` into database rows, fast.

Ingest speed is bounded by how many rows per second we can hand to the database, so this
module avoids everything that costs per row: no ORM objects, no round-trip per row for
primary keys (ids are reserved up front: ``max(id)+1`` on SQLite under ``BEGIN
IMMEDIATE``, a batch of ``nextval`` on PostgreSQL), and one DBAPI ``executemany`` per
table per transaction set with values already in the driver's native form.

The caller owns the transaction; :func:`store_remittance` only inserts (and links
reversals) on the connection it is given.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table

from denialops.money import fmt, total
from denialops.store import schema
from denialops.store.database import SQLDialect, driver_cursor
from denialops.vocabulary import REVERSAL_STATUS as REVERSAL_STATUS
from denialops.x12.remittance import Adjustment, Claim, Party, Remittance, ServiceLine

REMITTANCE = cast(Table, schema.Remittance.__table__)
CLAIM = cast(Table, schema.Claim.__table__)
SERVICE_LINE = cast(Table, schema.ServiceLine.__table__)
ADJUSTMENT = cast(Table, schema.Adjustment.__table__)
PROVIDER_ADJUSTMENT = cast(Table, schema.ProviderAdjustment.__table__)

ZLIB_LEVEL = 1
"""Fast compression: raw_x12 is kept for losslessness and rarely read; on synthetic 835
text level 1 took a third less time than the default level 6 for ~15% more bytes."""

CLAIM_COLUMNS = (
    "id remittance_id seq payer_id patient_control_number status charge paid "
    "patient_responsibility filing_indicator payer_claim_control_number facility_type "
    "frequency drg patient_id patient_last_name patient_first_name rendering_npi "
    "statement_from statement_to received_date service_date remark_codes line_count "
    "balanced reverses_claim_id reversed_by_claim_id denial_status denied_amount detail"
).split()
LINE_COLUMNS = (
    "id claim_id seq qualifier code modifier1 modifier2 modifier3 modifier4 charge paid "
    "revenue_code units original_code service_date service_date_end control_number allowed "
    "remark_codes balanced detail"
).split()
ADJUSTMENT_COLUMNS = (
    "id remittance_id claim_id service_line_id level segment_order position group_code "
    "reason_code amount quantity rarcs needs_review"
).split()
PLB_COLUMNS = (
    "id remittance_id provider_id fiscal_period_date reason reference amount segment_order position"
).split()


# --------------------------------------------------------------------------- values


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_dumps = json.JSONEncoder(default=_json_default, separators=(",", ":")).encode


def to_json(value: object) -> str:
    """JSON text for a JSON column; Decimals as strings, dates as ISO."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return _dumps(value)


@lru_cache(maxsize=4096)
def _codes_json(codes: tuple[str, ...]) -> str:
    """Remark code lists repeat endlessly (["N130"], ["MA01", "N20"]): encode each once."""
    return _dumps(list(codes)) if codes else "[]"


def codes_json(codes: list[str]) -> str:
    return _codes_json(tuple(codes)) if codes else "[]"


def memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` with a cache for one batch: a remittance repeats the same few amounts
    and dates endlessly, and a dict lookup costs a tenth of a Decimal quantize.

    Zero is never cached: ``Decimal("-0") == Decimal("0")`` but they format differently.
    """
    cache: dict[Any, Any] = {}
    get = cache.get

    def run(value: Any) -> Any:
        found = get(value)
        if found is None:
            found = convert(value)
            if value:
                cache[value] = found
        return found

    return run


Adapters = SQLDialect
"""Deprecated name of :class:`denialops.store.database.SQLDialect` (the dialect adapter)."""


def adapters_for(conn: Connection) -> SQLDialect:
    """The dialect adapter for a connection: ``SQLDialect.of(conn)``."""
    return SQLDialect.of(conn)


def insert_sql(table: Table, columns: Sequence[str], placeholder: str) -> str:
    names = ", ".join(columns)
    marks = ", ".join([placeholder] * len(columns))
    return f"INSERT INTO {table.name} ({names}) VALUES ({marks})"


# --------------------------------------------------------------------------- ids


def reserve_ids(
    cursor: Any, dialect: str, counts: Sequence[tuple[Table, int]]
) -> list[Sequence[int]]:
    """Fresh primary keys for several tables: :meth:`SQLDialect.reserve_ids`."""
    return SQLDialect.for_dialect(dialect).reserve_ids(cursor, counts)


# --------------------------------------------------------------------------- detail

_PATIENT_COLUMNS = frozenset({"entity", "name", "first_name", "identifier"})
_CLAIM_DATE_COLUMNS = frozenset({"232", "233", "050"})


def _party(party: Party | None, skip: frozenset[str] = frozenset()) -> dict[str, object]:
    """The party's non-empty fields, in declaration order (attribute by attribute: this
    runs for every claim, and plain attribute reads are several times a ``getattr``)."""
    if party is None:
        return {}
    p = party
    found: dict[str, object] = {}
    for name, value in (
        ("entity", p.entity),
        ("name", p.name),
        ("first_name", p.first_name),
        ("middle_name", p.middle_name),
        ("suffix", p.suffix),
        ("entity_type", p.entity_type),
        ("id_qualifier", p.id_qualifier),
        ("identifier", p.identifier),
        ("address_lines", p.address_lines),
        ("city", p.city),
        ("state", p.state),
        ("postal_code", p.postal_code),
        ("country", p.country),
        ("refs", p.refs),
        ("contacts", p.contacts),
        ("extra_segments", p.extra_segments),
    ):
        if value and name not in skip:
            found[name] = value
    return found


def remittance_detail(rem: Remittance) -> dict[str, object]:
    """What the remittance columns do not hold, so the row is complete without raw_x12."""
    env = rem.envelope
    detail: dict[str, object] = {
        "envelope": {name: getattr(env, name) for name in type(env).__slots__},
        "payer": _party(rem.payer),
        "payee": _party(rem.payee),
        "segment_count": rem.segment_count,
        "implementation_version": rem.implementation_version,
    }
    optional: dict[str, object] = {
        "payment_format": rem.payment.format_code,
        "payment_elements": rem.payment.elements,
        "warnings": list(rem.warnings),
        "trace_type": rem.trace_type,
        "trace_reference": rem.trace_reference,
        "header_refs": rem.header_refs,
        "header_dates": rem.header_dates,
        "currency": rem.currency,
        "header_summaries": rem.header_summaries,
        "extra_segments": rem.extra_segments,
    }
    detail.update((k, v) for k, v in optional.items() if v)
    return detail


def claim_detail(claim: Claim) -> dict[str, object]:
    """What the claim columns do not hold (the patient's name and id are columns)."""
    detail: dict[str, object] = {}
    if claim.drg_weight is not None:
        detail["drg_weight"] = claim.drg_weight
    if claim.discharge_fraction is not None:
        detail["discharge_fraction"] = claim.discharge_fraction
    if claim.header_number:
        detail["header_number"] = claim.header_number
    patient = _party(claim.patient, _PATIENT_COLUMNS)
    if patient:
        detail["patient"] = patient
    for key, party in (
        ("insured", claim.insured),
        ("rendering", claim.rendering),
        ("corrected_patient", claim.corrected_patient),
        ("crossover", claim.crossover),
    ):
        if party is not None:
            detail[key] = _party(party)
    if claim.other_parties:
        detail["other_parties"] = [_party(p) for p in claim.other_parties]
    if any(q not in _CLAIM_DATE_COLUMNS for q, _ in claim.dates):
        detail["dates"] = claim.dates
    for key, value in (
        ("inpatient", claim.inpatient),
        ("outpatient", claim.outpatient),
        ("refs", claim.refs),
        ("amounts", claim.amounts),
        ("quantities", claim.quantities),
        ("extra_segments", claim.extra_segments),
    ):
        if value:
            detail[key] = value
    return detail


def line_detail(line: ServiceLine) -> dict[str, object]:
    """What the line columns do not hold; usually nothing, so usually ``{}``."""
    dates = line.dates
    simple_dates = not dates or (
        len(dates) == 1 and dates[0][0] == "472" and dates[0][1] == line.service_date
    )
    if (
        simple_dates
        and len(line.modifiers) <= 4
        and not line.description
        and not line.original_qualifier
        and not line.original_modifiers
        and not line.original_description
        and line.original_units is None
        and not line.refs
        and not line.amounts
        and not line.quantities
        and not line.other_remarks
        and not line.extra_segments
    ):
        return {}
    optional: dict[str, object] = {
        "modifiers": line.modifiers if len(line.modifiers) > 4 else [],
        "description": line.description,
        "original_qualifier": line.original_qualifier,
        "original_modifiers": line.original_modifiers,
        "original_description": line.original_description,
        "original_units": line.original_units,
        "dates": [] if simple_dates else dates,
        "refs": line.refs,
        "amounts": line.amounts,
        "quantities": line.quantities,
        "other_remarks": line.other_remarks,
        "extra_segments": line.extra_segments,
    }
    return {k: v for k, v in optional.items() if v}


# --------------------------------------------------------------------------- identity


@dataclass(slots=True)
class ClaimTotals:
    """Count and sums of a remittance's claims: what its row and envelope fingerprint say
    about them, accumulated chunk by chunk when the claims stream past."""

    count: int = 0
    charge: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)

    @classmethod
    def of(cls, claims: Sequence[Claim]) -> ClaimTotals:
        return cls().add(claims)

    def add(self, claims: Sequence[Claim]) -> ClaimTotals:
        self.count += len(claims)
        self.charge += total(c.charge for c in claims)
        self.paid += total(c.paid for c in claims)
        return self


def envelope_fingerprint(rem: Remittance, totals: ClaimTotals | None = None) -> str:
    """The fingerprint stored before content mattered: payer, trace number, amount,
    date, claim count and totals only (kept to recognise rows stored that way).
    ``totals`` stand for ``rem.claims`` when the claims streamed past."""
    pay = rem.payment
    sums = totals if totals is not None else ClaimTotals.of(rem.claims)
    parts = (
        rem.payer_id,
        rem.trace_number,
        fmt(pay.amount),
        pay.credit_debit,
        pay.payment_date.isoformat() if pay.payment_date else "",
        str(sums.count),
        fmt(sums.charge),
        fmt(sums.paid),
        fmt(rem.provider_adjustment_total()),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _adjustment_parts(adjustments: Sequence[Adjustment], money: Callable[[Any], str]) -> str:
    return ";".join(
        f"{a.group}-{a.reason}:{money(a.amount)}:{'' if a.quantity is None else a.quantity}"
        for a in adjustments
    )


def claim_parts(claims: Iterable[Claim], money: Callable[[Any], str] = fmt) -> str:
    """The claims' share of :func:`fingerprint`: every claim, line and adjustment amount,
    in file order, as one text (``"\x1f"``-joined; empty for no claims). Pieces of one
    remittance's claims can be computed chunk by chunk and joined with ``"\x1f"``."""
    parts: list[str] = []
    append = parts.append
    for claim in claims:
        append(
            "\x1e".join(
                (
                    claim.patient_control_number,
                    claim.status,
                    money(claim.charge),
                    money(claim.paid),
                    ""
                    if claim.patient_responsibility is None
                    else money(claim.patient_responsibility),
                    claim.payer_claim_control_number,
                    _adjustment_parts(claim.adjustments, money),
                )
            )
        )
        for line in claim.lines:
            append(
                "\x1d".join(
                    (
                        line.code,
                        ",".join(line.modifiers),
                        money(line.charge),
                        money(line.paid),
                        _adjustment_parts(line.adjustments, money),
                    )
                )
            )
    return "\x1f".join(parts)


def fingerprint_of(envelope: str, claims: Iterable[str], rem: Remittance) -> str:
    """:func:`fingerprint` from its pieces: the envelope fingerprint, the claims' parts
    (:func:`claim_parts`, per chunk, in order) and the remittance's PLBs."""
    parts = [envelope]
    parts.extend(chunk for chunk in claims if chunk)
    parts.extend(
        f"{p.provider_id}:{p.reason}:{p.reference}:{fmt(p.amount)}"
        for p in rem.provider_adjustments
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def fingerprint(rem: Remittance) -> str:
    """Identity of a payment by its content: the envelope figures of
    :func:`envelope_fingerprint` plus every claim, line, adjustment and PLB amount.

    Two transaction sets with the same fingerprint are the same payment sent twice (a
    re-sent file, a renamed copy, the same 835 inside a zip); the second is skipped.
    Envelope control numbers and formatting do not count; the claims do: a set with the
    same payer, trace number and totals but other claims or CAS lines is another payment.
    """
    return fingerprint_of(envelope_fingerprint(rem), [claim_parts(rem.claims)], rem)


# --------------------------------------------------------------------------- balance


@dataclass(slots=True)
class BalanceFlags:
    """Which parts of a remittance are out of balance (indexes into claims/lines)."""

    payment: bool = True
    claims: set[int] = field(default_factory=set)
    lines: set[tuple[int, int]] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reversals


@dataclass(slots=True)
class StoredRemittance:
    """What :func:`store_remittance` wrote, for the ingest summary."""

    remittance_id: int
    claim_ids: Sequence[int]
    claims: int
    service_lines: int
    adjustments: int
    reversals_read: int
    """Status-22 claims in the set (a reversal the payer sent, linked or not)."""
    reversals_linked: int
    """Of those, the ones linked to the claim they take back."""


def _find_reversed_in_db(
    cursor: Any, payer_id: str, reversal: Claim, taken: set[int], ad: Adapters
) -> int | None:
    """The most recent stored, unreversed, non-reversal claim this reversal takes back."""
    mark = ad.placeholder
    base = (
        f"SELECT id FROM claim WHERE payer_id = {mark} AND status <> '{REVERSAL_STATUS}' "
        "AND reversed_by_claim_id IS NULL AND "
    )
    queries: list[tuple[str, tuple[Any, ...]]] = []
    if reversal.payer_claim_control_number:
        queries.append(
            (
                base + f"payer_claim_control_number = {mark} ORDER BY id DESC",
                (payer_id, reversal.payer_claim_control_number),
            )
        )
    queries.append(
        (
            base + f"patient_control_number = {mark} AND charge IN ({mark}, {mark}) "
            "ORDER BY id DESC",
            (
                payer_id,
                reversal.patient_control_number,
                ad.money(reversal.charge),
                ad.money(-reversal.charge),
            ),
        )
    )
    for sql, params in queries:
        cursor.execute(sql, params)
        for (claim_id,) in cursor.fetchall():
            if claim_id not in taken:
                return int(claim_id)
    return None


class _ReversalLinker:
    """Finds the claim each status-22 claim of a batch takes back.

    The most recent candidate wins: an original earlier in the batch (the same
    transaction set or an earlier one: not yet in the database) is looked for first,
    matched on payer and payer claim control number, or payer, patient control number
    and charge; then the stored claims, newest first. Each original is taken back once.
    The back-links are (reversal id, original id) pairs for an UPDATE once every row
    exists: a forward reference inside one insert would trip the foreign key.
    """

    def __init__(self, cursor: Any, ad: Adapters) -> None:
        self.cursor = cursor
        self.ad = ad
        self.by_icn: dict[tuple[str, str], list[int]] = {}
        self.by_pcn: dict[tuple[str, str], list[tuple[int, Decimal]]] = {}
        self.taken: set[int] = set()
        self.back_links: list[tuple[int, int]] = []

    def add(self, payer_id: str, claim: Claim, claim_id: int) -> int | None:
        """Record a claim of the batch (in file order); the original it reverses, if any."""
        if not claim.is_reversal:
            if claim.payer_claim_control_number:
                key = (payer_id, claim.payer_claim_control_number)
                self.by_icn.setdefault(key, []).append(claim_id)
            pcn_key = (payer_id, claim.patient_control_number)
            self.by_pcn.setdefault(pcn_key, []).append((claim_id, claim.charge))
            return None
        original = self._in_batch(payer_id, claim)
        if original is None:
            original = _find_reversed_in_db(self.cursor, payer_id, claim, self.taken, self.ad)
        if original is None:
            return None
        self.taken.add(original)
        self.back_links.append((claim_id, original))
        return original

    def _in_batch(self, payer_id: str, reversal: Claim) -> int | None:
        candidates: list[int] = []
        icn = reversal.payer_claim_control_number
        if icn:
            candidates.extend(self.by_icn.get((payer_id, icn), ()))
        charges = (reversal.charge, -reversal.charge)
        candidates.extend(
            claim_id
            for claim_id, charge in self.by_pcn.get((payer_id, reversal.patient_control_number), ())
            if charge in charges
        )
        free = [claim_id for claim_id in candidates if claim_id not in self.taken]
        return max(free) if free else None


# --------------------------------------------------------------------------- store

REMITTANCE_COLUMNS = (
    "id file_id fingerprint segment_number isa_control gs_control st_control sender_id "
    "receiver_id version handling_code payment_amount credit_debit payment_method "
    "payment_date trace_number trace_originator production_date payer_id payer_name "
    "payee_name payee_id_qualifier payee_id claim_count total_charge total_paid plb_total "
    "balanced balance_errors detail raw_x12 ingested_at"
).split()


@dataclass(slots=True)
class ToStore:
    """A remittance ready to store: its fingerprint (known to be new) and balance flags."""

    rem: Remittance
    fingerprint: str
    flags: BalanceFlags


@dataclass(frozen=True, slots=True)
class _Converters:
    """The dialect's value converters for one batch, memoised where they cost (SQLite's
    cents and ISO dates; PostgreSQL's are the identity and stay bare)."""

    money: Callable[[Decimal | None], Any]
    amount: Callable[[Decimal], Any]
    quantity: Callable[[Decimal | None], Any]
    day: Callable[[date | None], Any]

    @classmethod
    def of(cls, ad: Adapters) -> _Converters:
        if ad.name != "sqlite":
            return cls(ad.money, ad.amount, ad.quantity, ad.day)
        return cls(ad.money, ad.amount, ad.quantity, memoised(ad.day))


@dataclass(slots=True)
class _Rows:
    """Rows of a batch, per table, in the loader's column order."""

    remittances: list[tuple[Any, ...]] = field(default_factory=list)
    claims: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    adjustments: list[tuple[Any, ...]] = field(default_factory=list)
    plbs: list[tuple[Any, ...]] = field(default_factory=list)


def _sizes(rem: Remittance) -> tuple[int, int]:
    """(service lines, adjustments) of a remittance."""
    line_total = 0
    adj_total = 0
    for c in rem.claims:
        adj_total += len(c.adjustments)
        for ln in c.lines:
            line_total += 1
            adj_total += len(ln.adjustments)
    return line_total, adj_total


def store_remittance(
    conn: Connection,
    rem: Remittance,
    file_id: int,
    *,
    fingerprint_value: str,
    flags: BalanceFlags,
    now: datetime | None = None,
) -> StoredRemittance:
    """Insert one remittance with all its claims, lines, adjustments and PLBs."""
    return store_remittances(conn, file_id, [ToStore(rem, fingerprint_value, flags)], now=now)[0]


def store_remittances(
    conn: Connection,
    file_id: int,
    items: Sequence[ToStore],
    *,
    now: datetime | None = None,
) -> list[StoredRemittance]:
    """Insert a batch of remittances with all their claims, lines, adjustments and PLBs.

    The caller has already checked the fingerprints and holds the write transaction.
    Ids for the whole batch are reserved at once and each table gets one ``COPY``
    (PostgreSQL) or ``executemany`` (SQLite) for the batch, on the connection's own DBAPI
    connection, so the rows are part of the caller's transaction. Status-22 claims are
    linked to the claim they reverse (see :class:`_ReversalLinker`).
    """
    if not items:
        return []
    ad = adapters_for(conn)
    cursor = driver_cursor(conn)
    sizes = [_sizes(item.rem) for item in items]
    ids = ad.reserve_ids(
        cursor,
        [
            (REMITTANCE, len(items)),
            (CLAIM, sum(len(item.rem.claims) for item in items)),
            (SERVICE_LINE, sum(lines for lines, _ in sizes)),
            (ADJUSTMENT, sum(adjs for _, adjs in sizes)),
            (PROVIDER_ADJUSTMENT, sum(len(item.rem.provider_adjustments) for item in items)),
        ],
    )
    rows = _Rows()
    convert = _Converters.of(ad)
    linker = _ReversalLinker(cursor, ad)
    stamp = ad.stamp(now or datetime.now(UTC))
    stored: list[StoredRemittance] = []
    claim_at = line_at = adj_at = plb_at = 0
    for index, (item, (line_count, adj_count)) in enumerate(zip(items, sizes, strict=True)):
        claim_count = len(item.rem.claims)
        plb_count = len(item.rem.provider_adjustments)
        stored.append(
            _add_rows(
                rows,
                item,
                file_id,
                ids[0][index],
                ids[1][claim_at : claim_at + claim_count],
                ids[2][line_at : line_at + line_count],
                ids[3][adj_at : adj_at + adj_count],
                ids[4][plb_at : plb_at + plb_count],
                linker,
                convert,
                stamp,
            )
        )
        claim_at += claim_count
        line_at += line_count
        adj_at += adj_count
        plb_at += plb_count
    _write_all(cursor, conn, ad, rows)
    _link_back(cursor, ad, linker)
    cursor.close()
    return stored


def _remittance_row(
    rem: Remittance,
    remittance_id: int,
    file_id: int,
    fingerprint_value: str,
    flags: BalanceFlags,
    totals: ClaimTotals,
    convert: _Converters,
    stamp: Any,
) -> tuple[Any, ...]:
    """The remittance's row, in :data:`REMITTANCE_COLUMNS` order."""
    money, day = convert.money, convert.day
    env = rem.envelope
    pay = rem.payment
    return (
        remittance_id,
        file_id,
        fingerprint_value,
        rem.segment_number,
        env.isa_control,
        env.gs_control,
        env.st_control,
        env.sender_id,
        env.receiver_id,
        env.version,
        pay.handling_code,
        money(pay.amount),
        pay.credit_debit,
        pay.method,
        day(pay.payment_date),
        rem.trace_number,
        rem.trace_originator,
        day(rem.production_date),
        rem.payer_id,
        rem.payer.name,
        rem.payee.name,
        rem.payee.id_qualifier,
        rem.payee.identifier,
        totals.count,
        money(totals.charge),
        money(totals.paid),
        money(rem.provider_adjustment_total()),
        flags.payment and not flags.claims and not flags.lines,
        to_json(flags.messages),
        to_json(remittance_detail(rem)),
        zlib.compress(rem.raw, ZLIB_LEVEL),
        stamp,
    )


def _add_rows(
    rows: _Rows,
    item: ToStore,
    file_id: int,
    remittance_id: int,
    claim_ids: Sequence[int],
    line_ids: Sequence[int],
    adj_ids: Sequence[int],
    plb_ids: Sequence[int],
    linker: _ReversalLinker,
    convert: _Converters,
    stamp: Any,
) -> StoredRemittance:
    """Append one remittance's rows to the batch's; what it holds, for the summary."""
    rem, flags = item.rem, item.flags
    rows.remittances.append(
        _remittance_row(
            rem,
            remittance_id,
            file_id,
            item.fingerprint,
            flags,
            ClaimTotals.of(rem.claims),
            convert,
            stamp,
        )
    )
    linked = _add_claim_rows(
        rows,
        rem,
        rem.claims,
        0,
        remittance_id,
        claim_ids,
        line_ids,
        adj_ids,
        flags,
        linker,
        convert,
    )
    _add_plb_rows(rows, rem, remittance_id, plb_ids, convert)
    return StoredRemittance(
        remittance_id=remittance_id,
        claim_ids=claim_ids,
        claims=len(rem.claims),
        service_lines=len(line_ids),
        adjustments=len(adj_ids),
        reversals_read=sum(1 for c in rem.claims if c.is_reversal),
        reversals_linked=linked,
    )


def _add_plb_rows(
    rows: _Rows, rem: Remittance, remittance_id: int, plb_ids: Sequence[int], convert: _Converters
) -> None:
    money, day = convert.money, convert.day
    rows.plbs.extend(
        (
            plb_ids[i],
            remittance_id,
            plb.provider_id,
            day(plb.fiscal_period_date),
            plb.reason,
            plb.reference,
            money(plb.amount),
            plb.segment_order,
            plb.position,
        )
        for i, plb in enumerate(rem.provider_adjustments)
    )


def _add_claim_rows(
    rows: _Rows,
    rem: Remittance,
    claims: Sequence[Claim],
    first_seq: int,
    remittance_id: int,
    claim_ids: Sequence[int],
    line_ids: Sequence[int],
    adj_ids: Sequence[int],
    flags: BalanceFlags,
    linker: _ReversalLinker,
    convert: _Converters,
) -> int:
    """Append the rows of ``claims`` (the remittance's claims from number ``first_seq +
    1`` on; flags index them from 0); how many reversals were linked."""
    money, day, amount, quantity = convert.money, convert.day, convert.amount, convert.quantity
    payer_id = rem.payer_id
    linked = 0
    claim_rows = rows.claims
    line_rows = rows.lines
    adj_rows = rows.adjustments
    line_cursor = 0
    adj_cursor = 0
    unbalanced_claims = flags.claims
    unbalanced_lines = flags.lines
    zero = money(Decimal(0))
    for index, claim in enumerate(claims):
        claim_id = claim_ids[index]
        reverses = linker.add(payer_id, claim, claim_id)
        linked += reverses is not None
        patient = claim.patient
        rendering = claim.rendering
        claim_rarcs = codes_json(claim.remark_codes)
        claim_dates = dict(reversed(claim.dates))  # the first of each kind
        claim_rows.append(
            (
                claim_id,
                remittance_id,
                first_seq + index + 1,
                payer_id,
                claim.patient_control_number,
                claim.status,
                amount(claim.charge),
                amount(claim.paid),
                money(claim.patient_responsibility),
                claim.filing_indicator,
                claim.payer_claim_control_number,
                claim.facility_type,
                claim.frequency,
                claim.drg,
                patient.identifier if patient else "",
                patient.name if patient else "",
                patient.first_name if patient else "",
                rendering.identifier if rendering and rendering.id_qualifier == "XX" else "",
                day(claim_dates.get("232")),
                day(claim_dates.get("233")),
                day(claim_dates.get("050")),
                day(claim.first_service_date()),
                claim_rarcs,
                len(claim.lines),
                index not in unbalanced_claims,
                reverses,
                None,
                "paid",
                zero,
                to_json(claim_detail(claim)),
            )
        )
        for adj in claim.adjustments:
            adj_rows.append(
                (
                    adj_ids[adj_cursor],
                    remittance_id,
                    claim_id,
                    None,
                    "claim",
                    adj.segment_order,
                    adj.position,
                    adj.group,
                    adj.reason,
                    amount(adj.amount),
                    quantity(adj.quantity),
                    claim_rarcs,
                    False,
                )
            )
            adj_cursor += 1
        for line_index, line in enumerate(claim.lines):
            line_id = line_ids[line_cursor]
            line_cursor += 1
            mods = line.modifiers
            count = len(mods)
            line_rarcs = codes_json(line.remark_codes)
            line_rows.append(
                (
                    line_id,
                    claim_id,
                    line_index + 1,
                    line.qualifier,
                    line.code,
                    mods[0] if count > 0 else "",
                    mods[1] if count > 1 else "",
                    mods[2] if count > 2 else "",
                    mods[3] if count > 3 else "",
                    amount(line.charge),
                    amount(line.paid),
                    line.revenue_code,
                    quantity(line.units),
                    line.original_code,
                    day(line.service_date),
                    day(line.service_date_end),
                    line.control_number,
                    money(line.allowed),
                    line_rarcs,
                    (index, line_index) not in unbalanced_lines,
                    to_json(line_detail(line)),
                )
            )
            if line.adjustments:
                rarcs = line_rarcs if line.remark_codes else claim_rarcs
                for adj in line.adjustments:
                    adj_rows.append(
                        (
                            adj_ids[adj_cursor],
                            remittance_id,
                            claim_id,
                            line_id,
                            "line",
                            adj.segment_order,
                            adj.position,
                            adj.group,
                            adj.reason,
                            amount(adj.amount),
                            quantity(adj.quantity),
                            rarcs,
                            False,
                        )
                    )
                    adj_cursor += 1
    return linked


# --------------------------------------------------------------------------- streaming


@dataclass(slots=True)
class StoredClaims:
    """What :func:`store_claims` wrote for one chunk of a remittance's claims."""

    claim_ids: Sequence[int]
    service_lines: int
    adjustments: int
    reversals_read: int
    reversals_linked: int


def _write_all(cursor: Any, conn: Connection, ad: Adapters, rows: _Rows) -> None:
    dialect = conn.dialect.name
    for table, table_rows in (
        (REMITTANCE, rows.remittances),
        (CLAIM, rows.claims),
        (SERVICE_LINE, rows.lines),
        (ADJUSTMENT, rows.adjustments),
        (PROVIDER_ADJUSTMENT, rows.plbs),
    ):
        write_rows(cursor, dialect, ad.placeholder, table, table_rows)


def _link_back(cursor: Any, ad: Adapters, linker: _ReversalLinker) -> None:
    if linker.back_links:
        mark = ad.placeholder
        cursor.executemany(
            f"UPDATE claim SET reversed_by_claim_id = {mark} WHERE id = {mark}", linker.back_links
        )


def open_remittance(
    conn: Connection, rem: Remittance, file_id: int, *, now: datetime | None = None
) -> int:
    """Insert the row of a remittance whose claims are about to stream in; its id.

    The row holds the header (payer, payment, trace ...) with a provisional fingerprint
    and no claims; :func:`store_claims` adds claims chunk by chunk and
    :func:`close_remittance` writes the totals, fingerprint, balance and raw X12. All in
    the caller's transaction (the pipeline holds a savepoint around the whole set).
    """
    ad = adapters_for(conn)
    cursor = driver_cursor(conn)
    try:
        (ids,) = ad.reserve_ids(cursor, [(REMITTANCE, 1)])
        remittance_id = ids[0]
        row = _remittance_row(
            rem,
            remittance_id,
            file_id,
            f"streaming:{remittance_id}",
            BalanceFlags(),
            ClaimTotals(),
            _Converters.of(ad),
            ad.stamp(now or datetime.now(UTC)),
        )
        write_rows(cursor, conn.dialect.name, ad.placeholder, REMITTANCE, [row])
    finally:
        cursor.close()
    return remittance_id


def store_claims(
    conn: Connection,
    rem: Remittance,
    remittance_id: int,
    claims: Sequence[Claim],
    first_seq: int,
    flags: BalanceFlags,
) -> StoredClaims:
    """Insert one chunk of a streamed remittance's claims (numbered from ``first_seq + 1``)
    with their lines and adjustments; ``flags`` index the chunk's claims from 0.

    Reversals are linked as in a batch: to an earlier claim of the chunk, else to a
    stored one (earlier chunks of the set are stored by now, and linked back).
    """
    ad = adapters_for(conn)
    cursor = driver_cursor(conn)
    try:
        line_count = adj_count = 0
        for c in claims:
            adj_count += len(c.adjustments)
            for ln in c.lines:
                line_count += 1
                adj_count += len(ln.adjustments)
        claim_ids, line_ids, adj_ids = ad.reserve_ids(
            cursor, [(CLAIM, len(claims)), (SERVICE_LINE, line_count), (ADJUSTMENT, adj_count)]
        )
        rows = _Rows()
        linker = _ReversalLinker(cursor, ad)
        linked = _add_claim_rows(
            rows,
            rem,
            claims,
            first_seq,
            remittance_id,
            claim_ids,
            line_ids,
            adj_ids,
            flags,
            linker,
            _Converters.of(ad),
        )
        _write_all(cursor, conn, ad, rows)
        _link_back(cursor, ad, linker)
    finally:
        cursor.close()
    return StoredClaims(
        claim_ids=claim_ids,
        service_lines=line_count,
        adjustments=adj_count,
        reversals_read=sum(1 for c in claims if c.is_reversal),
        reversals_linked=linked,
    )


def close_remittance(
    conn: Connection,
    rem: Remittance,
    remittance_id: int,
    file_id: int,
    *,
    fingerprint_value: str,
    flags: BalanceFlags,
    totals: ClaimTotals,
    now: datetime | None = None,
) -> None:
    """Finish a streamed remittance's row (totals, fingerprint, balance, detail, raw X12)
    and insert its PLBs; ``flags`` carry the payment rule and every message."""
    ad = adapters_for(conn)
    cursor = driver_cursor(conn)
    try:
        convert = _Converters.of(ad)
        row = _remittance_row(
            rem,
            remittance_id,
            file_id,
            fingerprint_value,
            flags,
            totals,
            convert,
            ad.stamp(now or datetime.now(UTC)),
        )
        mark = ad.placeholder
        columns = ", ".join(f"{name} = {mark}" for name in REMITTANCE_COLUMNS[1:])
        cursor.execute(f"UPDATE remittance SET {columns} WHERE id = {mark}", (*row[1:], row[0]))
        rows = _Rows()
        (plb_ids,) = ad.reserve_ids(cursor, [(PROVIDER_ADJUSTMENT, len(rem.provider_adjustments))])
        _add_plb_rows(rows, rem, remittance_id, plb_ids, convert)
        _write_all(cursor, conn, ad, rows)
    finally:
        cursor.close()


def write_rows(
    cursor: Any, dialect: str, placeholder: str, table: Table, rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows (in the table's loader column order) the fastest way the driver has:
    ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), one ``executemany`` on SQLite."""
    if not rows:
        return
    if dialect == "postgresql":
        with cursor.copy(_copy_statements()[table.name]) as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(_insert_statements(placeholder)[table.name], rows)


_LOADED_TABLES = (
    (REMITTANCE, REMITTANCE_COLUMNS),
    (CLAIM, CLAIM_COLUMNS),
    (SERVICE_LINE, LINE_COLUMNS),
    (ADJUSTMENT, ADJUSTMENT_COLUMNS),
    (PROVIDER_ADJUSTMENT, PLB_COLUMNS),
)


@lru_cache(maxsize=1)
def _copy_statements() -> dict[str, str]:
    return {
        table.name: f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        for table, columns in _LOADED_TABLES
    }


@lru_cache(maxsize=4)
def _insert_statements(placeholder: str) -> dict[str, str]:
    return {
        table.name: insert_sql(table, columns, placeholder) for table, columns in _LOADED_TABLES
    }
