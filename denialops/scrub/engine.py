"""Running the edits over claims, with payer rule sets and the user's own lists.

:class:`Scrubber` holds what a run needs (CMS tables, payer rule sets, authorizations,
coverage policies, history) and scrubs one claim at a time, so the same core serves the
CLI, the API and a batch job. Rule sets are data (``scrub/data/rules.yaml``, or a user
file): per payer an edit can be switched off or given another severity, and every
finding records the edit's id and version plus the rule-set version.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from denialops.errors import RulesError
from denialops.money import parse_amount
from denialops.scrub.edits import (
    EDITS,
    EDITS_BY_ID,
    Authorization,
    AuthRequirement,
    Context,
    CoveragePolicy,
    Edit,
    PatternKey,
    PatternStat,
)
from denialops.scrub.findings import ClaimResult, Severity
from denialops.scrub.tables import EditTables
from denialops.x12.claim837 import SubmittedClaim
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse837 import iter_claims

RULES_ENV = "DENIALOPS_SCRUB_RULES"


class EditSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    severity: Severity | None = None


class PriorAuthRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    codes: list[str] = Field(default_factory=list)
    ranges: list[tuple[str, str]] = Field(default_factory=list)


class PayerMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filing_indicators: list[str] = Field(default_factory=list)
    payer_ids: list[str] = Field(default_factory=list)


class PayerRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label: str = ""
    source: str = ""
    match: PayerMatch = Field(default_factory=PayerMatch)
    edits: dict[str, EditSetting] = Field(default_factory=dict)
    prior_authorization: list[PriorAuthRule] = Field(default_factory=list)


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    edits: dict[str, EditSetting] = Field(default_factory=dict)
    default_payer: str
    payers: list[PayerRules]

    def for_claim(self, claim: SubmittedClaim) -> PayerRules:
        payer_id, indicator = claim.payer.payer_id, claim.payer.filing_indicator
        for rules in self.payers:
            if payer_id and payer_id in rules.match.payer_ids:
                return rules
        for rules in self.payers:
            if indicator and indicator in rules.match.filing_indicators:
                return rules
        return next(p for p in self.payers if p.name == self.default_payer)

    def setting(self, payer: PayerRules, edit_id: str) -> EditSetting:
        merged = EditSetting()
        for layer in (self.edits.get(edit_id), payer.edits.get(edit_id)):
            if layer is not None:
                merged = EditSetting(
                    enabled=layer.enabled, severity=layer.severity or merged.severity
                )
        return merged


def load_rules(path: Path | None = None) -> RuleBook:
    """The shipped rule sets, or a user file (argument, else ``$DENIALOPS_SCRUB_RULES``)."""
    chosen = path or (Path(os.environ[RULES_ENV]) if os.environ.get(RULES_ENV) else None)
    if chosen is None:
        text = resources.files("denialops.scrub").joinpath("data", "rules.yaml").read_text()
        source = "rules.yaml (shipped)"
    else:
        try:
            text = chosen.read_text("utf-8")
        except OSError as exc:
            raise RulesError(f"{chosen}: cannot read scrub rules ({exc.strerror})") from None
        source = str(chosen)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML ({exc})") from None
    try:
        book = RuleBook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RulesError(f"{source}: {where}: {first['msg']}") from None
    unknown = (
        sorted(set(book.edits) | {k for p in book.payers for k in p.edits}) - EDITS_BY_ID.keys()
    )
    if unknown:
        raise RulesError(f"{source}: unknown edit ids {', '.join(sorted(unknown))}")
    if book.default_payer not in {p.name for p in book.payers}:
        raise RulesError(f"{source}: default_payer {book.default_payer!r} is not a payer name")
    return book


def _expand(low: str, high: str) -> frozenset[str]:
    """A range of numeric codes as a set (ranges of other codes stay ranges)."""
    if low.isdigit() and high.isdigit() and len(low) == len(high) and int(high) - int(low) < 10_000:
        return frozenset(f"{n:0{len(low)}d}" for n in range(int(low), int(high) + 1))
    return frozenset()


def _requirements(rules: PayerRules) -> list[AuthRequirement]:
    found: list[AuthRequirement] = []
    for rule in rules.prior_authorization:
        codes = set(rule.codes)
        ranges: list[tuple[str, str]] = []
        for low, high in rule.ranges:
            expanded = _expand(low, high)
            if expanded:
                codes |= expanded
            else:
                ranges.append((low, high))
        found.append(AuthRequirement(frozenset(codes), tuple(ranges), rule.description))
    return found


@dataclass(frozen=True, slots=True)
class _Plan:
    """What runs for one payer's claims: the edits in order with their settings."""

    edits: tuple[tuple[Edit, Severity | None], ...]
    requirements: list[AuthRequirement]


def _csv_rows(path: Path, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        stream = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read ({exc.strerror})") from None
    with stream:
        reader = csv.DictReader(stream)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise RulesError(f"{path}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def load_authorizations(path: Path) -> dict[str, list[Authorization]]:
    """Authorizations on file, by member id, from a CSV.

    Columns: ``number, member_id, codes`` (space- or semicolon-separated), ``start, end``
    and optionally ``units, provider_npi``.
    """
    found: dict[str, list[Authorization]] = {}
    for line, row in _csv_rows(path, {"number", "member_id", "codes", "start", "end"}):
        try:
            units = parse_amount(row["units"]) if row.get("units") else None
            auth = Authorization(
                number=row["number"],
                member_id=row["member_id"],
                codes=frozenset(row["codes"].replace(";", " ").split()),
                start=date.fromisoformat(row["start"]),
                end=date.fromisoformat(row["end"]),
                units=units,
                provider_npi=row.get("provider_npi", ""),
            )
        except ValueError as exc:
            raise RulesError(f"{path}, line {line}: {exc}") from None
        found.setdefault(auth.member_id, []).append(auth)
    return found


def load_coverage(path: Path) -> list[CoveragePolicy]:
    """Coverage policies in the shape of LCD/NCD articles' covered ICD-10 lists: a CSV with
    ``policy_id, procedure, covered_icd10`` (one row per procedure and diagnosis code or
    prefix)."""
    procedures: dict[str, set[str]] = {}
    diagnoses: dict[str, set[str]] = {}
    for _line, row in _csv_rows(path, {"policy_id", "procedure", "covered_icd10"}):
        policy = row["policy_id"]
        procedures.setdefault(policy, set()).add(row["procedure"])
        diagnoses.setdefault(policy, set()).add(row["covered_icd10"].replace(".", "").upper())
    return [
        CoveragePolicy(policy, frozenset(procedures[policy]), tuple(sorted(diagnoses[policy])))
        for policy in sorted(procedures)
    ]


def timely_filing_from_profiles(profiles_path: Path | None = None) -> Any:
    """A due-date function from the work register's payer profiles (one source of truth)."""
    from denialops.work.deadlines import load_profiles

    book = load_profiles(profiles_path)
    windows: dict[tuple[str, str], Any] = {}

    def due(claim: SubmittedClaim) -> date | None:
        start = claim.first_service_date()
        if start is None:
            return None
        key = (claim.payer.payer_id, claim.payer.filing_indicator)
        window = windows.get(key)
        if window is None:
            window = windows[key] = book.for_payer(*key).timely_filing
        found: date = window.due(start)
        return found

    return due


class Scrubber:
    """Scrubs claims one at a time against the tables, rules and lists it was given."""

    def __init__(
        self,
        *,
        tables: EditTables | None = None,
        rules: RuleBook | None = None,
        authorizations: dict[str, list[Authorization]] | None = None,
        coverage: list[CoveragePolicy] | None = None,
        history: dict[PatternKey, PatternStat] | None = None,
        today: date | None = None,
        timely_filing: bool = True,
        only: Iterable[str] | None = None,
    ) -> None:
        self.rules = rules or load_rules()
        self.tables = tables or EditTables()
        self.context = Context(
            tables=self.tables,
            today=today or date.today(),
            authorizations=authorizations or {},
            coverage=coverage or [],
            history=history or {},
            timely_filing_due=timely_filing_from_profiles() if timely_filing else None,
        )
        self.only = frozenset(only) if only is not None else None
        self._plans: dict[str, _Plan] = {}

    def _plan(self, payer: PayerRules) -> _Plan:
        plan = self._plans.get(payer.name)
        if plan is None:
            edits: list[tuple[Edit, Severity | None]] = []
            for edit in EDITS:
                if self.only is not None and edit.edit_id not in self.only:
                    continue
                setting = self.rules.setting(payer, edit.edit_id)
                if setting.enabled:
                    version = f"{edit.version}@{self.rules.version}"
                    edits.append((replace(edit, version=version), setting.severity))
            plan = self._plans[payer.name] = _Plan(tuple(edits), _requirements(payer))
        return plan

    def scrub(
        self, claim: SubmittedClaim, *, source_file: str = "", as_of: date | None = None
    ) -> ClaimResult:
        """Findings for one claim; ``as_of`` replaces today for timely filing (a replay
        of past claims judges each on the day it was submitted)."""
        plan = self._plan(self.rules.for_claim(claim))
        self.context.auth_requirements = plan.requirements
        if as_of is not None:
            self.context.today, today = as_of, self.context.today
        else:
            today = self.context.today
        result = ClaimResult(
            claim.patient_control_number, claim.payer.payer_id, claim.kind, source_file
        )
        findings = result.findings
        for edit, severity in plan.edits:
            for finding in edit.check(claim, self.context, edit):
                if severity is not None and finding.severity not in (severity, Severity.INFO):
                    finding = replace(finding, severity=severity)
                findings.append(finding)
        result.findings.sort(key=lambda f: (-f.severity.rank, f.line or 0, f.edit_id))
        self.context.today = today
        return result

    def scrub_file(self, path: Path) -> Iterator[ClaimResult | RejectedTransaction]:
        for item in iter_claims(path):
            if isinstance(item, RejectedTransaction):
                yield item
            else:
                yield self.scrub(item, source_file=str(path))


def exit_code(results: Iterable[ClaimResult], fail_on: str) -> int:
    """0, or 1 when any finding reaches ``fail_on`` (error | warning; ``never`` never fails)."""
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return int(any(f.severity.rank >= threshold for r in results for f in r.findings))
