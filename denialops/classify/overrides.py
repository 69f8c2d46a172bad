"""The database's own rule overrides: edited in the browser, applied by every classifier
run on that database (ingest, ``reclassify``, the web), with their history.

An override is one rule of the user-file layout (``payer``, ``group``, ``carc``,
``rarc`` -> ``category`` and optionally ``family``, ``soft_or_hard``, ``owner``,
``next_action``), kept as a ``rule_override`` row. It is validated by the same loader
that validates rules files (:func:`denialops.classify.check_overlay_text`): the rows
are written out as a rules document and read on top of the rules in force.

Precedence (``docs/rules.md``): shipped rules < the user file (``--rules`` /
``$DENIALOPS_RULES``) < the database's overrides. :func:`database_rules` is how the
classifier adds them: :func:`denialops.classify.apply.classify_claims` calls it on its
connection, so the CLI and the web classify a database alike.

Every change writes a ``rule_override_history`` row: who, when, add/edit/delete, and the
rule before and after (JSON).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, cast

import yaml
from sqlalchemy import (
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from denialops.classify._engine import default_rules
from denialops.classify._rules import RuleSet, check_overlay_text, overlay_rules
from denialops.errors import ConflictError, NotFoundError, RulesError
from denialops.store.database import write_transaction
from denialops.store.schema import Base

DATABASE_SOURCE = "database overrides"
"""The source name of the overrides in a rule's ``where`` and in ``RuleSet.sources``."""
ANY = ""
"""How "any payer / group / remark" is stored (unique constraints treat NULLs apart)."""


class RuleOverride(Base):
    """One override rule of this database (revision 0013)."""

    __tablename__ = "rule_override"
    __table_args__ = (
        UniqueConstraint("payer", "group_code", "carc", "rarc", name="uq_rule_override_match"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer: Mapped[str] = mapped_column(String(64))
    group_code: Mapped[str] = mapped_column(String(2))
    carc: Mapped[str] = mapped_column(String(8))
    rarc: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(64))
    family: Mapped[str | None] = mapped_column(String(32))
    soft_or_hard: Mapped[str | None] = mapped_column(String(8))
    owner: Mapped[str | None] = mapped_column(String(32))
    next_action: Mapped[str | None] = mapped_column(String(48))
    note: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RuleOverrideHistory(Base):
    """One change of an override: who, when, what, the rule before and after (JSON)."""

    __tablename__ = "rule_override_history"
    __table_args__ = (Index("ix_rule_override_history_override", "override_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    override_id: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(8))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


override_t = cast(Table, RuleOverride.__table__)
history_t = cast(Table, RuleOverrideHistory.__table__)

_OUTCOME = ("family", "soft_or_hard", "owner", "next_action")


@dataclass(frozen=True, slots=True)
class OverrideSpec:
    """What an override matches and says; ``None`` means "any" / "the category's"."""

    carc: str
    category: str
    payer: str | None = None
    group: str | None = None
    rarc: str | None = None
    family: str | None = None
    soft_or_hard: str | None = None
    owner: str | None = None
    next_action: str | None = None
    note: str = ""

    def normalized(self) -> OverrideSpec:
        def text(value: str | None) -> str | None:
            return (value or "").strip() or None

        def code(value: str | None) -> str | None:
            clean = text(value)
            return clean.upper() if clean else None

        return OverrideSpec(
            carc=(code(self.carc) or ""),
            category=(text(self.category) or ""),
            payer=text(self.payer),
            group=code(self.group),
            rarc=code(self.rarc),
            family=text(self.family),
            soft_or_hard=text(self.soft_or_hard),
            owner=text(self.owner),
            next_action=text(self.next_action),
            note=(self.note or "").strip(),
        )

    def rule(self, rule_id: str) -> dict[str, Any]:
        """This override as one rule of a rules file."""
        out: dict[str, Any] = {"id": rule_id}
        for name in ("payer", "group", "carc", "rarc"):
            value = getattr(self, name)
            if value:
                out[name] = value
        out["category"] = self.category
        out.update({name: getattr(self, name) for name in _OUTCOME if getattr(self, name)})
        if self.note:
            out["note"] = self.note
        return out

    def describe(self) -> str:
        """One line: ``payer P1 CO-50+N115 -> medical_necessity (owner ur_cdi)``."""
        match = f"{self.group}-{self.carc}" if self.group else f"CARC {self.carc}"
        if self.rarc:
            match += f"+{self.rarc}"
        if self.payer:
            match = f"payer {self.payer} {match}"
        extra = ", ".join(f"{n} {getattr(self, n)}" for n in _OUTCOME if getattr(self, n))
        return f"{match} -> {self.category}" + (f" ({extra})" if extra else "")


@dataclass(frozen=True, slots=True)
class Override:
    id: int
    spec: OverrideSpec
    version: int
    updated_by: str
    updated_at: datetime

    @property
    def rule_id(self) -> str:
        return f"db-{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            **asdict(self.spec),
            "describe": self.spec.describe(),
            "version": self.version,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    override_id: int
    change: str  # add, edit, delete
    before: OverrideSpec | None
    after: OverrideSpec | None
    actor: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "override_id": self.override_id,
            "change": self.change,
            "before": asdict(self.before) if self.before else None,
            "after": asdict(self.after) if self.after else None,
            "before_text": self.before.describe() if self.before else None,
            "after_text": self.after.describe() if self.after else None,
            "actor": self.actor,
            "at": self.at.isoformat(),
        }


def document(items: Sequence[tuple[str, OverrideSpec]]) -> str:
    """Overrides as a rules document (the user-file layout), one rule per item."""
    rules = [spec.rule(rule_id) for rule_id, spec in items]
    return yaml.safe_dump({"rules": rules}, sort_keys=False, allow_unicode=True)


def check_override(spec: OverrideSpec, base: RuleSet | None = None, rule_id: str = "new") -> None:
    """RulesError with one line when the loader of rules files refuses this override
    on top of ``base`` (default: the rules in force without the database's)."""
    ruleset = base or default_rules()
    problems = check_overlay_text(ruleset, document([(rule_id, spec)]), DATABASE_SOURCE)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        message = problems[0].message.removeprefix(f"rule {rule_id!r}: ")
        raise RulesError(f"{message}{more}")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _spec(row: Any) -> OverrideSpec:
    return OverrideSpec(
        carc=row.carc,
        category=row.category,
        payer=row.payer or None,
        group=row.group_code or None,
        rarc=row.rarc or None,
        family=row.family,
        soft_or_hard=row.soft_or_hard,
        owner=row.owner,
        next_action=row.next_action,
        note=row.note,
    )


def _override(row: Any) -> Override:
    return Override(
        int(row.id), _spec(row), int(row.version), row.updated_by, _aware(row.updated_at)
    )


def _values(spec: OverrideSpec) -> dict[str, Any]:
    return {
        "payer": spec.payer or ANY,
        "group_code": spec.group or ANY,
        "carc": spec.carc,
        "rarc": spec.rarc or ANY,
        "category": spec.category,
        "family": spec.family,
        "soft_or_hard": spec.soft_or_hard,
        "owner": spec.owner,
        "next_action": spec.next_action,
        "note": spec.note,
    }


def _json(spec: OverrideSpec | None) -> str | None:
    return None if spec is None else json.dumps(asdict(spec), sort_keys=True)


def _from_json(text: str | None) -> OverrideSpec | None:
    if not text:
        return None
    data = json.loads(text)
    names = {f.name for f in fields(OverrideSpec)}
    return OverrideSpec(**{k: v for k, v in data.items() if k in names})


def list_overrides(engine_or_conn: Engine | Connection) -> list[Override]:
    """Every override of the database, oldest first."""
    query = select(override_t).order_by(override_t.c.id)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            rows = conn.execute(query).all()
    else:
        rows = engine_or_conn.execute(query).all()
    return [_override(r) for r in rows]


def _now() -> datetime:
    return datetime.now(UTC)


def _same_match(conn: Connection, spec: OverrideSpec, other_than: int | None) -> int | None:
    values = _values(spec)
    query = select(override_t.c.id).where(
        *(override_t.c[name] == values[name] for name in ("payer", "group_code", "carc", "rarc"))
    )
    if other_than is not None:
        query = query.where(override_t.c.id != other_than)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)


def _history(
    conn: Connection,
    override_id: int,
    change: str,
    before: OverrideSpec | None,
    after: OverrideSpec | None,
    actor: str,
    at: datetime,
) -> None:
    conn.execute(
        insert(history_t).values(
            override_id=override_id,
            change=change,
            before=_json(before),
            after=_json(after),
            actor=actor,
            at=at,
        )
    )


def _load(conn: Connection, override_id: int) -> Override:
    row = conn.execute(select(override_t).where(override_t.c.id == override_id)).first()
    if row is None:
        raise NotFoundError(f"no rule override {override_id}")
    return _override(row)


def add_override(
    engine: Engine, spec: OverrideSpec, *, actor: str, base: RuleSet | None = None
) -> Override:
    """Validate and store a new override (ConflictError when one has the same match)."""
    clean = spec.normalized()
    check_override(clean, base)
    with engine.connect() as conn, write_transaction(conn):
        taken = _same_match(conn, clean, None)
        if taken is not None:
            raise ConflictError(f"override {taken} already has this match; edit it instead")
        at = _now()
        new_id = conn.execute(
            insert(override_t)
            .values(**_values(clean), version=1, updated_by=actor, updated_at=at)
            .returning(override_t.c.id)
        ).scalar_one()
        _history(conn, int(new_id), "add", None, clean, actor, at)
        return _load(conn, int(new_id))


def update_override(
    engine: Engine,
    override_id: int,
    spec: OverrideSpec,
    *,
    actor: str,
    expected_version: int | None = None,
    base: RuleSet | None = None,
) -> Override:
    """Validate and store a new version of an override (match and outcome may change)."""
    clean = spec.normalized()
    check_override(clean, base, rule_id=f"db-{override_id}")
    with engine.connect() as conn, write_transaction(conn):
        old = _load(conn, override_id)
        if expected_version is not None and expected_version != old.version:
            raise ConflictError(
                f"override {override_id} was changed by {old.updated_by} meanwhile; reload"
            )
        taken = _same_match(conn, clean, override_id)
        if taken is not None:
            raise ConflictError(f"override {taken} already has this match; edit it instead")
        at = _now()
        conn.execute(
            update(override_t)
            .where(override_t.c.id == override_id)
            .values(**_values(clean), version=old.version + 1, updated_by=actor, updated_at=at)
        )
        _history(conn, override_id, "edit", old.spec, clean, actor, at)
        return _load(conn, override_id)


def delete_override(
    engine: Engine, override_id: int, *, actor: str, expected_version: int | None = None
) -> Override:
    """Remove an override (its history stays)."""
    with engine.connect() as conn, write_transaction(conn):
        old = _load(conn, override_id)
        if expected_version is not None and expected_version != old.version:
            raise ConflictError(
                f"override {override_id} was changed by {old.updated_by} meanwhile; reload"
            )
        conn.execute(delete(override_t).where(override_t.c.id == override_id))
        _history(conn, override_id, "delete", old.spec, None, actor, _now())
        return old


def override_history(
    engine: Engine, *, override_id: int | None = None, limit: int = 100
) -> list[HistoryEntry]:
    """The changes of the overrides (or of one), newest first."""
    query = select(history_t).order_by(history_t.c.id.desc()).limit(max(1, min(limit, 1000)))
    if override_id is not None:
        query = query.where(history_t.c.override_id == override_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        HistoryEntry(
            int(r.id),
            int(r.override_id),
            r.change,
            _from_json(r.before),
            _from_json(r.after),
            r.actor,
            _aware(r.at),
        )
        for r in rows
    ]


_CACHE: dict[tuple[str, str], RuleSet] = {}
_CACHE_SIZE = 8


def database_rules(conn: Connection, base: RuleSet | None = None) -> RuleSet:
    """``base`` (default: shipped + user file) with this database's overrides on top.

    One small query per call; the combined rule set is cached by the base's version and
    the overrides' text, so a batch of ingest pays for parsing only when they changed.
    A database without the table (before revision 0013) or without overrides gives
    ``base`` itself; so does a ``base`` that already has them.
    """
    ruleset = base or default_rules()
    if DATABASE_SOURCE in ruleset.sources or not inspect(conn).has_table(override_t.name):
        return ruleset
    rows = conn.execute(select(override_t).order_by(override_t.c.id)).all()
    if not rows:
        return ruleset
    text = document([(o.rule_id, o.spec) for o in map(_override, rows)])
    key = (ruleset.version, text)
    combined = _CACHE.get(key)
    if combined is None:
        combined = overlay_rules(ruleset, text, DATABASE_SOURCE)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = combined
    return combined


def rules_in_force(engine: Engine, base: RuleSet | None = None) -> RuleSet:
    """:func:`database_rules` on a connection of its own (for pages and commands)."""
    with engine.connect() as conn:
        return database_rules(conn, base)
