"""Ingesting real 835 files: idempotence, duplicates, quarantine, balance, zip, summary."""

from __future__ import annotations

import json
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.cli import app
from denialops.pipeline import ingest_paths
from denialops.store import schema
from denialops.x12.remittance import ProviderAdjustment, Remittance
from tests.store.factories import claim, remittance, service_line
from tests.store.helpers import row_counts, url_of, write_835_file

D = Decimal
SUMMARY_KEYS = {
    "files",
    "transactions",
    "claims",
    "service_lines",
    "adjustments",
    "total_charge",
    "total_paid",
    "bpr_total",
    "plb_total",
    "reversals",
    "unbalanced",
    "quarantined",
    "duplicates_skipped",
}


def _payments() -> list[Remittance]:
    """Three payments: one plain, one with a PLB and two lines, one reversing the first."""
    plb = ProviderAdjustment(
        provider_id="1999999984",
        fiscal_period_date=None,
        reason="L6",
        reference="INT",
        amount=D("-2.50"),
    )
    return [
        remittance([claim("PCN1", icn="ICN1")], trace="TR1", st_control="0001"),
        remittance(
            [
                claim(
                    "PCN2", icn="ICN2", lines=[service_line(), service_line("97110", control="L2")]
                )
            ],
            trace="TR2",
            st_control="0002",
            plb=[plb],
        ),
        remittance(
            [claim("PCN1", status="22", icn="ICN1", sign=-1)], trace="TR3", st_control="0003"
        ),
    ]


def _corrupt_second_claim_charge(path: Path) -> None:
    """Make the CLP of transaction set 0002 unreadable, leaving the envelope intact."""
    text = path.read_text()
    head, tail = text.split("ST*835*0002", 1)
    tail = tail.replace("CLP*PCN2*1*300*", "CLP*PCN2*1*3X0*", 1)
    path.write_text(head + "ST*835*0002" + tail)


def test_summary_and_rows_of_a_file(engine: Engine, tmp_path: Path) -> None:
    path = write_835_file(tmp_path / "a.835", _payments())
    summary = ingest_paths(engine, [path], steps=[])
    data = summary.to_json()
    assert SUMMARY_KEYS <= set(data)
    assert data["files"] == 1
    assert data["transactions"] == 3
    assert data["claims"] == 3
    assert data["service_lines"] == 4
    assert data["adjustments"] == 4
    assert data["total_charge"] == "300.00"  # 150 + 300 - 150
    assert data["total_paid"] == "200.00"  # 100 + 200 - 100
    assert data["bpr_total"] == "202.50"  # 100 + 202.50 - 100
    assert data["plb_total"] == "-2.50"
    assert data["reversals"] == 1
    assert data["unbalanced"] == []
    assert data["quarantined"] == []
    assert data["duplicates_skipped"] == 0
    json.dumps(data)  # plain JSON all the way down

    counts = row_counts(engine)
    assert counts["remittance"] == 3 and counts["claim"] == 3 and counts["service_line"] == 4
    assert counts["provider_adjustment"] == 1
    with engine.connect() as conn:
        source = conn.execute(select(schema.SourceFile)).one()
        assert source.transactions == 3 and source.completed_at is not None
        assert source.size_bytes == path.stat().st_size
        raws = conn.execute(select(schema.Remittance.raw_x12).order_by(schema.Remittance.id))
        text = b"".join(zlib.decompress(r) for (r,) in raws)
    assert text.count(b"ST*835*") == 3 and text.count(b"SE*") == 3
    assert text.replace(b"\n", b"") in path.read_bytes().replace(b"\n", b"")


def test_reingest_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    rems = _payments()
    path = write_835_file(tmp_path / "a.835", rems)
    ingest_paths(engine, [path], steps=[])
    before = row_counts(engine)

    again = ingest_paths(engine, [path], steps=[])
    assert again.files_skipped == 1 and again.transactions == 0
    assert again.skipped_files == [{"file": str(path), "reason": "already ingested"}]

    # The same payments in a different file (other bytes: no line breaks, another
    # interchange number): every transaction set is a duplicate payment.
    other = write_835_file(
        tmp_path / "renamed.edi", _payments(), line_breaks=False, interchange_control=7
    )
    assert other.read_bytes() != path.read_bytes()
    copy = ingest_paths(engine, [other], steps=[])
    assert copy.files == 1 and copy.transactions == 0 and copy.duplicates_skipped == 3
    after = row_counts(engine)
    assert after == {**before, "source_file": before["source_file"] + 1}


def test_bad_transaction_set_is_quarantined_and_the_good_ones_stored(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_835_file(tmp_path / "mixed.835", _payments())
    _corrupt_second_claim_charge(path)
    summary = ingest_paths(engine, [path], steps=[])
    assert summary.transactions == 2
    assert len(summary.quarantined) == 1
    item = summary.quarantined[0]
    assert item["file"] == str(path) and item["st_control"] == "0002"
    assert item["segment_number"] > 3 and item["byte_offset"] > 0
    with engine.connect() as conn:
        kept = conn.execute(select(schema.Quarantine)).one()
        traces = conn.execute(select(schema.Remittance.trace_number)).scalars().all()
    assert sorted(traces) == ["TR1", "TR3"]
    raw = zlib.decompress(kept.raw_text)
    assert raw.startswith(b"ST*835*0002") and b"3X0" in raw
    assert (kept.path, kept.st_control) == (str(path), "0002")
    assert kept.segment_number == item["segment_number"]
    assert kept.byte_offset == item["byte_offset"]
    assert kept.error

    # The same bad text in another file is another row: rows are keyed by file and
    # position, never by content alone (issue 8).
    copy = tmp_path / "copy.835"
    copy.write_bytes(path.read_bytes() + b"\n")
    again = ingest_paths(engine, [copy], steps=[])
    assert len(again.quarantined) == 1
    assert row_counts(engine)["quarantine"] == 2


def test_cli_exits_1_and_lists_the_quarantine(engine: Engine, tmp_path: Path) -> None:
    path = write_835_file(tmp_path / "mixed.835", _payments())
    _corrupt_second_claim_charge(path)
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["transactions"] == 2 and len(data["quarantined"]) == 1
    item = data["quarantined"][0]
    segment = item["error_segment"]  # the failing CLP, not the ST where the set starts
    assert segment > item["segment_number"]
    assert f"quarantined: {path} segment {segment}: CLP03 '3X0': not a decimal" in result.stderr
    assert "DOE" not in result.stderr and "JANE" not in result.stderr


def test_cli_human_table_and_clean_exit(engine: Engine, tmp_path: Path) -> None:
    path = write_835_file(tmp_path / "a.835", _payments())
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine)])
    assert result.exit_code == 0, result.output
    assert "claims" in result.stdout and "300.00" in result.stdout
    again = CliRunner().invoke(app, ["ingest", str(path), "--db", url_of(engine), "--quiet"])
    assert again.exit_code == 0 and again.stdout == ""


def test_cli_missing_path_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.835"), "--db", sqlite_url])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: no such file or folder")


def test_unbalanced_payment_is_stored_and_listed(engine: Engine, tmp_path: Path) -> None:
    off = remittance([claim("PCN9")], trace="OFF", payment_amount=D("90.00"))
    path = write_835_file(tmp_path / "off.835", [off])
    summary = ingest_paths(engine, [path], steps=[])
    assert summary.transactions == 1
    assert summary.unbalanced and summary.unbalanced[0]["level"] == "payment"
    assert summary.unbalanced[0]["file"] == str(path)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.Remittance)).one()
    assert stored.balanced is False and stored.payment_amount == D("90.00")
    assert stored.balance_errors


def test_zip_and_folder_ingest(engine: Engine, tmp_path: Path) -> None:
    rems = _payments()
    folder = tmp_path / "drop"
    # batch.zip sorts before sub/, so the original claim (in the zip) is stored first.
    write_835_file(folder / "sub" / "two.835", rems[1:])
    member = tmp_path / "one.835"
    write_835_file(member, rems[:1])
    with zipfile.ZipFile(folder / "batch.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(member, "inner/one.835")
    summary = ingest_paths(engine, [folder], steps=[])
    assert (summary.files, summary.transactions, summary.reversals) == (2, 3, 1)
    with engine.connect() as conn:
        paths = conn.execute(select(schema.SourceFile.path)).scalars().all()
    assert sorted(paths) == [f"{folder}/batch.zip!inner/one.835", f"{folder}/sub/two.835"]


def test_a_file_that_is_not_x12_is_quarantined_whole(engine: Engine, tmp_path: Path) -> None:
    junk = tmp_path / "export.dat"
    junk.write_bytes(b"claim,paid\n1,2\n")
    summary = ingest_paths(engine, [junk], steps=[])
    assert summary.transactions == 0
    assert [(q["file"], q["segment_number"]) for q in summary.quarantined] == [(str(junk), 1)]
    with engine.connect() as conn:
        kept = conn.execute(select(schema.Quarantine)).one()
        source = conn.execute(select(schema.SourceFile)).one()
    assert zlib.decompress(kept.raw_text) == junk.read_bytes()
    assert (source.quarantined, source.transactions) == (1, 0)
    assert source.completed_at is not None  # read to the end: not resumed next time
    assert ingest_paths(engine, [junk], steps=[]).files_skipped == 1


def test_what_the_database_refuses_is_quarantined(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL enforces VARCHAR lengths; such a set is quarantined, the rest stored."""
    too_long = remittance([claim("P" * 70)], trace="LONG", st_control="0001")
    fine = remittance([claim("OK1")], trace="FINE", st_control="0002")
    path = write_835_file(tmp_path / "long.835", [too_long, fine])
    summary = ingest_paths(engine, [path], steps=[])
    if engine.dialect.name == "postgresql":
        assert summary.transactions == 1
        assert [q["st_control"] for q in summary.quarantined] == ["0001"]
        assert summary.quarantined[0]["reason"].startswith("database refused")
        assert "PPPP" not in summary.quarantined[0]["error"]  # no values in the message
        with engine.connect() as conn:
            assert conn.execute(select(schema.Remittance.trace_number)).scalars().all() == ["FINE"]
    else:  # SQLite does not enforce lengths: both are stored as received
        assert summary.transactions == 2 and summary.quarantined == []


def test_ingest_remittance_stores_once_in_the_callers_transaction(engine: Engine) -> None:
    from datetime import UTC, datetime

    from denialops.store.ingest import ingest_remittance

    rem = remittance([claim("PCN-API")], trace="API1")
    with engine.begin() as conn:
        file_id = conn.execute(
            schema.SourceFile.__table__.insert().returning(schema.SourceFile.id),
            {
                "path": "api",
                "name": "api",
                "sha256": "a" * 64,
                "size_bytes": 0,
                "ingested_at": datetime.now(UTC),
                "transactions": 0,
                "quarantined": 0,
            },
        ).scalar_one()
        first = ingest_remittance(conn, rem, file_id)
        assert first is not None
        assert ingest_remittance(conn, rem, file_id) is None  # same payment: skipped
    with engine.connect() as conn:
        stored = conn.execute(select(schema.Remittance.id, schema.Remittance.balanced)).one()
    assert tuple(stored) == (first, True)


def test_reversals_count_what_was_read_and_say_how_many_were_linked(
    engine: Engine, tmp_path: Path
) -> None:
    """A reversal of a claim paid before go-live has no original here: read, not linked."""
    orphan = remittance(
        [claim("OLD1", status="22", icn="ICN-OLD", sign=-1)], trace="TRO", st_control="0009"
    )
    path = write_835_file(tmp_path / "a.835", [*_payments(), orphan])
    data = ingest_paths(engine, [path], steps=[]).to_json()
    assert (data["reversals"], data["reversals_linked"], data["reversals_unmatched"]) == (2, 1, 1)
