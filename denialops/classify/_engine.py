"""Classifying one adjustment: the payer's reason (group + CARC + RARCs) -> root cause.

Plain functions over codes and a :class:`RuleSet`; the database layer
(:mod:`denialops.classify.apply`) calls :func:`classify` once per distinct reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from denialops.classify._rules import Constraint, MatchKey, Rule, RuleSet, describe_key, load_rules
from denialops.classify._vocab import (
    GROUP_CODES,
    INVALID_GROUP,
    INVALID_GROUPS,
    LIABILITY_BY_GROUP,
    PATIENT_ACTIONS,
    UNCLASSIFIED,
    Liability,
    NextAction,
)
from denialops.codes import CodeEntry
from denialops.codes._lists import status_on, today
from denialops.errors import CodeError

_CODE = re.compile(r"^(?:[A-Z]{1,2}\d{1,4}|\d{1,4})$")
_GROUP = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Classification:
    """The three layers for one adjustment, with the rule and rule-set version used.

    ``liability`` comes from the group code alone (CO/PI provider, PR patient, OA other)
    and bounds ``next_action``; ``checks`` are what to verify before taking it.
    """

    is_denial: bool
    family: str | None
    category: str
    soft_or_hard: str | None
    process_step: str | None
    owner: str | None
    next_action: str
    rule: str | None
    ruleset_version: str
    warnings: tuple[str, ...] = ()
    needs_review: bool = False
    liability: str | None = None
    checks: tuple[str, ...] = ()


PATIENT_CHECK = (
    "confirm the patient is liable before billing: a signed ABN / waiver or advance notice "
    "where the payer or state requires one, and No Surprises Act / state balance-billing rules"
)
_GROUP_RESTRICTION = re.compile(
    r"use (?:only )?with group codes? ([A-Z]{2}(?:\s*(?:,|or|and)\s*[A-Z]{2})*)", re.IGNORECASE
)


def allowed_groups(carc_text: str) -> tuple[str, ...]:
    """The groups a CARC's X12 text restricts it to ("Use only with Group Code OA");
    empty when the text says nothing."""
    match = _GROUP_RESTRICTION.search(carc_text)
    if not match:
        return ()
    return tuple(
        dict.fromkeys(
            g.upper()
            for g in re.findall(r"[A-Za-z]{2}", match.group(1))
            if g.upper() in GROUP_CODES
        )
    )


def parse_adjustment_code(text: str) -> tuple[str, str]:
    """Split "CO-50" (or "CO50", "co 50") into group and CARC; CodeError if malformed."""
    cleaned = text.strip().upper()
    match = re.match(r"^([A-Z]{2})[\s\-:]?([A-Z0-9]+)$", cleaned)
    if not match or not _CODE.match(match.group(2)):
        raise CodeError(
            f"{text!r} is not a group code and CARC such as CO-50 (group: two letters; "
            "CARC: digits, or one or two letters then digits)"
        )
    return match.group(1), match.group(2)


def is_well_formed_code(code: str) -> bool:
    return bool(_CODE.match(code.strip().upper()))


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The rules in force when none are passed (shipped + $DENIALOPS_RULES), loaded once."""
    return load_rules()


def _candidate_levels(
    payer: str | None, group: str, carc: str, specific: Sequence[str], general: Sequence[str]
) -> list[list[MatchKey]]:
    """Match keys from most to least specific; each inner list is one specificity.

    Specific remarks (the root cause) come before general ones (constraints such as
    MA130), which refine a reason only when no specific remark does.
    """
    levels: list[list[MatchKey]] = []
    for who in ([payer] if payer else []) + [None]:
        for remarks in (specific, general):
            if remarks:
                levels.append([(who, group, carc, r) for r in remarks])
                levels.append([(who, None, carc, r) for r in remarks])
        levels.append([(who, group, carc, None)])
        levels.append([(who, None, carc, None)])
    return levels


def _match(
    rules: RuleSet, levels: list[list[MatchKey]]
) -> tuple[Rule | None, MatchKey | None, list[str]]:
    for level in levels:
        found = [(key, rule) for key in level if (rule := rules.lookup(key)) is not None]
        if not found:
            continue
        # rule precedence, never the order of the remarks, picks among several
        key, rule = min(found, key=lambda hit: (hit[1].order, hit[1].id))
        notes: list[str] = []
        others = sorted({r.id for _k, r in found if r.outcome != rule.outcome})
        if others:
            notes.append(
                f"remarks point to different rules ({rule.id}, {', '.join(others)}); "
                f"used {rule.id} ({describe_key(key)}), the rule that takes precedence"
            )
        return rule, key, notes
    return None, None, []


@dataclass(frozen=True, slots=True)
class _Resolved:
    """The date-free part of a classification, and the dated codes still to judge."""

    base: Classification
    dated: tuple[tuple[str, CodeEntry], ...]


def _unclassified(version: str, warnings: list[str]) -> Classification:
    return Classification(
        is_denial=True,
        family=None,
        category=UNCLASSIFIED,
        soft_or_hard=None,
        process_step=None,
        owner=None,
        next_action=NextAction.REVIEW.value,
        rule=None,
        ruleset_version=version,
        warnings=tuple(warnings),
        needs_review=True,
    )


def _with_constraints(result: Classification, constraints: Sequence[Constraint]) -> Classification:
    """General remarks add their constraint to the root cause (in code order)."""
    if not result.is_denial or not constraints:
        return result
    action, soft_or_hard, checks = result.next_action, result.soft_or_hard, list(result.checks)
    for constraint in constraints:
        if constraint.next_action and (
            not constraint.instead_of or action in constraint.instead_of
        ):
            action = constraint.next_action
        soft_or_hard = constraint.soft_or_hard or soft_or_hard
        checks.extend(c for c in constraint.checks if c not in checks)
    return replace(result, next_action=action, soft_or_hard=soft_or_hard, checks=tuple(checks))


def _with_liability(result: Classification, group: str) -> Classification:
    """The group code sets who is liable and bounds the next action, whatever the rule or
    the remarks say: never bill the patient under CO/PI; PR leads to patient billing."""
    if group in INVALID_GROUPS:
        return replace(
            result,
            is_denial=False,
            family=None,
            category=INVALID_GROUP,
            soft_or_hard=None,
            process_step=None,
            owner="billing",
            next_action=NextAction.REVIEW.value,
            needs_review=True,
            liability=None,
            checks=(),
            warnings=(
                *result.warnings,
                f"{group} is not a valid CAS01 group in 005010 (reversals come as CLP02 22 "
                f"with negated amounts): flagged, not counted as a denial (reason read as "
                f"{result.category})",
            ),
        )
    liability = LIABILITY_BY_GROUP.get(group)
    result = replace(result, liability=liability.value if liability else None)
    if liability is Liability.PROVIDER and result.next_action == NextAction.BILL_PATIENT:
        instead = NextAction.WRITE_OFF if result.is_denial else NextAction.CONTRACTUAL_ADJUSTMENT
        return replace(
            result,
            next_action=instead.value,
            warnings=(
                *result.warnings,
                f"group {group}: the provider is liable and the patient may not be billed "
                f"(balance billing): {instead.value} instead of bill_patient",
            ),
        )
    if (
        liability is Liability.PATIENT
        and result.next_action not in PATIENT_ACTIONS
        and result.category != UNCLASSIFIED
    ):
        return replace(
            result,
            next_action=NextAction.BILL_PATIENT.value,
            owner="billing",
            checks=result.checks or (PATIENT_CHECK,),
        )
    return result


def _resolve(
    ruleset: RuleSet, payer: str | None, group: str, carc: str, remarks: tuple[str, ...]
) -> _Resolved:
    warnings: list[str] = []
    review = False
    dated: list[tuple[str, CodeEntry]] = []
    if not _GROUP.match(group) or group not in GROUP_CODES:
        warnings.append(f"unknown group code {group!r}")
        review = True
    entry = ruleset.carcs.entries.get(carc) if _CODE.match(carc) else None
    if entry is None:
        warnings.append(f"CARC {carc!r} is not on the CARC list")
        review = True
    else:
        if entry.start or entry.stop or entry.stop_unknown:
            dated.append(("CARC", entry))
        allowed = allowed_groups(entry.text)
        if (
            allowed
            and group in GROUP_CODES
            and group not in INVALID_GROUPS
            and group not in allowed
        ):
            warnings.append(
                f"CARC {carc} is for group code {' or '.join(allowed)} only (X12 code text); "
                f"accepted under {group}"
            )
    refining: set[str] = set()
    for remark in remarks:
        rentry = ruleset.rarcs.entries.get(remark) if _CODE.match(remark) else None
        if rentry is None:
            warnings.append(f"RARC {remark!r} is not on the RARC list")
            continue
        if rentry.start or rentry.stop or rentry.stop_unknown:
            dated.append(("RARC", rentry))
        if not rentry.text.lstrip().lower().startswith("alert:"):
            refining.add(remark)
    general = sorted(r for r in refining if r in ruleset.constraints)
    specific = sorted(r for r in refining if r not in ruleset.constraints)
    rule, _key, notes = _match(ruleset, _candidate_levels(payer, group, carc, specific, general))
    warnings.extend(notes)
    if rule is None:
        if entry is not None:
            warnings.append(f"no rule covers {group}-{carc}")
        base = _unclassified(ruleset.version, warnings)
    else:
        outcome = rule.outcome
        base = Classification(
            is_denial=outcome.is_denial,
            family=outcome.family,
            category=outcome.category,
            soft_or_hard=outcome.soft_or_hard,
            process_step=outcome.process_step,
            owner=outcome.owner,
            next_action=outcome.next_action,
            rule=rule.id,
            ruleset_version=ruleset.version,
            warnings=tuple(warnings),
            needs_review=review or outcome.needs_review,
            checks=outcome.checks,
        )
    base = _with_constraints(base, [ruleset.constraints[r] for r in general])
    base = _with_liability(base, group)
    return _Resolved(base, tuple(dated))


def _date_warning(kind: str, entry: CodeEntry, on: date | None) -> str | None:
    status = status_on(entry, on or today())
    when = f" on {on.isoformat()}" if on else " today"
    if status == "expired":
        return f"{kind} {entry.code} was deactivated{when} (stop date {entry.stop})"
    if status == "deactivated":
        return f"{kind} {entry.code} is deactivated (no stop date published)"
    if status == "not_yet_valid":
        return f"{kind} {entry.code} was not yet valid{when} (start date {entry.start})"
    return None


def classify(
    group: str,
    carc: str,
    rarcs: Sequence[str] = (),
    *,
    payer: str | None = None,
    on: date | None = None,
    rules: RuleSet | None = None,
) -> Classification:
    """Classify one adjustment. Never raises on odd codes: they come back unclassified,
    flagged for review, with warnings saying why.

    Codes are judged by the lists the rules were loaded with, on ``on`` (the service
    date, else the remittance date; default today). A deactivated code is still
    classified by its rule (payers keep sending them) with a warning naming its stop
    date; a CARC used before its start date is also flagged for review.
    """
    ruleset = rules or default_rules()
    group = group.strip().upper()
    carc = carc.strip().upper()
    remarks = tuple(sorted({r.strip().upper() for r in rarcs if r and r.strip()}))
    payer = payer.strip() if payer and payer.strip() else None
    memo = ruleset.memo()
    memo_key = (payer, group, carc, remarks)
    resolved = memo.get(memo_key)
    if not isinstance(resolved, _Resolved):
        resolved = _resolve(ruleset, payer, group, carc, remarks)
        memo[memo_key] = resolved
    if not resolved.dated:
        return resolved.base
    notes: list[str] = []
    review = resolved.base.needs_review
    for kind, entry in resolved.dated:
        note = _date_warning(kind, entry, on)
        if note:
            notes.append(note)
            review = review or (kind == "CARC" and "not yet valid" in note)
    if not notes:
        return resolved.base
    return replace(
        resolved.base, warnings=resolved.base.warnings + tuple(notes), needs_review=review
    )
