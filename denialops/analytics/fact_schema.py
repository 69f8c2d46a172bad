"""The analytical facts: one schema, with a version, for the database and for Parquet.

Reports read only these tables (``docs/kpis.md``). They are written by
:func:`denialops.analytics.facts.refresh_facts` in the database and by the Spark job as
Parquet; both derive their layout from :data:`FACT_TABLES` below:

- the tables registered on ``schema.Base`` (Alembic 0005), in :mod:`.fact_tables` (it
  imports the ORM models, which a report reading the facts does not need),
- :func:`arrow_schema` (pyarrow, imported lazily) for Parquet writers and readers,
- :func:`duckdb_type` for the DuckDB views over a Parquet export.

Column kinds, chosen so the same SQL runs on SQLite, PostgreSQL, DuckDB and Spark SQL:

``id``     64-bit integer key (BIGINT / int64)
``int``    32-bit integer (INTEGER / int32)
``text``   string (VARCHAR / string)
``date``   calendar date (DATE; ISO text on SQLite / date32)
``flag``   0 or 1 (SMALLINT / int8): ``SUM(flag)`` counts, portable everywhere
``cents``  money as whole cents (BIGINT / int64): exact, and sums exactly everywhere

Bump :data:`FACT_SCHEMA_VERSION` whenever a column or a definition changes; a database
whose facts were written under another version is rebuilt by the next report (or by
``denialops report refresh``), and a Parquet reader refuses a dataset of another version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pyarrow as pa

FACT_SCHEMA_VERSION = 1

Kind = Literal["id", "int", "text", "date", "flag", "cents"]


@dataclass(frozen=True)
class FactColumn:
    name: str
    kind: Kind
    doc: str = ""
    length: int = 64


@dataclass(frozen=True)
class FactTable:
    name: str
    doc: str
    columns: tuple[FactColumn, ...]
    key: tuple[str, ...]
    partition_by: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, kind: Kind, doc: str = "", length: int = 64) -> FactColumn:
    return FactColumn(name, kind, doc, length)


# The claim's dimensions and flags, copied onto every row that cuts by them.
CLAIM_DIMENSION_COLUMNS: tuple[FactColumn, ...] = (
    _c("payer_id", "text", "payer id of the remittance"),
    _c("facility", "text", "payee id (N1*PE N104) or '(unknown)'"),
    _c("facility_type", "text", "CLP08 or '(unknown)'", 16),
    _c("rendering_provider", "text", "NM1*82 id or '(none)'", 16),
    _c("remit_date", "date", "payment date, else production date, else first service date"),
    _c("month", "date", "first day of the remit date's month"),
    _c("week", "date", "Monday of the remit date's week"),
    _c("date_ok", "flag", "remit date in the plausible window (docs/kpis.md)"),
)
CLAIM_FLAG_COLUMNS: tuple[FactColumn, ...] = (
    _c("is_adjudication", "flag", "CLP02 not 22, 23 or 25"),
    _c("is_initial", "flag", "first adjudication of (payer, pcn), not frequency 7/8"),
    _c("is_primary", "flag", "CLP02 1, 4 or 19"),
    _c("fully_denied", "flag", "denied and (CLP02 4 or paid 0)"),
    _c("partially_denied", "flag", "denied and paid > 0"),
)

FACT_CLAIM = FactTable(
    "fact_claim",
    "one row per claim payment (CLP)",
    (
        _c("claim_id", "id"),
        _c("remittance_id", "id"),
        *CLAIM_DIMENSION_COLUMNS,
        _c("pcn", "text", "patient control number (CLP01)"),
        _c("status", "text", "CLP02", 4),
        _c("frequency", "text", "CLP09", 4),
        *CLAIM_FLAG_COLUMNS,
        _c("resubmitted", "flag", "a later adjudication of the same (payer, pcn) exists"),
        _c("denied", "flag", "at least one denial that is not a duplicate-claim denial"),
        _c("duplicate_denied", "flag", "at least one duplicate-claim denial"),
        _c("documentation", "flag", "a denial with documentation evidence"),
        _c("charge_cents", "cents", "CLP03"),
        _c("paid_cents", "cents", "CLP04"),
        _c("patient_resp_cents", "cents", "CLP05"),
        _c("npsr_cents", "cents", "paid + patient responsibility not re-billed to a later payer"),
        _c("denial_cents", "cents", "denial amounts, duplicates excluded"),
        _c("duplicate_cents", "cents", "duplicate-claim denial amounts"),
        _c("denied_lines", "int", "service lines with a line-level denial (no duplicates)"),
    ),
    key=("claim_id",),
    partition_by=("payer_id", "month"),
    indexes=(("remit_date",), ("payer_id", "pcn")),
)

FACT_CLAIM_FAMILY = FactTable(
    "fact_claim_family",
    "one row per (denied claim, denial family), duplicates excluded",
    (
        _c("claim_id", "id"),
        _c("family", "text", "clinical, coding, administrative, technical, (unclassified)", 16),
        *CLAIM_DIMENSION_COLUMNS,
        *CLAIM_FLAG_COLUMNS,
        _c("documentation", "flag", "a denial of this family with documentation evidence"),
        _c("charge_cents", "cents", "the claim's charge (CLP03)"),
        _c("denial_cents", "cents"),
        _c("denied_lines", "int"),
    ),
    key=("claim_id", "family"),
    partition_by=("payer_id", "month"),
)

FACT_DENIAL = FactTable(
    "fact_denial",
    "one row per denial adjustment (CAS triplet classified as a denial)",
    (
        _c("adjustment_id", "id"),
        _c("claim_id", "id"),
        _c("service_line_id", "id"),
        _c("level", "text", "claim | line", 8),
        _c("carc", "text", "group-CARC, e.g. CO-50", 16),
        _c("rarcs", "text", "remark codes, space separated", 256),
        _c("amount_cents", "cents"),
        _c("family", "text", "", 16),
        _c("category", "text", "", 48),
        _c("owner", "text", "", 32),
        _c("process_step", "text", "", 32),
        _c("soft_or_hard", "text", "", 8),
        _c("next_action", "text", "", 32),
        _c("revenue_code", "text", "SVC04 or '(none)'", 8),
        _c("procedure_range", "text", "e.g. 992xx, '(claim level)'", 48),
        _c("service_line", "text", "'rev NNNN' or the procedure range", 48),
        _c("documentation", "flag", "documentation evidence (RARC or CARC, docs/kpis.md)"),
        _c("is_duplicate", "flag", "duplicate-claim denial (CARC 18 / category duplicate)"),
        *CLAIM_DIMENSION_COLUMNS,
        *CLAIM_FLAG_COLUMNS,
        _c("charge_cents", "cents", "the claim's charge (CLP03)"),
    ),
    key=("adjustment_id",),
    partition_by=("payer_id", "month"),
    indexes=(("claim_id",),),
)

FACT_CASE = FactTable(
    "fact_case",
    "one row per denial case (work register)",
    (
        _c("case_id", "id"),
        _c("claim_id", "id"),
        _c("case_version", "int", "denial_case.version the row was built from"),
        _c("state", "text", "", 24),
        _c("closed", "flag"),
        _c("outcome", "text", "overturned | partially_overturned | upheld | ''", 24),
        _c("at_risk_cents", "cents"),
        _c("expected_cents", "cents", "expected payment of the denied services, else at risk"),
        _c("recovered_cents", "cents"),
        _c("determination_date", "date"),
        _c("next_deadline", "date"),
        _c("closed_on", "date", "the decision date when there is one, else the closing day"),
        _c("decided_on", "date", "the payer's decision date"),
        _c("resubmitted_on", "date"),
        _c("first_appeal_on", "date"),
        _c("family", "text", "", 16),
        _c("category", "text", "", 48),
        _c("owner", "text", "", 32),
        *CLAIM_DIMENSION_COLUMNS,
    ),
    key=("case_id",),
    indexes=(("claim_id",),),
)

FACT_APPEAL = FactTable(
    "fact_appeal",
    "one row per appeal level submitted",
    (
        _c("appeal_id", "id"),
        _c("case_id", "id"),
        _c("claim_id", "id"),
        _c("level", "int"),
        _c("kind", "text", "", 32),
        _c("submitted_on", "date"),
        _c("decided_on", "date"),
        _c("is_decision", "flag", "a payer decision (not an automatic upheld/withdrawn row)"),
        _c("outcome", "text", "", 24),
        _c("recovered_cents", "cents"),
    ),
    key=("appeal_id",),
    indexes=(("case_id",), ("claim_id",)),
)

CUBE_MEASURES: tuple[FactColumn, ...] = (
    _c("claims", "int"),
    _c("gross_charges_cents", "cents"),
    _c("remits", "int"),
    _c("primary_remits", "int"),
    _c("first_pass_claims", "int"),
    _c("npsr_cents", "cents"),
    _c("denied_claims", "int"),
    _c("fully_denied_claims", "int"),
    _c("partially_denied_claims", "int"),
    _c("denied_charges_cents", "cents"),
    _c("denied_lines", "int"),
    _c("denial_cents", "cents"),
    _c("denied_remits", "int"),
    _c("zero_pay_primary_remits", "int"),
    _c("documentation_claims", "int"),
    _c("duplicate_denied_claims", "int"),
    _c("duplicate_cents", "cents"),
)

FACT_CUBE = FactTable(
    "fact_cube",
    "KPI measures summed per (cut, value, family, payer, facility, facility type, day): "
    "a database-side accelerator derived from the facts above (not exported)",
    (
        _c("cut", "text", "'' (claims), or the denial cut the value belongs to", 16),
        _c("value", "text", "the cut's value ('' for claims)", 64),
        _c("family", "text", "'*' (all families) or one family", 16),
        _c("payer_id", "text"),
        _c("facility", "text"),
        _c("facility_type", "text", "", 16),
        _c("remit_date", "date"),
        _c("month", "date"),
        _c("week", "date"),
        *CUBE_MEASURES,
    ),
    key=(),
    indexes=(("cut", "remit_date"), ("remit_date", "payer_id")),
)

FACT_META = FactTable(
    "fact_meta",
    "facts bookkeeping: schema version and refresh watermarks",
    (_c("name", "text"), _c("value", "text", "", 128)),
    key=("name",),
)

FACT_TABLES: tuple[FactTable, ...] = (
    FACT_CLAIM,
    FACT_CLAIM_FAMILY,
    FACT_DENIAL,
    FACT_CASE,
    FACT_APPEAL,
)
"""The fact tables reports read (``fact_meta`` is bookkeeping, not a fact)."""
CLAIM_FACTS = ("fact_claim", "fact_claim_family", "fact_denial")
WORK_FACTS = ("fact_case", "fact_appeal")
BY_NAME = {t.name: t for t in (*FACT_TABLES, FACT_CUBE, FACT_META)}


def arrow_schema(table: FactTable | str) -> pa.Schema:
    """The pyarrow schema of a fact table (Parquet), with the version in its metadata."""
    import pyarrow as pa

    spec = BY_NAME[table] if isinstance(table, str) else table
    types = {
        "id": pa.int64(),
        "int": pa.int32(),
        "text": pa.string(),
        "date": pa.date32(),
        "flag": pa.int8(),
        "cents": pa.int64(),
    }
    return pa.schema(
        [pa.field(c.name, types[c.kind]) for c in spec.columns],
        metadata={"denialops_fact_schema": str(FACT_SCHEMA_VERSION), "table": spec.name},
    )


def duckdb_type(kind: Kind) -> str:
    return {
        "id": "BIGINT",
        "int": "INTEGER",
        "text": "VARCHAR",
        "date": "DATE",
        "flag": "TINYINT",
        "cents": "BIGINT",
    }[kind]
