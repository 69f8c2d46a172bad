"""Loading rules (errors with file and line), specificity, overrides, unknown and dated codes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from denialops import codes
from denialops.classify import (
    FAMILIES,
    NEXT_ACTIONS,
    OWNERS,
    PROCESS_STEPS,
    RULES_ENV,
    SOFT_OR_HARD,
    check_rules_file,
    check_rules_text,
    classify,
    load_rules,
    specificity,
)
from denialops.classify._rules import shipped_rules_text
from denialops.codes import code_list
from denialops.errors import RulesError

SHIPPED = load_rules()


def _write(tmp_path: Path, text: str, name: str = "my-rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped file


def test_shipped_rules_have_no_problems() -> None:
    assert check_rules_text(shipped_rules_text(), "shipped") == []


def test_every_code_in_the_list_has_a_rule_none_falls_through() -> None:
    """Active and deactivated codes alike: payers keep sending deactivated ones."""
    every = list(code_list("carc").entries)
    assert len(every) == 407 and len(code_list("carc").in_force()) == 297
    uncovered = [c for c in every if not any(SHIPPED.rules_for_carc(c))]
    assert uncovered == []
    for carc in every:
        for group in ("CO", "PR", "OA", "PI", "CR"):
            result = classify(group, carc, rules=SHIPPED)
            assert result.rule is not None, f"{group}-{carc}"
            assert result.category != "unclassified"


def test_every_value_is_in_its_vocabulary() -> None:
    for rule in SHIPPED.rules:
        o = rule.outcome
        assert o.family in (*FAMILIES, None)
        assert o.soft_or_hard in (*SOFT_OR_HARD, None)
        assert o.process_step in (*PROCESS_STEPS, None)
        assert o.owner in (*OWNERS, None)
        assert o.next_action in NEXT_ACTIONS
        if o.is_denial and not o.needs_review:
            assert o.family is not None, rule.id
        if not o.is_denial:
            assert o.family is None, rule.id


@pytest.mark.parametrize(
    ("group", "carc"),
    [("CO", "45"), ("CO", "253"), ("PR", "1"), ("PR", "2"), ("PR", "3"), ("OA", "23")],
)
def test_normal_cost_of_a_paid_claim_is_not_a_denial(group: str, carc: str) -> None:
    result = classify(group, carc, rules=SHIPPED)
    assert not result.is_denial and result.family is None


def test_the_issue_examples_of_remark_refinement() -> None:
    assert classify("CO", "16", ["MA130"], rules=SHIPPED).family == "technical"
    assert classify("CO", "16", ["MA130"], rules=SHIPPED).category == "unprocessable"
    assert classify("CO", "16", ["M76"], rules=SHIPPED).family == "coding"
    ncd = classify("CO", "96", ["N386"], rules=SHIPPED)
    assert (ncd.family, ncd.category) == ("clinical", "coverage_policy")


def test_alert_remarks_never_refine_a_reason() -> None:
    plain = classify("CO", "16", rules=SHIPPED)
    with_alert = classify("CO", "16", ["N211", "MA01"], rules=SHIPPED)  # both "Alert: ..."
    assert with_alert.category == plain.category == "missing_information"
    assert with_alert.rule == plain.rule
    assert with_alert.warnings == ()


def test_remarks_pointing_to_different_rules_use_the_rule_that_takes_precedence() -> None:
    """N290 (provider identifier) and M76 (diagnosis) point to different rules: the rule
    earlier in the file wins whatever the order on the remittance, and the result says so."""
    first = classify("CO", "16", ["M76", "N290"], rules=SHIPPED)
    second = classify("CO", "16", ["N290", "M76"], rules=SHIPPED)
    assert first == second
    assert first.category == "invalid_code"
    assert any("remarks point to different rules" in w for w in first.warnings)


def test_results_record_rule_and_version() -> None:
    result = classify("CO", "50", rules=SHIPPED)
    assert result.rule == "medical-necessity"
    assert result.ruleset_version == SHIPPED.version and len(SHIPPED.version) == 12


# ----------------------------------------------------------------- unknown and dated codes


def test_unknown_codes_are_unclassified_and_flagged() -> None:
    result = classify("CO", "999", ["N9999"], rules=SHIPPED)
    assert (result.family, result.category) == (None, "unclassified")
    assert result.needs_review and result.rule is None and result.next_action == "review"
    assert "CARC '999' is not on the CARC list" in result.warnings
    assert "RARC 'N9999' is not on the RARC list" in result.warnings


def test_unknown_group_is_flagged_but_the_reason_still_classified() -> None:
    result = classify("ZZ", "50", rules=SHIPPED)
    assert result.category == "medical_necessity"
    assert result.needs_review and "unknown group code 'ZZ'" in result.warnings


def test_garbage_from_a_file_never_raises() -> None:
    result = classify("C", "5O!", ["??"], rules=SHIPPED)
    assert result.category == "unclassified" and result.needs_review


def test_deactivated_codes_are_judged_by_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(tmp_path / "codes"))
    newer = _write(
        tmp_path,
        'Code,Description\n"50","These are non-covered services because this is not deemed a '
        "'medical necessity' by the payer.\nStart: 01/01/1995\nStop: 01/01/2026\"\n"
        '"N115","This decision was based on a Local Coverage Determination (LCD).\n'
        'Start: 01/01/2004\nStop: 06/01/2026"\n',
        "x12.csv",
    )
    codes.load_code_file(newer, list_name="carc")
    rules = load_rules()  # rules judge codes by the list in force
    before = classify("CO", "50", on=date(2025, 12, 31), rules=rules)
    assert before.warnings == () and not before.needs_review
    after = classify("CO", "50", on=date(2026, 2, 1), rules=rules)
    assert after.category == "medical_necessity"  # still classified by its rule
    assert not after.needs_review  # payers keep sending deactivated codes: a warning only
    assert after.warnings == ("CARC 50 was deactivated on 2026-02-01 (stop date 2026-01-01)",)


@pytest.mark.parametrize(
    ("carc", "category", "family", "is_denial", "stop"),
    [
        ("62", "authorization", "administrative", True, "2007-04-01"),
        ("41", "contractual", None, False, "2003-10-16"),
        ("165", "authorization", "administrative", True, "2018-05-01"),
        ("15", "authorization", "administrative", True, "2018-05-01"),
        ("125", "missing_information", "technical", True, "2013-11-01"),
        ("42", "contractual", None, False, "2007-06-01"),
    ],
)
def test_deactivated_shipped_codes_are_classified_with_a_dated_warning(
    carc: str, category: str, family: str | None, is_denial: bool, stop: str
) -> None:
    after = classify("CO", carc, on=date(2025, 6, 1), rules=SHIPPED)
    assert (after.category, after.family, after.is_denial) == (category, family, is_denial)
    assert after.warnings == (f"CARC {carc} was deactivated on 2025-06-01 (stop date {stop})",)
    assert not after.needs_review
    day_before = date.fromisoformat(stop).replace(day=1) - timedelta(days=1)
    before = classify("CO", carc, on=day_before, rules=SHIPPED)
    assert before.warnings == () and before.category == category


def test_a_code_without_a_published_stop_date_warns_on_every_date() -> None:
    result = classify("CO", "16", ["N793"], on=date(2018, 1, 1), rules=SHIPPED)
    assert "RARC N793 is deactivated (no stop date published)" in result.warnings


# --------------------------------------------------------------------------- specificity


USER_RULES = """
rules:
  - {id: acme-necessity, payer: ACME, carc: "50", category: medical_necessity,
     next_action: correct_and_resubmit}
  - {id: acme-co-16-n290, payer: ACME, group: CO, carc: "16", rarc: N290, category: authorization}
  - {id: co-16-n290, group: CO, carc: "16", rarc: N290, category: eligibility}
  - {id: co-16, group: CO, carc: "16", category: formatting}
  - {id: carc-45-mine, carc: "45", category: contractual, next_action: review}
"""


def test_specificity_order_is_the_documented_one() -> None:
    order = [
        ("P", "CO", "16", "N290"),
        (None, "CO", "16", "N290"),
        (None, None, "16", "N290"),
        (None, "CO", "16", None),
        (None, None, "16", None),
    ]
    assert sorted(order, key=specificity, reverse=True) == order


def test_more_specific_rules_win(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, USER_RULES))
    assert classify("CO", "16", ["N290"], payer="ACME", rules=rules).rule == "acme-co-16-n290"
    assert classify("CO", "16", ["N290"], payer="OTHER", rules=rules).rule == "co-16-n290"
    # group+CARC+RARC beats CARC+RARC (shipped remark-provider-identifier)
    assert classify("CO", "16", ["N290"], rules=rules).category == "eligibility"
    assert classify("PR", "16", ["N290"], rules=rules).rule == "remark-provider-identifier"
    # CARC+RARC beats group+CARC
    assert classify("CO", "16", ["M76"], rules=rules).rule == "remark-invalid-diagnosis"
    # group+CARC beats CARC
    assert classify("CO", "16", rules=rules).rule == "co-16"
    assert classify("OA", "16", rules=rules).rule == "carc-16"


def test_per_payer_override(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, USER_RULES))
    acme = classify("CO", "50", payer="ACME", rules=rules)
    other = classify("CO", "50", payer="BCBS", rules=rules)
    assert (acme.rule, acme.next_action) == ("acme-necessity", "correct_and_resubmit")
    assert (other.rule, other.next_action) == ("medical-necessity", "appeal")


def test_user_rule_with_the_same_match_replaces_the_shipped_one(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, USER_RULES))
    result = classify("CO", "45", rules=rules)
    assert (result.rule, result.next_action) == ("carc-45-mine", "review")
    assert rules.version != SHIPPED.version
    assert rules.sources[-1].endswith("my-rules.yaml")


def test_rules_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RULES_ENV, str(_write(tmp_path, USER_RULES)))
    assert classify("CO", "45", rules=load_rules()).rule == "carc-45-mine"


def test_user_file_may_add_a_category(tmp_path: Path) -> None:
    text = """
categories:
  credit_balance: {family: administrative, soft_or_hard: soft, process_step: billing,
                   owner: billing, next_action: review}
rules:
  - {carc: "B13", payer: ACME, category: credit_balance}
"""
    rules = load_rules(_write(tmp_path, text))
    result = classify("CO", "B13", payer="ACME", rules=rules)
    assert (result.family, result.category, result.rule) == (
        "administrative",
        "credit_balance",
        "payer-ACME-carc-B13",
    )


# --------------------------------------------------------------------------- loading errors


def _problems(tmp_path: Path, text: str) -> list[str]:
    return [str(p) for p in check_rules_file(_write(tmp_path, text))]


def test_conflict_names_both_rules_with_file_and_line(tmp_path: Path) -> None:
    text = """rules:
  - {id: first, group: CO, carc: "50", category: medical_necessity}
  - {id: second, group: CO, carc: "50", category: coverage_policy}
"""
    path = _write(tmp_path, text)
    assert [str(p) for p in check_rules_file(path)] == [
        f"{path}:3: conflict: rule 'first' ({path}:2) and rule 'second' ({path}:3) both match "
        "CO-50 at the same specificity"
    ]
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert str(caught.value) == (
        f"invalid rules: {path}:3: conflict: rule 'first' ({path}:2) and rule 'second' "
        f"({path}:3) both match CO-50 at the same specificity"
    )


def test_conflict_through_overlapping_remark_lists(tmp_path: Path) -> None:
    text = """rules:
  - id: a
    carc: ["16", "A1"]
    rarc: [M76, MA63]
    category: invalid_code
  - id: b
    carc: "A1"
    rarc: [N290, MA63]
    category: missing_identifier
"""
    path = tmp_path / "my-rules.yaml"
    assert _problems(tmp_path, text) == [
        f"{path}:6: conflict: rule 'a' ({path}:2) and rule 'b' ({path}:6) both match "
        "CARC A1+MA63 at the same specificity"
    ]


def test_unknown_codes_are_reported_with_their_line(tmp_path: Path) -> None:
    text = """rules:
  - id: bad-carc
    carc: "999"
    category: medical_necessity
  - {id: bad-rarc, carc: "16", rarc: [N9999], category: invalid_code}
  - {id: bad-form, carc: "ABC", category: invalid_code}
"""
    path = tmp_path / "my-rules.yaml"
    assert _problems(tmp_path, text) == [
        f"{path}:3: rule 'bad-carc': unknown CARC '999'",
        f"{path}:5: rule 'bad-rarc': unknown RARC 'N9999'",
        f"{path}:6: rule 'bad-form': 'ABC' is not a well-formed CARC",
    ]
    with pytest.raises(RulesError, match=r"my-rules.yaml:3: rule 'bad-carc': unknown CARC '999'"):
        load_rules(path)


def test_bad_family_and_other_values(tmp_path: Path) -> None:
    text = """categories:
  money_stuff: {family: financial, next_action: appeal}
rules:
  - {id: r1, carc: "50", category: medical_necessity, family: financial}
  - {id: r2, carc: "51", category: medical_necessity, owner: nobody, next_action: pray}
  - {id: r3, carc: "52x", category: nope}
  - {id: r4, carc: "53", category: eligibility, group: XX}
  - {id: r5, carc: "54", category: eligibility, colour: red}
  - {id: r6, carc: "55", category: experimental, is_denial: maybe}
"""
    path = tmp_path / "my-rules.yaml"
    problems = _problems(tmp_path, text)
    families = ", ".join(FAMILIES)
    assert (
        f"{path}:2: category 'money_stuff': unknown family 'financial' (expected one of {families})"
        in problems
    )
    assert (
        f"{path}:4: rule 'r1': unknown family 'financial' (expected one of {families})" in problems
    )
    assert any(p.startswith(f"{path}:5: rule 'r2': unknown owner 'nobody'") for p in problems)
    assert any(p.startswith(f"{path}:5: rule 'r2': unknown next action 'pray'") for p in problems)
    assert f"{path}:6: rule 'r3': '52X' is not a well-formed CARC" in problems
    assert (
        f"{path}:7: rule 'r4': unknown group code 'XX' (expected one of CO, PR, OA, PI, CR)"
        in problems
    )
    assert f"{path}:8: rule 'r5': unknown field 'colour'" in problems
    assert f"{path}:9: rule 'r6': is_denial must be true or false, not 'maybe'" in problems


def test_unknown_category_and_missing_fields(tmp_path: Path) -> None:
    text = """rules:
  - {id: r1, carc: "50", category: vibes}
  - {id: r2, carc: "50"}
  - {id: r3, category: medical_necessity}
  - {carc: ["50", "51"], category: medical_necessity}
"""
    path = tmp_path / "my-rules.yaml"
    assert _problems(tmp_path, text) == [
        f"{path}:2: rule 'r1': unknown category 'vibes'",
        f"{path}:3: rule 'r2': 'category' is required",
        f"{path}:4: rule 'r3': 'carc' is required",
        f"{path}:5: a rule with several codes needs an 'id'",
    ]


def test_alert_remarks_cannot_be_reasons(tmp_path: Path) -> None:
    text = 'rules:\n  - {id: r, carc: "16", rarc: N211, category: invalid_code}\n'
    assert _problems(tmp_path, text) == [
        f"{tmp_path / 'my-rules.yaml'}:2: rule 'r': RARC N211 is an Alert (informational) "
        "and cannot refine a reason"
    ]


def test_yaml_errors_and_duplicate_keys_have_lines(tmp_path: Path) -> None:
    broken = 'rules:\n  - {id: r, carc: "16"\n  - oops\n'
    problems = _problems(tmp_path, broken)
    assert len(problems) == 1 and "not valid YAML" in problems[0]
    assert problems[0].startswith(f"{tmp_path / 'my-rules.yaml'}:")
    duplicated = 'rules:\n  - {id: r, carc: "16", carc: "50", category: invalid_code}\n'
    assert _problems(tmp_path, duplicated) == [
        f"{tmp_path / 'my-rules.yaml'}:2: not valid YAML: duplicate key 'carc'"
    ]


def test_duplicate_ids_and_unknown_sections(tmp_path: Path) -> None:
    text = """colours: [red]
rules:
  - {id: same, carc: "50", category: medical_necessity}
  - {id: same, carc: "51", category: non_covered_service}
"""
    path = tmp_path / "my-rules.yaml"
    assert _problems(tmp_path, text) == [
        f"{path}:1: unknown section 'colours'",
        f"{path}:4: rule id 'same' is already used by the rule at {path}:3",
    ]


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("group", "carc", "next_action"),
    [
        ("CO", "50", "appeal"),
        ("PR", "50", "bill_patient"),
        ("CO", "96", "review"),
        ("PR", "96", "bill_patient"),
        ("CO", "22", "bill_next_payer"),
        ("CO", "16", "correct_and_resubmit"),
        ("OA", "18", "check_original_claim"),
        ("CO", "18", "check_original_claim"),
        ("CO", "45", "contractual_adjustment"),
        ("PR", "45", "bill_patient"),
    ],
)
def test_group_code_changes_the_next_action(group: str, carc: str, next_action: str) -> None:
    assert classify(group, carc, rules=SHIPPED).next_action == next_action


def test_the_fast_yaml_loader_reads_the_rules_as_the_pure_python_one() -> None:
    """Rules are read with libyaml's parser when installed (issue 10: the pure-Python
    scanner was most of the cost of loading them); lines and mappings are the same."""
    import yaml

    from denialops.classify import _rules

    class PythonLoader(yaml.SafeLoader):
        pass

    PythonLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
        _rules._construct_mapping,  # type: ignore[arg-type]
    )
    text = shipped_rules_text()
    fast = yaml.load(text, Loader=_rules._LineLoader)  # noqa: S506 - safe loader subclass
    slow = yaml.load(text, Loader=PythonLoader)  # noqa: S506 - safe loader subclass
    assert fast == slow
    if yaml.__with_libyaml__:
        assert issubclass(_rules._LineLoader, yaml.CSafeLoader)
