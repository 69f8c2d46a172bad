"""denialops: find, understand, work, prevent and report healthcare claim denials."""

from denialops.errors import (
    ConflictError,
    DenialopsError,
    EnvelopeError,
    RulesError,
    StateTransitionError,
    X12SyntaxError,
)

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "DenialopsError",
    "EnvelopeError",
    "RulesError",
    "StateTransitionError",
    "X12SyntaxError",
    "__version__",
]
