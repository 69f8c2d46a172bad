"""The synthetic generator: reproducible, exactly balanced, and plausible to an analyst."""

from __future__ import annotations

import gc
import hashlib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from denialops.codes import carc, rarc
from denialops.synth import (
    FAMILY_CARCS,
    NORMAL_CARCS,
    PAYERS,
    SCENARIOS,
    Payer,
    SynthConfig,
    generate,
    generate_followups,
    write_files,
    write_one_set,
)
from denialops.synth.catalog import LAST_NAMES, PAYERS_BY_KEY
from denialops.x12 import check_balance, parse_835, read_835
from denialops.x12.remittance import Claim, Remittance
from denialops.x12.write835 import format_835

CONFIG = SynthConfig(seed=11, claims=4000)


@pytest.fixture(scope="module")
def dataset() -> list[Remittance]:
    """The generated records as a reader sees them: written, then parsed back."""
    return parse_835(format_835(generate(CONFIG)))


def _digest(paths: list[Path]) -> list[tuple[str, str]]:
    return [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths]


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    config = SynthConfig(seed=5, claims=900)
    first = write_files(tmp_path / "a", config, claims_per_file=400, followups=True)
    again = write_files(tmp_path / "b", SynthConfig(seed=5, claims=900), claims_per_file=400,
                        followups=True)  # fmt: skip
    assert len(first) >= 4 and _digest(first) == _digest(again)
    other = write_files(tmp_path / "c", SynthConfig(seed=6, claims=900), claims_per_file=400)
    assert _digest(other)[0][1] != _digest(first)[0][1]


def test_files_are_cut_at_the_requested_size(tmp_path: Path) -> None:
    paths = write_files(tmp_path, SynthConfig(seed=2, claims=1000), claims_per_file=300)
    counts = [sum(len(r.claims) for r in read_835(p) if isinstance(r, Remittance)) for p in paths]
    assert sum(counts) == 1000
    assert all(c >= 300 for c in counts[:-1]) and counts[-1] <= 300 + 40


def test_generation_is_lazy() -> None:
    first = next(generate(SynthConfig(claims=10**9)))
    assert 1 <= len(first.claims) <= 40


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), claims=st.integers(1, 400))
def test_everything_synth_writes_balances(seed: int, claims: int) -> None:
    config = SynthConfig(seed=seed, claims=claims, claims_per_payment=(1, 25))
    parsed = parse_835(format_835(generate(config)))
    assert sum(len(r.claims) for r in parsed) == claims
    assert [p for r in parsed for p in check_balance(r)] == []
    follow = parse_835(format_835(generate_followups(config)))
    assert [p for r in follow for p in check_balance(r)] == []


def test_unbalanced_remittances_are_injected_only_on_request() -> None:
    config = SynthConfig(seed=3, claims=600, unbalanced_rate=0.05)
    problems = [p for r in parse_835(format_835(generate(config))) for p in check_balance(r)]
    assert 10 <= len(problems) <= 60
    assert {p.level for p in problems} <= {"line", "claim"}


def test_every_payer_appears_with_its_own_denial_rate(dataset: list[Remittance]) -> None:
    claims_by_payer: dict[str, list[Claim]] = defaultdict(list)
    for rem in dataset:
        claims_by_payer[rem.payer.name].extend(rem.claims)
    assert set(claims_by_payer) == {p.name for p in PAYERS}

    def denial_rate(payer_key: str) -> float:
        claims = claims_by_payer[PAYERS_BY_KEY[payer_key].name]
        denied = [c for c in claims if _denial_carcs(c)]
        return len(denied) / len(claims)

    assert denial_rate("medicaid") > denial_rate("medicare_b") * 1.3
    assert 0.03 < denial_rate("medicare_b") < 0.2


def _denial_carcs(claim: Claim) -> set[str]:
    return {a.reason for a in claim.all_adjustments() if a.reason not in NORMAL_CARCS}


def test_every_family_appears_with_known_codes(dataset: list[Remittance]) -> None:
    seen = Counter(
        family
        for rem in dataset
        for claim in rem.claims
        for adj in claim.all_adjustments()
        for family, carcs in FAMILY_CARCS.items()
        if adj.reason in carcs and claim.status != "22"
    )
    assert set(seen) == {"clinical", "coding", "administrative", "technical"}
    assert all(count >= 20 for count in seen.values()), seen
    # every CARC/RARC the generator uses is in the project's code lists
    used_carcs = {a.reason for r in dataset for c in r.claims for a in c.all_adjustments()}
    assert {code for code in used_carcs if carc(code) is None} == set()
    used_rarcs = {code for r in dataset for c in r.claims for code in c.remark_codes} | {
        code for r in dataset for c in r.claims for ln in c.lines for code in ln.remark_codes
    }
    assert used_rarcs and all(rarc(code) is not None for code in used_rarcs)


def test_scenarios_pair_carcs_with_remarks_that_fit() -> None:
    assert ("MA130", "M76") in SCENARIOS["missing_info"].rarcs
    assert SCENARIOS["cob_primary"].carc == "22" and ("MA04",) in SCENARIOS["cob_primary"].rarcs
    assert SCENARIOS["duplicate_claim"].group == "OA"  # CARC 18 usage: group OA
    for scenario in SCENARIOS.values():
        if scenario.carc in ("A1", "96", "234"):  # "at least one remark code must be provided"
            assert all(scenario.rarcs) or scenario.carc == "234", scenario.key


def test_denied_claims_and_lines_look_like_denials(dataset: list[Remittance]) -> None:
    claims = [c for r in dataset for c in r.claims]
    fully_denied = [c for c in claims if c.status == "4"]
    assert len(fully_denied) > 50
    assert all(c.paid == 0 for c in fully_denied)
    zero_paid_lines = [ln for c in claims if c.status == "1" for ln in c.lines if ln.paid == 0]
    partial = [c for c in claims if c.status == "1" and c.paid > 0 and _denial_carcs(c) - {"23"}]
    assert len(zero_paid_lines) > 20 and len(partial) > 20
    statuses = Counter(c.status for c in claims)
    assert {"1", "2", "4", "19", "22"} <= set(statuses)
    # normal adjustments: contractual, sequestration only for Medicare-type payers,
    # prior payer (OA-23) only on claims processed as secondary
    for rem in dataset:
        for claim in rem.claims:
            reasons = {a.reason for a in claim.all_adjustments()}
            if "253" in reasons:
                assert claim.filing_indicator in ("MA", "MB", "16")
            if "23" in reasons:
                assert claim.status in ("2", "22")


def test_reversals_are_paired_with_their_original_and_a_correction(
    dataset: list[Remittance],
) -> None:
    earlier: dict[tuple[str, str], Claim] = {}
    reversals = 0
    for rem in dataset:
        for index, claim in enumerate(rem.claims):
            key = (claim.patient_control_number, claim.payer_claim_control_number)
            if claim.status == "22":
                reversals += 1
                original = earlier[key]  # reported in an EARLIER remittance
                assert claim.charge == -original.charge and claim.paid == -original.paid
                correction = rem.claims[index + 1]
                assert (
                    correction.patient_control_number,
                    correction.payer_claim_control_number,
                ) == key
                assert correction.status in ("1", "19") and correction.charge == original.charge
        for claim in rem.claims:
            earlier[(claim.patient_control_number, claim.payer_claim_control_number)] = claim
    assert reversals >= 10


def test_replacements_point_at_an_earlier_denial(dataset: list[Remittance]) -> None:
    denied_icns: set[str] = set()
    replacements = 0
    for rem in dataset:
        for claim in rem.claims:
            if claim.frequency == "7":
                replacements += 1
                assert claim.ref("F8") in denied_icns
        denied_icns |= {c.payer_claim_control_number for c in rem.claims if _denial_carcs(c)}
    assert replacements >= 10


def test_professional_and_institutional_claims_carry_their_own_details(
    dataset: list[Remittance],
) -> None:
    claims = [c for r in dataset for c in r.claims if c.status != "22"]
    professional = [c for c in claims if c.rendering is not None]
    inpatient = [c for c in claims if c.facility_type == "11" and c.drg]
    outpatient = [c for c in claims if c.facility_type == "13"]
    assert len(professional) > 500 and len(inpatient) > 100 and len(outpatient) > 300
    assert {c.facility_type for c in professional} >= {"11", "22", "23"}
    assert all(c.inpatient and c.date_of("232") and c.date_of("233") for c in inpatient)
    assert all(c.ref("EA") for c in inpatient + outpatient)
    lines = [ln for c in professional for ln in c.lines]
    assert {m for ln in lines for m in ln.modifiers} >= {"25", "59", "LT", "RT", "26", "TC"}
    assert all(ln.qualifier == "HC" and ln.control_number for ln in lines)
    op_lines = [ln for c in outpatient for ln in c.lines]
    assert {ln.qualifier for ln in op_lines} == {"HC", "NU"}
    assert all(ln.revenue_code or ln.qualifier == "NU" for ln in op_lines)
    assert any(c.outpatient for c in outpatient) and any(c.amount_of("AU") for c in claims)
    assert any(ln.allowed for ln in lines)
    assert all(ln.description == "" for c in claims for ln in c.lines)  # no CPT descriptors


def test_parties_dates_and_provider_adjustments(dataset: list[Remittance]) -> None:
    claims = [c for r in dataset for c in r.claims]
    patients = [c.patient for c in claims if c.patient is not None]
    assert len(patients) == len(claims)
    assert all(p.name in LAST_NAMES for p in patients)  # clearly fake names
    member_ids = [p.identifier for p in patients if p.identifier] + [
        c.insured.identifier for c in claims if c.insured is not None
    ]
    assert member_ids and all(m.startswith("ZZ") for m in member_ids)
    assert any(c.insured is not None for c in claims)
    assert all(c.date_of("050") for c in claims if c.status != "22")
    # dates of service within the range, remittances 20-45 days later for first claims
    lags = []
    for rem in dataset:
        assert rem.payment.payment_date is not None and rem.production_date is not None
        for claim in rem.claims:
            served = claim.first_service_date()
            assert served is not None and CONFIG.start <= served <= CONFIG.end
            if claim.status in ("1", "4") and claim.frequency == "1":
                lags.append((rem.payment.payment_date - served).days)
    assert sum(20 <= lag <= 45 for lag in lags) / len(lags) > 0.9
    reasons = Counter(p.reason for r in dataset for p in r.provider_adjustments)
    assert {"WO", "L6", "72", "CS", "FB"} <= set(reasons)
    assert all(p.amount < 0 for r in dataset for p in r.provider_adjustments if p.reason == "L6")
    assert all(r.payment.amount >= 0 for r in dataset)
    assert {r.payment.method for r in dataset} >= {"ACH", "CHK"}


def test_followups_answer_earlier_denials() -> None:
    config = SynthConfig(seed=4, claims=1500)
    base = [c for r in generate(config) for c in r.claims]
    denied = {c.patient_control_number: c for c in base if _denial_carcs(c)}
    answers = [c for r in generate_followups(config) for c in r.claims]
    assert len(answers) > 0.3 * len(denied)
    outcomes: Counter[str] = Counter()
    for claim in answers:
        original = denied[claim.patient_control_number]
        if claim.frequency == "7":
            assert claim.ref("F8") == original.payer_claim_control_number
            outcomes["corrected"] += 1
        else:
            assert claim.payer_claim_control_number == original.payer_claim_control_number
            assert "MA91" in claim.remark_codes
            outcomes["overturned" if claim.paid > 0 else "upheld"] += 1
    assert set(outcomes) == {"corrected", "overturned", "upheld"}


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        SynthConfig(claims=-1)
    with pytest.raises(ValueError):
        SynthConfig(start=date(2025, 2, 1), end=date(2025, 1, 1))
    with pytest.raises(ValueError):
        SynthConfig(claims_per_payment=(0, 3))
    assert Decimal(0) == sum(
        (r.payment.amount for r in generate(SynthConfig(claims=0))), Decimal(0)
    )


@pytest.mark.parametrize("payer", PAYERS, ids=lambda p: p.key)
def test_each_payer_alone_on_a_one_day_range(payer: Payer) -> None:
    day = date(2025, 6, 30)
    config = SynthConfig(seed=1, claims=120, start=day, end=day, payers=(payer,))
    parsed = parse_835(format_835(generate(config)))
    assert {r.payer.name for r in parsed} == {payer.name}
    assert [p for r in parsed for p in check_balance(r)] == []
    assert {c.first_service_date() for r in parsed for c in r.claims} == {day}
    assert {c.filing_indicator for r in parsed for c in r.claims} <= set(payer.filing.values())


def test_memory_stays_flat_whatever_the_volume() -> None:
    """Generation streams: what it keeps between remittances is bounded, not per claim."""

    def retained_after(claims: int) -> int:
        stream = generate(SynthConfig(claims=10**9))
        produced = 0
        while produced < claims:
            produced += len(next(stream).claims)
        gc.collect()
        alive = len(gc.get_objects())
        stream.close()
        return alive

    small, large = retained_after(10_000), retained_after(30_000)
    assert large < small * 1.1, (small, large)


def test_one_set_holds_every_claim_in_one_transaction_set_and_is_cached(tmp_path: Path) -> None:
    path = write_one_set(tmp_path / "one", 40)
    (only,) = [r for r in read_835(path) if isinstance(r, Remittance)]
    assert len(only.claims) == 40
    assert check_balance(only) == []
    stamp = path.stat().st_mtime_ns
    assert write_one_set(tmp_path / "one", 40) == path  # the folder's file, not rewritten
    assert path.stat().st_mtime_ns == stamp
