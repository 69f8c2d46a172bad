"""What the synthetic generator draws from: payers, procedures, and denial scenarios.

The numbers are not anyone's real data; they are chosen so that the output looks like a
hospital's and a physician group's remittances to a denial analyst: Medicare pays most
claims and denies for medical necessity, bundling and missing information; Medicaid and
Medicare Advantage plans deny far more, mostly for authorization and eligibility;
commercial plans sit in between; a workers' compensation carrier disputes relatedness.

Codes only: CPT/HCPCS codes are listed without their (AMA-licensed) descriptors. CARC and
RARC pairings follow the codes' published usage notes and are checked in the tests
against the project's code lists (:mod:`denialops.codes`). Two deliberate choices: CARC
15 (authorization number missing/invalid) is kept at a low weight although the shipped
CARC list lacks it, because analysts still see it; and CO-4 is paired with N822/N823/N519
rather than M78, which the shipped RARC list no longer carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from denialops.vocabulary import FAMILIES, Family

ClaimKind = Literal["professional", "outpatient", "inpatient"]
"""professional (837P, place of service in CLP08), institutional outpatient (13x) and
institutional inpatient (11x, DRG-paid, claim level only)."""

PROFESSIONAL: frozenset[ClaimKind] = frozenset({"professional"})
INSTITUTIONAL: frozenset[ClaimKind] = frozenset({"outpatient", "inpatient"})
LINE_KINDS: frozenset[ClaimKind] = frozenset({"professional", "outpatient"})
ALL_KINDS: frozenset[ClaimKind] = frozenset({"professional", "outpatient", "inpatient"})


@dataclass(frozen=True, slots=True)
class DenialScenario:
    """One way a payer refuses payment: group + CARC + plausible RARC combinations.

    ``level`` says where the adjustment sits: ``claim`` denials zero the whole claim
    (CLP02 4, CAS at claim level, no lines, or a partial claim-level cut for inpatient
    stays when ``partial``); ``line`` denials hit one or more service lines, fully
    (zero-paid line) or, when ``partial``, part of the allowed amount.
    """

    key: str
    family: Family
    group: str
    carc: str
    rarcs: tuple[tuple[str, ...], ...] = ((),)
    level: Literal["claim", "line"] = "line"
    kinds: frozenset[ClaimKind] = ALL_KINDS
    partial: bool = False
    all_lines: bool = False  # a line-level denial that applies to every line (e.g. no auth)
    coverage_ended: bool = False  # add DTM*036 (coverage expiration) before the service


def _s(
    key: str,
    family: Family,
    group: str,
    carc: str,
    *rarcs: tuple[str, ...],
    level: Literal["claim", "line"] = "line",
    kinds: frozenset[ClaimKind] = ALL_KINDS,
    partial: bool = False,
    all_lines: bool = False,
    coverage_ended: bool = False,
) -> DenialScenario:
    return DenialScenario(
        key=key,
        family=family,
        group=group,
        carc=carc,
        rarcs=tuple(rarcs) or ((),),
        level=level,
        kinds=kinds,
        partial=partial,
        all_lines=all_lines,
        coverage_ended=coverage_ended,
    )


SCENARIOS: dict[str, DenialScenario] = {
    s.key: s
    for s in (
        # -- clinical --------------------------------------------------------------------
        _s("med_necessity", "clinical", "CO", "50", ("N115",), ("M127",), ("N115", "M127")),
        _s(
            "med_necessity_claim",
            "clinical",
            "CO",
            "50",
            ("N115",),
            ("M127",),
            level="claim",
            kinds=PROFESSIONAL | frozenset({"outpatient"}),
        ),
        _s(
            "level_of_care",
            "clinical",
            "CO",
            "50",
            ("N10",),
            ("M127", "N10"),
            level="claim",
            kinds=frozenset({"inpatient"}),
        ),
        _s(
            "length_of_stay",
            "clinical",
            "CO",
            "152",
            ("N10",),
            level="claim",
            kinds=frozenset({"inpatient"}),
            partial=True,
        ),
        _s("level_of_service", "clinical", "CO", "150", ("M25",), kinds=PROFESSIONAL, partial=True),
        _s("ncd_noncovered", "clinical", "CO", "96", ("N386",), kinds=LINE_KINDS),
        _s("lcd_dx_not_covered", "clinical", "CO", "167", ("N115",), ("N386",), kinds=LINE_KINDS),
        _s("experimental", "clinical", "CO", "55", ("N130",), (), kinds=LINE_KINDS),
        _s("frequency", "clinical", "CO", "151", ("N640",), ("N362",), ("N435",), partial=True),
        _s("frequency_full", "clinical", "CO", "151", ("N640",), ("N435",), kinds=LINE_KINDS),
        _s("extent_of_injury", "clinical", "CO", "219", (), ("N10",), kinds=LINE_KINDS),
        _s("treatment_guideline", "clinical", "CO", "P15", (), kinds=LINE_KINDS, partial=True),
        # -- coding ----------------------------------------------------------------------
        _s("modifier", "coding", "CO", "4", ("N822",), ("N823",), ("N519",), kinds=LINE_KINDS),
        _s("bundled", "coding", "CO", "97", ("M80",), ("M86",), ("M15",), kinds=LINE_KINDS),
        _s("not_separately_paid", "coding", "CO", "234", ("N20",), ("N19",), kinds=LINE_KINDS),
        _s("ncci_incompatible", "coding", "CO", "236", ("N20",), (), kinds=LINE_KINDS),
        _s("dx_mismatch", "coding", "CO", "11", (), ("N657",), kinds=LINE_KINDS),
        _s("invalid_code_dos", "coding", "CO", "181", ("M51",), ("N56",), kinds=LINE_KINDS),
        _s("place_of_service", "coding", "CO", "5", ("M77",), kinds=PROFESSIONAL),
        _s("age_conflict", "coding", "CO", "6", ("N129",), kinds=LINE_KINDS),
        _s("wc_bundled", "coding", "CO", "P14", (), kinds=LINE_KINDS),
        # -- administrative --------------------------------------------------------------
        _s("auth_missing", "administrative", "CO", "197", (), ("M62",), all_lines=True),
        _s(
            "auth_missing_claim",
            "administrative",
            "CO",
            "197",
            (),
            ("N54",),
            level="claim",
            kinds=INSTITUTIONAL,
        ),
        _s("auth_invalid", "administrative", "CO", "284", ("M62",), ("N54",), kinds=LINE_KINDS),
        _s(
            "auth_exceeded", "administrative", "CO", "198", ("N54",), kinds=LINE_KINDS, partial=True
        ),
        _s(
            "coverage_terminated",
            "administrative",
            "CO",
            "27",
            (),
            ("N30",),
            level="claim",
            coverage_ended=True,
        ),
        _s("not_our_insured", "administrative", "CO", "31", (), ("MA27",), level="claim"),
        _s("wrong_payer", "administrative", "CO", "109", ("N418",), ("N193",), level="claim"),
        _s("cob_primary", "administrative", "CO", "22", ("MA04",), ("N479",), level="claim"),
        _s("timely_filing", "administrative", "CO", "29", (), level="claim"),
        _s("duplicate_claim", "administrative", "OA", "18", (), ("N522",), level="claim"),
        _s("duplicate_line", "administrative", "OA", "18", (), kinds=LINE_KINDS),
        _s("benefit_max", "administrative", "CO", "119", ("N640",), (), kinds=LINE_KINDS),
        _s("benefit_max_patient", "administrative", "PR", "119", ("N130",), kinds=LINE_KINDS),
        _s("out_of_network", "administrative", "CO", "242", (), ("N130",), level="claim"),
        _s("not_credentialed", "administrative", "CO", "B7", ("N95",), kinds=PROFESSIONAL),
        _s("pip_exhausted", "administrative", "CO", "P21", (), level="claim"),
        # -- technical -------------------------------------------------------------------
        _s(
            "missing_info",
            "technical",
            "CO",
            "16",
            ("MA130", "M76"),
            ("MA130", "N382"),
            ("MA130", "MA63"),
            ("MA130", "N290"),
            level="claim",
        ),
        _s("missing_info_line", "technical", "CO", "16", ("M51",), ("M119",), kinds=LINE_KINDS),
        _s("denied_other", "technical", "CO", "A1", ("N290",), ("N286",), level="claim"),
        _s("rendering_id", "technical", "CO", "16", ("MA130", "N290"), kinds=PROFESSIONAL),
    )
}

FAMILY_CARCS: dict[Family, frozenset[str]] = {
    family: frozenset(s.carc for s in SCENARIOS.values() if s.family == family)
    for family in FAMILIES
}
"""CARCs each family's scenarios use (CARC 16 and 18 may appear in two families' lists
of other tools; here a code belongs to exactly one family)."""

NORMAL_CARCS = frozenset({"45", "253", "1", "2", "3", "23", "P12", "94"})
"""Adjustments that are the normal cost of a paid claim, not denials."""


@dataclass(frozen=True, slots=True)
class Payer:
    """A payer as the generator sees it: identity, what it pays, how it denies."""

    key: str
    name: str
    payer_id: str  # N1*PR N104 (XV) / REF*2U
    tin: str  # TRN03 is "1" + TIN
    filing: dict[ClaimKind, str]  # CLP06 per claim kind
    kinds: frozenset[ClaimKind]
    denial_rate: float  # chance that a claim carries at least one denial
    mix: dict[str, float]  # scenario key -> weight
    allowed_ratio: tuple[float, float]  # allowed as a share of charges
    sequestration: bool = False  # CO-253 2% (Medicare and most MA plans)
    deductible: int = 0  # annual deductible in cents, drawn down at random
    coinsurance: float = 0.2
    copay: int = 0  # office-visit copay in cents
    contractual_carc: str = "45"
    secondary_rate: float = 0.0  # share of claims where this payer is secondary (OA-23)
    crossover_to: str = ""  # name of the supplemental payer claims are forwarded to
    crossover_rate: float = 0.0
    address: tuple[str, str, str, str] = ("PO BOX 1000", "ANYTOWN", "PA", "171000000")
    weight: float = 1.0  # share of remittance volume
    contacts: tuple[tuple[str, ...], ...] = field(default=())


def _medicare_mix() -> dict[str, float]:
    return {
        "med_necessity": 14,
        "med_necessity_claim": 3,
        "bundled": 12,
        "not_separately_paid": 6,
        "ncci_incompatible": 3,
        "modifier": 8,
        "missing_info": 10,
        "missing_info_line": 4,
        "rendering_id": 3,
        "frequency": 5,
        "frequency_full": 3,
        "ncd_noncovered": 5,
        "lcd_dx_not_covered": 4,
        "duplicate_claim": 6,
        "duplicate_line": 3,
        "cob_primary": 5,
        "timely_filing": 3,
        "wrong_payer": 2,
        "not_credentialed": 2,
        "level_of_service": 3,
        "invalid_code_dos": 2,
        "place_of_service": 1,
        "level_of_care": 6,
        "length_of_stay": 3,
        "denied_other": 1,
        "experimental": 1,
    }


def _commercial_mix(**overrides: float) -> dict[str, float]:
    mix: dict[str, float] = {
        "auth_missing": 12,
        "auth_missing_claim": 5,
        "auth_invalid": 2,
        "auth_exceeded": 4,
        "coverage_terminated": 7,
        "not_our_insured": 4,
        "cob_primary": 6,
        "timely_filing": 4,
        "duplicate_claim": 5,
        "benefit_max": 3,
        "benefit_max_patient": 2,
        "out_of_network": 3,
        "med_necessity": 8,
        "level_of_care": 4,
        "length_of_stay": 2,
        "experimental": 2,
        "bundled": 7,
        "not_separately_paid": 4,
        "modifier": 5,
        "dx_mismatch": 5,
        "age_conflict": 1,
        "missing_info": 7,
        "missing_info_line": 3,
        "denied_other": 2,
        "frequency": 2,
    }
    mix.update(overrides)
    return mix


PAYERS: tuple[Payer, ...] = (
    Payer(
        key="medicare_a",
        name="MEDICARE PART A JURISDICTION H",
        payer_id="12301",
        tin="900000101",
        filing={"outpatient": "MA", "inpatient": "MA"},
        kinds=INSTITUTIONAL,
        denial_rate=0.07,
        mix=_medicare_mix(),
        allowed_ratio=(0.22, 0.38),
        sequestration=True,
        deductible=163_200,
        crossover_to="SYNTHETIC MEDIGAP PLAN",
        crossover_rate=0.12,
        address=("PO BOX 3100", "CAMP HILL", "PA", "170110000"),
        weight=1.2,
    ),
    Payer(
        key="medicare_b",
        name="MEDICARE PART B JURISDICTION H",
        payer_id="12302",
        tin="900000102",
        filing={"professional": "MB"},
        kinds=PROFESSIONAL,
        denial_rate=0.09,
        mix=_medicare_mix(),
        allowed_ratio=(0.30, 0.48),
        sequestration=True,
        deductible=24_000,
        crossover_to="SYNTHETIC MEDIGAP PLAN",
        crossover_rate=0.15,
        address=("PO BOX 3200", "CAMP HILL", "PA", "170110000"),
        weight=1.6,
    ),
    Payer(
        key="medicaid",
        name="STATE MEDICAID MANAGED CARE PLAN",
        payer_id="77027",
        tin="900000201",
        filing={"professional": "MC", "outpatient": "MC", "inpatient": "MC"},
        kinds=ALL_KINDS,
        denial_rate=0.18,
        mix=_commercial_mix(
            auth_missing=16, coverage_terminated=12, not_our_insured=7, cob_primary=9
        ),
        allowed_ratio=(0.18, 0.30),
        copay=300,
        coinsurance=0.0,
        secondary_rate=0.12,
        address=("PO BOX 4400", "HARRISBURG", "PA", "171050000"),
        weight=1.0,
    ),
    Payer(
        key="medicare_advantage",
        name="SYNTHETIC MEDICARE ADVANTAGE HMO",
        payer_id="87726",
        tin="900000301",
        filing={"professional": "16", "outpatient": "16", "inpatient": "16"},
        kinds=ALL_KINDS,
        denial_rate=0.15,
        mix=_commercial_mix(
            auth_missing=20,
            auth_missing_claim=9,
            level_of_care=10,
            out_of_network=6,
            med_necessity=10,
        ),
        allowed_ratio=(0.24, 0.42),
        sequestration=True,
        copay=2000,
        coinsurance=0.0,
        address=("PO BOX 5500", "PHILADELPHIA", "PA", "191010000"),
        weight=1.1,
    ),
    Payer(
        key="bcbs",
        name="BLUE CROSS BLUE SHIELD (SYNTHETIC)",
        payer_id="54771",
        tin="900000401",
        filing={"professional": "BL", "outpatient": "BL", "inpatient": "BL"},
        kinds=ALL_KINDS,
        denial_rate=0.11,
        mix=_commercial_mix(),
        allowed_ratio=(0.40, 0.62),
        deductible=150_000,
        copay=3000,
        secondary_rate=0.06,
        address=("PO BOX 6600", "CAMP HILL", "PA", "170890000"),
        weight=1.2,
    ),
    Payer(
        key="uhc",
        name="UNITEDHEALTHCARE (SYNTHETIC)",
        payer_id="87726U",
        tin="900000501",
        filing={"professional": "CI", "outpatient": "CI", "inpatient": "CI"},
        kinds=ALL_KINDS,
        denial_rate=0.13,
        mix=_commercial_mix(med_necessity=11, bundled=9, out_of_network=5),
        allowed_ratio=(0.42, 0.60),
        deductible=200_000,
        copay=3500,
        address=("PO BOX 7700", "SALT LAKE CITY", "UT", "841300000"),
        weight=1.1,
    ),
    Payer(
        key="aetna",
        name="AETNA (SYNTHETIC)",
        payer_id="60054",
        tin="900000601",
        filing={"professional": "CI", "outpatient": "CI", "inpatient": "CI"},
        kinds=ALL_KINDS,
        denial_rate=0.12,
        mix=_commercial_mix(dx_mismatch=8, modifier=7),
        allowed_ratio=(0.40, 0.58),
        deductible=175_000,
        copay=3000,
        address=("PO BOX 8800", "LEXINGTON", "KY", "405120000"),
        weight=0.9,
    ),
    Payer(
        key="cigna",
        name="CIGNA (SYNTHETIC)",
        payer_id="62308",
        tin="900000701",
        filing={"professional": "CI", "outpatient": "CI", "inpatient": "CI"},
        kinds=ALL_KINDS,
        denial_rate=0.12,
        mix=_commercial_mix(benefit_max=6, experimental=4),
        allowed_ratio=(0.40, 0.58),
        deductible=150_000,
        copay=2500,
        address=("PO BOX 9900", "CHATTANOOGA", "TN", "374220000"),
        weight=0.8,
    ),
    Payer(
        key="workers_comp",
        name="SYNTHETIC WORKERS COMP AND AUTO",
        payer_id="WC001",
        tin="900000801",
        filing={"professional": "WC", "outpatient": "WC", "inpatient": "WC"},
        kinds=PROFESSIONAL | frozenset({"outpatient"}),
        denial_rate=0.20,
        mix={
            "extent_of_injury": 25,
            "treatment_guideline": 15,
            "auth_missing": 20,
            "wc_bundled": 10,
            "pip_exhausted": 6,
            "missing_info": 10,
            "duplicate_claim": 6,
            "timely_filing": 4,
        },
        allowed_ratio=(0.45, 0.70),
        coinsurance=0.0,
        contractual_carc="P12",
        address=("PO BOX 1200", "PITTSBURGH", "PA", "152300000"),
        weight=0.4,
    ),
)
PAYERS_BY_KEY = {p.key: p for p in PAYERS}


@dataclass(frozen=True, slots=True)
class Procedure:
    """A CPT/HCPCS code (no descriptor) with a typical charge and how it is billed."""

    code: str
    charge: tuple[int, int]  # cents range of the billed charge per unit
    modifiers: tuple[tuple[str, ...], ...] = ((),)
    units: tuple[int, int] = (1, 1)
    revenue_code: str = ""  # for outpatient facility lines
    weight: float = 1.0


# Professional services: evaluation and management, procedures, imaging, lab, therapy.
PROFESSIONAL_PROCEDURES: tuple[Procedure, ...] = (
    Procedure("99213", (12_000, 18_000), weight=10),
    Procedure("99214", (18_000, 26_000), weight=9),
    Procedure("99215", (26_000, 36_000), weight=3),
    Procedure("99203", (17_000, 24_000), weight=3),
    Procedure("99204", (26_000, 36_000), weight=2),
    Procedure("99214", (18_000, 26_000), (("25",),), weight=3),
    Procedure("99284", (45_000, 70_000), weight=2),
    Procedure("99285", (70_000, 110_000), weight=1.5),
    Procedure("99223", (35_000, 48_000), weight=1.5),
    Procedure("99232", (14_000, 20_000), weight=2.5),
    Procedure("20610", (22_000, 32_000), (("RT",), ("LT",)), weight=1.5),
    Procedure("11042", (30_000, 45_000), weight=1),
    Procedure("17110", (18_000, 25_000), weight=1),
    Procedure("93000", (5_000, 9_000), weight=2),
    Procedure("71046", (9_000, 15_000), (("26",), ("TC",), ()), weight=2),
    Procedure("73630", (10_000, 16_000), (("RT",), ("LT",)), weight=1),
    Procedure("72148", (150_000, 240_000), (("26",), ("TC",)), weight=0.8),
    Procedure("70450", (90_000, 150_000), (("26",),), weight=0.8),
    Procedure("93306", (80_000, 130_000), (("26",),), weight=0.6),
    Procedure("36415", (2_000, 4_000), weight=3),
    Procedure("80053", (6_000, 11_000), weight=2),
    Procedure("85025", (3_500, 6_000), weight=2),
    Procedure("97110", (6_000, 9_000), (("GP",),), (1, 4), weight=2),
    Procedure("97140", (6_000, 9_000), (("GP", "59"), ("GP",)), (1, 2), weight=1.5),
    Procedure("90686", (4_000, 6_000), weight=1),
    Procedure("90471", (3_000, 5_000), weight=1),
    Procedure("G0439", (20_000, 28_000), weight=0.8),
    Procedure("J1885", (1_500, 3_000), units=(1, 4), weight=0.8),
    Procedure("29881", (450_000, 700_000), (("RT",), ("LT",)), weight=0.4),
    Procedure("45378", (180_000, 300_000), weight=0.5),
    Procedure("66984", (250_000, 380_000), (("RT",), ("LT",)), weight=0.4),
    Procedure("64483", (160_000, 260_000), (("RT",), ("LT",), ("50",)), weight=0.4),
)

# Hospital outpatient lines: CPT/HCPCS with a revenue code (SVC04), or revenue code only.
OUTPATIENT_PROCEDURES: tuple[Procedure, ...] = (
    Procedure("99284", (180_000, 320_000), revenue_code="0450", weight=4),
    Procedure("99285", (320_000, 520_000), revenue_code="0450", weight=2),
    Procedure("71046", (35_000, 60_000), revenue_code="0324", weight=3),
    Procedure("70450", (250_000, 420_000), revenue_code="0350", weight=1.5),
    Procedure("74177", (420_000, 650_000), revenue_code="0350", weight=1),
    Procedure("80053", (12_000, 25_000), revenue_code="0301", weight=4),
    Procedure("85025", (8_000, 15_000), revenue_code="0305", weight=4),
    Procedure("36415", (2_500, 5_000), revenue_code="0300", weight=4),
    Procedure("93005", (12_000, 22_000), revenue_code="0730", weight=2),
    Procedure("96374", (25_000, 40_000), revenue_code="0260", weight=2),
    Procedure("J1885", (4_000, 9_000), revenue_code="0636", units=(1, 2), weight=1.5),
    Procedure("G0378", (20_000, 35_000), revenue_code="0762", units=(8, 30), weight=1),
    Procedure("29881", (900_000, 1_600_000), (("RT",), ("LT",)), revenue_code="0360", weight=0.5),
    Procedure("45378", (350_000, 600_000), revenue_code="0750", weight=0.7),
    Procedure("97110", (15_000, 22_000), (("GP",),), (1, 4), revenue_code="0420", weight=1.5),
)

REVENUE_ONLY = (("0250", (2_000, 40_000)), ("0270", (5_000, 60_000)), ("0258", (3_000, 15_000)))
"""Outpatient lines billed by revenue code alone (SVC01 NU): pharmacy, supplies, IV fluids."""


@dataclass(frozen=True, slots=True)
class Drg:
    code: str
    weight: str  # CLP12 relative weight (as the MS-DRG tables print it)
    los: tuple[int, int]
    weight_class: float = 1.0


DRGS: tuple[Drg, ...] = (
    Drg("470", "1.9059", (2, 4), 3),
    Drg("291", "1.3454", (3, 7), 3),
    Drg("871", "1.9826", (4, 9), 2.5),
    Drg("392", "0.7732", (2, 4), 2),
    Drg("193", "1.3167", (3, 6), 2),
    Drg("690", "0.7879", (2, 4), 1.5),
    Drg("194", "0.8893", (2, 5), 1.5),
    Drg("247", "2.1014", (1, 3), 1),
    Drg("603", "0.8718", (2, 5), 1.2),
    Drg("189", "1.0101", (3, 6), 1),
    Drg("683", "0.8962", (3, 5), 1),
)

BASE_RATE_CENTS = 650_000
"""A plausible blended inpatient base rate per unit of DRG weight (cents)."""

PLACES_OF_SERVICE = (("11", 8.0), ("22", 2.0), ("23", 1.0), ("21", 1.0))
"""CLP08 for professional claims: office, outpatient hospital, emergency room, inpatient."""

LAST_NAMES = (
    "DOE", "ROE", "SAMPLE", "EXAMPLE", "TESTCASE", "PLACEHOLDER", "DUMMY", "MOCKSON",
    "FAKENBERG", "SYNTHWELL", "NOBODY", "PRETEND", "IMAGINARY", "FICTION", "MADEUP",
    "NOTREAL", "DEMOLA", "SIMULATO", "ZZTEST", "TESTWOOD",
)  # fmt: skip
FIRST_NAMES = (
    "JANE", "JOHN", "ALEX", "SAM", "PAT", "CHRIS", "JORDAN", "TAYLOR", "MORGAN", "CASEY",
    "RILEY", "JAMIE", "DREW", "ROBIN", "TERRY", "LEE", "KIM", "AVERY", "QUINN", "SKYLER",
)  # fmt: skip
CLINICIAN_LAST_NAMES = (
    "SYNTHDOC", "TESTPHYS", "DEMOMD", "FAUXCLIN", "MOCKDOC", "SAMPLEMD", "PROXYDOC", "NOMED",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Payee:
    """The provider organisation receiving the remittance."""

    name: str
    npi: str
    tin: str
    kinds: frozenset[ClaimKind]
    address: tuple[str, str, str, str]


PAYEES: tuple[Payee, ...] = (
    Payee(
        "SYNTHETIC COMMUNITY HOSPITAL",
        "1000000004",
        "990000001",
        INSTITUTIONAL,
        ("100 DEMO HOSPITAL DR", "ANYTOWN", "PA", "171010000"),
    ),
    Payee(
        "SYNTHETIC PHYSICIAN GROUP",
        "1000000012",
        "990000002",
        PROFESSIONAL,
        ("200 SAMPLE MEDICAL PKWY", "ANYTOWN", "PA", "171020000"),
    ),
)
