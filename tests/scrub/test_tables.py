"""Loaders for CMS's own NCCI PTP and MUE layouts, and the shipped tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from denialops.errors import CodeSetError
from denialops.scrub.tables import (
    EditTables,
    add_on_edits,
    effective_from_name,
    hcpcs_level2,
    load_mue,
    load_ptp,
    places_of_service,
    read_ptp_file,
    shipped_mue,
)
from tests.scrub.builders import PTP_PREAMBLE, write_mue, write_ptp


def test_ptp_file_in_cms_layout_is_read_after_its_preamble(tmp_path: Path) -> None:
    path = write_ptp(
        tmp_path / "ccipra-v303r0-f1.txt",
        [("0001A", "0591T", "20210101", "*", "1"), ("10021", "10004", "20190101", "20201231", "0")],
    )
    rows = list(read_ptp_file(path))
    assert rows == [
        ("0001A", "0591T", 20210101, None, "1", "Standards of medical / surgical practice"),
        ("10021", "10004", 20190101, 20201231, "0", "Standards of medical / surgical practice"),
    ]


def test_ptp_row_breaking_the_layout_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(
        PTP_PREAMBLE + "0001A\t0591T\t \t20210101\t*\t1\tok\n0001A\t0592T\t \t2021\t*\t1\tx\n"
    )
    with pytest.raises(CodeSetError, match=r"bad.txt, line 6: row .* does not follow the PTP"):
        list(read_ptp_file(path))
    path.write_text(PTP_PREAMBLE + "0001A\t0591T\t \t20210101\t*\t7\tx\n")
    with pytest.raises(CodeSetError, match=r"line 5: modifier indicator '7'"):
        list(read_ptp_file(path))
    path.write_text(PTP_PREAMBLE)
    with pytest.raises(CodeSetError, match="no PTP rows found"):
        list(read_ptp_file(path))


def test_loading_ptp_twice_keeps_one_row_per_pair(tmp_path: Path) -> None:
    path = write_ptp(tmp_path / "p.txt", [("99213", "36415", "20240101", "*", "0")])
    folder = tmp_path / "store"
    assert load_ptp(path, "practitioner", folder=folder).rows == 1
    assert load_ptp(path, "practitioner", folder=folder).rows == 1
    with EditTables(folder) as tables:
        assert len(tables.ptp_pairs("practitioner", ["99213", "36415"], date(2024, 5, 1))) == 1
        assert tables.ptp_pairs("hospital", ["99213", "36415"], date(2024, 5, 1)) == []


def test_mue_file_in_cms_layout(tmp_path: Path) -> None:
    path = write_mue(
        tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2025.csv",
        [("97110", 4, "3 Date of Service Edit: Clinical"), ("99486", 2, "1 Line Edit")],
        "Practitioner Services",
    )
    folder = tmp_path / "store"
    result = load_mue(path, folder=folder)
    assert (result.kind, result.rows, result.effective) == ("practitioner", 2, date(2025, 1, 1))
    with EditTables(folder) as tables:
        newer = tables.mue("practitioner", "97110", date(2025, 3, 1))
        older = tables.mue("practitioner", "97110", date(2024, 12, 31))
        assert newer is not None and (newer.value, newer.adjudication) == (4, 3)
        assert older is not None and older.value == 6  # the shipped 2024-07-01 table
        assert tables.mue("practitioner", "99486", date(2025, 1, 1)).per_day is False  # type: ignore[union-attr]


def test_mue_file_errors(tmp_path: Path) -> None:
    unnamed = write_mue(tmp_path / "mue.csv", [("97110", 4, "3 x")], "Practitioner Services")
    with pytest.raises(CodeSetError, match="no effective date in the file name"):
        load_mue(unnamed, folder=tmp_path)
    odd = write_mue(tmp_path / "m_Eff_01-01-2025.csv", [("97110", 4, "3 x")], "Ambulance")
    with pytest.raises(CodeSetError, match="names no known service type"):
        load_mue(odd, folder=tmp_path)
    bad = write_mue(
        tmp_path / "b_Eff_01-01-2025.csv", [("97110", 4, "7 x")], "DME Supplier Services"
    )
    with pytest.raises(CodeSetError, match="adjudication indicator '7 x'"):
        load_mue(bad, folder=tmp_path)


def test_effective_date_from_cms_file_names() -> None:
    assert effective_from_name("MCR_MUE_PractitionerServices_Eff_07-01-2024.csv") == date(
        2024, 7, 1
    )
    assert effective_from_name("mue.csv") is None


def test_shipped_tables_are_complete() -> None:
    assert len(shipped_mue("practitioner")) == 14_677
    assert len(shipped_mue("outpatient_hospital")) == 14_628
    assert len(shipped_mue("dme")) == 2_928
    assert {e.primary for e in add_on_edits()["99292"]} == {"99291"}
    assert len(hcpcs_level2()) == 8_033
    assert places_of_service()["11"] == "Office" and "98" not in places_of_service()
