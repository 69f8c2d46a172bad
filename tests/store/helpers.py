"""Helpers shared by the ingest tests: writing 835 files from hand-built records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, func, select

from denialops.store import schema
from denialops.x12.remittance import Remittance
from denialops.x12.write835 import format_835

COUNTED = (
    schema.SourceFile,
    schema.Remittance,
    schema.Claim,
    schema.ServiceLine,
    schema.Adjustment,
    schema.ProviderAdjustment,
    schema.Quarantine,
)


def write_835_file(path: Path, rems: Sequence[Remittance], **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(format_835(rems, **options).encode("ascii"))  # type: ignore[arg-type]
    return path


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in COUNTED
        }


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)
