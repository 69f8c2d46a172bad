"""Table-driven classification cases, each written from the CARC/RARC texts.

One line per case: group, CARC, remark codes ("-" for none, comma-separated), expected
family ("-" for none) and expected category. The comment after "#" paraphrases the code
text the expectation is based on.
"""

from __future__ import annotations

import pytest

from denialops.classify import classify, load_rules

CASES = """
# --- not denials: the normal cost of a paid claim
CO 45   -          -              contractual           # charge exceeds fee schedule
PI 45   -          -              contractual           # same reason, payer-initiated
CO 253  -          -              sequestration         # sequestration
PR 1    -          -              deductible            # deductible amount
PR 2    -          -              coinsurance           # coinsurance amount
PR 3    -          -              copay                 # co-payment amount
PR 66   -          -              deductible            # blood deductible
PR 247  -          -              deductible # professional deductible on institutional claim
PR 248  -          -              coinsurance # professional coinsurance on institutional claim
PR 241  -          -              copay                 # low income subsidy co-payment
OA 23   -          -              prior_payer           # impact of prior payer adjudication
CO 24   -          -              capitation            # covered under capitation
CO 44   -          -              contractual           # prompt-pay discount
CO 59   -          -              payment_reduction     # multiple/concurrent procedure rules
CO 94   -          -              contractual           # processed in excess of charges
CO 104  -          -              withhold              # managed care withholding
CO 105  -          -              withhold              # tax withholding
CO 131  -          -              contractual           # claim specific negotiated discount
CO 144  -          -              contractual           # incentive adjustment
PI 161  -          -              contractual           # provider performance bonus
CO 172  -          -              payment_reduction     # adjusted when billed by this specialty
PR 187  -          -              already_paid          # spending account (HSA/FSA) payments
PR 201  -          -              patient_responsibility# set aside arrangement
CO 245  -          -              withhold              # performance program withhold
CO 246  -          -              informational         # non-payable code for reporting only
OA 133  -          -              pending               # disposition pending further review
CO P12  -          -              contractual           # WC jurisdictional fee schedule adjustment
CO P24  -          -              contractual           # adjusted based on PPO
CO A5   -          -              contractual           # PPS capital cost outlier
CO 100  -          -              paid_to_other         # payment made to patient
CO 294  -          -              paid_to_other         # payment made to attorney
PR 85   -          -              patient_responsibility# patient interest adjustment
CO 203  -          -              payment_reduction     # discontinued or reduced service
CO 237  -          -              payment_reduction     # legislated/regulatory penalty
# --- clinical
CO 50   -          clinical       medical_necessity     # not deemed a medical necessity
CO 50   M127       clinical       medical_necessity     # ... with missing medical record remark
CO 40   -          clinical       medical_necessity     # not emergent/urgent
CO 153  -          clinical       medical_necessity     # does not support this dosage
CO 216  -          clinical       medical_necessity     # findings of a review organization
CO B8   -          clinical       medical_necessity     # alternative services should have been used
CO P15  -          clinical       medical_necessity     # WC medical treatment guideline
CO 150  -          clinical       level_of_care         # does not support this level of service
CO 150  M25        clinical       level_of_care         # ... need for this level of service
CO 186  -          clinical       level_of_care         # level of care change adjustment
CO 58   -          clinical       level_of_care         # inappropriate place of service
CO 152  -          clinical       length_of_stay        # does not support this length of service
CO 78   -          clinical       length_of_stay        # non-covered days/room charge
CO 249  -          clinical       readmission           # identified as a readmission
CO 55   -          clinical       experimental          # experimental/investigational
CO 55   N130       clinical       experimental          # ... consult plan benefit documents
CO 56   -          clinical       experimental          # not proven to be effective
CO 114  -          clinical       experimental          # not approved by the FDA
CO 188  -          clinical       experimental          # only covered per FDA recommendations
CO 151  -          clinical       frequency             # does not support this many/frequency
CO 151  N640       clinical       frequency             # exceeds number/frequency allowed
CO 151  N362       clinical       frequency # units exceed maximum, under a frequency reason
CO B14  -          clinical       frequency             # one visit per physician per day
CO 261  -          clinical       frequency             # inconsistent with patient's history
CO 167  -          clinical       coverage_policy       # diagnosis not covered
CO 167  N115       clinical       coverage_policy       # ... per an LCD
CO 96   N386       clinical       coverage_policy       # non-covered, per an NCD
CO 96   N115       clinical       coverage_policy       # non-covered, per an LCD
CO 50   N115       clinical       coverage_policy       # medical necessity per an LCD
CO 272  -          clinical       coverage_policy       # coverage/program guidelines not met
CO 108  -          clinical       coverage_policy       # rent/purchase guidelines not met
CO 117  -          clinical       coverage_policy       # transportation only to closest facility
CO A6   -          clinical       coverage_policy       # prior hospitalization requirement not met
CO 233  -          clinical       coverage_policy       # hospital-acquired condition
CO B12  -          clinical       documentation         # not documented in medical records
CO 112  -          clinical       documentation         # not furnished directly / not documented
CO 173  -          clinical       documentation         # not prescribed by a physician
CO 176  -          clinical       documentation         # prescription not current
CO 16   M127       clinical       documentation         # missing patient medical record
CO 16   N706       clinical       documentation         # missing documentation
CO 252  N237       clinical       documentation         # attachment: incomplete medical record
CO 16   M60        clinical       documentation         # missing certificate of medical necessity
CO 96   N661       clinical       medical_necessity     # documentation does not support necessity
CO A1   M25        clinical       medical_necessity     # denied: not substantiated level/need
CO 96   N623       clinical       experimental          # unproven/experimental
CO 96   M86        clinical       frequency             # already paid within time frame
CO 96   N117       clinical       frequency             # once in a lifetime
CO 150  N188       clinical       level_of_care         # approved level of care does not match
# --- coding
CO 4    -          coding         modifier # inconsistent with modifier / missing modifier
CO 4    N822       coding         modifier              # missing procedure modifier
CO 4    N519       coding         modifier              # invalid combination of modifiers
CO 182  -          coding         modifier              # modifier invalid on date of service
CO 16   N823       coding         modifier              # incomplete/invalid modifier
CO 54   -          coding         modifier              # multiple physicians/assistants not covered
CO 97   -          coding         bundling_ncci         # included in payment for another service
CO 97   M15        coding         bundled_distinct_service # bundled as components of same procedure
CO 97   M80        coding         bundling_ncci         # same session as a processed service
CO 234  N20        coding         bundled_distinct_service # not paid separately / same date
CO 234  N19        coding         bundling_ncci         # incidental to primary procedure
CO 236  -          coding         bundling_ncci         # not compatible with another procedure
CO 231  -          coding         bundling_ncci         # mutually exclusive procedures
CO P14  -          coding         bundling_ncci         # WC: included in another service same day
CO 96   N122       coding         bundling_ncci         # add-on code billed by itself
CO 60   -          administrative consolidated_billing  # outpatient within the 3-day window
CO 60   MA133      administrative consolidated_billing  # overlaps inpatient stay
CO 194  -          coding         bundling_ncci         # anesthesia by operating physician
CO 96   N525       coding         bundling_ncci         # within global period
CO 11   -          coding         dx_procedure_mismatch # diagnosis inconsistent with procedure
CO 11   N657       coding         dx_procedure_mismatch # should be billed with the appropriate code
CO 96   N569       coding         dx_procedure_mismatch # not covered for reported diagnosis
CO 181  -          coding         invalid_code          # procedure code invalid on date of service
CO 181  M51        coding         invalid_code          # ... missing/invalid procedure code
CO 146  -          coding         invalid_code          # diagnosis invalid for date of service
CO 189  -          coding         invalid_code          # NOC/unlisted code billed
CO 16   M76        coding         invalid_code          # missing/invalid diagnosis
CO 16   MA63       coding         invalid_code          # missing/invalid principal diagnosis
CO 16   M51        coding         invalid_code          # missing/invalid procedure code
CO 16   M119       coding         invalid_code          # missing/invalid NDC
CO 16   M81        coding         invalid_code          # code to highest level of specificity
CO 11   M76        coding         invalid_code          # dx inconsistent, dx invalid
CO B16  -          coding         invalid_code          # new patient qualifications not met
CO P7   -          coding         invalid_code          # fee schedule lacks the billed code
CO 6    -          coding         code_demographic_conflict# procedure vs age
CO 6    N129       coding         code_demographic_conflict# not eligible due to age
CO 7    -          coding         code_demographic_conflict# procedure vs gender
CO 9    -          coding         code_demographic_conflict# diagnosis vs age
CO 10   -          coding         code_demographic_conflict# diagnosis vs gender
CO 240  -          coding         code_demographic_conflict# diagnosis vs birth weight
CO 5    -          coding         code_pairing          # procedure/type of bill vs place of service
CO 5    M77        coding         code_pairing          # invalid place of service
CO 199  -          coding         code_pairing          # revenue code and procedure code
CO 282  -          coding         code_pairing          # procedure/revenue code vs type of bill
CO 16   N362       coding         units                 # units exceed acceptable maximum
CO 16   M53        coding         units                 # missing/invalid days or units
CO A8   -          coding         drg_apc               # ungroupable DRG
# --- administrative
CO 31   -          administrative subscriber_mismatch   # cannot be identified as our insured
CO 31   MA27       administrative subscriber_mismatch   # entitlement number/name
CO 140  -          administrative subscriber_mismatch   # ID and name do not match
CO 16   MA61       administrative subscriber_mismatch   # invalid social security number
CO 32   -          administrative eligibility           # not an eligible dependent
CO 33   -          administrative eligibility           # no dependent coverage
CO 177  -          administrative eligibility           # eligibility requirements not met
CO 13   -          administrative eligibility           # date of death precedes service
CO B9   -          administrative eligibility           # enrolled in hospice
CO 96   N30        administrative eligibility           # ineligible for this service
CO 26   -          administrative coverage_dates        # incurred prior to coverage
CO 27   -          administrative coverage_dates        # incurred after coverage terminated
PR 27   -          administrative coverage_dates        # ... billed to the patient
CO 200  -          administrative coverage_dates        # lapse in coverage
CO 239  -          administrative coverage_dates        # spans eligible and ineligible periods
CO 22   -          administrative cob                   # may be covered by another payer (COB)
CO 22   MA04       administrative cob                   # primary payer information needed
CO 16   MA04       administrative cob                   # secondary without primary's payment
CO 16   N479       administrative cob                   # missing explanation of benefits
CO 109  -          administrative cob # not covered by this payer: send to correct one
CO 109  N418       administrative cob                   # misrouted claim
CO 19   -          administrative cob                   # workers' compensation liability
CO 20   -          administrative cob                   # liability carrier
CO 129  -          administrative cob                   # prior processing information incorrect
CO 254  -          administrative cob                   # submit to patient's medical plan
CO 290  -          administrative cob                   # forwarded to patient's medical plan
CO P2   -          administrative cob                   # not work related
CO P21  -          administrative cob                   # denied under PIP/MPC
CO 197  -          administrative authorization         # precertification/authorization absent
CO 197  M62        administrative authorization         # missing treatment authorization code
CO 198  -          administrative authorization         # authorization exceeded
CO 39   -          clinical       authorization_refused # authorization requested and refused
CO 284  -          administrative authorization         # authorization does not apply to services
CO 296  -          administrative authorization         # authorization does not apply to provider
CO 288  -          administrative authorization         # referral absent
CO 16   N54        administrative authorization         # inconsistent with authorized services
CO 243  -          administrative authorization         # not authorized by network/PCP
CO 116  -          administrative advance_notice        # advance notice did not comply
CO 119  -          administrative benefit_limit         # benefit maximum reached
CO 119  N640       administrative benefit_limit         # ... number/frequency exceeded
PR 119  N130       administrative benefit_limit         # patient's benefit maximum
CO 35   -          administrative benefit_limit         # lifetime benefit maximum
CO B1   -          administrative benefit_limit         # non-covered visits
CO 96   -          administrative non_covered_service   # non-covered charge(s)
PR 96   -          administrative non_covered_service   # non-covered, patient responsible
CO 204  -          administrative non_covered_service   # not covered under benefit plan
CO 49   -          administrative non_covered_service   # routine/preventive
CO 96   N425       administrative non_covered_service   # statutorily excluded
CO 96   N383       administrative non_covered_service   # cosmetic
CO 29   -          administrative timely_filing         # time limit for filing expired
CO 286  -          administrative timely_filing         # appeal time limits not met
CO 285  -          administrative appeal_procedure      # appeal procedures not followed
CO 193  -          administrative appeal_upheld         # original payment decision maintained
OA 18   -          administrative duplicate             # exact duplicate claim/service
OA 18   N522       administrative duplicate             # duplicate of a crossover claim
CO B13  -          administrative duplicate             # previously paid
CO A1   N111       administrative duplicate             # included in a previously billed claim
CO 242  -          administrative network_credentialing # not provided by network providers
CO B7   -          administrative network_credentialing # provider not certified on this date
CO B7   N95        administrative network_credentialing # provider type may not bill this
CO 185  -          administrative network_credentialing # rendering provider not eligible
CO 170  -          administrative network_credentialing # denied for this type of provider
CO 147  -          administrative network_credentialing # contracted rate not on file
CO 96   N808       administrative network_credentialing # not covered for this provider type
# --- technical
CO 16   -          technical      missing_information   # lacks information / billing error
CO 16   MA130      technical      unprocessable         # unprocessable, submit a new claim
CO A1   MA130      technical      unprocessable         # denied, unprocessable
CO 16   MA130,N290 technical      missing_identifier # rendering id; MA130 adds a constraint
CO 16   N290       technical      missing_identifier    # missing rendering provider identifier
CO 16   N257       technical      missing_identifier    # missing billing provider identifier
CO A1   N290       technical      missing_identifier    # denied: rendering provider identifier
CO A1   N286       technical      missing_identifier    # denied: referring provider identifier
CO 16   N94        technical      missing_identifier    # more specific taxonomy required
CO 206  -          technical      missing_identifier    # NPI missing
CO 207  -          technical      missing_identifier    # NPI invalid format
CO 208  -          technical      missing_identifier    # NPI not matched
CO 16   M52        technical      formatting            # invalid "from" date of service
CO 16   N34        technical      formatting            # incorrect claim form/format
CO 110  -          technical      formatting            # billing date predates service date
CO 268  -          technical      formatting            # claim spans two calendar years
CO 252  -          technical      attachment            # attachment required
CO 163  -          technical      attachment            # attachment not received
CO 16   N26        technical      attachment            # missing itemized bill
CO 226  -          technical      missing_information   # requested information not provided
CO 227  -          technical      missing_information   # information from patient not provided
CO 115  -          technical      charge_error          # procedure postponed/cancelled"""


def _parse(table: str) -> list[tuple[str, str, tuple[str, ...], str | None, str]]:
    cases = []
    for raw in table.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        group, carc, remarks, family, category = line.split()
        cases.append(
            (
                group,
                carc,
                tuple(remarks.split(",")) if remarks != "-" else (),
                None if family == "-" else family,
                category,
            )
        )
    return cases


PARSED = _parse(CASES)
RULES = load_rules()


def test_the_table_is_large_enough_and_has_no_repeats() -> None:
    assert len(PARSED) >= 150
    keys = [(g, c, r) for g, c, r, _f, _cat in PARSED]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("group", "carc", "remarks", "family", "category"),
    PARSED,
    ids=[f"{g}-{c}{'+' + '+'.join(r) if r else ''}" for g, c, r, _f, _cat in PARSED],
)
def test_case(
    group: str, carc: str, remarks: tuple[str, ...], family: str | None, category: str
) -> None:
    result = classify(group, carc, remarks, rules=RULES)
    assert (result.family, result.category) == (family, category)
    # a family is exactly what makes a denial here: non-denials carry none
    assert result.is_denial is (family is not None)
    assert result.rule is not None
    assert result.ruleset_version == RULES.version
    assert not result.needs_review
