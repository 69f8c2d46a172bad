"""Reading (and writing) X12 835 remittances.

The public surface: :func:`read_835` streams a file into :class:`Remittance` records
(and :class:`RejectedTransaction` for what cannot be read), :func:`parse_835` parses
text held in memory, :func:`check_balance` verifies the three 835 balancing rules, and
:func:`detect_delimiters` reads an ISA. The records themselves live in
:mod:`denialops.x12.remittance`.
"""

from denialops.x12.balance import BalanceProblem, check_balance
from denialops.x12.envelope import RejectedTransaction
from denialops.x12.parse835 import parse_835, read_835
from denialops.x12.remittance import (
    Adjustment,
    Claim,
    ClaimStatus,
    Envelope,
    GroupCode,
    Party,
    Payment,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
)
from denialops.x12.segments import Delimiters, detect_delimiters

__all__ = [
    "Adjustment",
    "BalanceProblem",
    "Claim",
    "ClaimStatus",
    "Delimiters",
    "Envelope",
    "GroupCode",
    "Party",
    "Payment",
    "ProviderAdjustment",
    "RejectedTransaction",
    "Remittance",
    "ServiceLine",
    "check_balance",
    "detect_delimiters",
    "parse_835",
    "read_835",
]
