"""ICD-10-CM validity on the date of service, from the maintained ``simple-icd-10-cm`` package.

The package ships the CDC's tabular list (April 1, 2026 in version 1.5.0) and can load
another release (``change_version``); :data:`TABULAR_VERSION` names the release in force
and every finding records it. What the tabular defines and this module checks:
- the code exists (any level) and is billable: only leaves of the tabular are reported;
- sex: chapter 15 (pregnancy, childbirth, puerperium) and the blocks the tabular titles
  "female genital organs" / "male genital organs" (N40-N53, N60-N65's female-only
  neighbours, C51-C58, C60-C63, D25-D28, D29, Q50-Q52, Q53-Q55 ...) belong to one sex;
- age: chapter 16 (perinatal conditions) "for use on newborn records only", and
  chapter 15 on maternal records (ages 12-55, the range CMS's code editor uses);
- manifestation codes ("in diseases classified elsewhere", with a "code first" note)
  may not be listed first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from functools import cache
from types import ModuleType

TABULAR_VERSION = "ICD-10-CM April 1, 2026 (simple-icd-10-cm 1.5.0)"

MATERNAL_AGES = (12, 55)


@cache
def _icd() -> ModuleType:
    # The package reads its data with a deprecated importlib API; that warning is its own.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


@dataclass(frozen=True, slots=True)
class DiagnosisCheck:
    """What the tabular says about one code."""

    code: str
    exists: bool
    billable: bool
    sex: str  # "F", "M" or "" (either)
    newborn_only: bool
    maternal: bool
    manifestation: bool


def normalise(code: str) -> str:
    """As sent on a claim: upper case, no dot."""
    return code.replace(".", "").strip().upper()


def _ancestors(icd: ModuleType, code: str) -> list[str]:
    try:
        return list(icd.get_ancestors(code))
    except ValueError:
        return []


def _block_sex(icd: ModuleType, ancestors: list[str]) -> str:
    for ancestor in ancestors:
        if "-" not in ancestor:
            continue
        title = str(icd.get_description(ancestor)).lower()
        if "female genital" in title or "female pelvic" in title:
            return "F"
        if "male genital" in title:
            return "M"
    return ""


@cache
def check(code: str) -> DiagnosisCheck:
    icd = _icd()
    sent = normalise(code)
    if not sent or not icd.is_valid_item(sent):
        return DiagnosisCheck(sent, False, False, "", False, False, False)
    ancestors = _ancestors(icd, sent)
    chapter = ancestors[-1] if ancestors else ""
    maternal = chapter == "15"
    sex = "F" if maternal else _block_sex(icd, ancestors)
    newborn = chapter == "16"
    manifestation = False
    for candidate in [sent, *ancestors[:2]]:
        if "-" in candidate or candidate.isdigit():
            continue
        description = str(icd.get_description(candidate)).lower()
        if "classified elsewhere" in description and icd.get_code_first(candidate):
            manifestation = True
            break
    return DiagnosisCheck(
        code=sent,
        exists=True,
        billable=bool(icd.is_leaf(sent)),
        sex=sex,
        newborn_only=newborn,
        maternal=maternal,
        manifestation=manifestation,
    )


def age_on(birth: date, on: date) -> int:
    """Whole years between a birth date and a date of service."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
