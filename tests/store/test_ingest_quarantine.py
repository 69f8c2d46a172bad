"""A quarantine you can work: list, show (error marked), export, repair, re-ingest."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.cli import app
from denialops.pipeline import ingest_paths
from denialops.store import schema
from tests.store.factories import claim, remittance
from tests.store.helpers import url_of, write_835_file


def _broken(path: Path) -> Path:
    """Two sets; the CLP03 of the second one is not an amount."""
    write_835_file(
        path,
        [
            remittance([claim("PCN1", icn="ICN1")], trace="TR1", st_control="0001"),
            remittance([claim("PCN2", icn="ICN2")], trace="TR2", st_control="0002"),
        ],
    )
    text = path.read_text()
    head, tail = text.split("ST*835*0002", 1)
    path.write_text(head + "ST*835*0002" + tail.replace("CLP*PCN2*1*150*", "CLP*PCN2*1*1X0*", 1))
    return path


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--db", url_of(engine)])
    return result.exit_code, result.stdout, result.stderr


def test_list_show_export_repair_and_reingest_closes_the_row(
    engine: Engine, tmp_path: Path
) -> None:
    path = _broken(tmp_path / "broken.835")
    summary = ingest_paths(engine, [path], steps=[])
    assert summary.transactions == 1 and len(summary.quarantined) == 1

    code, out, _ = _cli(engine, "quarantine", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    assert (row["file"], row["st_control"], row["status"]) == (str(path), "0002", "open")
    assert row["error_element"] == "CLP03" and row["error_segment"] > row["segment_number"]

    code, out, _ = _cli(engine, "quarantine", "show", str(row["id"]))
    assert code == 0
    assert row["error"] in out
    marked = [line for line in out.splitlines() if line.startswith("=>")]
    assert len(marked) == 1 and "CLP*PCN2*1*>>>1X0<<<*" in marked[0]
    numbered = [line for line in out.splitlines() if line[3:11].strip().isdigit()]
    assert len(numbered) == 7  # three segments either side of the failing one

    exported = tmp_path / "repair.835"
    code, out, _ = _cli(engine, "quarantine", "export", str(row["id"]), "--out", str(exported))
    assert code == 0 and exported.exists()
    text = exported.read_text()
    assert text.startswith("ISA*") and "CLP*PCN2*1*1X0*" in text and "IEA*1*" in text
    exported.write_text(text.replace("CLP*PCN2*1*1X0*", "CLP*PCN2*1*150*"))

    again = ingest_paths(engine, [exported], steps=[])
    assert again.transactions == 1 and again.quarantined == []
    assert again.quarantine_resolved == 1
    code, out, _ = _cli(engine, "quarantine", "list", "--json")
    (closed,) = json.loads(out)
    assert closed["status"] == "resolved" and closed["resolved_by_remittance_id"] is not None
    with engine.connect() as conn:
        pcns = conn.execute(select(schema.Claim.patient_control_number)).scalars().all()
    assert sorted(pcns) == ["PCN1", "PCN2"]
    code, out, _ = _cli(engine, "quarantine", "list", "--open")
    assert (code, out.strip()) == (0, "no open quarantine rows")


def test_the_same_broken_bytes_in_two_files_are_two_rows(engine: Engine, tmp_path: Path) -> None:
    first = _broken(tmp_path / "a.835")
    second = tmp_path / "b.835"
    second.write_bytes(first.read_bytes())
    ingest_paths(engine, [first], steps=[])
    other = tmp_path / "c.835"  # same broken set, different file bytes
    other.write_bytes(first.read_bytes() + b"\n")
    ingest_paths(engine, [other], steps=[])
    with engine.connect() as conn:
        kept = conn.execute(select(schema.Quarantine.path)).scalars().all()
    assert sorted(kept) == [str(first), str(other)]


def test_unknown_row_and_bad_out_are_one_line(engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, [_broken(tmp_path / "a.835")], steps=[])
    code, _, err = _cli(engine, "quarantine", "show", "999")
    assert code == 2 and err.strip() == "error: no quarantine row 999"
    code, _, err = _cli(engine, "quarantine", "export", "1", "--out", str(tmp_path / "no" / "x"))
    assert code == 2 and err.startswith("error: --out") and "Traceback" not in err


def test_revision_0008_keeps_rows_and_allows_the_same_bytes_twice(db_url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from denialops.store.db import make_engine
    from denialops.store.migrate import upgrade

    upgrade(db_url, "0007")
    engine = make_engine(db_url)
    row = {
        "path": "old.835",
        "segment_number": 3,
        "byte_offset": 120,
        "st_control": "0001",
        "error": "old error",
        "raw_text": b"x",
        "raw_sha256": "c" * 64,
        "created_at": datetime.now(UTC),
    }
    insert = text(
        "INSERT INTO quarantine (path, segment_number, byte_offset, st_control, error, "
        "raw_text, raw_sha256, created_at) VALUES (:path, :segment_number, :byte_offset, "
        ":st_control, :error, :raw_text, :raw_sha256, :created_at)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert, row)
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert, {**row, "path": "other.835"})  # same bytes: a second row
            kept = conn.execute(
                select(schema.Quarantine.path, schema.Quarantine.resolved_at).order_by(
                    schema.Quarantine.id
                )
            ).all()
        assert [tuple(r) for r in kept] == [("old.835", None), ("other.835", None)]
    finally:
        engine.dispose()
