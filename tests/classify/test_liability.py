"""Liability as its own layer, the next-action vocabulary and order-free remarks (issue 14)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from denialops.classify import classify, load_rules
from denialops.classify._engine import PATIENT_CHECK, allowed_groups
from denialops.classify._rules import check_rules_text
from denialops.classify._vocab import NEXT_ACTIONS, PATIENT_ACTIONS, NextAction
from denialops.codes import code_list
from denialops.vocabulary import UNDERPAYMENT_NEXT_ACTION

RULES = load_rules()
ALL_CARCS = sorted(code_list("carc").entries)
ABN = "verify the ABN / waiver of liability is on file"

# group, CARC, remarks ("-": none), liability, next action, a check it must name ("-": none)
TABLE = """
CO 35   -          provider  write_off                  -
CO 149  -          provider  write_off                  -
CO 222  -          provider  write_off                  -
CO 273  -          provider  write_off                  -
CO B1   -          provider  write_off                  -
PI 35   -          provider  write_off                  -
PR 35   -          patient   bill_patient               confirm the patient is liable
PR 96   N386       patient   bill_patient               verify the ABN
PR 96   N115       patient   bill_patient               verify the ABN
PR 96   N425       patient   bill_patient               verify the ABN
PR 96   N30        patient   bill_patient               verify the ABN
PR 50   N386       patient   bill_patient               verify the ABN
PR 50   N30        patient   bill_patient               verify the ABN
PR 50   -          patient   bill_patient               verify the ABN
PR 45   -          patient   bill_patient               No Surprises Act
PR 242  -          patient   bill_patient               No Surprises Act
PR 27   -          patient   bill_patient               eligibility search
PR 1    -          patient   bill_patient               -
PR 187  -          patient   post_nothing               -
PR A0   -          patient   refund                     -
CO 45   -          provider  contractual_adjustment     -
OA 23   -          other     post_nothing               -
CO 253  -          provider  contractual_adjustment     -
OA 18   -          other     check_original_claim       frequency 7 or modifier 76/77
CO 18   -          provider  check_original_claim       frequency 7 or modifier 76/77
CO 16   MA04       provider  resubmit_with_primary_eob  -
CO 22   N479       provider  resubmit_with_primary_eob  -
CO 129  -          provider  resubmit_with_primary_eob  -
CO 22   -          provider  bill_next_payer            -
CO 26   -          provider  eligibility_search         eligibility search
CO 27   -          provider  eligibility_search         eligibility search
CO 200  -          provider  eligibility_search         eligibility search
CO 39   -          provider  retro_auth_or_peer_to_peer physician advisor
CO 197  -          provider  retro_auth_or_peer_to_peer -
CO B15  -          provider  hold_for_related_claim     -
CO 8    -          provider  update_enrollment          -
CO 97   M15        provider  coder_review               distinct-service modifier
CO 234  N20        provider  coder_review               distinct-service modifier
CO 97   N70        provider  coder_review               distinct-service modifier
CO A8   -          provider  correct_and_resubmit       -
CO 29   -          provider  appeal                     proof of timely submission
CO 190  -          provider  correct_and_resubmit       consolidated billing
CO 60   -          provider  correct_and_resubmit       3-day payment window
CO 16   MA130      provider  correct_and_resubmit       no appeal rights
CO 50   MA130      provider  correct_and_resubmit       no appeal rights
CO 50   -          provider  appeal                     -
"""


def _table() -> list[tuple[str, str, tuple[str, ...], str, str, str | None]]:
    rows = []
    for line in TABLE.strip().splitlines():
        group, carc, remarks, liability, action, *check = line.split()
        rows.append(
            (
                group,
                carc,
                () if remarks == "-" else tuple(remarks.split(",")),
                liability,
                action,
                None if check == ["-"] else " ".join(check),
            )
        )
    return rows


@pytest.mark.parametrize(
    ("group", "carc", "remarks", "liability", "action", "check"),
    _table(),
    ids=[f"{g}-{c}{'+' + '+'.join(r) if r else ''}" for g, c, r, *_ in _table()],
)
def test_liability_and_next_action(
    group: str,
    carc: str,
    remarks: tuple[str, ...],
    liability: str,
    action: str,
    check: str | None,
) -> None:
    result = classify(group, carc, remarks, rules=RULES)
    assert (result.liability, result.next_action) == (liability, action)
    if check is None:
        assert not any("ABN" in c for c in result.checks)
    else:
        assert any(check in c for c in result.checks), result.checks
    assert not result.needs_review


def test_pr_denials_go_to_billing_not_to_clinical_queues() -> None:
    """The root cause stays what the payer said; the owner and action follow liability."""
    result = classify("PR", "96", ["N386"], rules=RULES)
    assert (result.is_denial, result.family, result.category) == (
        True,
        "clinical",
        "coverage_policy",
    )
    assert (result.owner, result.next_action) == ("billing", "bill_patient")
    co = classify("CO", "96", ["N386"], rules=RULES)
    assert (co.owner, co.next_action, co.liability) == ("ur_cdi", "appeal", "provider")


def test_pr_45_is_the_patients_not_a_contractual_write_off() -> None:
    result = classify("PR", "45", rules=RULES)
    assert result.next_action != "contractual_adjustment"
    assert result.category == "patient_responsibility" and not result.is_denial


@pytest.mark.parametrize("group", ["CO", "PI"])
def test_no_code_bills_the_patient_under_a_provider_group(group: str) -> None:
    """The whole list, with and without the remarks the rules know: never balance billing."""
    remarks = sorted({key[3] for key in RULES.index if key[3]})
    for carc in ALL_CARCS:
        for extra in [(), *((r,) for r in remarks)]:
            result = classify(group, carc, extra, rules=RULES)
            assert result.next_action != "bill_patient", (group, carc, extra)
            assert result.liability == "provider"


def test_every_pr_denial_leads_to_patient_billing_after_checks() -> None:
    for carc in ALL_CARCS:
        result = classify("PR", carc, rules=RULES)
        assert result.next_action in PATIENT_ACTIONS, carc
        if result.is_denial and result.next_action == "bill_patient":
            assert result.checks, carc


def test_a_user_rule_that_bills_the_patient_under_co_is_refused() -> None:
    problems = check_rules_text(
        'rules:\n  - {group: CO, carc: "35", category: benefit_limit, next_action: bill_patient}\n',
        "mine.yaml",
    )
    assert [p.message for p in problems] == [
        "rule: group CO makes the provider liable: bill_patient would be balance billing"
    ]


def test_the_engine_bounds_the_action_even_without_a_group_in_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        'rules:\n  - {carc: "35", category: benefit_limit, next_action: bill_patient}\n', "utf-8"
    )
    rules = load_rules(path)
    result = classify("CO", "35", rules=rules)
    assert result.next_action == "write_off"
    assert any("may not be billed (balance billing)" in w for w in result.warnings)
    assert classify("PR", "35", rules=rules).next_action == "bill_patient"


# --------------------------------------------------------------------------- CR and groups


def test_cr_is_flagged_and_never_a_denial() -> None:
    for carc in ALL_CARCS:
        result = classify("CR", carc, rules=RULES)
        assert not result.is_denial and result.family is None, carc
        assert result.category == "invalid_group" and result.needs_review
        assert result.next_action == "review" and result.liability is None
    assert "not a valid CAS01 group in 005010" in classify("CR", "50", rules=RULES).warnings[0]


def test_group_restrictions_come_from_the_x12_texts() -> None:
    restricted = {
        code: allowed_groups(entry.text) for code, entry in code_list("carc").entries.items()
    }
    restricted = {code: groups for code, groups in restricted.items() if groups}
    only_oa = sorted(code for code, groups in restricted.items() if groups == ("OA",))
    assert only_oa == ["133", "136", "18", "209", "23", "255", "257", "271", "277", "P11"]
    assert restricted["P16"] == ("CO", "OA") and restricted["45"] == ("PR", "CO")
    assert len(restricted) == 26


@pytest.mark.parametrize(
    ("group", "carc", "warned"),
    [
        ("CO", "23", True),
        ("OA", "23", False),
        ("CO", "18", True),
        ("OA", "18", False),
        ("CO", "45", False),
        ("PR", "45", False),
        ("OA", "45", True),
        ("CO", "P16", False),
        ("PR", "P16", True),
        ("CO", "50", False),
    ],
)
def test_a_group_the_text_does_not_allow_is_accepted_with_a_warning(
    group: str, carc: str, warned: bool
) -> None:
    result = classify(group, carc, rules=RULES)
    assert result.rule is not None and result.category != "unclassified"
    warnings = [w for w in result.warnings if "only (X12 code text)" in w]
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].endswith(f"accepted under {group}")


# --------------------------------------------------------------------------- remarks


def test_a_general_remark_adds_its_constraint_whatever_the_order() -> None:
    a = classify("CO", "16", ["MA130", "M51"], rules=RULES)
    b = classify("CO", "16", ["M51", "MA130"], rules=RULES)
    assert a == b
    assert (a.family, a.category, a.next_action, a.soft_or_hard) == (
        "coding",
        "invalid_code",
        "correct_and_resubmit",
        "soft",
    )
    assert any("no appeal rights" in c for c in a.checks)
    alone = classify("CO", "16", ["MA130"], rules=RULES)
    assert (alone.family, alone.category) == ("technical", "unprocessable")


KNOWN_REMARKS = sorted({key[3] for key in RULES.index if key[3]} | set(RULES.constraints))
SOME_RARCS = sorted(code_list("rarc").entries)


@settings(max_examples=150, deadline=None)
@given(
    group=st.sampled_from(["CO", "PR", "OA", "PI"]),
    carc=st.sampled_from(["16", "96", "A1", "50", "97", "234", "22", "129", "252", *ALL_CARCS]),
    remarks=st.lists(
        st.sampled_from(KNOWN_REMARKS) | st.sampled_from(SOME_RARCS), min_size=2, max_size=4
    ),
)
def test_every_permutation_of_the_remarks_classifies_the_same(
    group: str, carc: str, remarks: list[str]
) -> None:
    results = {
        classify(group, carc, list(order), rules=RULES) for order in itertools.permutations(remarks)
    }
    assert len(results) == 1


# --------------------------------------------------------------------------- vocabulary


def test_the_vocabulary_is_declared_once_and_keeps_the_old_values() -> None:
    assert NEXT_ACTIONS == tuple(a.value for a in NextAction)
    for old in (
        "correct_and_resubmit",
        "appeal",
        "bill_patient",
        "bill_next_payer",
        "write_off",
        "review",
    ):
        assert NextAction(old).value == old
    assert all(len(a.value) <= 32 for a in NextAction)  # adjustment.next_action is 32 wide


def test_every_rule_and_constraint_speaks_the_vocabulary() -> None:
    used = {rule.outcome.next_action for rule in RULES.rules}
    used |= {c.next_action for c in RULES.constraints.values() if c.next_action}
    assert used <= set(NEXT_ACTIONS)
    # every action of issue 14 is reachable from the shipped rules or the liability layer,
    # or (dispute_underpayment) from underpayment cases
    reachable = used | {"bill_patient", "write_off", "review", UNDERPAYMENT_NEXT_ACTION}
    assert reachable == set(NEXT_ACTIONS)


def test_the_default_patient_check_names_the_abn_and_balance_billing_rules() -> None:
    assert "ABN" in PATIENT_CHECK and "No Surprises Act" in PATIENT_CHECK
    assert classify("PR", "204", rules=RULES).checks == (PATIENT_CHECK,)
