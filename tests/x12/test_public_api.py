"""The public surface of denialops.x12 is what other parts code against: pin it."""

from __future__ import annotations

import inspect

import denialops.x12 as x12


def test_exported_names() -> None:
    assert sorted(x12.__all__) == sorted(
        [
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
    )
    for name in x12.__all__:
        assert getattr(x12, name) is not None


def test_signatures_others_rely_on() -> None:
    read = inspect.signature(x12.read_835)
    assert list(read.parameters) == [
        "source",
        "name",
        "chunk_size",
        "repair",
        "max_set_bytes",
        "claim_sink",
        "sink_claims",
    ]
    assert read.parameters["claim_sink"].default is None
    assert read.parameters["claim_sink"].kind is inspect.Parameter.KEYWORD_ONLY
    assert read.parameters["chunk_size"].default == 1 << 20
    assert read.parameters["name"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(x12.parse_835).parameters) == ["data", "name"]
    fields = list(x12.RejectedTransaction.__dataclass_fields__)
    assert fields == [
        "file",
        "segment_number",
        "byte_offset",
        "st_control",
        "error",
        "raw",
        "content_withheld",
    ]
    problem = list(x12.BalanceProblem.__dataclass_fields__)
    assert problem == ["level", "claim", "line", "rule", "expected", "actual", "message"]
    delimiters = list(x12.Delimiters.__dataclass_fields__)
    assert delimiters == ["element", "component", "repetition", "segment", "warning"]
