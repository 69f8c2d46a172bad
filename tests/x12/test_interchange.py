"""One envelope for both writers: the 835 and 837 writers check their options alike and
open their interchanges with the same ISA."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from denialops.x12.interchange import ISA_LENGTH, InterchangeEnvelope
from denialops.x12.write835 import format_835
from denialops.x12.write837 import format_837
from tests.x12.test_parse837 import _only_batch
from tests.x12.test_write835 import small_remittance


def _write_835(**options: object) -> str:
    return format_835([small_remittance()], **options)  # type: ignore[arg-type]


def _write_837(**options: object) -> str:
    return format_837([_only_batch("professional.837")], **options)


WRITERS = [pytest.param(_write_835, id="835"), pytest.param(_write_837, id="837")]


@pytest.mark.parametrize("write", WRITERS)
@pytest.mark.parametrize(
    "options",
    [
        {"element": "**"},
        {"element": "A"},  # the 837 writer took a letter as a delimiter
        {"segment": " "},
        {"element": ":", "component": ":"},
        {"interchange_control": 10**9},
        {"usage": "X"},
        {"sender_id": "X" * 16},  # the 837 writer cut it to 15 characters
        {"sender_id": "A*B"},
        {"receiver_id": "R^1"},
    ],
)
def test_both_writers_refuse_the_same_unusable_options(
    write: Callable[..., str], options: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        write(**options)


@pytest.mark.parametrize("write", WRITERS)
def test_both_writers_open_with_the_shared_isa(write: Callable[..., str]) -> None:
    text = write(sender_id="SENDER", receiver_id="RECEIVER", interchange_control=42)
    isa = text.split("~", 1)[0]
    envelope = InterchangeEnvelope(
        sender_id="SENDER", receiver_id="RECEIVER", interchange_control=42
    )
    assert len(isa) == ISA_LENGTH
    assert isa == envelope.isa(isa[70:76], isa[77:81])
    assert text.rstrip("\n").endswith("IEA*1*000000042~")
