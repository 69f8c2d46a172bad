"""The ingest pipeline: parse -> store -> classify -> open cases -> match outcomes.

It sits above :mod:`denialops.x12`, :mod:`denialops.store`, :mod:`denialops.classify`
and :mod:`denialops.work` and is the only place that composes them; each step is a
set-based function over the rows just stored (:mod:`denialops.pipeline.steps`), run per
batch of transaction sets, and a failure is contained to the set that caused it
(:mod:`denialops.pipeline.run`).
"""

from __future__ import annotations

from denialops.pipeline.run import IngestOptions, ingest_paths, ingest_sources
from denialops.pipeline.steps import Batch, Step, default_steps
from denialops.pipeline.summary import IngestSummary

__all__ = [
    "Batch",
    "IngestOptions",
    "IngestSummary",
    "Step",
    "default_steps",
    "ingest_paths",
    "ingest_sources",
]
