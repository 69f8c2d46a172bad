"""The envelope both X12 writers emit (ISA, GS, ST ... SE, GE, IEA) and its rules.

:class:`InterchangeEnvelope` checks the writing options once (delimiters: one character
each, no letter, digit or space, all four different; ISA13 within nine digits; usage
``P`` or ``T``; sender and receiver fitting their fixed ISA widths) and builds the
envelope segments as element lists for :mod:`denialops.x12.write835` and
:mod:`denialops.x12.write837`, which write their own transaction-set bodies between.
"""

from __future__ import annotations

from dataclasses import dataclass

ISA_LENGTH = 105
"""An ISA segment's fixed length without its terminator (16 elements, fixed widths)."""


def check_delimiters(element: str, component: str, repetition: str, segment: str) -> None:
    """Refuse delimiters a reader could not tell apart from data (ValueError)."""
    chars = [element, component, repetition, segment]
    for char in chars:
        if len(char) != 1:
            raise ValueError(f"a delimiter must be one character, got {char!r}")
        if char.isalnum() or char.isspace():
            raise ValueError(f"a delimiter cannot be a letter, digit or space, got {char!r}")
    if len(set(chars)) != 4:
        raise ValueError("element, component, repetition and segment delimiters must differ")


def _isa_field(value: str, width: int, name: str) -> str:
    if len(value) > width:
        raise ValueError(f"{name} is longer than {width} characters")
    return value.ljust(width)


@dataclass(frozen=True, slots=True)
class InterchangeEnvelope:
    """One interchange's envelope: options checked on creation, segments on request."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"
    sender_qualifier: str = "ZZ"
    sender_id: str = ""
    receiver_qualifier: str = "ZZ"
    receiver_id: str = ""
    interchange_control: int = 1
    usage: str = "P"

    def __post_init__(self) -> None:
        check_delimiters(self.element, self.component, self.repetition, self.segment)
        if not 0 <= self.interchange_control <= 999_999_999:
            raise ValueError("interchange_control must fit ISA13 (0..999999999)")
        if self.usage not in ("P", "T"):
            raise ValueError("usage must be P (production) or T (test)")
        self.isa("000101", "0000")  # the identifiers fit and hold no delimiter

    @property
    def control(self) -> str:
        """ISA13 / IEA02."""
        return f"{self.interchange_control:09d}"

    def isa(self, yymmdd: str, hhmm: str) -> str:
        """The ISA segment's text (no terminator): fixed widths, checked."""
        elements = [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            _isa_field(self.sender_qualifier, 2, "sender qualifier"),
            _isa_field(self.sender_id, 15, "sender_id"),
            _isa_field(self.receiver_qualifier, 2, "receiver qualifier"),
            _isa_field(self.receiver_id, 15, "receiver_id"),
            yymmdd,
            hhmm,
            self.repetition,
            "00501",
            self.control,
            "0",
            self.usage,
            self.component,
        ]
        text = self.element.join(elements)
        if (
            len(text) != ISA_LENGTH
            or text.count(self.element) != 16
            or self.segment in text
            or text.count(self.repetition) != 1
            or text.count(self.component) != 1
        ):
            raise ValueError("ISA identifiers must not contain delimiter characters")
        return text

    @staticmethod
    def gs(
        functional_id: str,
        sender: str,
        receiver: str,
        ccyymmdd: str,
        hhmm: str,
        control: str,
        version: str,
    ) -> list[str]:
        return ["GS", functional_id, sender, receiver, ccyymmdd, hhmm, control, "X", version]

    @staticmethod
    def st(transaction: str, control: str, implementation: str) -> list[str]:
        return ["ST", transaction, control, implementation]

    @staticmethod
    def se(segments: int, control: str) -> list[str]:
        """SE: ``segments`` counts ST through SE."""
        return ["SE", str(segments), control]

    @staticmethod
    def ge(sets: int, control: str) -> list[str]:
        return ["GE", str(sets), control]

    def iea(self, groups: int) -> list[str]:
        return ["IEA", str(groups), self.control]
