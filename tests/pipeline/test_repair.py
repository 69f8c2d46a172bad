"""Re-ingesting a repaired quarantined set: through the pipeline, closing the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from denialops.errors import ConflictError, InputError, NotFoundError
from denialops.pipeline import ingest_paths
from denialops.pipeline.repair import reingest_quarantined
from denialops.store import schema
from denialops.store.quarantine import get_quarantine
from tests.web.conftest import BROKEN_835, repaired_835


def _quarantine(engine: Engine, folder: Path) -> int:
    path = folder / "broken.835"
    path.write_text(BROKEN_835, encoding="utf-8")
    summary = ingest_paths(engine, [path])
    assert len(summary.quarantined) == 1
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(schema.Quarantine.__table__.c.id))).scalar_one())


def _set_only(data: bytes) -> bytes:
    """The ST ... SE segments of a whole file (what the page's text box holds)."""
    text = data.decode()
    return text[text.index("ST*") : text.index("GE*")].encode()


@pytest.mark.parametrize("shape", ["file", "segments"])
def test_a_repair_is_ingested_and_closes_its_row(
    engine: Engine, tmp_path: Path, shape: str
) -> None:
    row_id = _quarantine(engine, tmp_path)
    repaired = repaired_835("FIXED1")
    result = reingest_quarantined(
        engine, row_id, repaired if shape == "file" else _set_only(repaired), tmp_path / "repairs"
    )
    assert result.resolved, result.reason()
    assert result.summary.claims == 1 and result.summary.cases_opened == 1
    assert result.summary.quarantine_resolved == 1
    with engine.connect() as conn:
        row, _raw, _delims = get_quarantine(conn, row_id)
        remittance = conn.execute(
            select(schema.Remittance.__table__.c.id).where(
                schema.Remittance.__table__.c.id == row.resolved_by_remittance_id
            )
        ).scalar_one()
    assert remittance == result.to_json()["remittance_id"]
    with pytest.raises(ConflictError):
        reingest_quarantined(engine, row_id, repaired_835("FIXED2"), tmp_path / "repairs")


def test_a_repair_that_is_still_broken_or_not_one_set_leaves_the_row_open(
    engine: Engine, tmp_path: Path
) -> None:
    row_id = _quarantine(engine, tmp_path)
    again = reingest_quarantined(engine, row_id, BROKEN_835.encode(), tmp_path / "repairs")
    assert not again.resolved
    assert again.reason().startswith("the repaired set was quarantined again")
    twice = _set_only(repaired_835("A")) + _set_only(repaired_835("B"))
    with pytest.raises(InputError, match="exactly one transaction set"):
        reingest_quarantined(engine, row_id, twice, tmp_path / "repairs")
    with pytest.raises(InputError, match="empty"):
        reingest_quarantined(engine, row_id, b"  ", tmp_path / "repairs")
    with pytest.raises(NotFoundError):
        reingest_quarantined(engine, 999_999, repaired_835(), tmp_path / "repairs")
