"""The pure part of the Spark ingest (no Spark): splitting, global ids, one unit's rows."""

from __future__ import annotations

from pathlib import Path

from denialops.analytics.fact_schema import BY_NAME, CLAIM_FACTS
from denialops.spark.pieces import (
    Unit,
    UnitResult,
    cob_level,
    display_name,
    global_id,
    link_reversals,
    run_unit,
    units_of_file,
)
from denialops.spark.split import split_file
from denialops.synth.generate import SynthConfig, write_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "835"


def _synth_file(tmp_path: Path, claims: int = 120) -> Path:
    config = SynthConfig(seed=11, claims=claims, claims_per_payment=(3, 8))
    return write_files(tmp_path, config, claims_per_file=claims)[0]


def test_global_ids_are_deterministic_and_distinct() -> None:
    a = global_id("ab" * 32, "c", 10, 1)
    assert a == global_id("ab" * 32, "c", 10, 1)
    assert 0 < a < 2**63
    ids = {global_id("ab" * 32, "c", seg, seq) for seg in range(200) for seq in range(50)}
    ids |= {global_id("cd" * 32, "c", seg, seq) for seg in range(200) for seq in range(50)}
    assert len(ids) == 20_000


def test_display_name_is_the_local_path_or_the_url() -> None:
    assert display_name("file:/data/my%20remits/a.835") == "/data/my remits/a.835"
    assert display_name("/data/a.835") == "/data/a.835"
    assert display_name("s3a://bucket/x/a.835") == "s3a://bucket/x/a.835"


def test_a_small_file_is_one_unit_and_a_large_one_is_cut_at_transaction_sets(
    tmp_path: Path,
) -> None:
    path = _synth_file(tmp_path)
    data = path.read_bytes()
    assert len(units_of_file("file:" + str(path), data, explicit=True)) == 1
    units = units_of_file("file:" + str(path), data, explicit=True, split_bytes=len(data) // 4)
    assert len(units) >= 3
    for unit in units:
        assert unit.data.startswith(b"ISA") and b"ST*835*" in unit.data
        assert unit.data.rstrip().endswith(b"~") and b"~IEA*1*" in unit.data
    # every transaction set lands in exactly one piece
    assert sum(u.data.count(b"ST*835*") for u in units) == data.count(b"ST*835*")


def test_folder_files_that_do_not_look_like_x12_are_skipped() -> None:
    assert units_of_file("file:/x/readme.md", b"# notes", explicit=False) == []
    assert len(units_of_file("file:/x/readme.md", b"# notes", explicit=True)) == 1


CROSS_FILE = ("is_initial", "resubmitted", "npsr_cents")


def _rows(results: list[UnitResult], table: str) -> list[tuple[object, ...]]:
    """The table's rows without the flags the Spark job recomputes across the dataset."""
    names = BY_NAME[table].column_names
    keep = [i for i, name in enumerate(names) if name not in CROSS_FILE]
    return sorted(
        (tuple(row[i] for i in keep) for r in results for row in r.facts[table]), key=repr
    )


def test_a_file_split_into_pieces_gives_the_same_facts_as_unsplit(tmp_path: Path) -> None:
    path = _synth_file(tmp_path)
    data = path.read_bytes()
    url = "file:" + str(path)
    whole = [run_unit(u) for u in units_of_file(url, data, explicit=True)]
    pieces = units_of_file(url, data, explicit=True, split_bytes=len(data) // 3)
    assert len(pieces) >= 3
    split = [run_unit(u) for u in pieces]
    assert len(_rows(whole, "fact_claim")) == 120
    # flags that depend on other claims are recomputed across the dataset by the Spark
    # job (tests/spark/test_spark_ingest.py); everything else is equal row for row
    for table in CLAIM_FACTS:
        assert _rows(split, table) == _rows(whole, table), table
    raw_whole = {r.remittance_id: (r.segment_number, r.raw) for r in whole[0].raw_sets}
    raw_split = {r.remittance_id: (r.segment_number, r.raw) for u in split for r in u.raw_sets}
    assert raw_split == raw_whole


def test_a_quarantined_set_in_a_piece_keeps_the_file_positions_and_error_text(
    tmp_path: Path,
) -> None:
    path = _synth_file(tmp_path)
    data = path.read_bytes()
    # break the charge (CLP03) of the last claim of the file
    start = data.rfind(b"\nCLP*") + 1
    end = data.find(b"~", start)
    fields = data[start:end].split(b"*")
    fields[3] = b"12X.00"
    bad = data[:start] + b"*".join(fields) + data[end:]
    path.write_bytes(bad)
    url = "file:" + str(path)
    whole = run_unit(units_of_file(url, bad, explicit=True)[0])
    split = [run_unit(u) for u in units_of_file(url, bad, explicit=True, split_bytes=len(bad) // 3)]
    (expected,) = whole.quarantine
    (found,) = [q for u in split for q in u.quarantine]
    assert found == expected
    assert str(path) in found.error and "CLP03" in found.error


def test_reversals_link_to_the_newest_earlier_original_once() -> None:
    claims = [
        ((1,), 10, "1", "ICN1", 5000),
        ((2,), 11, "1", "ICN2", 5000),
        ((3,), 12, "22", "ICN1", -5000),
        ((4,), 13, "22", "", -5000),
        ((5,), 14, "22", "", -5000),
    ]
    assert link_reversals(claims) == {12: 10, 13: 11}
    assert [cob_level(s) for s in ("1", "2", "21", "22", None)] == [1, 2, 3, 0, 0]


def test_fixture_files_run_as_units_with_the_cli_error_text() -> None:
    path = FIXTURES / "public" / "editools_4010_cartoon.835"
    result = run_unit(Unit(str(path), "0" * 64, path.read_bytes()))
    assert [q.error_segment for q in result.quarantine] == [19, 97]
    assert all(q.error.startswith(f"{path}, segment ") for q in result.quarantine)
    assert split_file(path.read_bytes(), piece_bytes=1 << 20)[0][0].data == path.read_bytes()
