"""Synthetic 837 claims with planted defects, and the 835s a payer would answer them with.

Prevention is measured against outcomes: each generated claim is either clean or
carries one planted defect of a kind pre-submission edits exist for (an unbundled NCCI
pair, a missing modifier 25, units over the MUE, an invalid or non-billable ICD-10
code, a missing authorization, a duplicate, a late submission). The matching 835 pays
clean claims and denies defective ones with the CARC a payer would use, and also
denies some clean claims for reasons no edit can see (medical necessity on review,
eligibility), so a prevention report has a share of denials "no edit catches".

Reproducible from the seed, like :mod:`denialops.synth.generate`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from denialops.synth.catalog import FIRST_NAMES, LAST_NAMES, PAYERS, Payer
from denialops.x12.claim837 import (
    PROFESSIONAL_VERSION,
    ClaimBatch,
    ClaimLine,
    Diagnosis,
    Person,
    Provider,
    SubmittedClaim,
)
from denialops.x12.claim837 import Payer as ClaimPayer
from denialops.x12.remittance import (
    Adjustment,
    Claim,
    Envelope,
    Party,
    Payment,
    Remittance,
    ServiceLine,
)
from denialops.x12.write835 import write_835
from denialops.x12.write837 import write_837

PLANTED_PTP: tuple[tuple[str, str, str], ...] = (
    ("20610", "11042", "1"),
    ("93000", "93005", "0"),
    ("29881", "29877", "1"),
    ("45378", "45380", "1"),
    ("20610", "99213", "1"),
    ("20610", "99214", "1"),
)
"""(column 1, column 2, modifier indicator) pairs the generator unbundles on purpose; the
tests and benchmark install them (with filler pairs) as an NCCI PTP table."""

DEFECTS: dict[str, tuple[str, str, str]] = {
    # defect -> (edit id that should catch it, group, CARC the payer returns)
    "unbundled": ("NCCI-PTP", "CO", "236"),
    "missing_modifier_25": ("NCCI-PTP", "CO", "236"),
    "units_over_mue": ("MUE", "CO", "151"),
    "invalid_icd10": ("ICD-VALID", "CO", "146"),
    "nonbillable_icd10": ("ICD-VALID", "CO", "146"),
    "missing_authorization": ("AUTH", "CO", "197"),
    "duplicate": ("DUPLICATE", "OA", "18"),
    "late_submission": ("TIMELY-FILING", "CO", "29"),
}
UNPREVENTABLE: tuple[tuple[str, str], ...] = (("CO", "50"), ("CO", "27"), ("CO", "96"))
"""Denials no pre-submission edit can foresee (clinical review, eligibility, coverage)."""

_VISITS = ("99213", "99214", "99203", "99204")
_CLEAN_EXTRAS = ("36415", "80053", "85025", "71046", "93000", "90686")
_DIAGNOSES = ("E119", "I10", "J0300", "M5416", "E782", "K219", "R079", "Z0000", "M25561")
_CHARGES = {
    "99213": 15_000, "99214": 22_000, "99203": 20_000, "99204": 30_000, "36415": 3_000,
    "80053": 8_000, "85025": 4_500, "71046": 12_000, "93000": 7_000, "93005": 4_000,
    "90686": 5_000, "20610": 27_000, "11042": 38_000, "29881": 550_000, "29877": 300_000,
    "45378": 240_000, "45380": 260_000, "J3420": 2_500, "70551": 180_000, "15822": 160_000,
}  # fmt: skip


@dataclass(slots=True)
class PlantedClaim:
    """A generated claim with what was planted in it and how the payer answered."""

    claim: SubmittedClaim
    defect: str  # "" for a clean claim
    denial: tuple[str, str] | None = None  # (group, CARC) the 835 carries, None when paid
    submitted: date = field(default_factory=date.today)


def _payers() -> list[Payer]:
    return [p for p in PAYERS if "professional" in p.kinds]


def _line(number: int, code: str, *mods: str, units: int = 1, on: date) -> ClaimLine:
    cents = _CHARGES.get(code, 10_000) * units
    return ClaimLine(
        number=number,
        procedure_qualifier="HC",
        procedure=code,
        modifiers=list(mods),
        charge=Decimal(cents) / 100,
        unit_basis="UN",
        units=Decimal(units),
        diagnosis_pointers=[1],
        service_date=on,
    )


def generate_claims(
    *,
    seed: int = 7,
    claims: int = 1000,
    start: date = date(2025, 1, 1),
    end: date = date(2025, 12, 31),
    defect_rate: float = 0.25,
    unpreventable_rate: float = 0.04,
) -> Iterator[PlantedClaim]:
    """Professional claims, some with one planted defect each, with the payer's answer."""
    rng = random.Random(seed)
    payers = _payers()
    span = (end - start).days
    defects = list(DEFECTS)
    previous: SubmittedClaim | None = None
    previous_submitted = start
    for index in range(claims):
        payer = rng.choice(payers)
        on = start + timedelta(days=rng.randint(0, max(span, 0)))
        submitted = on + timedelta(days=rng.randint(1, 20))
        member = f"M{seed:02d}{rng.randint(0, 10**8):08d}"
        person = Person(
            entity="IL",
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES),
            member_id=member,
            birth_date=date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice("FM"),
            relationship="18",
        )
        visit = rng.choice(_VISITS)
        lines = [_line(1, visit, on=on)]
        for extra in rng.sample(_CLEAN_EXTRAS, rng.randint(0, 2)):
            lines.append(_line(len(lines) + 1, extra, on=on))
        diagnoses = [rng.choice(_DIAGNOSES)]
        authorization = ""
        defect = rng.choice(defects) if rng.random() < defect_rate else ""
        if defect == "unbundled":
            pair = rng.choice([p for p in PLANTED_PTP if not p[1].startswith("992")])
            lines = [_line(1, pair[0], on=on), _line(2, pair[1], on=on)]
        elif defect == "missing_modifier_25":
            lines = [
                _line(1, "20610", "RT", on=on),
                _line(2, rng.choice(("99213", "99214")), on=on),
            ]
        elif defect == "units_over_mue":
            lines.append(_line(len(lines) + 1, "J3420", units=rng.randint(2, 4), on=on))
        elif defect == "invalid_icd10":
            diagnoses = ["E1199X"]
        elif defect == "nonbillable_icd10":
            diagnoses = [rng.choice(("E11", "I25", "M54"))]
        elif defect == "missing_authorization":
            # what each payer's rule set lists: Medicare's OPD list, else advanced imaging
            medicare = payer.filing.get("professional", "") in ("MA", "MB")
            lines.append(_line(len(lines) + 1, "15822" if medicare else "70551", on=on))
        elif defect == "late_submission":
            submitted = on + timedelta(days=rng.randint(400, 500))
        if defect != "missing_authorization" and any(ln.procedure == "70551" for ln in lines):
            authorization = f"AU{index:07d}"
        claim = SubmittedClaim(
            kind="professional",
            patient_control_number=f"S{seed}C{index:07d}",
            total_charge=sum((ln.charge for ln in lines), Decimal(0)),
            place_of_service="11",
            facility_qualifier="B",
            frequency="1",
            provider_signature="Y",
            assignment="A",
            benefits_assigned="Y",
            release_of_information="I",
            prior_authorization=authorization,
            diagnoses=[Diagnosis("ABK", diagnoses[0], "", 1, 1)],
            billing_provider=Provider(
                entity="85",
                entity_type="2",
                name="SYNTHETIC PHYSICIAN GROUP",
                id_qualifier="XX",
                npi="1000000012",
                tax_id="990000002",
            ),  # fmt: skip
            subscriber=person,
            payer=ClaimPayer(
                name=payer.name,
                payer_id=payer.payer_id,
                responsibility="P",
                filing_indicator=payer.filing.get("professional", "CI"),
            ),
            lines=lines,
        )
        if defect == "duplicate" and previous is not None:
            claim = replace(
                previous,
                patient_control_number=f"S{seed}C{index:07d}",
                lines=[replace(ln) for ln in previous.lines],
            )
            submitted = previous_submitted + timedelta(days=rng.randint(5, 30))
        denial: tuple[str, str] | None = None
        if defect:
            _edit, group, carc = DEFECTS[defect]
            denial = (group, carc)
        elif rng.random() < unpreventable_rate:
            denial = rng.choice(UNPREVENTABLE)
        previous, previous_submitted = claim, submitted
        claim.submitted = submitted
        yield PlantedClaim(claim, defect, denial, submitted)


def remittance_for(planted: list[PlantedClaim], *, number: int = 1) -> Remittance:
    """One payer's 835 answering the given claims: denied ones at zero, others at 60%."""
    first = planted[0].claim
    claims: list[Claim] = []
    paid_total = Decimal(0)
    for item in planted:
        claim = item.claim
        lines: list[ServiceLine] = []
        paid_claim = Decimal(0)
        for ln in claim.lines:
            if item.denial is not None:
                group, carc = item.denial
                adjustments = [Adjustment(group, carc, ln.charge, level="line")]
                paid = Decimal(0)
            else:
                paid = (ln.charge * Decimal("0.60")).quantize(Decimal("0.01"))
                adjustments = [Adjustment("CO", "45", ln.charge - paid, level="line")]
            paid_claim += paid
            lines.append(
                ServiceLine(
                    qualifier="HC",
                    code=ln.procedure,
                    modifiers=list(ln.modifiers),
                    charge=ln.charge,
                    paid=paid,
                    units=ln.units,
                    service_date=ln.service_date,
                    control_number=ln.control_number,
                    dates=[("472", ln.service_date)] if ln.service_date else [],
                    adjustments=adjustments,
                )
            )
        paid_total += paid_claim
        claims.append(
            Claim(
                patient_control_number=claim.patient_control_number,
                status="4" if item.denial is not None else "1",
                charge=claim.total_charge,
                paid=paid_claim,
                patient_responsibility=Decimal(0),
                filing_indicator=claim.payer.filing_indicator,
                payer_claim_control_number=f"PCC{claim.patient_control_number}",
                facility_type="11",
                frequency="1",
                patient=Party(
                    entity="QC",
                    entity_type="1",
                    name=claim.member.last_name,
                    first_name=claim.member.first_name,
                    id_qualifier="MI",
                    identifier=claim.member.member_id,
                ),
                lines=lines,
            )
        )
    paid_on = max(p.submitted for p in planted) + timedelta(days=21)
    return Remittance(
        envelope=Envelope(st_control=f"{number:04d}"),
        payment=Payment(
            handling_code="I",
            amount=paid_total,
            credit_debit="C",
            method="ACH",
            format_code="CCP",
            payment_date=paid_on,
        ),  # fmt: skip
        trace_type="1",
        trace_number=f"SYN837{number:08d}",
        trace_originator="1" + "900000000",
        production_date=paid_on,
        payer=Party(
            entity="PR", name=first.payer.name, id_qualifier="XV", identifier=first.payer.payer_id
        ),  # fmt: skip
        payee=Party(
            entity="PE",
            name=first.billing_provider.name,
            id_qualifier="XX",
            identifier=first.billing_provider.npi,
        ),  # fmt: skip
        claims=claims,
    )


def write_claim_files(
    out_dir: Path,
    planted: list[PlantedClaim],
    *,
    seed: int = 7,
    claims_per_batch: int = 500,
) -> tuple[list[Path], list[Path]]:
    """Write the claims as .837 files and the payers' answers as .835 files.

    Claims go out in submission order, one batch (ST..SE) per submission day, about
    ``claims_per_batch`` claims per file; each file's claims are answered by one .835
    file holding one remittance per payer.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(planted, key=lambda p: p.submitted)
    claim_paths: list[Path] = []
    remit_paths: list[Path] = []
    for start in range(0, len(ordered), claims_per_batch):
        chunk = ordered[start : start + claims_per_batch]
        number = start // claims_per_batch + 1
        days: dict[date, list[SubmittedClaim]] = {}
        for item in chunk:
            days.setdefault(item.submitted, []).append(item.claim)
        batches = [
            ClaimBatch(
                envelope=Envelope(version=PROFESSIONAL_VERSION), kind="professional",
                purpose="00", reference=f"B{number:04d}{day:%Y%m%d}", created=day,
                created_time="1200", transaction_type="CH",
                submitter=Provider(entity="41", entity_type="2",
                                   name="SYNTHETIC PHYSICIAN GROUP", id_qualifier="46",
                                   npi="SUBMIT01"),
                receiver=Provider(entity="40", entity_type="2", name="CLEARINGHOUSE",
                                  id_qualifier="46", npi="RECV01"),
                claims=claims,
            )
            for day, claims in days.items()
        ]  # fmt: skip
        path = out_dir / f"synth-s{seed}-claims-{number:04d}.837"
        with path.open("w", encoding="utf-8", newline="") as handle:
            write_837(batches, handle, interchange_control=number)
        claim_paths.append(path)
        by_payer: dict[str, list[PlantedClaim]] = {}
        for item in chunk:
            by_payer.setdefault(item.claim.payer.payer_id, []).append(item)
        remits = [
            remittance_for(items, number=number * 100 + i)
            for i, items in enumerate(by_payer.values(), start=1)
        ]
        remit_path = out_dir / f"synth-s{seed}-answers-{number:04d}.835"
        with remit_path.open("w", encoding="latin-1", newline="") as handle:
            write_835(remits, handle, interchange_control=number)
        remit_paths.append(remit_path)
    return claim_paths, remit_paths
