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

from denialops.classify._rules import MatchKey, Rule, RuleSet, describe_key, load_rules
from denialops.classify._vocab import GROUP_CODES, UNCLASSIFIED
from denialops.codes import CodeEntry
from denialops.codes._lists import status_on, today
from denialops.errors import CodeError

_CODE = re.compile(r"^(?:[A-Z]{1,2}\d{1,4}|\d{1,4})$")
_GROUP = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Classification:
    """The three layers for one adjustment, with the rule and rule-set version used."""

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
    payer: str | None, group: str, carc: str, remarks: Sequence[str]
) -> list[list[MatchKey]]:
    """Match keys from most to least specific; each inner list is one specificity."""
    levels: list[list[MatchKey]] = []
    for who in ([payer] if payer else []) + [None]:
        levels.append([(who, group, carc, r) for r in remarks])
        levels.append([(who, None, carc, r) for r in remarks])
        levels.append([(who, group, carc, None)])
        levels.append([(who, None, carc, None)])
    return levels


def _match(
    rules: RuleSet, levels: list[list[MatchKey]]
) -> tuple[Rule | None, MatchKey | None, list[str]]:
    for level in levels:
        hits = [(key, rules.lookup(key)) for key in level]
        found = [(key, rule) for key, rule in hits if rule is not None]
        if not found:
            continue
        key, rule = found[0]
        notes: list[str] = []
        others = {r.id: r for _k, r in found[1:] if r.outcome != rule.outcome}
        if others:
            notes.append(
                f"remarks point to different rules ({rule.id}, {', '.join(others)}); "
                f"used {rule.id} from the first remark, {describe_key(key)}"
            )
        return rule, key, notes
    return None, None, []


@dataclass(frozen=True, slots=True)
class _Resolved:
    """The date-free part of a classification, and the dated codes still to judge."""

    base: Classification
    dated: tuple[tuple[str, CodeEntry], ...]


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
    elif entry.start or entry.stop or entry.stop_unknown:
        dated.append(("CARC", entry))
    refining: list[str] = []
    for remark in remarks:
        rentry = ruleset.rarcs.entries.get(remark) if _CODE.match(remark) else None
        if rentry is None:
            warnings.append(f"RARC {remark!r} is not on the RARC list")
            continue
        if rentry.start or rentry.stop or rentry.stop_unknown:
            dated.append(("RARC", rentry))
        if not rentry.text.lstrip().lower().startswith("alert:"):
            refining.append(remark)

    rule, _key, notes = _match(ruleset, _candidate_levels(payer, group, carc, refining))
    warnings.extend(notes)
    if rule is None:
        if entry is not None:
            warnings.append(f"no rule covers {group}-{carc}")
        base = Classification(
            is_denial=True,
            family=None,
            category=UNCLASSIFIED,
            soft_or_hard=None,
            process_step=None,
            owner=None,
            next_action="review",
            rule=None,
            ruleset_version=ruleset.version,
            warnings=tuple(warnings),
            needs_review=True,
        )
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
        )
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
    remarks = tuple(r.strip().upper() for r in rarcs if r and r.strip())
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
