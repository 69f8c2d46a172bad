"""Every edit with a passing and a failing claim; messages, CARCs and date edges asserted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from denialops.scrub import Scrubber, Severity, load_rules
from denialops.scrub.edits import Authorization, CoveragePolicy, PatternStat
from denialops.scrub.findings import ClaimResult
from denialops.scrub.tables import EditTables, load_ptp
from denialops.x12.claim837 import SubmittedClaim
from tests.scrub.builders import DOS, claim, line, write_ptp


@pytest.fixture
def tables(tmp_path: Path) -> Iterator[EditTables]:
    folder = tmp_path / "refdata"
    ptp = write_ptp(
        tmp_path / "ccipra-v303r0-f1.txt",
        [
            ("99213", "36415", "20240101", "*", "0"),  # modifier never bypasses
            ("20610", "11042", "20240101", "*", "1"),  # distinct-service modifier bypasses
            ("93000", "93010", "20240101", "*", "9"),  # not applicable
            ("97110", "97530", "20230101", "20240909", "1"),  # deleted the day before DOS
            ("96372", "99213", "20240910", "*", "1"),  # effective on the date of service
        ],
    )
    load_ptp(ptp, "practitioner", folder=folder)
    with EditTables(folder) as found:
        yield found


def run(
    found: SubmittedClaim,
    tables: EditTables,
    edit: str,
    today: date = date(2024, 9, 20),
    **kw: object,
) -> ClaimResult:
    scrubber = Scrubber(tables=tables, today=today, only=[edit], **kw)  # type: ignore[arg-type]
    return scrubber.scrub(found)


def messages(result: ClaimResult) -> list[str]:
    return [f.message for f in result.findings]


# -- NCCI procedure-to-procedure ----------------------------------------------------------


def test_ptp_indicator_0_is_never_bypassed(tables: EditTables) -> None:
    result = run(claim(line(1, "99213"), line(2, "36415", "59")), tables, "NCCI-PTP")
    (finding,) = result.findings
    assert finding.message == (
        "36415 (line 2) is bundled into 99213 (line 1) on 2024-09-10 by NCCI PTP "
        "(practitioner, modifier indicator 0)"
    )
    assert (finding.carc, finding.line, finding.severity) == ("236", 2, Severity.ERROR)
    assert "no modifier may bypass" in finding.fix


def test_ptp_indicator_1_is_bypassed_by_a_distinct_service_modifier(tables: EditTables) -> None:
    flagged = run(claim(line(1, "20610"), line(2, "11042")), tables, "NCCI-PTP")
    assert messages(flagged) == [
        "11042 (line 2) is bundled into 20610 (line 1) on 2024-09-10 by NCCI PTP "
        "(practitioner, modifier indicator 1)"
    ]
    assert "59/XE/XS/XP/XU" in flagged.findings[0].fix
    for modifier in ("59", "XS", "RT"):
        clean = run(claim(line(1, "20610"), line(2, "11042", modifier)), tables, "NCCI-PTP")
        assert clean.findings == [], modifier
    # a modifier that is not an NCCI-associated one does not bypass
    assert run(claim(line(1, "20610"), line(2, "11042", "25")), tables, "NCCI-PTP").findings == []
    assert run(claim(line(1, "20610"), line(2, "11042", "GA")), tables, "NCCI-PTP").findings


def test_ptp_indicator_9_and_other_days_do_not_fire(tables: EditTables) -> None:
    assert run(claim(line(1, "93000"), line(2, "93010")), tables, "NCCI-PTP").findings == []
    other_day = claim(line(1, "99213"), line(2, "36415", on=date(2024, 9, 11)))
    assert run(other_day, tables, "NCCI-PTP").findings == []


def test_ptp_effective_and_deletion_dates_by_date_of_service(tables: EditTables) -> None:
    deleted_before = claim(line(1, "97110"), line(2, "97530"))
    assert run(deleted_before, tables, "NCCI-PTP").findings == []
    on_deletion_day = claim(
        line(1, "97110", on=date(2024, 9, 9)), line(2, "97530", on=date(2024, 9, 9))
    )
    assert len(run(on_deletion_day, tables, "NCCI-PTP").findings) == 1
    effective_today = claim(line(1, "96372"), line(2, "99213"))
    assert len(run(effective_today, tables, "NCCI-PTP").findings) == 1
    day_before = claim(line(1, "96372", on=date(2024, 9, 9)), line(2, "99213", on=date(2024, 9, 9)))
    assert run(day_before, tables, "NCCI-PTP").findings == []


def test_ptp_without_a_loaded_table_finds_nothing(tmp_path: Path) -> None:
    with EditTables(tmp_path / "empty") as empty:
        assert not empty.has_ptp
        assert run(claim(line(1, "99213"), line(2, "36415")), empty, "NCCI-PTP").findings == []


# -- add-on codes and MUE -------------------------------------------------------------------


def test_add_on_code_needs_its_primary(tables: EditTables) -> None:
    alone = run(claim(line(1, "99292")), tables, "NCCI-AOC")
    (finding,) = alone.findings
    assert finding.message == (
        "add-on code 99292 (line 1) is billed without any of its primary procedures "
        "(99291; NCCI add-on edit type 1)"
    )
    assert finding.carc == "107"
    assert run(claim(line(1, "99291"), line(2, "99292")), tables, "NCCI-AOC").findings == []


def test_mue_per_day_sums_units_across_lines(tables: EditTables) -> None:
    over = claim(line(1, "97110", units="4"), line(2, "97110", units="3"))
    (finding,) = run(over, tables, "MUE").findings
    assert finding.message.startswith(
        "97110 on 2024-09-10: 7 units (lines 1, 2) exceed the MUE of 6 per day "
        "(adjudication indicator 3: clinical"
    )
    assert (finding.carc, finding.rarc, finding.line) == ("151", "N362", 2)
    at_limit = claim(line(1, "97110", units="6"))
    assert run(at_limit, tables, "MUE").findings == []


def test_mue_per_line_for_indicator_1(tables: EditTables) -> None:
    (finding,) = run(claim(line(1, "99486", units="5")), tables, "MUE").findings
    assert "5 units exceed the MUE of 4 per line" in finding.message
    two_lines = claim(line(1, "99486", units="4"), line(2, "99486", units="4"))
    assert run(two_lines, tables, "MUE").findings == []


def test_mue_uses_the_outpatient_hospital_table_for_institutional_claims(
    tables: EditTables,
) -> None:
    institutional = claim(line(1, "J3420", units="2"), kind="institutional")
    (finding,) = run(institutional, tables, "MUE").findings
    assert "exceed the MUE of 1 per day" in finding.message


# -- ICD-10-CM ------------------------------------------------------------------------------


def test_diagnosis_must_exist_and_be_billable(tables: EditTables) -> None:
    result = run(claim(line(1, "99213"), diagnoses=("E11", "XYZ99", "E119")), tables, "ICD-VALID")
    assert messages(result) == [
        "diagnosis E11 is a category, not a billable code (it has more specific codes below it)",
        "diagnosis 'XYZ99' is not an ICD-10-CM code",
    ]
    assert {f.carc for f in result.findings} == {"146"}
    assert all("ICD-10-CM April 1, 2026" in f.detail["tabular"] for f in result.findings)
    assert run(claim(line(1, "99213"), diagnoses=("E11.9",)), tables, "ICD-VALID").findings == []


def test_a_claim_without_diagnoses(tables: EditTables) -> None:
    (finding,) = run(claim(line(1, "99213"), diagnoses=()), tables, "ICD-VALID").findings
    assert finding.message == "the claim has no diagnosis (HI)"
    assert (finding.carc, finding.rarc) == ("16", "M76")


def test_sex_conflicts_defined_by_the_tabular(tables: EditTables) -> None:
    (finding,) = run(
        claim(line(1, "99213"), diagnoses=("N400",), sex="F"), tables, "ICD-DEMOGRAPHIC"
    ).findings
    assert finding.message == (
        "diagnosis N400 is for male patients; the patient's sex on the claim is F"
    )
    assert finding.carc == "10"
    assert (
        run(
            claim(line(1, "99213"), diagnoses=("N400",), sex="M"), tables, "ICD-DEMOGRAPHIC"
        ).findings
        == []
    )
    (maternal,) = run(
        claim(line(1, "99213"), diagnoses=("O80",), sex="M"), tables, "ICD-DEMOGRAPHIC"
    ).findings
    assert "is for female patients" in maternal.message


def test_age_conflicts(tables: EditTables) -> None:
    old = claim(line(1, "99213"), diagnoses=("O80",), born=date(1950, 1, 1))
    (finding,) = run(old, tables, "ICD-DEMOGRAPHIC").findings
    assert (
        finding.message
        == "diagnosis O80 (pregnancy chapter) with a patient aged 74 (expected 12-55)"
    )
    assert finding.carc == "9"
    adult_newborn_code = claim(line(1, "99213"), diagnoses=("P0730",), born=date(1990, 1, 1))
    (newborn,) = run(adult_newborn_code, tables, "ICD-DEMOGRAPHIC").findings
    assert newborn.severity == Severity.WARNING and "newborn records" in newborn.message
    baby = claim(line(1, "99213"), diagnoses=("P0730",), born=date(2024, 9, 1))
    assert run(baby, tables, "ICD-DEMOGRAPHIC").findings == []


def test_manifestation_code_first_listed(tables: EditTables) -> None:
    (finding,) = run(
        claim(line(1, "99213"), diagnoses=("G63", "E1142")), tables, "ICD-MANIFESTATION"
    ).findings
    assert "G63 is a manifestation code" in finding.message
    assert (
        run(
            claim(line(1, "99213"), diagnoses=("E1142", "G63")), tables, "ICD-MANIFESTATION"
        ).findings
        == []
    )


# -- procedure codes, modifiers, place of service, pointers --------------------------------


def test_procedure_code_format_and_hcpcs_dates(tables: EditTables) -> None:
    result = run(
        claim(line(1, "9921"), line(2, "A4397"), line(3, "Z9999"), line(4, "99213")),
        tables,
        "PROC-CODE",
    )
    assert messages(result) == [
        "'9921' on line 1 is not a CPT or HCPCS code (5 characters: five digits, four digits and "
        "F/T/U, or a letter A-V and four digits)",
        "HCPCS A4397 on line 2 was not valid on 2024-09-10 (terminated 2021-12-31)",
        "'Z9999' on line 3 is not a CPT or HCPCS code (5 characters: five digits, four digits and "
        "F/T/U, or a letter A-V and four digits)",
    ]
    on_last_day = claim(line(1, "A4397", on=date(2021, 12, 31)))
    assert run(on_last_day, tables, "PROC-CODE").findings == []
    unknown = run(claim(line(1, "G0000")), tables, "PROC-CODE")
    assert messages(unknown) == [
        "HCPCS G0000 on line 1 is not in the HCPCS Level II list (July 2024)"
    ]


def test_conflicting_and_malformed_modifiers(tables: EditTables) -> None:
    result = run(
        claim(line(1, "73630", "LT", "RT"), line(2, "71046", "26", "TC"), line(3, "99213", "2")),
        tables,
        "MODIFIER",
    )
    assert messages(result) == [
        "modifiers LT and RT together on line 1 (73630) contradict each other",
        "modifiers 26 and TC together on line 2 (71046) contradict each other",
        "modifier '2' on line 3 is not two letters or digits",
    ]
    assert [f.carc for f in result.findings] == ["4", "4", "182"]
    assert "modifier 50" in result.findings[0].fix
    assert (
        run(claim(line(1, "73630", "LT"), line(2, "73630", "RT")), tables, "MODIFIER").findings
        == []
    )


def test_place_of_service_and_type_of_bill(tables: EditTables) -> None:
    (finding,) = run(claim(line(1, "99213"), pos="98"), tables, "POS").findings
    assert (
        finding.message == "place of service '98' on the claim is not a CMS place of service code"
    )
    assert run(claim(line(1, "99213"), pos="11"), tables, "POS").findings == []
    bad_bill = claim(line(1, "99213"), kind="institutional")
    bad_bill.facility_type, bad_bill.frequency = "93", "1"
    (tob,) = run(bad_bill, tables, "POS").findings
    assert tob.message.startswith("type of bill '931' is not valid")
    good_bill = claim(line(1, "99213"), kind="institutional")
    good_bill.facility_type, good_bill.frequency = "13", "1"
    assert run(good_bill, tables, "POS").findings == []


def test_diagnosis_pointers(tables: EditTables) -> None:
    result = run(
        claim(line(1, "99213", pointers=()), line(2, "99214", pointers=(1, 3))),
        tables,
        "DX-POINTER",
    )
    assert messages(result) == [
        "line 1 points at no diagnosis (SV107)",
        "line 2 points at diagnosis 3 but the claim has 1",
    ]


# -- coverage, authorization, duplicates, timely filing, totals, history -------------------


def test_coverage_policy_checks_the_pointed_diagnoses(tables: EditTables) -> None:
    policy = CoveragePolicy("L33252", frozenset({"82306"}), ("E55", "N18"))
    uncovered = claim(line(1, "82306"), diagnoses=("E119",))
    (finding,) = run(uncovered, tables, "COVERAGE", coverage=[policy]).findings
    assert finding.message == (
        "82306 on line 1: none of its diagnoses (E119) is covered by policy L33252"
    )
    assert (finding.carc, finding.severity) == ("50", Severity.WARNING)
    covered = claim(line(1, "82306"), diagnoses=("E559",))
    assert run(covered, tables, "COVERAGE", coverage=[policy]).findings == []


def test_authorization_required_by_the_payer_rule_set(tables: EditTables) -> None:
    mri = claim(line(1, "70551"))
    (missing,) = run(mri, tables, "AUTH").findings
    assert missing.message == (
        "70551 need prior authorization with this payer and the claim has none (REF*G1)"
    )
    assert missing.carc == "197"
    medicare_visit = claim(line(1, "70551"), filing="MB")
    assert run(medicare_visit, tables, "AUTH").findings == []  # Medicare FFS: not on its list
    blepharoplasty = claim(line(1, "15822"), filing="MB")
    assert len(run(blepharoplasty, tables, "AUTH").findings) == 1


def test_authorization_must_match_service_dates_units_and_provider(tables: EditTables) -> None:
    auth = Authorization(
        "A100",
        "M1",
        frozenset({"70551"}),
        date(2024, 9, 1),
        date(2024, 9, 30),
        Decimal(1),
        "1111111112",
    )
    ok = claim(line(1, "70551"), auth="A100")
    assert run(ok, tables, "AUTH", authorizations={"M1": [auth]}).findings == []
    late = claim(line(1, "70551", on=date(2024, 10, 2)), auth="A100")
    (finding,) = run(late, tables, "AUTH", authorizations={"M1": [auth]}).findings
    assert finding.message == (
        "line 1 does not match authorization A100: "
        "date 2024-10-02 is outside 2024-09-01..2024-09-30"
    )
    wrong_code = claim(line(1, "70553"), auth="A100")
    (code,) = run(wrong_code, tables, "AUTH", authorizations={"M1": [auth]}).findings
    assert "70553 is not an authorized service" in code.message
    too_many = claim(line(1, "70551", units="2"), auth="A100")
    (units,) = run(too_many, tables, "AUTH", authorizations={"M1": [auth]}).findings
    assert units.carc == "198" and "2 units billed against authorization A100" in units.message
    unknown = claim(line(1, "70551"), auth="NOPE")
    (none,) = run(unknown, tables, "AUTH", authorizations={"M1": [auth]}).findings
    assert none.message == "authorization NOPE is not on file for this member"


def test_duplicates_across_claims_but_not_for_replacements(tables: EditTables) -> None:
    scrubber = Scrubber(tables=tables, today=date(2024, 9, 20), only=["DUPLICATE"])
    assert scrubber.scrub(claim(line(1, "99213"), pcn="A1")).findings == []
    (finding,) = scrubber.scrub(claim(line(1, "99213"), pcn="A2")).findings
    assert finding.message == (
        "line 1 (99213) repeats a line of claim A1 for the same patient, service and date"
    )
    assert finding.carc == "18"
    assert scrubber.scrub(claim(line(1, "99213"), pcn="A3", frequency="7")).findings == []
    assert scrubber.scrub(claim(line(1, "99213", "76"), pcn="A4")).findings == []


def test_timely_filing_from_the_payer_profiles(tables: EditTables) -> None:
    commercial = claim(line(1, "99213", on=date(2024, 1, 2)))  # 180 days -> 2024-06-30
    (late,) = run(commercial, tables, "TIMELY-FILING", today=date(2024, 7, 5)).findings
    assert late.message == "the timely filing limit passed on 2024-06-30 (5 days ago)"
    assert late.carc == "29"
    (soon,) = run(commercial, tables, "TIMELY-FILING", today=date(2024, 6, 20)).findings
    assert soon.severity == Severity.WARNING and soon.message.startswith("10 days left to file")
    medicare = claim(line(1, "99213", on=date(2024, 1, 2)), filing="MB")  # 12 months
    assert run(medicare, tables, "TIMELY-FILING", today=date(2024, 7, 5)).findings == []


def test_claim_total_must_equal_its_lines(tables: EditTables) -> None:
    found = claim(line(1, "99213", charge="100"))
    found.total_charge = Decimal("120")
    (finding,) = run(found, tables, "CLAIM-TOTAL").findings
    assert finding.message == "claim total 120 differs from the sum of its lines 100"


def test_history_flags_only_with_enough_claims(tables: EditTables) -> None:
    key = ("P1", "99214", "25", "E119")
    history = {key: PatternStat(claims=40, denied=18, carcs=("97", "16"))}
    risky = claim(line(1, "99214", "25"))
    (finding,) = run(risky, tables, "HISTORY", history=history).findings
    assert finding.message == (
        "99214 for this payer with this modifier and diagnosis was denied 18 of 40 times (45%) "
        "in our remittances (CARCs 97, 16)"
    )
    thin = {key: PatternStat(claims=10, denied=9, carcs=("97",))}
    assert run(risky, tables, "HISTORY", history=thin).findings == []


def test_a_clean_claim_is_clean(tables: EditTables) -> None:
    scrubber = Scrubber(tables=tables, today=date(2024, 9, 20))
    result = scrubber.scrub(claim(line(1, "99213", pointers=(1,)), diagnoses=("E119",)))
    assert result.findings == [] and result.clean


def test_payer_rule_sets_switch_edits_off_and_change_severity(
    tmp_path: Path, tables: EditTables
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """
version: "test-1"
edits: {MODIFIER: {severity: warning}}
default_payer: everyone
payers:
  - name: strict
    match: {payer_ids: [P9]}
    edits: {MODIFIER: {severity: error}, POS: {enabled: false}}
  - name: everyone
""",
        encoding="utf-8",
    )
    book = load_rules(rules)
    odd = claim(line(1, "73630", "LT", "RT"), pos="98")
    lenient = Scrubber(tables=tables, rules=book, today=DOS).scrub(odd)
    assert {(f.edit_id, f.severity) for f in lenient.findings} == {
        ("MODIFIER", Severity.WARNING),
        ("POS", Severity.ERROR),
    }
    assert all(f.edit_version == "1@test-1" for f in lenient.findings)
    strict = Scrubber(tables=tables, rules=book, today=DOS).scrub(
        claim(line(1, "73630", "LT", "RT"), pos="98", payer_id="P9")
    )
    assert {(f.edit_id, f.severity) for f in strict.findings} == {("MODIFIER", Severity.ERROR)}


def test_rule_files_with_unknown_edits_are_refused(tmp_path: Path) -> None:
    from denialops.errors import RulesError

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: x\ndefault_payer: a\npayers: [{name: a, edits: {NOPE: {enabled: false}}}]\n"
    )
    with pytest.raises(RulesError, match="unknown edit ids NOPE"):
        load_rules(rules)
