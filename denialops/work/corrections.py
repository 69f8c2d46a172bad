"""Which document a case needs, and what a corrected claim must fix.

A case's next action decides the document. A denial to *correct and resubmit* (CO-16
with MA130, a missing modifier, an invalid identifier) is not argued with the payer: the
claim is fixed and sent again as a replacement, so it gets a corrected-claim worksheet,
not an appeal letter. A remark that takes away appeal rights (MA130, N211) makes the
same choice whatever the next action says.

The worksheet names, for each denial code and remark the payer sent, what to fix and
where in the 837 it lives (loop and element, professional 005010X222A1 and
institutional 005010X223A2), then how to resubmit: claim frequency code 7 (replacement
of a prior claim) in CLM05-3, and the payer's claim control number (CLP07 of the
remittance) in REF*F8 of loop 2300.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from denialops.work.deadlines import NO_APPEAL_RIGHTS_REMARKS, has_appeal_rights

DocumentKind = Literal["appeal_letter", "corrected_claim"]

CORRECTION_ACTIONS = frozenset({"correct_and_resubmit"})
"""Next actions whose document is a corrected claim (any action naming "resubmit" too)."""

REPLACEMENT_FREQUENCY = "7"
"""CLM05-3 claim frequency type code 7: replacement of a prior claim."""


@dataclass(frozen=True, slots=True)
class DocumentChoice:
    kind: DocumentKind
    reason: str


def is_correction(next_action: str | None) -> bool:
    action = next_action or ""
    return action in CORRECTION_ACTIONS or "resubmit" in action


def choose_document(
    next_action: str | None, remark_codes: Iterable[str], denial_codes: Sequence[str] = ()
) -> DocumentChoice:
    """The document a case needs: a corrected-claim worksheet or an appeal letter."""
    remarks = list(remark_codes)
    codes = ", ".join(denial_codes)
    said = f" ({codes})" if codes else ""
    no_rights = [r for r in remarks if r in NO_APPEAL_RIGHTS_REMARKS]
    if not has_appeal_rights(remarks):
        return DocumentChoice(
            "corrected_claim",
            f"the payer affords no appeal rights (remark {', '.join(no_rights)}){said}: "
            "the claim is corrected and submitted again",
        )
    if is_correction(next_action):
        return DocumentChoice(
            "corrected_claim",
            f"the next action for this denial{said} is to correct and resubmit the claim",
        )
    return DocumentChoice("appeal_letter", "the next action is an appeal")


@dataclass(frozen=True, slots=True)
class Fix:
    what: str
    loop: str
    professional: str
    institutional: str


_SEE_REMARKS = Fix("the remark codes on the claim name the information to correct", "", "", "")

FIXES: dict[str, Fix] = {
    # remark codes (RARC)
    "MA130": Fix(
        "the claim was unprocessable: correct every element the other remarks name", "", "", ""
    ),
    "M51": Fix("procedure code (missing, incomplete or invalid)", "2400", "SV101-2", "SV202-2"),
    "M20": Fix("HCPCS code (missing, incomplete or invalid)", "2400", "SV101-2", "SV202-2"),
    "M67": Fix("other procedure code(s)", "2300", "HI (BP qualifier)", "HI (BQ/BBQ qualifier)"),
    "MA66": Fix("principal procedure code", "2300", "HI01-2 (BP)", "HI01-2 (BR/BBR)"),
    "M76": Fix("diagnosis code(s)", "2300", "HI01-2 (ABK)", "HI01-2 (ABK)"),
    "M81": Fix("diagnosis to the highest level of specificity", "2300", "HI", "HI"),
    "M53": Fix("days or units of service", "2400", "SV104", "SV205"),
    "M79": Fix("charge amount", "2400", "SV102", "SV203"),
    "M77": Fix("place of service", "2300", "CLM05-1", "CLM05-1 (facility type)"),
    "M119": Fix("National Drug Code (NDC)", "2410", "LIN03", "LIN03"),
    "MA120": Fix("billing provider identifier (NPI / CLIA)", "2010AA", "NM109", "NM109"),
    "N290": Fix("rendering provider identifier", "2310B", "NM109", "NM109 (2310D)"),
    "N286": Fix("referring provider identifier", "2310A", "NM109", "NM109 (2310F)"),
    "N382": Fix("patient identifier", "2010BA", "NM109", "NM109"),
    "MA04": Fix(
        "primary payer's payment (secondary claim)", "2320/2430", "AMT, CAS, SVD", "AMT, CAS, SVD"
    ),
    "N479": Fix(
        "primary payer's explanation of benefits", "2320/2430", "AMT, CAS, SVD", "AMT, CAS, SVD"
    ),
    "M84": Fix("claim attachment or report", "2300", "PWK", "PWK"),
    "N56": Fix(
        "procedure code billed is not correct for the service", "2400", "SV101-2", "SV202-2"
    ),
    "N657": Fix("the code set required for the date of service", "2400", "SV101-2", "SV202-2"),
    # adjustment reason codes (CARC)
    "4": Fix("procedure modifier", "2400", "SV101-3 to SV101-6", "SV202-3 to SV202-6"),
    "5": Fix("place of service / bill type for the procedure", "2300", "CLM05-1", "CLM05-1"),
    "11": Fix("diagnosis pointed to by the service line", "2400", "SV107", "2300 HI"),
    "16": _SEE_REMARKS,
    "125": _SEE_REMARKS,
    "146": Fix("diagnosis valid for the date of service", "2300", "HI", "HI"),
    "181": Fix("procedure code valid for the date of service", "2400", "SV101-2", "SV202-2"),
    "182": Fix("procedure modifier valid for the date of service", "2400", "SV101-3", "SV202-3"),
    "252": Fix("attachment or other documentation", "2300", "PWK", "PWK"),
}


@dataclass(frozen=True, slots=True)
class Correction:
    code: str
    what: str
    loop: str
    element: str


def corrections_for(
    denial_codes: Iterable[tuple[str, str]], remark_codes: Iterable[str], *, institutional: bool
) -> list[Correction]:
    """One line per code the payer sent that names something to fix (denials first)."""
    found: list[Correction] = []
    seen: set[str] = set()
    entries = [(f"{g}-{r}", r) for g, r in denial_codes] + [(r, r) for r in remark_codes]
    for label, code in entries:
        fix = FIXES.get(code)
        if fix is None or label in seen:
            continue
        seen.add(label)
        element = fix.institutional if institutional else fix.professional
        found.append(Correction(label, fix.what, fix.loop or "-", element or "-"))
    if not found:
        found.append(
            Correction("-", "no code names the element: read the payer's remarks", "-", "-")
        )
    return found
