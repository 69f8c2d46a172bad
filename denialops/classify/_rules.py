"""Loading the classification rules: a readable YAML file, validated with line numbers.

The shipped file is ``denialops/classify/data/rules.yaml``; a user file (``--rules``
or ``$DENIALOPS_RULES``) uses the same layout, may add categories, and replaces any
shipped rule with the same match. Every problem is reported with its file and line:
unknown codes, Alert remarks used as reasons, values outside the vocabularies, and two
rules with the same match (which would leave the winner to chance).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from denialops.classify._vocab import (
    FAMILIES,
    GROUP_CODES,
    INVALID_GROUP,
    LIABILITY_BY_GROUP,
    NEXT_ACTIONS,
    OWNERS,
    PROCESS_STEPS,
    SOFT_OR_HARD,
    UNCLASSIFIED,
)
from denialops.codes import CodeList, code_list
from denialops.errors import RulesError

RULES_ENV = "DENIALOPS_RULES"
SHIPPED_NAME = "rules.yaml (shipped)"
_LINE = "__line__"
_KEY_LINES = "__key_lines__"

OUTCOME_FIELDS = (
    "is_denial",
    "family",
    "soft_or_hard",
    "process_step",
    "owner",
    "next_action",
    "needs_review",
    "checks",
)
_MATCH_FIELDS = ("id", "payer", "group", "carc", "rarc")
_RULE_FIELDS = {*_MATCH_FIELDS, "category", "note", *OUTCOME_FIELDS}
_CATEGORY_FIELDS = {*OUTCOME_FIELDS, "note"}
_TOP_FIELDS = {"version", "categories", "rules", "remark_constraints"}
_CONSTRAINT_FIELDS = {"soft_or_hard", "next_action", "instead_of", "checks", "note"}
_CHOICES: dict[str, tuple[str, ...]] = {
    "family": FAMILIES,
    "soft_or_hard": SOFT_OR_HARD,
    "process_step": PROCESS_STEPS,
    "owner": OWNERS,
    "next_action": NEXT_ACTIONS,
}
_CODE = re.compile(r"^(?:[A-Z]{1,2}\d{1,4}|\d{1,4})$")

MatchKey = tuple[str | None, str | None, str, str | None]
"""(payer, group, carc, rarc): what a rule matches; None means "any"."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rule says about an adjustment (the internal root cause and its handling)."""

    category: str
    is_denial: bool = True
    family: str | None = None
    soft_or_hard: str | None = None
    process_step: str | None = None
    owner: str | None = None
    next_action: str = "review"
    needs_review: bool = False
    checks: tuple[str, ...] = ()
    """What to verify before the next action (e.g. "verify the ABN is on file")."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule as written, with where it was written."""

    id: str
    outcome: Outcome
    keys: tuple[MatchKey, ...]
    source: str
    line: int
    note: str = ""
    order: int = 0
    """Precedence among rules matched by different remarks at the same specificity
    (lower wins: user rules, then shipped rules in file order), so the order of the
    remarks on the remittance never decides."""

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Constraint:
    """A general remark (e.g. MA130 "no appeal rights") that adds a constraint to
    whatever root cause the specific remarks give, instead of replacing it."""

    remark: str
    soft_or_hard: str | None = None
    next_action: str | None = None
    instead_of: tuple[str, ...] = ()
    """The next actions it replaces (empty: any)."""
    checks: tuple[str, ...] = ()
    source: str = ""
    line: int = 0


def specificity(key: MatchKey) -> tuple[int, int, int]:
    """payer > RARC > group: payer+group+CARC+RARC beats group+CARC+RARC beats
    CARC+RARC beats group+CARC beats CARC (and any payer rule beats the shared ones)."""
    payer, group, _carc, remark = key
    return (payer is not None, remark is not None, group is not None)


def describe_key(key: MatchKey) -> str:
    payer, group, carc, remark = key
    text = f"{group}-{carc}" if group else f"CARC {carc}"
    if remark:
        text += f"+{remark}"
    if payer:
        text = f"payer {payer} {text}"
    return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rules file, located."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class RuleSet:
    """Rules indexed by what they match, plus the version stamped on every result."""

    rules: list[Rule]
    categories: dict[str, Outcome]
    version: str
    sources: list[str]
    carcs: CodeList = field(default_factory=lambda: code_list("carc"))
    rarcs: CodeList = field(default_factory=lambda: code_list("rarc"))
    """The code lists in force when the rules were loaded (and validated against)."""
    constraints: dict[str, Constraint] = field(default_factory=dict)
    index: dict[MatchKey, Rule] = field(default_factory=dict)
    _memo: dict[object, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            for key in rule.keys:
                self.index[key] = rule

    def lookup(self, key: MatchKey) -> Rule | None:
        return self.index.get(key)

    def memo(self) -> dict[object, object]:
        """Per-ruleset cache of classifications (the rules are immutable once loaded)."""
        return self._memo

    def rules_for_carc(self, carc: str) -> Iterator[Rule]:
        seen: set[str] = set()
        for key, rule in self.index.items():
            if key[2] == carc and rule.id not in seen:
                seen.add(rule.id)
                yield rule


# libyaml's parser (PyYAML's C extension) when installed: the pure-Python scanner was most
# of the cost of loading the rules (about 1 s per process for the shipped file).
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe loader that records each mapping's line and refuses duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if str(key) in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[str(key)] = loader.construct_object(value_node, deep=True)
        key_lines[str(key)] = key_node.start_mark.line + 1
    mapping[_LINE] = node.start_mark.line + 1
    mapping[_KEY_LINES] = key_lines
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _line_of(mapping: dict[str, Any], key: str | None = None) -> int:
    if key is not None:
        line = mapping.get(_KEY_LINES, {}).get(key)
        if isinstance(line, int):
            return line
    line = mapping.get(_LINE, 0)
    return line if isinstance(line, int) else 0


def _as_texts(value: Any) -> list[str] | None:
    """A text or a list of texts (checks, next actions)."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) and item.strip() for item in items):
        return None
    return [item.strip() for item in items]


def _as_codes(value: Any) -> list[str] | None:
    """A code or a list of codes as upper-case strings (YAML may read 50 as an int)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            return None
        out.append(str(item).strip().upper())
    return out


class _FileParser:
    """Turns one parsed YAML document into categories and rules, collecting problems."""

    def __init__(self, source: str, known_categories: dict[str, Outcome]) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.categories: dict[str, Outcome] = {}
        self.known = known_categories
        self.rules: list[Rule] = []
        self.constraints: dict[str, Constraint] = {}
        self.carcs = code_list("carc")
        self.rarcs = code_list("rarc")

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    def parse(self, text: str) -> None:
        try:
            document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - safe loader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            self.problem(line, f"not valid YAML: {exc.problem or exc.context}")
            return
        except yaml.YAMLError as exc:
            self.problem(0, f"not valid YAML: {exc}")
            return
        if not isinstance(document, dict):
            self.problem(1, "expected a mapping with 'categories' and/or 'rules'")
            return
        for key in document:
            if key not in _TOP_FIELDS and not key.startswith("__"):
                self.problem(_line_of(document, key), f"unknown section {key!r}")
        categories = document.get("categories") or {}
        if not isinstance(categories, dict):
            self.problem(_line_of(document, "categories"), "'categories' must be a mapping")
            categories = {}
        for name, spec in categories.items():
            if name.startswith("__"):
                continue
            self._category(name, spec, categories.get(_KEY_LINES, {}).get(name, 0))
        constraints = document.get("remark_constraints") or {}
        if not isinstance(constraints, dict):
            self.problem(
                _line_of(document, "remark_constraints"), "'remark_constraints' must be a mapping"
            )
            constraints = {}
        for remark, spec in constraints.items():
            if not remark.startswith("__"):
                self._constraint(remark, spec, constraints.get(_KEY_LINES, {}).get(remark, 0))
        rules = document.get("rules") or []
        if not isinstance(rules, list):
            self.problem(_line_of(document, "rules"), "'rules' must be a list")
            rules = []
        for spec in rules:
            if not isinstance(spec, dict):
                self.problem(_line_of(document, "rules"), "each rule must be a mapping")
                continue
            self._rule(spec)

    def _check_outcome_fields(self, spec: dict[str, Any], what: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in OUTCOME_FIELDS:
            if name not in spec:
                continue
            value = spec[name]
            line = _line_of(spec, name)
            if name in ("is_denial", "needs_review"):
                if not isinstance(value, bool):
                    self.problem(line, f"{what}: {name} must be true or false, not {value!r}")
                    continue
            elif name == "checks":
                checks = _as_texts(value)
                if checks is None:
                    self.problem(line, f"{what}: checks must be a text or a list of texts")
                    continue
                value = checks
            elif value is not None:
                choices = _CHOICES[name]
                if value not in choices:
                    self.problem(
                        line,
                        f"{what}: unknown {name.replace('_', ' ')} {value!r} "
                        f"(expected one of {', '.join(choices)})",
                    )
                    continue
            values[name] = value
        return values

    def _constraint(self, remark: str, spec: Any, line: int) -> None:
        what = f"remark constraint {remark!r}"
        if not isinstance(spec, dict):
            self.problem(line, f"{what}: expected a mapping")
            return
        for key in spec:
            if key not in _CONSTRAINT_FIELDS and not key.startswith("__"):
                self.problem(_line_of(spec, key), f"{what}: unknown field {key!r}")
        codes = self._codes({"rarc": remark, _LINE: line}, "rarc", what, required=True)
        if not codes:
            return
        values = self._check_outcome_fields(
            {k: v for k, v in spec.items() if k in ("soft_or_hard", "next_action", "checks")}
            | {_KEY_LINES: spec.get(_KEY_LINES, {})},
            what,
        )
        instead = _as_texts(spec.get("instead_of", []))
        if instead is None or any(a not in NEXT_ACTIONS for a in instead):
            self.problem(_line_of(spec, "instead_of"), f"{what}: instead_of lists next actions")
            instead = []
        self.constraints[codes[0]] = Constraint(
            remark=codes[0],
            soft_or_hard=values.get("soft_or_hard"),
            next_action=values.get("next_action"),
            instead_of=tuple(instead),
            checks=tuple(values.get("checks", ())),
            source=self.source,
            line=line,
        )

    def _category(self, name: str, spec: Any, line: int) -> None:
        if not isinstance(spec, dict):
            self.problem(line, f"category {name!r}: expected a mapping of defaults")
            return
        for key in spec:
            if key not in _CATEGORY_FIELDS and not key.startswith("__"):
                self.problem(_line_of(spec, key), f"category {name!r}: unknown field {key!r}")
        if name in (UNCLASSIFIED, INVALID_GROUP):
            self.problem(line, f"category {name!r} is reserved for codes no rule covers")
            return
        values = self._check_outcome_fields(spec, f"category {name!r}")
        if "checks" in values:
            values["checks"] = tuple(values["checks"])
        outcome = Outcome(category=name, **values)
        if outcome.is_denial and outcome.family is None and not outcome.needs_review:
            self.problem(line, f"category {name!r}: a denial category needs a family")
        if not outcome.is_denial and outcome.family is not None:
            self.problem(line, f"category {name!r}: a non-denial has no family")
        self.categories[name] = outcome

    def _codes(
        self, spec: dict[str, Any], name: str, what: str, *, required: bool
    ) -> list[str] | None:
        if name not in spec or spec[name] in (None, []):
            if required:
                self.problem(_line_of(spec), f"{what}: '{name}' is required")
                return None
            return []
        codes = _as_codes(spec[name])
        line = _line_of(spec, name)
        if codes is None:
            self.problem(line, f"{what}: {name} must be a code or a list of codes")
            return None
        good: list[str] = []
        for code in codes:
            if not _CODE.match(code):
                self.problem(line, f"{what}: {code!r} is not a well-formed {name.upper()}")
                continue
            listing = self.carcs if name == "carc" else self.rarcs
            info = listing.lookup(code)
            if info is None:
                self.problem(line, f"{what}: unknown {name.upper()} {code!r}")
                continue
            if name == "rarc" and info.is_alert:
                self.problem(
                    line,
                    f"{what}: RARC {code} is an Alert (informational) and cannot refine a reason",
                )
                continue
            good.append(code)
        return good

    def _rule(self, spec: dict[str, Any]) -> None:
        line = _line_of(spec)
        what = f"rule {spec['id']!r}" if "id" in spec else "rule"
        for key in spec:
            if key not in _RULE_FIELDS and not key.startswith("__"):
                self.problem(_line_of(spec, key), f"{what}: unknown field {key!r}")
        carcs = self._codes(spec, "carc", what, required=True)
        remarks = self._codes(spec, "rarc", what, required=False)
        group = spec.get("group")
        if group is not None:
            group = str(group).strip().upper()
            if group not in GROUP_CODES:
                self.problem(
                    _line_of(spec, "group"),
                    f"{what}: unknown group code {group!r} (expected one of "
                    f"{', '.join(GROUP_CODES)})",
                )
                return
        payer = spec.get("payer")
        payer = str(payer).strip() if payer not in (None, "") else None
        category = spec.get("category")
        if not isinstance(category, str):
            self.problem(line, f"{what}: 'category' is required")
            return
        base = self.categories.get(category) or self.known.get(category)
        if base is None:
            self.problem(_line_of(spec, "category"), f"{what}: unknown category {category!r}")
            return
        overrides = self._check_outcome_fields(spec, what)
        if "checks" in overrides:
            overrides["checks"] = tuple(overrides["checks"])
        if carcs is None or remarks is None or not carcs:
            return
        outcome = replace(base, **overrides)
        if not outcome.is_denial and outcome.family is not None:
            self.problem(line, f"{what}: a non-denial has no family")
        if (
            group is not None
            and LIABILITY_BY_GROUP.get(group) == "provider"
            and outcome.next_action == "bill_patient"
        ):
            self.problem(
                _line_of(spec, "next_action") if "next_action" in spec else line,
                f"{what}: group {group} makes the provider liable: bill_patient would be "
                "balance billing",
            )
        refinements: list[str | None] = list(remarks) if remarks else [None]
        keys = tuple((payer, group, carc, remark) for carc in carcs for remark in refinements)
        rule_id = spec.get("id")
        if rule_id is None:
            if len(keys) > 1:
                self.problem(line, "a rule with several codes needs an 'id'")
                return
            rule_id = describe_key(keys[0]).replace(" ", "-").replace("CARC-", "carc-")
        self.rules.append(
            Rule(
                id=str(rule_id),
                outcome=outcome,
                keys=keys,
                source=self.source,
                line=line,
                note=str(spec.get("note", "")),
                order=len(self.rules),
            )
        )


def _same_file_conflicts(rules: list[Rule]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[MatchKey, Rule] = {}
    ids: dict[str, Rule] = {}
    for rule in rules:
        earlier_id = ids.get(rule.id)
        if earlier_id is not None and earlier_id is not rule:
            problems.append(
                Problem(
                    rule.source,
                    rule.line,
                    f"rule id {rule.id!r} is already used by the rule at {earlier_id.where}",
                )
            )
        ids[rule.id] = rule
        for key in rule.keys:
            earlier = seen.get(key)
            if earlier is not None and earlier is not rule:
                problems.append(
                    Problem(
                        rule.source,
                        rule.line,
                        f"conflict: rule {earlier.id!r} ({earlier.where}) and rule "
                        f"{rule.id!r} ({rule.where}) both match {describe_key(key)} at the "
                        "same specificity",
                    )
                )
            seen[key] = rule
    return problems


def _parse(
    text: str, source: str, known: dict[str, Outcome]
) -> tuple[dict[str, Outcome], list[Rule], list[Problem]]:
    categories, rules, problems, _constraints = _parse_all(text, source, known)
    return categories, rules, problems


def _parse_all(
    text: str, source: str, known: dict[str, Outcome]
) -> tuple[dict[str, Outcome], list[Rule], list[Problem], dict[str, Constraint]]:
    parser = _FileParser(source, known)
    parser.parse(text)
    problems = parser.problems + _same_file_conflicts(parser.rules)
    return parser.categories, parser.rules, problems, parser.constraints


def shipped_rules_text() -> str:
    return resources.files("denialops.classify").joinpath("data", "rules.yaml").read_text("utf-8")


def _read_user_file(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file ({exc.strerror})") from None


def check_rules_file(path: Path) -> list[Problem]:
    """Every problem of a user rules file, read on top of the shipped categories."""
    shipped_categories, _rules, _problems = _parse(shipped_rules_text(), SHIPPED_NAME, {})
    _categories, _user_rules, problems = _parse(
        _read_user_file(path), str(path), shipped_categories
    )
    return problems


def check_rules_text(text: str, source: str = "<rules>") -> list[Problem]:
    """Like :func:`check_rules_file` for rules given as text (used by tests and tools)."""
    shipped_categories, _rules, _problems = _parse(shipped_rules_text(), SHIPPED_NAME, {})
    return _parse(text, source, shipped_categories)[2]


def _raise(problems: list[Problem]) -> None:
    shown = "; ".join(str(p) for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    raise RulesError(f"invalid rules: {shown}{more}")


def _merge(rules: list[Rule], over: list[Rule]) -> list[Rule]:
    """``over`` on top of ``rules``: a rule of ``over`` replaces every match it shares
    with ``rules`` and wins over them when matched by another remark (lower order)."""
    replaced = {key for rule in over for key in rule.keys}
    kept = [replace(rule, keys=tuple(k for k in rule.keys if k not in replaced)) for rule in rules]
    offset = min((rule.order for rule in rules), default=0) - len(over)
    return [r for r in kept if r.keys] + [replace(rule, order=rule.order + offset) for rule in over]


def check_overlay_text(base: RuleSet, text: str, source: str) -> list[Problem]:
    """Every problem of a rules document read on top of ``base`` (its categories too),
    exactly as :func:`overlay_rules` would find them."""
    return _parse_all(text, source, base.categories)[2]


def overlay_rules(base: RuleSet, text: str, source: str) -> RuleSet:
    """``base`` with a rules document on top, with the user file's semantics: it may add
    categories and replaces any rule of ``base`` with the same match (RulesError naming
    ``source`` and the line of the first problems)."""
    categories, rules, problems, constraints = _parse_all(text, source, base.categories)
    if problems:
        _raise(problems)
    digest = hashlib.sha256(f"{base.version}\0{text}".encode())
    return RuleSet(
        rules=_merge(base.rules, rules),
        categories={**base.categories, **categories},
        version=digest.hexdigest()[:12],
        sources=[*base.sources, source],
        carcs=base.carcs,
        rarcs=base.rarcs,
        constraints={**base.constraints, **constraints},
    )


def load_rules(user_file: Path | None = None) -> RuleSet:
    """The shipped rules plus an optional user file (argument, else ``$DENIALOPS_RULES``).

    User rules with the same match as a shipped rule replace it; conflicts inside one
    file, unknown codes and bad values raise RulesError naming the file and line.
    """
    shipped_text = shipped_rules_text()
    categories, rules, problems, constraints = _parse_all(shipped_text, SHIPPED_NAME, {})
    if problems:
        _raise(problems)
    sources = [SHIPPED_NAME]
    digest = hashlib.sha256(shipped_text.encode("utf-8"))
    env_file = os.environ.get(RULES_ENV)
    path = user_file or (Path(env_file) if env_file else None)
    if path is not None:
        user_text = _read_user_file(path)
        user_categories, user_rules, user_problems, user_constraints = _parse_all(
            user_text, str(path), categories
        )
        if user_problems:
            _raise(user_problems)
        categories = {**categories, **user_categories}
        constraints = {**constraints, **user_constraints}
        rules = _merge(rules, user_rules)
        sources.append(str(path))
        digest.update(b"\0" + user_text.encode("utf-8"))
    return RuleSet(
        rules=rules,
        categories=categories,
        version=digest.hexdigest()[:12],
        sources=sources,
        constraints=constraints,
    )
