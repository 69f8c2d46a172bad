"""What a scrub reports: findings per claim and line, each from one edit with a stable id."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How sure the edit is that a payer would refuse the claim as it stands."""

    ERROR = "error"  # a payer will deny: fix before submission
    WARNING = "warning"  # likely to deny or needs a look (documentation, payer policy)
    INFO = "info"  # worth knowing (e.g. days left to file)

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem an edit found. Messages name codes and line numbers, never patients."""

    edit_id: str
    severity: Severity
    message: str
    fix: str
    carc: str  # the reason a payer would most likely return
    rarc: str = ""
    line: int | None = None  # LX01 of the line, None for the claim as a whole
    detail: dict[str, str] = field(default_factory=dict)
    edit_version: str = ""

    def as_record(self) -> dict[str, object]:
        return {
            "edit": self.edit_id,
            "edit_version": self.edit_version,
            "severity": self.severity.value,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "carc": self.carc,
            "rarc": self.rarc,
            "detail": dict(self.detail),
        }


@dataclass(slots=True)
class ClaimResult:
    """The findings for one claim; ``clean`` when there are none at warning or above."""

    patient_control_number: str
    payer_id: str
    kind: str
    source_file: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(f.severity.rank >= Severity.WARNING.rank for f in self.findings)

    @property
    def worst(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def as_record(self) -> dict[str, object]:
        return {
            "patient_control_number": self.patient_control_number,
            "payer_id": self.payer_id,
            "kind": self.kind,
            "file": self.source_file,
            "status": "clean" if self.clean else "findings",
            "findings": [f.as_record() for f in self.findings],
        }
