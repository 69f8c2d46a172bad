"""Synthetic X12 835 remittances for demos, tests and benchmarks.

``generate(SynthConfig(seed=7, claims=2000))`` yields plausible, exactly balanced
:class:`~denialops.x12.remittance.Remittance` records lazily; ``write_files`` writes
them as .835 files (``write_one_set``: one transaction set of N claims);
``generate_followups`` answers earlier denials with later remittances. The payers,
procedures and denial scenarios live in :mod:`denialops.synth.catalog`.
"""

from denialops.synth.catalog import (
    FAMILY_CARCS,
    NORMAL_CARCS,
    PAYERS,
    SCENARIOS,
    DenialScenario,
    Payer,
)
from denialops.synth.generate import (
    ClaimMeta,
    SynthConfig,
    generate,
    generate_followups,
    generate_with_meta,
    write_files,
    write_one_set,
)

__all__ = [
    "FAMILY_CARCS",
    "NORMAL_CARCS",
    "PAYERS",
    "SCENARIOS",
    "ClaimMeta",
    "DenialScenario",
    "Payer",
    "SynthConfig",
    "generate",
    "generate_followups",
    "generate_with_meta",
    "write_files",
    "write_one_set",
]
