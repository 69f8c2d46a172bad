"""Synthetic 835 remittances: plausible, exactly balanced, reproducible, any volume.

Everything is drawn from one ``random.Random(seed)``, in a fixed order, so the same
configuration always yields the same records (and, through the writer, the same bytes).
Amounts are computed in integer cents and only turned into Decimal when a record is
built, so every line, claim and payment balances to the cent by construction; the only
exception is ``SynthConfig.unbalanced_rate``, which breaks chosen claims on purpose.

Generation streams: one remittance is built, yielded and forgotten. The only state kept
across remittances is bounded: a few hundred recent patients and paid/denied claims per
payer, used to produce reversals, replacements and follow-ups that refer to earlier
claims the way real payers do.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Generic, TypeVar

from denialops.money import x12_amount
from denialops.synth.catalog import (
    BASE_RATE_CENTS,
    CLINICIAN_LAST_NAMES,
    DRGS,
    FIRST_NAMES,
    LAST_NAMES,
    OUTPATIENT_PROCEDURES,
    PAYEES,
    PAYERS,
    PLACES_OF_SERVICE,
    PROFESSIONAL_PROCEDURES,
    REVENUE_ONLY,
    SCENARIOS,
    ClaimKind,
    DenialScenario,
    Drg,
    Payee,
    Payer,
    Procedure,
)
from denialops.vocabulary import REVERSAL_STATUS
from denialops.x12.remittance import (
    Adjustment,
    AdjustmentLevel,
    Claim,
    Envelope,
    Party,
    Payment,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
)
from denialops.x12.write835 import write_835

T = TypeVar("T")
_HUNDRED = Decimal(100)


def _dec(cents: int) -> Decimal:
    return Decimal(cents) / _HUNDRED


def _text(cents: int) -> str:
    """Cents as an X12 amount string (for MIA/MOA/TS3 elements kept verbatim)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


@dataclass(slots=True)
class SynthConfig:
    """What to generate. Rates are per claim unless said otherwise."""

    seed: int = 7
    claims: int = 2000
    start: date = date(2025, 1, 1)
    end: date = date(2025, 12, 31)
    claims_per_payment: tuple[int, int] = (3, 40)
    payers: tuple[Payer, ...] = PAYERS
    reversal_rate: float = 0.012
    """Chance a claim slot reverses an earlier paid claim (CLP02 22) and re-pays it."""
    replacement_rate: float = 0.01
    """Chance a claim slot is a provider's replacement (CLP09 7) of an earlier denial."""
    secondary_rate_scale: float = 1.0
    plb_rate: float = 0.2
    """Chance a remittance carries provider-level adjustments (interest, recoupments...)."""
    denial_scale: float = 1.0
    """Multiplies every payer's denial rate (1.0 = the catalogue's rates)."""
    unbalanced_rate: float = 0.0
    """Chance a claim is deliberately put out of balance (for tests of the checker)."""
    followup_rate: float = 0.6
    """Share of denied claims that get a later remittance (generate_followups)."""

    def __post_init__(self) -> None:
        if self.claims < 0:
            raise ValueError("claims must be >= 0")
        if self.end < self.start:
            raise ValueError("end date is before start date")
        low, high = self.claims_per_payment
        if not 1 <= low <= high:
            raise ValueError("claims_per_payment must be a range 1 <= low <= high")
        if not self.payers:
            raise ValueError("at least one payer is needed")


@dataclass(slots=True)
class LineSpec:
    """A billed service before adjudication (what the provider sent)."""

    qualifier: str
    code: str
    modifiers: list[str]
    units: int
    charge: int  # cents, whole line
    revenue_code: str = ""


@dataclass(slots=True)
class ClaimMeta:
    """What the generator knows about a claim beyond the 835 (for follow-ups and tests)."""

    kind: ClaimKind
    scenario: str  # denial scenario key, "" when paid normally
    family: str
    payer_key: str
    payee_index: int
    service_date: date
    payment_date: date
    specs: list[LineSpec]
    drg: Drg | None
    los: int
    patient: Party
    insured: Party | None
    rendering: Party | None = None
    stay_charge: int = 0  # inpatient claims: the billed charge in cents (no lines)


class _Picker(Generic[T]):
    """Weighted choice with precomputed cumulative weights (cheap in the hot loop)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items: list[T] = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


_VISIT_PREFIXES = ("992", "G0439")
_NOT_PROCEDURES = frozenset({"36415", "80053", "85025", "90471", "90686", "93000", "J1885"})
"""Lab draws, panels, vaccines and drugs: billed with a visit without needing modifier 25."""


def _procedures(catalogue: Sequence[Procedure], *, visits: bool) -> _Picker[Procedure]:
    chosen = [p for p in catalogue if p.code.startswith(_VISIT_PREFIXES) is visits]
    return _Picker(chosen, [p.weight for p in chosen])


def _between(rng: random.Random, low: int, high: int) -> int:
    """randint(low, high) from one random() call: several times faster, same spread."""
    return low + int(rng.random() * (high - low + 1))


def _npi(base9: str) -> str:
    """A syntactically valid NPI (Luhn check digit over the 80840 prefix)."""
    total = 0
    for i, char in enumerate(reversed("80840" + base9)):
        digit = int(char)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return base9 + str((10 - total % 10) % 10)


def _cas(triples: list[tuple[str, str, int]], level: AdjustmentLevel) -> list[Adjustment]:
    """Adjustments laid out as a parser would read them: one CAS per group, 6 a segment."""
    if len(triples) == 1:
        group, reason, cents = triples[0]
        return [Adjustment(group, reason, _dec(cents), None, level, 1, 1)]
    by_group: dict[str, list[tuple[str, int]]] = {}
    for group, reason, cents in triples:
        by_group.setdefault(group, []).append((reason, cents))
    found: list[Adjustment] = []
    order = 0
    for group, members in by_group.items():
        for index, (reason, cents) in enumerate(members):
            if index % 6 == 0:
                order += 1
            found.append(Adjustment(group, reason, _dec(cents), None, level, order, index % 6 + 1))
    return found


class _Generator:
    """Holds the random stream and the bounded memory of earlier claims."""

    def __init__(self, config: SynthConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.payer_picker = _Picker(config.payers, [p.weight for p in config.payers])
        self.mix = {
            p.key: _Picker(
                [SCENARIOS[k] for k in p.mix],
                list(p.mix.values()),
            )
            for p in config.payers
        }
        self.prof_visits = _procedures(PROFESSIONAL_PROCEDURES, visits=True)
        self.prof_procs = _procedures(PROFESSIONAL_PROCEDURES, visits=False)
        self.op_visits = _procedures(OUTPATIENT_PROCEDURES, visits=True)
        self.op_procs = _procedures(OUTPATIENT_PROCEDURES, visits=False)
        self.drgs = _Picker(DRGS, [d.weight_class for d in DRGS])
        self.pos = _Picker([p for p, _ in PLACES_OF_SERVICE], [w for _, w in PLACES_OF_SERVICE])
        self.line_counts = _Picker([1, 2, 3, 4, 5, 6], [35, 28, 18, 10, 5, 4])
        seeded = random.Random(f"clinicians-{config.seed}")
        self.clinicians = [
            Party(
                entity="82",
                entity_type="1",
                name=CLINICIAN_LAST_NAMES[i % len(CLINICIAN_LAST_NAMES)],
                first_name=FIRST_NAMES[seeded.randrange(len(FIRST_NAMES))],
                id_qualifier="XX",
                identifier=_npi(f"1{seeded.randrange(10**8):08d}"),
            )
            for i in range(12)
        ]
        self.patients: dict[str, list[tuple[Party, Party | None]]] = {}
        self.paid_pool: dict[tuple[str, int], deque[tuple[Claim, ClaimMeta]]] = {}
        self.denied_pool: dict[tuple[str, int], deque[tuple[Claim, ClaimMeta]]] = {}
        self.claim_counter = 0
        self.remit_counter = 0
        self.produced = 0

    # -- identities --------------------------------------------------------------------
    def next_pcn(self, kind: ClaimKind) -> str:
        self.claim_counter += 1
        prefix = "P" if kind == "professional" else "H"
        return f"{prefix}{self.config.seed % 10000:04d}{self.claim_counter:08d}"

    def icn(self) -> str:
        return str(10**13 + int(self.rng.random() * 9 * 10**13))

    def patient(self, payer: Payer) -> tuple[Party, Party | None]:
        rng = self.rng
        known = self.patients.setdefault(payer.key, [])
        if len(known) > 50 and rng.random() < 0.3:
            return known[int(rng.random() * len(known))]
        member = f"ZZ{int(rng.random() * 10**9):09d}"
        last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
        first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
        middle = "ABCDEFGHJKLMNPRSTW"[int(rng.random() * 18)] if rng.random() < 0.4 else ""
        insured: Party | None = None
        if payer.key in ("bcbs", "uhc", "aetna", "cigna") and rng.random() < 0.3:
            # A dependent: the subscriber carries the member id, the patient has none.
            sub_first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
            insured = Party("IL", last, sub_first, "", "", "1", "MI", member)
            patient = Party("QC", last, first, middle, "", "1")
        else:
            patient = Party("QC", last, first, middle, "", "1", "MI", member)
        entry = (patient, insured)
        if len(known) < 150:
            known.append(entry)
        else:
            known[int(rng.random() * len(known))] = entry
        return entry

    # -- claims ------------------------------------------------------------------------
    def plan_lines(self, kind: ClaimKind) -> list[LineSpec]:
        """The services on one claim: at most one visit (E/M) code, then procedures.

        A visit billed with a same-day procedure carries modifier 25 most of the time
        (the classic source of CO-4 and bundling denials when it does not).
        """
        rng = self.rng
        count = self.line_counts.pick(rng)
        specs: list[LineSpec] = []
        visits, others = (
            (self.prof_visits, self.prof_procs)
            if kind == "professional"
            else (self.op_visits, self.op_procs)
        )
        has_visit = rng.random() < (0.8 if kind == "professional" else 0.5)
        for index in range(count):
            if kind == "outpatient" and index and rng.random() < 0.15:
                revenue, (low, high) = REVENUE_ONLY[int(rng.random() * len(REVENUE_ONLY))]
                charge = _between(rng, low // 100, high // 100) * 100
                specs.append(LineSpec("NU", revenue, [], 1, charge))
                continue
            proc = (visits if index == 0 and has_visit else others).pick(rng)
            units = _between(rng, *proc.units)
            per_unit = _between(rng, proc.charge[0] // 100, proc.charge[1] // 100) * 100
            mods = list(proc.modifiers[int(rng.random() * len(proc.modifiers))])
            specs.append(
                LineSpec("HC", proc.code, mods, units, per_unit * units, proc.revenue_code)
            )
        if has_visit and len(specs) > 1 and kind == "professional":
            procedures = [s for s in specs[1:] if s.code not in _NOT_PROCEDURES]
            if procedures and "25" not in specs[0].modifiers and rng.random() < 0.85:
                specs[0].modifiers.append("25")
        return specs

    def adjudicate_line(
        self,
        spec: LineSpec,
        payer: Payer,
        ratio: float,
        state: dict[str, int],
        denial: DenialScenario | None,
        secondary: bool,
    ) -> tuple[list[tuple[str, str, int]], int, int | None, int]:
        """Return (CAS triples, paid, allowed or None, patient responsibility) in cents."""
        rng = self.rng
        charge = spec.charge
        allowed = min(charge, int(charge * (ratio + rng.uniform(-0.03, 0.03))))
        allowed = max(allowed, 0)
        triples: list[tuple[str, str, int]] = []
        if denial is not None and not denial.partial:
            return (
                [(denial.group, denial.carc, charge)],
                0,
                None,
                (charge if denial.group == "PR" else 0),
            )
        if charge > allowed:
            triples.append(("CO", payer.contractual_carc, charge - allowed))
        if denial is not None:  # partial: part of the allowed amount refused
            cut = max(1, int(allowed * rng.uniform(0.25, 0.7)))
            triples.append((denial.group, denial.carc, cut))
            allowed -= cut
        if secondary:
            # Secondary: the primary paid most of it; we cover what it left to the patient.
            prior = int(allowed * 0.8)
            triples.append(("OA", "23", prior))
            remaining = allowed - prior
            patient = 0
            if payer.copay and remaining > payer.copay and rng.random() < 0.3:
                patient = payer.copay
                triples.append(("PR", "3", patient))
            paid = remaining - patient
            return triples, paid, allowed, patient
        patient = 0
        remaining = allowed
        if state["deductible"] > 0 and remaining > 0:
            take = min(remaining, state["deductible"])
            state["deductible"] -= take
            triples.append(("PR", "1", take))
            patient += take
            remaining -= take
        if payer.copay and state["copay"] and spec.code.startswith("992") and remaining > 0:
            take = min(remaining, payer.copay)
            state["copay"] = 0
            triples.append(("PR", "3", take))
            patient += take
            remaining -= take
        if payer.coinsurance and remaining > 0:
            take = int(remaining * payer.coinsurance)
            if take:
                triples.append(("PR", "2", take))
                patient += take
                remaining -= take
        if payer.sequestration and remaining > 0:
            seq = (remaining * 2 + 50) // 100
            if seq:
                triples.append(("CO", "253", seq))
                remaining -= seq
        # The patient's share of a partial denial is part of "allowed" for AMT*B6.
        return triples, remaining, allowed, patient

    def build_claim(
        self,
        payer: Payer,
        payee_index: int,
        kind: ClaimKind,
        pay_date: date,
        *,
        denial: DenialScenario | None,
        pcn: str | None = None,
        icn: str | None = None,
        specs: list[LineSpec] | None = None,
        who: tuple[Party, Party | None] | None = None,
        service_date: date | None = None,
        drg: Drg | None = None,
        los: int = 0,
        ratio: float | None = None,
        secondary: bool = False,
        rendering: Party | None = None,
        stay_charge: int = 0,
    ) -> tuple[Claim, ClaimMeta]:
        rng = self.rng
        lag = _between(rng, 20, 45)
        if service_date is None:
            service_date = self.service_date(pay_date)
        else:
            lag = (pay_date - service_date).days
        patient, insured = who if who is not None else self.patient(payer)
        pcn = pcn or self.next_pcn(kind)
        icn = icn or self.icn()
        if ratio is None:
            ratio = rng.uniform(*payer.allowed_ratio)
        state = {"deductible": 0, "copay": 1}
        if payer.deductible and rng.random() < 0.12:
            state["deductible"] = _between(rng, payer.deductible // 10, payer.deductible)
        received = service_date + timedelta(days=rng.randint(2, max(2, min(12, lag - 5))))

        claim = Claim(
            patient_control_number=pcn,
            status="2" if secondary else "1",
            charge=Decimal(0),
            paid=Decimal(0),
            filing_indicator=payer.filing[kind],
            payer_claim_control_number=icn,
            frequency="1",
            patient=patient,
            insured=insured,
        )
        remarks: list[str] = []
        if denial is not None:
            remarks = list(denial.rarcs[int(rng.random() * len(denial.rarcs))])
        meta = ClaimMeta(
            kind=kind,
            scenario=denial.key if denial else "",
            family=denial.family if denial else "",
            payer_key=payer.key,
            payee_index=payee_index,
            service_date=service_date,
            payment_date=pay_date,
            specs=[],
            drg=None,
            los=0,
            patient=patient,
            insured=insured,
        )
        if kind == "inpatient":
            self._inpatient(
                claim, meta, payer, denial, remarks, service_date, drg, los, ratio, stay_charge
            )
        else:
            self._with_lines(
                claim, meta, payer, kind, denial, remarks, service_date, specs, ratio, state,
                secondary,
            )  # fmt: skip
        if rendering is not None and claim.rendering is not None:
            claim.rendering = rendering  # a re-adjudication keeps the original clinician
        meta.rendering = claim.rendering
        claim.dates.append(("050", received))
        if denial is not None and denial.coverage_ended:
            claim.dates.append(("036", service_date - timedelta(days=_between(rng, 1, 90))))
        if payer.key in ("bcbs", "uhc", "aetna", "cigna"):
            claim.refs.append(("1L", f"GRP{int(rng.random() * 10**6):06d}"))
        if denial is None and kind != "professional" and rng.random() < 0.3:
            claim.refs.append(("G1", f"AUTH{int(rng.random() * 10**7):07d}"))
        if (
            not secondary
            and payer.crossover_rate
            and claim.paid > 0
            and rng.random() < payer.crossover_rate
        ):
            claim.status = "19"
            claim.crossover = Party(
                "TT", payer.crossover_to, entity_type="2", id_qualifier="PI", identifier="99999"
            )
            self._add_remarks(claim, kind, ["MA18"])
        if denial is not None and claim.paid == 0 and not claim.patient_responsibility:
            claim.status = "4"
        return claim, meta

    def readjudicate(
        self,
        original: Claim,
        meta: ClaimMeta,
        payer: Payer,
        pay_date: date,
        *,
        keep_icn: bool,
        denial: DenialScenario | None = None,
    ) -> tuple[Claim, ClaimMeta]:
        """The same services for the same patient, processed again on ``pay_date``.

        A payer's own correction or appeal decision keeps its claim control number
        (``keep_icn``); a provider's replacement claim gets a new one.
        """
        return self.build_claim(
            payer,
            meta.payee_index,
            meta.kind,
            pay_date,
            denial=denial,
            pcn=original.patient_control_number,
            icn=original.payer_claim_control_number if keep_icn else None,
            specs=meta.specs,
            who=(meta.patient, meta.insured),
            service_date=meta.service_date,
            drg=meta.drg,
            los=meta.los,
            rendering=meta.rendering,
            stay_charge=meta.stay_charge,
        )

    def service_date(self, pay_date: date) -> date:
        config = self.config
        low = max(20, (pay_date - config.end).days)
        high = min(45, (pay_date - config.start).days)
        if high < low:
            return min(max(pay_date - timedelta(days=20), config.start), config.end)
        return pay_date - timedelta(days=_between(self.rng, low, high))

    def _add_remarks(self, claim: Claim, kind: ClaimKind, codes: list[str]) -> None:
        """Claim-level remark codes go to MIA05/MIA20.. (inpatient) or MOA03..07."""
        codes = [c for c in codes if c not in claim.remark_codes]
        if not codes:
            return
        claim.remark_codes.extend(codes)
        if kind == "inpatient":
            mia = claim.inpatient
            if len(mia) < 5 or not mia[4]:
                mia.extend([""] * (5 - len(mia)))
                mia[4] = codes.pop(0)
            if codes:
                mia.extend([""] * (19 - len(mia)))
                mia.extend(codes)
            # MIA holds at most MIA20..24 after MIA05; remark_codes mirrors what is there
            del mia[24:]
            kept = [mia[4]] + [c for c in mia[19:24] if c]
            claim.remark_codes = [c for c in kept if c]
        else:
            moa = claim.outpatient or ["", ""]
            present = [c for c in moa[2:7] if c]
            present.extend(codes)
            claim.outpatient = moa[:2] + present[:5]
            claim.remark_codes = present[:5]

    def _inpatient(
        self,
        claim: Claim,
        meta: ClaimMeta,
        payer: Payer,
        denial: DenialScenario | None,
        remarks: list[str],
        discharge: date,
        drg: Drg | None,
        los: int,
        ratio: float,
        stay_charge: int,
    ) -> None:
        rng = self.rng
        drg = drg or self.drgs.pick(rng)
        assert drg is not None
        los = los or _between(rng, *drg.los)
        weight = Decimal(drg.weight)
        charge = stay_charge or int(float(weight) * rng.uniform(18_000, 42_000)) * 100
        meta.stay_charge = charge
        if payer.key.startswith("medicare") or payer.key == "medicaid":
            allowed = int(BASE_RATE_CENTS * weight * Decimal(str(round(ratio / 0.3, 3))))
        else:
            allowed = int(charge * ratio * 1.4)
        allowed = min(allowed, charge)
        triples: list[tuple[str, str, int]] = []
        patient = 0
        paid = 0
        if denial is not None and not denial.partial:
            triples.append((denial.group, denial.carc, charge))
        else:
            triples.append(("CO", payer.contractual_carc, charge - allowed))
            if denial is not None:  # e.g. days beyond what the payer deems necessary
                cut = int(allowed * rng.uniform(0.15, 0.4))
                triples.append((denial.group, denial.carc, cut))
                allowed -= cut
            remaining = allowed
            if payer.deductible and rng.random() < 0.3:
                take = min(remaining, payer.deductible)
                triples.append(("PR", "1", take))
                patient += take
                remaining -= take
            if payer.copay:
                take = min(remaining, payer.copay * 10)
                triples.append(("PR", "3", take))
                patient += take
                remaining -= take
            if payer.sequestration and remaining > 0:
                seq = (remaining * 2 + 50) // 100
                triples.append(("CO", "253", seq))
                remaining -= seq
            paid = remaining
        admit = discharge - timedelta(days=los)
        if admit < self.config.start:  # stays begin inside the configured range
            admit = self.config.start
            discharge = admit + timedelta(days=los)
        claim.facility_type = "11"
        claim.drg = drg.code
        claim.drg_weight = weight
        claim.charge = _dec(charge)
        claim.paid = _dec(paid)
        claim.patient_responsibility = _dec(patient)
        claim.adjustments = _cas(triples, "claim")
        drg_amount = allowed if (denial is None or denial.partial) else 0
        claim.inpatient = [str(los), "", "", _text(drg_amount)]
        self._add_remarks(claim, "inpatient", remarks)
        claim.refs.append(("EA", f"MR{int(rng.random() * 10**7):07d}"))
        claim.dates.extend([("232", admit), ("233", discharge)])
        if drg_amount:
            claim.amounts.append(("AU", _dec(drg_amount)))
        meta.drg = drg
        meta.los = los

    def _with_lines(
        self,
        claim: Claim,
        meta: ClaimMeta,
        payer: Payer,
        kind: ClaimKind,
        denial: DenialScenario | None,
        remarks: list[str],
        service_date: date,
        specs: list[LineSpec] | None,
        ratio: float,
        state: dict[str, int],
        secondary: bool,
    ) -> None:
        rng = self.rng
        specs = specs or self.plan_lines(kind)
        meta.specs = specs
        charge_total = sum(s.charge for s in specs)
        claim.charge = _dec(charge_total)
        if kind == "professional":
            claim.facility_type = str(self.pos.pick(rng))
            claim.rendering = self.clinicians[int(rng.random() * len(self.clinicians))]
        else:
            claim.facility_type = "13"
            claim.refs.append(("EA", f"MR{int(rng.random() * 10**7):07d}"))
            claim.dates.extend([("232", service_date), ("233", service_date)])
        if denial is not None and denial.level == "claim":
            # Whole claim refused at claim level: no lines, one CAS for the full charge.
            claim.adjustments = _cas([(denial.group, denial.carc, charge_total)], "claim")
            claim.paid = Decimal(0)
            claim.patient_responsibility = _dec(charge_total if denial.group == "PR" else 0)
            claim.status = "4"
            if kind == "professional":
                claim.dates.extend([("232", service_date), ("233", service_date)])
            self._add_remarks(claim, kind, remarks)
            return
        hit: set[int] = set()
        if denial is not None:
            if denial.all_lines:
                hit = set(range(len(specs)))
            else:
                hit = {int(rng.random() * len(specs))}
                if len(specs) > 2 and rng.random() < 0.2:
                    hit.add(int(rng.random() * len(specs)))
        paid_total = 0
        patient_total = 0
        allowed_total = 0
        pcn = claim.patient_control_number
        for index, spec in enumerate(specs):
            line_denial = denial if index in hit else None
            triples, paid, allowed, patient = self.adjudicate_line(
                spec, payer, ratio, state, line_denial, secondary
            )
            line = ServiceLine(
                qualifier=spec.qualifier,
                code=spec.code,
                modifiers=list(spec.modifiers),
                charge=_dec(spec.charge),
                paid=_dec(paid),
                revenue_code=spec.revenue_code,
                units=Decimal(spec.units),
                service_date=service_date,
                control_number=f"{pcn}-{index + 1}",
                allowed=_dec(allowed) if allowed is not None else None,
                adjustments=_cas(triples, "line"),
                dates=[("472", service_date)],
            )
            if line_denial is not None and remarks:
                line.remark_codes = list(remarks)
            claim.lines.append(line)
            paid_total += paid
            patient_total += patient
            allowed_total += allowed or 0
        claim.paid = _dec(paid_total)
        claim.patient_responsibility = _dec(patient_total)
        if allowed_total:
            claim.amounts.append(("AU", _dec(allowed_total)))
        if payer.key.startswith("medicare") and kind == "outpatient" and rng.random() < 0.5:
            self._add_remarks(claim, kind, ["MA01"])
        if paid_total == 0 and patient_total == 0:
            claim.status = "4"

    # -- reversals, replacements ---------------------------------------------------------
    def reverse(self, original: Claim) -> Claim:
        """CLP02 22: the payer takes back an earlier payment, every amount negated."""

        def neg(adjs: list[Adjustment]) -> list[Adjustment]:
            return [
                Adjustment(a.group, a.reason, -a.amount, a.quantity, a.level, a.segment_order,
                           a.position)
                for a in adjs
            ]  # fmt: skip

        lines = [
            ServiceLine(
                qualifier=ln.qualifier,
                code=ln.code,
                modifiers=list(ln.modifiers),
                charge=-ln.charge,
                paid=-ln.paid,
                revenue_code=ln.revenue_code,
                units=ln.units,
                service_date=ln.service_date,
                control_number=ln.control_number,
                adjustments=neg(ln.adjustments),
                dates=list(ln.dates),
            )
            for ln in original.lines
        ]
        pr = original.patient_responsibility
        return Claim(
            patient_control_number=original.patient_control_number,
            status=REVERSAL_STATUS,
            charge=-original.charge,
            paid=-original.paid,
            patient_responsibility=-pr if pr is not None else None,
            filing_indicator=original.filing_indicator,
            payer_claim_control_number=original.payer_claim_control_number,
            facility_type=original.facility_type,
            frequency=original.frequency,
            drg=original.drg,
            drg_weight=original.drg_weight,
            patient=original.patient,
            insured=original.insured,
            rendering=original.rendering,
            adjustments=neg(original.adjustments),
            dates=[(q, d) for q, d in original.dates if q in ("232", "233")],
            lines=lines,
        )

    # -- remittances ---------------------------------------------------------------------
    def pay_date(self) -> date:
        config = self.config
        first = config.start + timedelta(days=20)
        span = (config.end - config.start).days + 25
        progress = self.produced / max(config.claims, 1)
        offset = int(progress * span) + _between(self.rng, -3, 3)
        return first + timedelta(days=min(max(offset, 0), span))

    def remittances(self) -> Iterator[tuple[Remittance, list[tuple[Claim, ClaimMeta]]]]:
        config = self.config
        rng = self.rng
        while self.produced < config.claims:
            payer: Payer = self.payer_picker.pick(rng)
            choices = [i for i, p in enumerate(PAYEES) if p.kinds & payer.kinds]
            payee_index = choices[int(rng.random() * len(choices))]
            payee = PAYEES[payee_index]
            kinds = sorted(payer.kinds & payee.kinds)
            wanted = min(_between(rng, *config.claims_per_payment), config.claims - self.produced)
            pay_date = self.pay_date()
            claims: list[Claim] = []
            metas: list[ClaimMeta] = []
            key = (payer.key, payee_index)
            paid_pool = self.paid_pool.setdefault(key, deque(maxlen=60))
            denied_pool = self.denied_pool.setdefault(key, deque(maxlen=60))
            # Claims paid or denied now become reversible/replaceable from the next
            # remittance on, never within the one that reported them.
            newly_paid: list[tuple[Claim, ClaimMeta]] = []
            newly_denied: list[tuple[Claim, ClaimMeta]] = []
            while len(claims) < wanted:
                roll = rng.random()
                if roll < config.reversal_rate and paid_pool and wanted - len(claims) >= 2:
                    original, meta = paid_pool.popleft()
                    claims.append(self.reverse(original))
                    metas.append(meta)
                    fixed, fixed_meta = self.readjudicate(
                        original, meta, payer, pay_date, keep_icn=True
                    )
                    claims.append(fixed)
                    metas.append(fixed_meta)
                    continue
                if roll < config.reversal_rate + config.replacement_rate and denied_pool:
                    original, meta = denied_pool.popleft()
                    fixed, fixed_meta = self.readjudicate(
                        original, meta, payer, pay_date, keep_icn=False
                    )
                    fixed.frequency = "7"
                    fixed.refs.append(("F8", original.payer_claim_control_number))
                    claims.append(fixed)
                    metas.append(fixed_meta)
                    continue
                if len(kinds) == 1:
                    kind = kinds[0]
                else:  # a hospital: about one claim in four is an inpatient stay
                    kind = "inpatient" if rng.random() < 0.25 else "outpatient"
                denial = None
                if rng.random() < payer.denial_rate * config.denial_scale:
                    for _ in range(6):
                        candidate: DenialScenario = self.mix[payer.key].pick(rng)
                        if kind in candidate.kinds:
                            denial = candidate
                            break
                secondary = (
                    denial is None
                    and payer.secondary_rate > 0
                    and rng.random() < payer.secondary_rate * config.secondary_rate_scale
                )
                claim, meta = self.build_claim(
                    payer, payee_index, kind, pay_date, denial=denial, secondary=secondary
                )
                if config.unbalanced_rate and rng.random() < config.unbalanced_rate:
                    self.unbalance(claim)
                claims.append(claim)
                metas.append(meta)
                if denial is not None:
                    newly_denied.append((claim, meta))
                elif claim.paid > 0 and claim.status in ("1", "19"):
                    newly_paid.append((claim, meta))
            paid_pool.extend(newly_paid)
            denied_pool.extend(newly_denied)
            self.produced += len(claims)
            pairs = list(zip(claims, metas, strict=True))
            yield self.remittance(payer, payee, pay_date, claims), pairs

    def unbalance(self, claim: Claim) -> None:
        """Break one balancing rule on purpose: a line's SVC03 or the claim's CLP04."""
        off = _dec(_between(self.rng, 1, 999))
        if claim.lines and self.rng.random() < 0.5:
            claim.lines[0].paid += off
        else:
            claim.paid += off

    def remittance(
        self, payer: Payer, payee: Payee, pay_date: date, claims: list[Claim]
    ) -> Remittance:
        rng = self.rng
        self.remit_counter += 1
        produced = pay_date - timedelta(days=_between(rng, 1, 3))
        # Institutional claims are grouped by facility type under LX with a TS3 summary.
        header_summaries: list[tuple[str, list[list[str]]]] = []
        if payee.kinds & {"inpatient", "outpatient"}:
            by_type: dict[str, list[Claim]] = {}
            for claim in claims:
                by_type.setdefault(claim.facility_type, []).append(claim)
            claims = []
            for number, (facility, members) in enumerate(sorted(by_type.items()), start=1):
                header = str(number)
                charge = sum((c.charge for c in members), Decimal(0))
                ts3 = ["TS3", payee.npi, facility, f"{pay_date.year}1231", str(len(members)),
                       x12_amount(charge)]  # fmt: skip
                segments = [ts3]
                if facility == "11":
                    drg_total = sum(
                        (Decimal(c.inpatient[3] or "0") for c in members if c.inpatient),
                        Decimal(0),
                    )
                    segments.append(["TS2", x12_amount(drg_total)])
                header_summaries.append((header, segments))
                for claim in members:
                    claim.header_number = header
                claims.extend(members)
        else:
            header_summaries.append(("1", []))
            for claim in claims:
                claim.header_number = "1"
        provider_adjustments = self.provider_adjustments(payer, payee, pay_date, claims)
        claim_total = sum((c.paid for c in claims), Decimal(0))
        plb_total = sum((p.amount for p in provider_adjustments), Decimal(0))
        if claim_total - plb_total < 0:
            # Payers never send a negative payment: the debt is carried forward (FB).
            provider_adjustments.append(
                ProviderAdjustment(
                    payee.npi, date(pay_date.year, 12, 31), "FB", f"FB{self.remit_counter:06d}",
                    claim_total - plb_total, 1, len(provider_adjustments) + 1,
                )
            )  # fmt: skip
            plb_total = claim_total
        _layout_plb(provider_adjustments)
        amount = claim_total - plb_total
        trace = f"{payer.payer_id[:3]}{pay_date:%y%m%d}{self.remit_counter:07d}"
        if amount == 0:
            payment = Payment("H", amount, "C", "NON", payment_date=pay_date)
        elif rng.random() < 0.85:
            account = f"{int(rng.random() * 10**9):09d}"
            bank = ["01", "011000015", "DA", account, "1" + payer.tin, "",
                    "01", "031000053", "DA", "9876543210"]  # fmt: skip
            payment = Payment("I", amount, "C", "ACH", "CCP", bank, pay_date)
        else:
            payment = Payment("I", amount, "C", "CHK", payment_date=pay_date)
        street, city, state, postal = payer.address
        payer_party = Party(
            "PR",
            payer.name,
            address_lines=[street],
            city=city,
            state=state,
            postal_code=postal,
            refs=[("2U", payer.payer_id)],
            contacts=[
                ["CX", "PROVIDER SERVICES", "TE", "8005550100"],
                ["BL", "EDI SUPPORT", "TE", "8005550199", "EM", "EDI@PAYER.EXAMPLE"],
                ["IC", "", "UR", "WWW.PAYER.EXAMPLE/PROVIDERS"],
            ],
        )
        p_street, p_city, p_state, p_postal = payee.address
        payee_party = Party(
            "PE",
            payee.name,
            id_qualifier="XX",
            identifier=payee.npi,
            address_lines=[p_street],
            city=p_city,
            state=p_state,
            postal_code=p_postal,
            refs=[("TJ", payee.tin)],
        )
        envelope = Envelope(
            interchange_date=f"{produced:%y%m%d}",
            interchange_time="0800",
            functional_id="HP",
            gs_sender=payer.payer_id,
            gs_receiver=payee.tin,
            gs_date=_d8(produced),
            gs_time="0800",
            version="005010X221A1",
            implementation="005010X221A1",
        )
        return Remittance(
            envelope=envelope,
            payment=payment,
            trace_type="1",
            trace_number=trace,
            trace_originator="1" + payer.tin,
            production_date=produced,
            payer=payer_party,
            payee=payee_party,
            claims=claims,
            provider_adjustments=provider_adjustments,
            header_summaries=header_summaries,
        )

    def provider_adjustments(
        self, payer: Payer, payee: Payee, pay_date: date, claims: list[Claim]
    ) -> list[ProviderAdjustment]:
        rng = self.rng
        if rng.random() >= self.config.plb_rate:
            return []
        fiscal = date(pay_date.year, 12, 31)
        found: list[ProviderAdjustment] = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            reason = rng.choices(("L6", "WO", "72", "CS", "FB"), (40, 25, 10, 15, 10))[0]
            some = claims[int(rng.random() * len(claims))]
            icn = some.payer_claim_control_number
            if reason == "L6":  # prompt-pay interest: increases the payment
                cents = -_between(rng, 25, 4_000)
                reference = icn
            elif reason == "WO":  # recoupment of an earlier overpayment
                cents = _between(rng, 1_500, 60_000)
                reference = self.icn()
            elif reason == "72":  # authorized return of funds the provider sent back
                cents = _between(rng, 1_000, 20_000)
                reference = f"REF{int(rng.random() * 10**6):06d}"
            elif reason == "CS":
                cents = rng.choice((-1, 1)) * _between(rng, 500, 15_000)
                reference = f"ADJ{int(rng.random() * 10**6):06d}"
            else:  # balance forwarded from an earlier remittance, recovered now
                cents = _between(rng, 1_000, 30_000)
                reference = f"FB{int(rng.random() * 10**6):06d}"
            found.append(ProviderAdjustment(payee.npi, fiscal, reason, reference, _dec(cents)))
        return found


def _layout_plb(adjustments: list[ProviderAdjustment]) -> None:
    """Number PLB pairs as a parser reads them: six pairs to a segment."""
    for index, adj in enumerate(adjustments):
        adj.segment_order = index // 6 + 1
        adj.position = index % 6 + 1


def generate_with_meta(
    config: SynthConfig,
) -> Iterator[tuple[Remittance, list[tuple[Claim, ClaimMeta]]]]:
    """Like :func:`generate`, with what the generator knows about each claim."""
    return _Generator(config).remittances()


def generate(config: SynthConfig) -> Iterator[Remittance]:
    """Remittances for ``config.claims`` claims, lazily; same config, same records."""
    for remittance, _ in _Generator(config).remittances():
        yield remittance


def generate_followups(
    config: SynthConfig, *, lag_days: tuple[int, int] = (30, 120)
) -> Iterator[Remittance]:
    """Later remittances for earlier denials: corrected claims paid, appeals won or upheld.

    Replays :func:`generate` with the same seed (so the denials it answers are exactly
    those of the base data set) and, for ``config.followup_rate`` of the denied claims,
    issues one of: a provider replacement (CLP09 7, REF*F8 = the denied claim's CLP07)
    that is paid, for correctable technical and coding denials; otherwise the payer's
    appeal decision on the same CLP01/CLP07 with remark MA91, paid (overturned) or
    denied again (upheld). Claims are grouped per payer and payee into remittances.
    """
    base = _Generator(config)
    follow = _Generator(config)
    follow.rng = random.Random(f"followups-{config.seed}")
    follow.claim_counter = 10**7  # distinct PCNs for anything newly numbered
    rng = follow.rng
    pending: dict[tuple[str, int], list[tuple[Claim, date]]] = {}
    payers = {p.key: p for p in config.payers}

    def flush(key: tuple[str, int]) -> Remittance:
        items = pending.pop(key)
        pay_date = max(d for _, d in items)
        return follow.remittance(payers[key[0]], PAYEES[key[1]], pay_date, [c for c, _ in items])

    for _, pairs in base.remittances():
        for claim, meta in pairs:
            if not meta.scenario or rng.random() >= config.followup_rate:
                continue
            payer = payers[meta.payer_key]
            pay_date = meta.payment_date + timedelta(days=_between(rng, *lag_days))
            correctable = meta.family in ("technical", "coding")
            if correctable:
                fixed, _meta = follow.readjudicate(claim, meta, payer, pay_date, keep_icn=False)
                fixed.frequency = "7"
                fixed.refs.append(("F8", claim.payer_claim_control_number))
            else:
                upheld = rng.random() < 0.45
                scenario = SCENARIOS[meta.scenario] if upheld else None
                fixed, _meta = follow.readjudicate(
                    claim, meta, payer, pay_date, keep_icn=True, denial=scenario
                )
                follow._add_remarks(fixed, meta.kind, ["MA91"])
            key = (meta.payer_key, meta.payee_index)
            bucket = pending.setdefault(key, [])
            bucket.append((fixed, pay_date))
            if len(bucket) >= config.claims_per_payment[1]:
                yield flush(key)
    for key in sorted(pending):
        yield flush(key)


def write_files(
    out_dir: Path,
    config: SynthConfig,
    *,
    claims_per_file: int = 5000,
    followups: bool = False,
    on_claims: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write the generated remittances as .835 files of about ``claims_per_file`` claims.

    Each file is one interchange; files are cut at remittance boundaries. Names carry the
    seed and a sequence number (``synth-s7-0001.835``); follow-ups, when asked for, go
    to ``synth-s7-followups-0001.835``. ``on_claims`` is told how many claims each
    remittance held as it is written (for a progress bar). Returns the paths, in order.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"synth-s{config.seed}"
    with _fewer_gc_passes():
        paths = _write_stream(out_dir, prefix, generate(config), claims_per_file, on_claims)
        if followups:
            paths += _write_stream(
                out_dir, f"{prefix}-followups", generate_followups(config), claims_per_file,
                on_claims,
            )  # fmt: skip
    return paths


def write_one_set(folder: Path, claims: int, *, seed: int = 5) -> Path:
    """A file holding a single transaction set (one payment) of ``claims`` claims, dated
    in the first quarter of 2026: what the streamed-ingest tests and the memory benchmark
    read. Cached: when ``folder`` already holds an .835 file, that file is returned."""
    found = sorted(folder.glob("*.835"))
    if found:
        return found[0]
    config = SynthConfig(
        seed=seed,
        claims=claims,
        claims_per_payment=(claims, claims),
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
    )
    (path,) = write_files(folder, config, claims_per_file=2 * claims)
    return path


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Collect young objects less often while writing: generation allocates millions of
    short-lived, acyclic records, and the default thresholds spend ~40% of the time
    scanning them. Nothing cyclic is created, so memory stays flat."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _write_stream(
    out_dir: Path,
    prefix: str,
    remittances: Iterator[Remittance],
    claims_per_file: int,
    on_claims: Callable[[int], None] | None,
) -> list[Path]:
    """Stream remittances into files, cutting after ``claims_per_file`` claims."""
    paths: list[Path] = []
    pending = next(remittances, None)

    def chunk() -> Iterator[Remittance]:
        nonlocal pending
        count = 0
        while pending is not None and count < claims_per_file:
            remittance = pending
            yield remittance
            count += len(remittance.claims)
            if on_claims is not None:
                on_claims(len(remittance.claims))
            pending = next(remittances, None)

    while pending is not None:
        path = out_dir / f"{prefix}-{len(paths) + 1:04d}.835"
        with path.open("w", encoding="latin-1", newline="") as handle:
            write_835(chunk(), handle, interchange_control=len(paths) + 1)
        paths.append(path)
    return paths
