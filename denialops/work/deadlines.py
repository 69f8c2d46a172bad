"""Payer profiles and the deadlines they put on a case.

The numbers live in a YAML file a user can edit (``payer_profiles.yaml`` next to this
module, or the file named by ``DENIALOPS_PAYER_PROFILES``); this module only does date
arithmetic over them. Which deadlines bind depends on where the case is:

- a case not yet worked faces the appeal window of its next level; a correctable (soft)
  denial faces the corrected-claim / reopening and timely-filing windows, and also the
  appeal window when the payer left appeal rights (MA130 and N211 say it did not);
- a case waiting on the payer (``appealed``) has a follow-up date: the filing day plus
  the time the payer has to answer at that level (``response_days`` in the profile);
- a due date set by hand binds in any open state.

Windows count from the notice date (the remittance's production date, DTM*405, or its
check date, the earlier of the two; never the day the file was loaded) or, for a later
level, from the payer's decision on the previous one. Where the regulation counts from
*receipt* of the notice (Medicare presumes receipt 5 days after the notice's date), the
due date the queue works to is still counted from the notice: the earlier, safer date.
The regulation's own date is shown beside it (:attr:`Deadline.latest`).

Dates on a remittance can be nonsense (``DTM*232*99991231``, ``BPR16=00010101``): a date
before 1990, or more than a year after the notice, is never counted from; the deadline it
would anchor is left out with a note (:func:`assess`), and no arithmetic overflows.
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from denialops.errors import DateOutOfRange as DateOutOfRange  # re-exported
from denialops.errors import InputLimitError
from denialops.errors import PayerProfileError as PayerProfileError  # re-exported
from denialops.files import cache_key, load_yaml
from denialops.work.states import CLOSED_STATES

PROFILES_ENV = "DENIALOPS_PAYER_PROFILES"
DEFAULT_PROFILES = Path(__file__).with_name("payer_profiles.yaml")

Anchor = Literal["date_of_service", "initial_determination", "previous_decision"]
Flag = Literal["overdue", "due_soon"]

REVIEWED = "reviewed"
UNKNOWN = "unknown: set a profile"
MA_RECONSIDERATION_DAYS = 65
"""42 CFR 422.582(b): a reconsideration is requested within 65 calendar days from the
date of the notice of the organization determination."""
MAX_WINDOW_DAYS = 3660
MAX_WINDOW_MONTHS = 120
EARLIEST_PLAUSIBLE = date(1990, 1, 1)
"""Dates before this on a remittance are data errors, not business dates."""
FUTURE_SLACK = timedelta(days=366)
"""A service date more than a year after the notice (or a notice more than a year after
today) is a data error: deadlines ignore it with a note rather than count from it."""
NO_APPEAL_RIGHTS_REMARKS = frozenset({"MA130", "N211"})
"""Remarks saying the payer affords no appeal: MA130 (unprocessable claim, submit a new
one) and N211 (you may not appeal this decision)."""


class Window(BaseModel):
    """A period counted from an anchor date: ``days`` or calendar ``months``.

    ``receipt_days`` is a presumed delivery time: the regulation counts from *receipt* of
    the notice, presumed that many days after its date (Medicare: 5 days, 42 CFR
    405.942). The due date the queue works to is counted from the notice itself (the
    safer, earlier date); :meth:`latest` is the regulation's own date.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: int | None = Field(default=None, ge=0, le=MAX_WINDOW_DAYS)
    months: int | None = Field(default=None, ge=0, le=MAX_WINDOW_MONTHS)
    anchor: Anchor = Field(alias="from")
    receipt_days: int = Field(default=0, ge=0, le=30)

    @model_validator(mode="after")
    def _one_unit(self) -> Window:
        if getattr(self, "automatic", False) and self.days is None and self.months is None:
            return self
        if (self.days is None) == (self.months is None):
            raise ValueError("give exactly one of days or months")
        return self

    def describe(self) -> str:
        if self.days is None and self.months is None:
            return "forwarded by the payer; nothing to file"
        unit = f"{self.days} days" if self.days is not None else f"{self.months} months"
        text = f"{unit} from {self.anchor.replace('_', ' ')}"
        if self.receipt_days:
            text += f" (counted by the payer from receipt, presumed {self.receipt_days} days later)"
        return text

    def due(self, start: date) -> date:
        """``start`` plus the window; :class:`DateOutOfRange` instead of an overflow."""
        return _shift(start, days=self.days, months=self.months)

    def latest(self, start: date) -> date:
        """The regulation's own date: counted from presumed receipt of the notice."""
        return self.due(_shift(start, days=self.receipt_days))


class AppealLevel(Window):
    level: int = Field(ge=1)
    name: str
    response_days: int | None = Field(default=None, ge=1, le=MAX_WINDOW_DAYS)
    """How long the payer has to decide an appeal at this level (the follow-up date)."""
    automatic: bool = False
    """The payer forwards the case to this level by itself (no filing window)."""


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filing_indicators: list[str] = Field(default_factory=list)
    payer_ids: list[str] = Field(default_factory=list)


class PayerProfile(BaseModel):
    """Appeal, timely-filing and corrected-claim windows of one payer (or payer type).

    ``status`` is ``reviewed`` when the numbers were checked against the cited rules
    (``source``), ``default — review`` for a placeholder, ``unknown: set a profile`` for a
    payer type whose rules vary by contract or state (workers' compensation, other
    government programmes): its windows are deliberately short and it says so on every
    case and queue row.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    label: str = ""
    payer_type: str = "commercial"
    medicare_advantage: bool = False
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
        if self.medicare_advantage:
            first = self.appeal_level(1)
            if (
                first is None
                or first.anchor != "initial_determination"
                or ((first.days or 0) > MA_RECONSIDERATION_DAYS or first.months is not None)
            ):
                raise ValueError(
                    "a Medicare Advantage profile's level 1 is the reconsideration: at most "
                    f"{MA_RECONSIDERATION_DAYS} days from initial_determination (42 CFR 422.582)"
                )
        return self

    @property
    def needs_review(self) -> bool:
        return self.status.strip().lower() != REVIEWED

    @property
    def warning(self) -> str | None:
        """What a case or queue row shows when the profile is not a reviewed one."""
        if not self.needs_review:
            return None
        return f"payer profile {self.name}: {self.status.strip()}"

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
    if not 1 <= year <= 9999:
        raise DateOutOfRange(f"{start.isoformat()} + {months} months is past year 9999")
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _shift(start: date, *, days: int | None = None, months: int | None = None) -> date:
    if months is not None:
        return add_months(start, months)
    try:
        return start + timedelta(days=days or 0)
    except OverflowError:
        raise DateOutOfRange(f"{start.isoformat()} + {days} days is past year 9999") from None


def load_profiles(path: Path | str | None = None) -> ProfileBook:
    """Read and validate a profile file (default: $DENIALOPS_PAYER_PROFILES or the bundled one)."""
    return _load_cached(*cache_key(path or os.environ.get(PROFILES_ENV) or DEFAULT_PROFILES))


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int) -> ProfileBook:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"), name=path)
    except OSError as exc:
        raise PayerProfileError(f"{path}: cannot read payer profiles ({exc.strerror})") from None
    except (yaml.YAMLError, InputLimitError) as exc:
        raise PayerProfileError(f"{path}: not valid YAML ({exc})") from None
    try:
        return ProfileBook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayerProfileError(f"{path}: {where}: {first['msg']}") from None


def profile_for(payer_id: str, filing_indicator: str) -> PayerProfile:
    """The profile of a case from the current profile file (see :meth:`ProfileBook.for_payer`).

    Medicare Advantage is chosen by the claim filing indicator (CLP06 ``16``, HMO Medicare
    risk, in the bundled file) or by a payer-id profile marked ``medicare_advantage``.
    """
    return load_profiles().for_payer(payer_id, filing_indicator)


# ---------------------------------------------------------------------------- dates


def notice_date(production_date: date | None, payment_date: date | None) -> date | None:
    """The date of the payer's notice: the remittance's production date (DTM*405) or its
    check / EFT date (BPR16), the earlier of those that are plausible; never an ingest
    date (a file loaded late must not move a deadline later)."""
    candidates = [d for d in (production_date, payment_date) if d and is_plausible(d)]
    return min(candidates) if candidates else None


def is_plausible(day: date, reference: date | None = None) -> bool:
    """On or after 1990-01-01 and at most a year after ``reference`` (default: today)."""
    ceiling = reference or date.today()
    try:
        ceiling = ceiling + FUTURE_SLACK
    except OverflowError:
        ceiling = date.max
    return EARLIEST_PLAUSIBLE <= day <= ceiling


def has_appeal_rights(remark_codes: Iterable[str]) -> bool:
    """False when a remark says the payer affords no appeal (MA130, N211)."""
    return not any(code in NO_APPEAL_RIGHTS_REMARKS for code in remark_codes)


# ---------------------------------------------------------------------------- deadlines


@dataclass(frozen=True, slots=True)
class DeadlineFacts:
    """What the deadline of a case depends on.

    ``determination_date`` is the notice date of the remittance that opened the case
    (see :func:`notice_date`); ``last_decision_date`` the payer's decision on the latest
    decided appeal level; ``appeal_filed_on`` the day the pending appeal was filed.
    """

    state: str
    appeal_level: int
    service_date: date | None
    determination_date: date | None
    last_decision_date: date | None
    correctable: bool
    due_date: date | None
    appeal_rights: bool = True
    appeal_filed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date the case must meet. ``due`` is what the queue works to; ``latest`` is the
    regulation's own date when it counts from presumed receipt (later than ``due``)."""

    kind: str
    due: date
    basis: str
    latest: date | None = None
    anchor_date: date | None = None

    def days_left(self, today: date) -> int:
        return (self.due - today).days


@dataclass(frozen=True, slots=True)
class Assessment:
    """Every deadline binding a case, earliest first, and why any was left out."""

    deadlines: list[Deadline]
    notes: list[str] = field(default_factory=list)
    profile_warning: str | None = None

    @property
    def next(self) -> Deadline | None:
        return self.deadlines[0] if self.deadlines else None


def assessment_record(found: Assessment, profile: PayerProfile) -> dict[str, object]:
    """The deadlines of a case as plain data for the CLI, JSON and the web app."""
    return {
        "profile": profile.name,
        "profile_status": profile.status.strip(),
        "profile_warning": profile.warning,
        "deadlines": [
            {
                "kind": d.kind,
                "due": d.due,
                "basis": d.basis,
                "regulation_date": d.latest,
                "counted_from": d.anchor_date,
            }
            for d in found.deadlines
        ],
        "notes": list(found.notes),
    }


_PRE_WORK = frozenset({"new", "triaged", "in_progress", "reopened"})
_WAITING = frozenset({"appealed", "external_review"})


def assess(facts: DeadlineFacts, profile: PayerProfile) -> Assessment:
    """The deadlines of a case with notes on any anchor date that could not be used."""
    found: list[Deadline] = []
    notes: list[str] = []
    if facts.due_date is not None and facts.state not in CLOSED_STATES:
        found.append(Deadline("due date", facts.due_date, "set by hand"))
    if facts.state in _PRE_WORK:
        windows: list[tuple[str, Window]] = []
        if facts.correctable:
            windows.append(("corrected claim", profile.corrected_claim))
            windows.append(("timely filing", profile.timely_filing))
        if not facts.correctable or facts.appeal_rights:
            level = profile.appeal_level(facts.appeal_level + 1)
            if level is not None and level.automatic:
                notes.append(f"appeal level {level.level} ({level.name}): {level.describe()}")
            elif level is not None:
                windows.append((f"appeal level {level.level} ({level.name})", level))
        for kind, window in windows:
            deadline = _count(kind, window, facts, notes)
            if deadline is not None:
                found.append(deadline)
    elif facts.state in _WAITING:
        level = profile.appeal_level(facts.appeal_level)
        if level is not None and level.response_days and facts.appeal_filed_on is not None:
            try:
                due = _shift(facts.appeal_filed_on, days=level.response_days)
            except DateOutOfRange as exc:
                notes.append(f"follow-up not computed: {exc}")
            else:
                found.append(
                    Deadline(
                        f"follow up: appeal level {level.level}",
                        due,
                        f"payer decides within {level.response_days} days of filing",
                        anchor_date=facts.appeal_filed_on,
                    )
                )
    return Assessment(
        sorted(found, key=lambda d: (d.due, d.kind)), notes, profile_warning=profile.warning
    )


def case_deadlines(facts: DeadlineFacts, profile: PayerProfile) -> list[Deadline]:
    """Every deadline that binds the case now, earliest first."""
    return assess(facts, profile).deadlines


def next_deadline(facts: DeadlineFacts, profile: PayerProfile) -> Deadline | None:
    return assess(facts, profile).next


def _count(kind: str, window: Window, facts: DeadlineFacts, notes: list[str]) -> Deadline | None:
    start = _anchor_date(window.anchor, facts)
    label = window.anchor.replace("_", " ")
    if start is None:
        return None
    reference = _notice(facts)
    if not is_plausible(start, reference if window.anchor == "date_of_service" else None):
        notes.append(
            f"{kind}: {label} {start.isoformat()} is outside the plausible range "
            f"({EARLIEST_PLAUSIBLE.isoformat()} to a year after the notice); not counted"
        )
        return None
    try:
        due = window.due(start)
        latest = window.latest(start) if window.receipt_days else None
    except DateOutOfRange as exc:
        notes.append(f"{kind}: not computed ({exc})")
        return None
    return Deadline(kind, due, window.describe(), latest=latest, anchor_date=start)


def _notice(facts: DeadlineFacts) -> date | None:
    day = facts.determination_date
    return day if day is not None and is_plausible(day) else None


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
