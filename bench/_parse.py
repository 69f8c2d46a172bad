"""Parts (a) and (b) of the 835 ingestion benchmark: split-only baseline and typed parse.

Both stream the file in the same chunk size and return the number of claims (CLP
segments) they saw, so claims/second is comparable between them.
"""

from __future__ import annotations

from pathlib import Path

from denialops.x12 import Remittance, read_835

CHUNK_SIZE = 1 << 20


def baseline_split(path: str | Path) -> int:
    """(a) The floor: split into segments and elements with ``bytes.split``, nothing more.

    Reads the delimiters from the ISA like any reader must, strips line breaks and
    counts CLP segments; no typing, no envelope checks.
    """
    claims = 0
    with Path(path).open("rb") as stream:
        head = stream.read(106)
        element = head[3:4]
        terminator = head[105:106]
        buf = head
        while True:
            chunk = stream.read(CHUNK_SIZE)
            if not chunk:
                break
            buf += chunk
            segments = buf.split(terminator)
            buf = segments.pop()
            for segment in segments:
                elements = segment.strip().split(element)
                if elements[0] == b"CLP":
                    claims += 1
        if buf.strip().split(element)[0] == b"CLP":
            claims += 1
    return claims


def parse_typed(path: str | Path) -> int:
    """(b) Full typed parse with envelope checks, via :func:`denialops.x12.read_835`."""
    claims = 0
    for item in read_835(path, chunk_size=CHUNK_SIZE):
        if isinstance(item, Remittance):
            claims += len(item.claims)
    return claims
