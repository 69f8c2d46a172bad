"""The claim edits: each a small function with a stable id, a severity and a likely CARC.

An edit takes one :class:`~denialops.x12.claim837.SubmittedClaim` and the
:class:`Context` of the run (reference tables, payer rules, authorizations, what was
seen before) and yields :class:`~denialops.scrub.findings.Finding` objects. Edits never
raise on odd data: what they cannot judge they skip. Ids are stable so users can turn
edits off or change their severity per payer (``scrub/rules.yaml``) and so the
prevention report can say which edit would have caught which denial.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from denialops.scrub import icd10
from denialops.scrub.findings import Finding, Severity
from denialops.scrub.tables import EditTables, MueKind, NcciKind, add_on_edits, hcpcs_level2
from denialops.scrub.tables import places_of_service as pos_table
from denialops.x12.claim837 import ClaimLine, SubmittedClaim

NCCI_MODIFIERS = frozenset(
    "59 XE XS XP XU 24 25 57 58 78 79 91 E1 E2 E3 E4 FA F1 F2 F3 F4 F5 F6 F7 F8 F9 "
    "TA T1 T2 T3 T4 T5 T6 T7 T8 T9 LT RT LC LD LM RC RI 27".split()
)
"""Modifiers that may bypass a PTP edit whose modifier indicator is 1 (NCCI policy manual,
chapter I: anatomic, global-surgery and distinct-service modifiers)."""

CONFLICTING_MODIFIERS: tuple[tuple[str, str, str], ...] = (
    ("LT", "RT", "use modifier 50 (bilateral) or report each side on its own line"),
    ("26", "TC", "bill the global service without either modifier"),
)

_CPT = re.compile(r"\d{4}[0-9FTU]")
_HCPCS2 = re.compile(r"[A-V]\d{4}")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_TYPE_OF_BILL = re.compile(r"[1-8][1-9][0-9A-Z]")


@dataclass(frozen=True, slots=True)
class Authorization:
    """One authorization on file: who, which services, when, how many, by whom."""

    number: str
    member_id: str
    codes: frozenset[str]
    start: date
    end: date
    units: Decimal | None = None
    provider_npi: str = ""


@dataclass(frozen=True, slots=True)
class AuthRequirement:
    """A payer's rule that a set of services needs prior authorization."""

    codes: frozenset[str]
    ranges: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def covers(self, code: str) -> bool:
        if code in self.codes:
            return True
        return any(low <= code <= high and len(code) == len(low) for low, high in self.ranges)


@dataclass(frozen=True, slots=True)
class CoveragePolicy:
    """An LCD/NCD-style article: the diagnoses (codes or prefixes) that support a procedure."""

    policy_id: str
    procedures: frozenset[str]
    covered_diagnoses: tuple[str, ...]  # code prefixes, no dots

    def supports(self, diagnosis: str) -> bool:
        code = icd10.normalise(diagnosis)
        return any(code.startswith(prefix) for prefix in self.covered_diagnoses)


@dataclass(frozen=True, slots=True)
class PatternStat:
    """Our own history for one (payer, procedure, modifier, diagnosis) combination."""

    claims: int
    denied: int
    carcs: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.denied / self.claims if self.claims else 0.0


PatternKey = tuple[str, str, str, str]  # payer id, procedure, first modifier, first diagnosis


@dataclass(slots=True)
class Context:
    """Everything the edits consult in one run."""

    tables: EditTables
    today: date
    auth_requirements: list[AuthRequirement] = field(default_factory=list)
    authorizations: dict[str, list[Authorization]] = field(default_factory=dict)  # by member id
    coverage: list[CoveragePolicy] = field(default_factory=list)
    timely_filing_due: Callable[[SubmittedClaim], date | None] | None = None
    seen: dict[tuple[object, ...], str] = field(default_factory=dict)  # line key -> PCN
    history: dict[PatternKey, PatternStat] = field(default_factory=dict)
    history_min_claims: int = 30
    history_min_rate: float = 0.30


@dataclass(frozen=True, slots=True)
class Edit:
    """An edit's stable identity and defaults."""

    edit_id: str
    title: str
    severity: Severity
    carc: str
    rarc: str
    check: Callable[[SubmittedClaim, Context, Edit], Iterator[Finding]]
    version: str = "1"

    def finding(
        self,
        message: str,
        fix: str,
        *,
        line: ClaimLine | None = None,
        carc: str | None = None,
        rarc: str | None = None,
        severity: Severity | None = None,
        **detail: str,
    ) -> Finding:
        return Finding(
            edit_id=self.edit_id,
            severity=severity or self.severity,
            message=message,
            fix=fix,
            carc=carc if carc is not None else self.carc,
            rarc=rarc if rarc is not None else self.rarc,
            line=line.number if line is not None else None,
            detail=detail,
            edit_version=self.version,
        )


# -- helpers -------------------------------------------------------------------------


def _service_date(claim: SubmittedClaim, line: ClaimLine | None = None) -> date | None:
    if line is not None and line.service_date is not None:
        return line.service_date
    return claim.first_service_date()


def _procedure_lines(claim: SubmittedClaim) -> list[ClaimLine]:
    return [ln for ln in claim.lines if ln.procedure and ln.procedure_qualifier in ("HC", "")]


def _ncci_kind(claim: SubmittedClaim) -> NcciKind:
    return "hospital" if claim.kind == "institutional" else "practitioner"


def _mue_kind(claim: SubmittedClaim) -> MueKind:
    return "outpatient_hospital" if claim.kind == "institutional" else "practitioner"


def _units(line: ClaimLine) -> Decimal:
    return line.units if line.units is not None else Decimal(1)


def _pointed_diagnoses(claim: SubmittedClaim, line: ClaimLine) -> list[str]:
    codes = claim.diagnosis_codes()
    if claim.kind == "institutional" or not line.diagnosis_pointers:
        return codes
    return [codes[p - 1] for p in line.diagnosis_pointers if 0 < p <= len(codes)]


# -- the edits -----------------------------------------------------------------------


def check_ncci_ptp(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    by_day: dict[date, list[ClaimLine]] = defaultdict(list)
    for line in _procedure_lines(claim):
        when = _service_date(claim, line)
        if when is not None:
            by_day[when].append(line)
    kind = _ncci_kind(claim)
    for when, lines in by_day.items():
        pairs = ctx.tables.ptp_pairs(kind, (ln.procedure for ln in lines), when)
        for pair in pairs:
            if pair.modifier_indicator == "9":
                continue
            firsts = [ln for ln in lines if ln.procedure == pair.column1]
            seconds = [ln for ln in lines if ln.procedure == pair.column2]
            for second in seconds:
                bypass = sorted(set(second.modifiers) & NCCI_MODIFIERS)
                if pair.modifier_indicator == "1" and bypass:
                    continue
                first = firsts[0]
                if pair.modifier_indicator == "0":
                    fix = (
                        f"remove {pair.column2} (bundled into {pair.column1}; modifier "
                        f"indicator 0: no modifier may bypass this edit)"
                    )
                else:
                    fix = (
                        f"remove {pair.column2}, or if it was a distinct service append "
                        f"59/XE/XS/XP/XU (or an anatomic modifier) supported by the record"
                    )
                yield edit.finding(
                    f"{pair.column2} (line {second.number}) is bundled into {pair.column1} "
                    f"(line {first.number}) on {when.isoformat()} by NCCI PTP "
                    f"({pair.kind}, modifier indicator {pair.modifier_indicator})",
                    fix,
                    line=second,
                    column1=pair.column1,
                    column2=pair.column2,
                    modifier_indicator=pair.modifier_indicator,
                    rationale=pair.rationale,
                )


def check_add_on(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    edits = add_on_edits()
    codes = {ln.procedure for ln in _procedure_lines(claim)}
    for line in _procedure_lines(claim):
        rules = edits.get(line.procedure)
        if not rules:
            continue
        edit_type = rules[0].edit_type
        primaries = {r.primary for r in rules if r.primary != "CCCCC"}
        if edit_type == 2 or not primaries:
            continue  # type 2: no primary list, the payer decides
        if codes & primaries:
            continue
        shown = ", ".join(sorted(primaries)[:5]) + (" ..." if len(primaries) > 5 else "")
        yield edit.finding(
            f"add-on code {line.procedure} (line {line.number}) is billed without any of "
            f"its primary procedures ({shown}; NCCI add-on edit type {edit_type})",
            "bill the primary procedure on the same claim, or remove the add-on code",
            line=line,
            add_on=line.procedure,
            edit_type=str(edit_type),
        )


def check_mue(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    kind = _mue_kind(claim)
    per_day: dict[tuple[str, date], list[ClaimLine]] = defaultdict(list)
    for line in _procedure_lines(claim):
        when = _service_date(claim, line)
        if when is None:
            continue
        mue = ctx.tables.mue(kind, line.procedure, when)
        if mue is None:
            continue
        if not mue.per_day:
            if _units(line) > mue.value:
                yield edit.finding(
                    f"{line.procedure} on line {line.number}: {_units(line)} units exceed the "
                    f"MUE of {mue.value} per line ({kind.replace('_', ' ')}, {mue.rationale})",
                    f"bill at most {mue.value} units per line; more than that needs "
                    "documentation and a separate line with an appropriate modifier",
                    line=line,
                    mue=str(mue.value),
                    indicator=str(mue.adjudication),
                )
        else:
            per_day[(line.procedure, when)].append(line)
    for (code, when), lines in per_day.items():
        mue = ctx.tables.mue(kind, code, when)
        assert mue is not None
        units = sum((_units(ln) for ln in lines), Decimal(0))
        if units > mue.value:
            numbers = ", ".join(str(ln.number) for ln in lines)
            yield edit.finding(
                f"{code} on {when.isoformat()}: {units} units (lines {numbers}) exceed the "
                f"MUE of {mue.value} per day (adjudication indicator {mue.adjudication}: "
                f"{'policy' if mue.adjudication == 2 else 'clinical'}; {mue.rationale})",
                f"bill at most {mue.value} units of {code} for the day"
                + ("" if mue.adjudication == 2 else "; appeal with records if truly rendered"),
                line=lines[-1],
                mue=str(mue.value),
                indicator=str(mue.adjudication),
            )


def check_diagnoses(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    """Existence and billability (CARC 146): a code must be a leaf of the tabular."""
    if not claim.diagnoses:
        yield edit.finding(
            "the claim has no diagnosis (HI)",
            "report at least the principal diagnosis (HI*ABK)",
            carc="16",
            rarc="M76",
        )
        return
    for diagnosis in claim.diagnoses:
        found = icd10.check(diagnosis.code)
        if not found.exists:
            yield edit.finding(
                f"diagnosis {diagnosis.code!r} is not an ICD-10-CM code",
                "check the code against the tabular list in force on the date of service",
                code=diagnosis.code,
                tabular=icd10.TABULAR_VERSION,
            )
        elif not found.billable:
            yield edit.finding(
                f"diagnosis {diagnosis.code} is a category, not a billable code (it has "
                "more specific codes below it)",
                "code to the highest specificity: pick the complete code under it",
                rarc="M76",
                code=diagnosis.code,
                tabular=icd10.TABULAR_VERSION,
            )


def check_diagnosis_demographics(
    claim: SubmittedClaim, ctx: Context, edit: Edit
) -> Iterator[Finding]:
    """Sex (CARC 10) and age (CARC 9) conflicts that the tabular defines."""
    member = claim.member
    when = claim.first_service_date()
    age = icd10.age_on(member.birth_date, when) if member.birth_date and when else None
    for diagnosis in claim.diagnoses:
        found = icd10.check(diagnosis.code)
        if not found.exists:
            continue
        if found.sex and member.sex in ("F", "M") and member.sex != found.sex:
            sex_word = "female" if found.sex == "F" else "male"
            yield edit.finding(
                f"diagnosis {diagnosis.code} is for {sex_word} patients; the patient's sex "
                f"on the claim is {member.sex}",
                "correct the diagnosis or the patient's sex (DMG03) to match the record",
                carc="10",
                code=diagnosis.code,
                tabular=icd10.TABULAR_VERSION,
            )
        if age is None:
            continue
        if found.newborn_only and age > 0:
            yield edit.finding(
                f"diagnosis {diagnosis.code} (perinatal chapter) is for newborn records; the "
                f"patient is {age} years old on the date of service",
                "use a code outside chapter 16 unless this is the newborn's own record",
                carc="9",
                severity=Severity.WARNING,
                code=diagnosis.code,
                tabular=icd10.TABULAR_VERSION,
            )
        low, high = icd10.MATERNAL_AGES
        if found.maternal and not low <= age <= high:
            yield edit.finding(
                f"diagnosis {diagnosis.code} (pregnancy chapter) with a patient aged {age} "
                f"(expected {low}-{high})",
                "check the patient's birth date (DMG02) and the diagnosis",
                carc="9",
                code=diagnosis.code,
                tabular=icd10.TABULAR_VERSION,
            )


def check_manifestation_first(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if not claim.diagnoses:
        return
    first = claim.diagnoses[0]
    found = icd10.check(first.code)
    if found.manifestation:
        yield edit.finding(
            f"{first.code} is a manifestation code ('in diseases classified elsewhere') and "
            "may not be the principal or first-listed diagnosis",
            "list the underlying condition first (the tabular's 'code first' note), then "
            f"{first.code}",
            code=first.code,
            tabular=icd10.TABULAR_VERSION,
        )


def check_procedure_codes(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    level2 = hcpcs_level2()
    for line in claim.lines:
        code = line.procedure
        if not code:
            if claim.kind == "professional":
                yield edit.finding(
                    f"line {line.number} has no procedure code",
                    "report a CPT/HCPCS code in SV101",
                    line=line,
                    carc="16",
                    rarc="M51",
                )
            continue
        if line.procedure_qualifier not in ("HC", "HP", ""):
            continue
        if _CPT.fullmatch(code):
            continue  # CPT validity needs the AMA's licensed list; format is right
        if not _HCPCS2.fullmatch(code):
            yield edit.finding(
                f"{code!r} on line {line.number} is not a CPT or HCPCS code (5 characters: "
                "five digits, four digits and F/T/U, or a letter A-V and four digits)",
                "correct the procedure code",
                line=line,
                carc="16",
                rarc="M51",
                code=code,
            )
            continue
        known = level2.get(code)
        when = _service_date(claim, line)
        if known is None:
            yield edit.finding(
                f"HCPCS {code} on line {line.number} is not in the HCPCS Level II list (July 2024)",
                "check the code against the current HCPCS file",
                line=line,
                code=code,
            )
        elif when is not None and not known.valid_on(when):
            span = (
                f"terminated {known.terminated.isoformat()}"
                if known.terminated is not None and when > known.terminated
                else f"added {known.added.isoformat() if known.added else '?'}"
            )
            yield edit.finding(
                f"HCPCS {code} on line {line.number} was not valid on {when.isoformat()} ({span})",
                "use the code in force on the date of service",
                line=line,
                code=code,
            )


def check_modifiers(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    for line in claim.lines:
        for modifier in line.modifiers:
            if not _MODIFIER.fullmatch(modifier):
                yield edit.finding(
                    f"modifier {modifier!r} on line {line.number} is not two letters or digits",
                    "correct the modifier",
                    line=line,
                    carc="182",
                    modifier=modifier,
                )
        present = set(line.modifiers)
        for first, second, fix in CONFLICTING_MODIFIERS:
            if first in present and second in present:
                yield edit.finding(
                    f"modifiers {first} and {second} together on line {line.number} "
                    f"({line.procedure}) contradict each other",
                    fix,
                    line=line,
                    modifiers=f"{first}+{second}",
                )


def check_place_of_service(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if claim.kind == "institutional":
        if not _TYPE_OF_BILL.fullmatch(claim.type_of_bill):
            yield edit.finding(
                f"type of bill {claim.type_of_bill!r} is not valid (facility type digit 1-8, "
                "classification 1-9, frequency)",
                "correct CLM05-1 and CLM05-3",
                tob=claim.type_of_bill,
            )
        return
    known = pos_table()
    codes = [("claim", claim.place_of_service, None)] + [
        ("line", ln.place_of_service, ln) for ln in claim.lines if ln.place_of_service
    ]
    for where, code, line in codes:
        if code not in known:
            yield edit.finding(
                f"place of service {code!r} on the {where} is not a CMS place of service code",
                "use a two-digit code from the CMS place of service list (e.g. 11 office, "
                "22 outpatient hospital, 23 emergency room)",
                line=line,
                pos=code,
            )


def check_diagnosis_pointers(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if claim.kind != "professional":
        return
    count = len(claim.diagnoses)
    for line in claim.lines:
        if not line.diagnosis_pointers:
            yield edit.finding(
                f"line {line.number} points at no diagnosis (SV107)",
                "point each line at the diagnoses that support it (1-4 pointers)",
                line=line,
            )
            continue
        bad = [p for p in line.diagnosis_pointers if p > count]
        if bad:
            yield edit.finding(
                f"line {line.number} points at diagnosis {', '.join(map(str, bad))} but the "
                f"claim has {count}",
                "fix the pointers or add the missing diagnoses",
                line=line,
            )


def check_coverage(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if not ctx.coverage:
        return
    for line in _procedure_lines(claim):
        policies = [p for p in ctx.coverage if line.procedure in p.procedures]
        if not policies:
            continue
        diagnoses = _pointed_diagnoses(claim, line)
        for policy in policies:
            if not any(policy.supports(d) for d in diagnoses):
                yield edit.finding(
                    f"{line.procedure} on line {line.number}: none of its diagnoses "
                    f"({', '.join(diagnoses) or 'none'}) is covered by policy {policy.policy_id}",
                    "check the documentation for a covered indication and code it; if none, "
                    "get an ABN (Medicare) before the service or expect a denial",
                    line=line,
                    policy=policy.policy_id,
                )


def check_authorization(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    needing = [
        ln
        for ln in _procedure_lines(claim)
        if any(r.covers(ln.procedure) for r in ctx.auth_requirements)
    ]
    if not needing:
        return
    codes = ", ".join(sorted({ln.procedure for ln in needing}))
    if not claim.prior_authorization:
        yield edit.finding(
            f"{codes} need prior authorization with this payer and the claim has none (REF*G1)",
            "obtain the authorization (or a retro-authorization) and report it in REF*G1",
        )
        return
    on_file = ctx.authorizations.get(claim.member.member_id or claim.subscriber.member_id, [])
    matching = [a for a in on_file if a.number == claim.prior_authorization]
    if not ctx.authorizations:
        return  # no authorization list loaded: only presence can be checked
    if not matching:
        yield edit.finding(
            f"authorization {claim.prior_authorization} is not on file for this member",
            "check the authorization number with the payer's portal",
            authorization=claim.prior_authorization,
        )
        return
    auth = matching[0]
    for line in needing:
        when = _service_date(claim, line)
        problems: list[str] = []
        if line.procedure not in auth.codes:
            problems.append(f"{line.procedure} is not an authorized service")
        if when is not None and not auth.start <= when <= auth.end:
            problems.append(
                f"date {when.isoformat()} is outside {auth.start.isoformat()}.."
                f"{auth.end.isoformat()}"
            )
        if auth.provider_npi and auth.provider_npi not in (
            claim.rendering_npi,
            claim.billing_provider.npi,
        ):
            problems.append("the rendering provider is not the authorized one")
        if problems:
            yield edit.finding(
                f"line {line.number} does not match authorization {auth.number}: "
                + "; ".join(problems),
                "ask the payer to update the authorization before submitting",
                line=line,
                authorization=auth.number,
            )
    if auth.units is not None:
        used = sum((_units(ln) for ln in needing if ln.procedure in auth.codes), Decimal(0))
        if used > auth.units:
            yield edit.finding(
                f"{used} units billed against authorization {auth.number}, which allows "
                f"{auth.units}",
                "bill within the authorized units or get the authorization extended",
                carc="198",
                authorization=auth.number,
            )


def member_id(claim: SubmittedClaim) -> str:
    return claim.member.member_id or claim.subscriber.member_id


def duplicate_key(claim: SubmittedClaim, line: ClaimLine) -> tuple[object, ...]:
    """What makes two lines the same service: payer, member, code, modifiers, date, charge."""
    return line_key(
        claim.payer.payer_id,
        member_id(claim),
        line.procedure or line.revenue_code,
        " ".join(line.modifiers),
        _service_date(claim, line),
        line.charge,
    )


def line_key(
    payer_id: str, member: str, code: str, modifiers: str, on: date | None, charge: Decimal
) -> tuple[object, ...]:
    return (payer_id, member, code, modifiers, on, charge.normalize())


def check_duplicates(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if claim.frequency in ("7", "8"):
        return  # replacements and voids repeat the original on purpose
    for line in claim.lines:
        key = duplicate_key(claim, line)
        earlier = ctx.seen.get(key)
        if earlier is not None and earlier != claim.patient_control_number:
            yield edit.finding(
                f"line {line.number} ({line.procedure or line.revenue_code}) repeats a line of "
                f"claim {earlier} for the same patient, service and date",
                "do not resubmit a claim already sent; send a replacement (frequency 7) with "
                "the payer's claim number, or modifier 76/77 when the service was repeated",
                line=line,
                earlier=earlier,
            )
        else:
            ctx.seen.setdefault(key, claim.patient_control_number)


def check_timely_filing(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if ctx.timely_filing_due is None:
        return
    due = ctx.timely_filing_due(claim)
    if due is None:
        return
    left = (due - ctx.today).days
    if left < 0:
        yield edit.finding(
            f"the timely filing limit passed on {due.isoformat()} ({-left} days ago)",
            "submit only with proof of timely filing (an earlier acceptance report) or an "
            "exception the payer recognises",
            due=due.isoformat(),
            days_left=str(left),
        )
    elif left <= 30:
        yield edit.finding(
            f"{left} days left to file (limit {due.isoformat()})",
            "submit now",
            severity=Severity.WARNING,
            due=due.isoformat(),
            days_left=str(left),
        )


def check_claim_total(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    lines = claim.line_total()
    if claim.lines and lines != claim.total_charge:
        yield edit.finding(
            f"claim total {claim.total_charge} differs from the sum of its lines {lines}",
            "make CLM02 equal the sum of the line charges",
        )


def check_history(claim: SubmittedClaim, ctx: Context, edit: Edit) -> Iterator[Finding]:
    if not ctx.history:
        return
    first_dx = icd10.normalise(claim.diagnoses[0].code) if claim.diagnoses else ""
    for line in _procedure_lines(claim):
        key = (claim.payer.payer_id, line.procedure, next(iter(line.modifiers), ""), first_dx)
        stat = ctx.history.get(key)
        if stat is None or stat.claims < ctx.history_min_claims:
            continue
        if stat.rate < ctx.history_min_rate:
            continue
        yield edit.finding(
            f"{line.procedure} for this payer with this modifier and diagnosis was denied "
            f"{stat.denied} of {stat.claims} times ({stat.rate:.0%}) in our remittances "
            f"(CARCs {', '.join(stat.carcs)})",
            "review the payer's policy for this combination before submitting",
            line=line,
            carc=stat.carcs[0] if stat.carcs else "",
            rate=f"{stat.rate:.4f}",
            sample=str(stat.claims),
        )


EDITS: tuple[Edit, ...] = (
    Edit("NCCI-PTP", "NCCI procedure-to-procedure", Severity.ERROR, "236", "", check_ncci_ptp),
    Edit("NCCI-AOC", "NCCI add-on code without primary", Severity.ERROR, "107", "", check_add_on),
    Edit("MUE", "Medically unlikely units", Severity.ERROR, "151", "N362", check_mue),
    Edit(
        "ICD-VALID",
        "ICD-10-CM code exists and is billable",
        Severity.ERROR,
        "146",
        "",
        check_diagnoses,
    ),
    Edit(
        "ICD-DEMOGRAPHIC",
        "Diagnosis vs patient sex and age",
        Severity.ERROR,
        "10",
        "",
        check_diagnosis_demographics,
    ),
    Edit(
        "ICD-MANIFESTATION",
        "Manifestation code listed first",
        Severity.ERROR,
        "16",
        "M76",
        check_manifestation_first,
    ),
    Edit(
        "PROC-CODE",
        "CPT/HCPCS format and validity on the date",
        Severity.ERROR,
        "181",
        "",
        check_procedure_codes,
    ),
    Edit("MODIFIER", "Modifier format and conflicts", Severity.ERROR, "4", "", check_modifiers),
    Edit("POS", "Place of service / type of bill", Severity.ERROR, "5", "", check_place_of_service),
    Edit("DX-POINTER", "Diagnosis pointers", Severity.ERROR, "16", "M76", check_diagnosis_pointers),
    Edit(
        "COVERAGE",
        "Diagnosis supports procedure (coverage policy)",
        Severity.WARNING,
        "50",
        "N386",
        check_coverage,
    ),
    Edit(
        "AUTH",
        "Prior authorization present and matching",
        Severity.ERROR,
        "197",
        "",
        check_authorization,
    ),
    Edit("DUPLICATE", "Duplicate claim line", Severity.ERROR, "18", "", check_duplicates),
    Edit("TIMELY-FILING", "Timely filing limit", Severity.ERROR, "29", "", check_timely_filing),
    Edit(
        "CLAIM-TOTAL",
        "Claim total equals its lines",
        Severity.ERROR,
        "16",
        "M79",
        check_claim_total,
    ),
    Edit(
        "HISTORY", "Combination often denied by this payer", Severity.WARNING, "", "", check_history
    ),
)

EDITS_BY_ID = {edit.edit_id: edit for edit in EDITS}
