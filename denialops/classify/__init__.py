"""Denial classification: payer reason (group + CARC + RARCs) -> internal root cause,
family, soft/hard, process step, owner and next action, driven by a YAML rules file.

See ``denialops/classify/data/rules.yaml`` for the rules and how to read them, and
:mod:`denialops.classify.apply` for applying them to stored remittances.
"""

from __future__ import annotations

from denialops.classify._engine import (
    Classification,
    classify,
    default_rules,
    is_well_formed_code,
    parse_adjustment_code,
)
from denialops.classify._rules import (
    RULES_ENV,
    Outcome,
    Problem,
    Rule,
    RuleSet,
    check_rules_file,
    check_rules_text,
    load_rules,
    specificity,
)
from denialops.classify._vocab import (
    FAMILIES,
    LIABILITY_BY_GROUP,
    NEXT_ACTIONS,
    OWNERS,
    PROCESS_STEPS,
    SOFT_OR_HARD,
    UNCLASSIFIED,
    Liability,
    NextAction,
)

__all__ = [
    "FAMILIES",
    "LIABILITY_BY_GROUP",
    "NEXT_ACTIONS",
    "OWNERS",
    "PROCESS_STEPS",
    "RULES_ENV",
    "SOFT_OR_HARD",
    "UNCLASSIFIED",
    "Classification",
    "Liability",
    "NextAction",
    "Outcome",
    "Problem",
    "Rule",
    "RuleSet",
    "check_rules_file",
    "check_rules_text",
    "classify",
    "default_rules",
    "is_well_formed_code",
    "load_rules",
    "parse_adjustment_code",
    "specificity",
]
