"""read_835(claim_sink=...): claims handed out as they are read, for sets too big to hold."""

from __future__ import annotations

import io
from pathlib import Path

from denialops.x12 import Claim, RejectedTransaction, Remittance, parse_835, read_835

PROFESSIONAL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "835" / "professional.835"
).read_bytes()


def _stream(
    data: bytes, sink_claims: int, chunk_size: int = 1 << 20
) -> tuple[list[list[Claim]], list[Remittance | RejectedTransaction]]:
    chunks: list[list[Claim]] = []
    seen: list[Remittance] = []

    def sink(rem: Remittance, claims: list[Claim]) -> None:
        assert rem.payer.name and not rem.claims  # header complete, claims taken out
        seen.append(rem)
        chunks.append(claims)

    items = list(
        read_835(
            io.BytesIO(data),
            name="t.835",
            claim_sink=sink,
            sink_claims=sink_claims,
            chunk_size=chunk_size,
        )
    )
    assert all(rem is items[0] for rem in seen) or isinstance(items[0], RejectedTransaction)
    return chunks, items


def test_claims_are_handed_out_in_chunks_and_the_rest_stays_on_the_record() -> None:
    (whole,) = parse_835(PROFESSIONAL)
    chunks, (rem,) = _stream(PROFESSIONAL, sink_claims=1)
    assert isinstance(rem, Remittance)
    assert [len(chunk) for chunk in chunks] == [1]  # the first claim; the last stays
    assert [*chunks[0], *rem.claims] == whole.claims
    assert rem.raw == whole.raw and rem.payment == whole.payment


def test_without_a_sink_or_below_its_size_nothing_changes() -> None:
    (whole,) = parse_835(PROFESSIONAL)
    chunks, (rem,) = _stream(PROFESSIONAL, sink_claims=10)
    assert chunks == [] and rem == whole


def test_handed_out_claims_are_decoded_like_the_whole_set() -> None:
    data = PROFESSIONAL.replace(b"DOE*JANE", "MÜLLER*JOSÉ".encode())
    chunks, (rem,) = _stream(data, sink_claims=1)
    patient = chunks[0][0].patient
    assert patient is not None and (patient.name, patient.first_name) == ("MÜLLER", "JOSÉ")
    latin = PROFESSIONAL.replace(b"DOE*JANE", "MÜLLER*JANE".encode("latin-1"))
    chunks, (rem,) = _stream(latin, sink_claims=1)
    patient = chunks[0][0].patient
    assert patient is not None and patient.name == "MÜLLER"


def test_a_set_utf8_in_claims_handed_out_and_not_after_is_rejected() -> None:
    data = PROFESSIONAL.replace(b"DOE*JANE", "MÜLLER*JOSÉ".encode()).replace(
        b"REF*6R*LINE3",
        "REF*6R*LÏNE3".encode("latin-1"),  # 300 bytes after the 2nd CLP
    )
    # Read all at once, the reader knows the set is not UTF-8 before it hands out claims:
    chunks, (whole,) = _stream(data, sink_claims=1)
    assert isinstance(whole, Remittance)
    patient = chunks[0][0].patient
    assert patient is not None and patient.name == "MÃ\x9cLLER"  # Latin-1, like the rest
    # In small pieces, it has handed out a claim as UTF-8 before it sees the Latin-1:
    chunks, (item,) = _stream(data, sink_claims=1, chunk_size=64)
    assert len(chunks) == 1
    assert isinstance(item, RejectedTransaction)
    assert "UTF-8 in the first 1 claims and not after them" in str(item.error)
    (held,) = parse_835(data)  # held whole, the set is simply Latin-1
    assert held.claims[1].lines[0].control_number == "LÏNE3"
