"""Payer profiles and the deadlines they put on a case.

The numbers live in a YAML file a user can edit (``payer_profiles.yaml`` next to this
module, or the file named by ``DENIALOPS_PAYER_PROFILES``); this module only does date
arithmetic over them. Which deadline is "next" depends on where the case is: a case not
yet worked faces the appeal window of its next level, or, for a correctable (soft)
denial, the corrected-claim and timely-filing windows; a case waiting on the payer only
has the due date someone set by hand.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from denialops.errors import (
    PayerProfileError as PayerProfileError,  # re-exported: defined in the one tree
)
from denialops.work.states import CLOSED_STATES

PROFILES_ENV = "DENIALOPS_PAYER_PROFILES"
DEFAULT_PROFILES = Path(__file__).with_name("payer_profiles.yaml")

Anchor = Literal["date_of_service", "initial_determination", "previous_decision"]
Flag = Literal["overdue", "due_soon"]


class Window(BaseModel):
    """A period counted from an anchor date: ``days`` or calendar ``months``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: int | None = Field(default=None, ge=0)
    months: int | None = Field(default=None, ge=0)
    anchor: Anchor = Field(alias="from")

    @model_validator(mode="after")
    def _one_unit(self) -> Window:
        if (self.days is None) == (self.months is None):
            raise ValueError("give exactly one of days or months")
        return self

    def describe(self) -> str:
        unit = f"{self.days} days" if self.days is not None else f"{self.months} months"
        return f"{unit} from {self.anchor.replace('_', ' ')}"

    def due(self, start: date) -> date:
        if self.days is not None:
            return start + timedelta(days=self.days)
        return add_months(start, self.months or 0)


class AppealLevel(Window):
    level: int = Field(ge=1)
    name: str


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filing_indicators: list[str] = Field(default_factory=list)
    payer_ids: list[str] = Field(default_factory=list)


class PayerProfile(BaseModel):
    """Appeal, timely-filing and corrected-claim windows of one payer (or payer type)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    label: str = ""
    status: str = "default — review"
    source: str = ""
    match: Match = Field(default_factory=Match)
    timely_filing: Window
    corrected_claim: Window
    appeal_levels: list[AppealLevel]

    @model_validator(mode="after")
    def _levels_in_order(self) -> PayerProfile:
        levels = [a.level for a in self.appeal_levels]
        if levels != list(range(1, len(levels) + 1)):
            raise ValueError(f"appeal levels must be 1..n in order, got {levels}")
        if self.appeal_levels and self.appeal_levels[0].anchor == "previous_decision":
            raise ValueError("appeal level 1 cannot count from a previous decision")
        return self

    @property
    def needs_review(self) -> bool:
        return self.status.strip().lower() != "reviewed"

    def appeal_level(self, level: int) -> AppealLevel | None:
        return self.appeal_levels[level - 1] if 1 <= level <= len(self.appeal_levels) else None


class ProfileBook(BaseModel):
    """The whole profile file: the profiles, the default and the warning horizon."""

    model_config = ConfigDict(extra="forbid")

    warn_days: int = Field(default=14, ge=0)
    default_profile: str
    profiles: list[PayerProfile]

    @model_validator(mode="after")
    def _default_exists(self) -> ProfileBook:
        names = [p.name for p in self.profiles]
        if len(set(names)) != len(names):
            raise ValueError(f"profile names must be unique, got {names}")
        if self.default_profile not in names:
            raise ValueError(f"default_profile {self.default_profile!r} is not one of {names}")
        return self

    def for_payer(self, payer_id: str, filing_indicator: str) -> PayerProfile:
        """Payer id match first, then filing indicator, else the default profile."""
        for profile in self.profiles:
            if payer_id and payer_id in profile.match.payer_ids:
                return profile
        for profile in self.profiles:
            if filing_indicator and filing_indicator in profile.match.filing_indicators:
                return profile
        return next(p for p in self.profiles if p.name == self.default_profile)


def add_months(start: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def load_profiles(path: Path | str | None = None) -> ProfileBook:
    """Read and validate a profile file (default: $DENIALOPS_PAYER_PROFILES or the bundled one)."""
    chosen = Path(path or os.environ.get(PROFILES_ENV) or DEFAULT_PROFILES)
    return _load_cached(chosen.resolve(), chosen.stat().st_mtime_ns if chosen.exists() else 0)


@lru_cache(maxsize=8)
def _load_cached(path: Path, _mtime: int) -> ProfileBook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PayerProfileError(f"{path}: cannot read payer profiles ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise PayerProfileError(f"{path}: not valid YAML ({exc})") from None
    try:
        return ProfileBook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayerProfileError(f"{path}: {where}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class DeadlineFacts:
    """What the deadline of a case depends on."""

    state: str
    appeal_level: int
    service_date: date | None
    determination_date: date | None
    last_decision_date: date | None
    correctable: bool
    due_date: date | None


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str
    due: date
    basis: str

    def days_left(self, today: date) -> int:
        return (self.due - today).days


_PRE_WORK = frozenset({"new", "triaged", "in_progress", "reopened"})


def case_deadlines(facts: DeadlineFacts, profile: PayerProfile) -> list[Deadline]:
    """Every deadline that binds the case now, earliest first."""
    found: list[Deadline] = []
    if facts.due_date is not None and facts.state not in CLOSED_STATES:
        found.append(Deadline("due date", facts.due_date, "set by hand"))
    if facts.state in _PRE_WORK:
        if facts.correctable:
            for kind, window in (
                ("corrected claim", profile.corrected_claim),
                ("timely filing", profile.timely_filing),
            ):
                start = _anchor_date(window.anchor, facts)
                if start is not None:
                    found.append(Deadline(kind, window.due(start), window.describe()))
        else:
            level = profile.appeal_level(facts.appeal_level + 1)
            if level is not None:
                start = _anchor_date(level.anchor, facts)
                if start is not None:
                    kind = f"appeal level {level.level} ({level.name})"
                    found.append(Deadline(kind, level.due(start), level.describe()))
    return sorted(found, key=lambda d: (d.due, d.kind))


def next_deadline(facts: DeadlineFacts, profile: PayerProfile) -> Deadline | None:
    deadlines = case_deadlines(facts, profile)
    return deadlines[0] if deadlines else None


def flag(deadline: Deadline | None, today: date, warn_days: int) -> Flag | None:
    """``overdue`` past the date, ``due_soon`` within ``warn_days`` of it."""
    if deadline is None:
        return None
    left = deadline.days_left(today)
    if left < 0:
        return "overdue"
    if left <= warn_days:
        return "due_soon"
    return None


def _anchor_date(anchor: Anchor, facts: DeadlineFacts) -> date | None:
    if anchor == "date_of_service":
        return facts.service_date
    if anchor == "initial_determination":
        return facts.determination_date
    return facts.last_decision_date or facts.determination_date
