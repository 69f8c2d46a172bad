"""The CARC/RARC lists: X12's CSV layout, the shipped data, dated lookups, loading a newer list."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from denialops import codes
from denialops.codes import (
    CodeEntry,
    carc,
    claim_status,
    code_list,
    group_code,
    load_code_file,
    parse_x12_code_list,
    rarc,
    write_x12_code_list,
)
from denialops.errors import CodeSetError

# shared/ sits beside the repository (in CI: a copy next to the clone); tests that
# cross-check against it skip when it is absent, the package data needs nothing from it.
REFDATA = Path(__file__).resolve().parents[2].parent / "shared" / "refdata"
needs_refdata = pytest.mark.skipif(
    not (REFDATA / "carc.csv").exists(), reason="../shared/refdata not beside the repository"
)
PACKAGE_DATA = Path(codes.__file__).with_name("data")

# X12's published layout: two columns, the description running over several lines and
# ending with its dates (and notes that may themselves wrap).
X12_SAMPLE = """Code,Description
"16","Claim/service lacks information or has submission/billing error(s).
Start: 01/01/1995
Last Modified: 03/01/2018
Notes: Related to 125"
"15","The authorization number is missing, invalid, or does not apply to the billed
services or provider.
Start: 01/01/1995
Stop: 03/01/2019
Last Modified: 09/30/2007"
"306","A code from a future list.
Start: 07/01/2099"
"""

# The same layout without quoting: continuation lines are not codes.
X12_UNQUOTED = """Code,Description
1,Deductible Amount
Start: 01/01/1995
2,Coinsurance Amount
Start: 01/01/1995
Last Modified: 01/01/2020
Notes: Wraps over
two lines.
"""


@pytest.fixture(autouse=True)
def _own_codes_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty user code folder, so nothing leaks between tests."""
    folder = tmp_path / "codes"
    monkeypatch.setenv(codes.CODES_DIR_ENV, str(folder))
    return folder


def test_x12_layout_gives_text_and_dates() -> None:
    entries = {e.code: e for e in parse_x12_code_list(X12_SAMPLE)}
    assert entries["16"].text.startswith("Claim/service lacks information")
    assert "Start:" not in entries["16"].text
    assert entries["16"].start == date(1995, 1, 1)
    assert entries["16"].stop is None
    assert entries["16"].last_modified == date(2018, 3, 1)
    assert entries["16"].notes == "Related to 125"
    assert entries["15"].stop == date(2019, 3, 1)
    assert entries["306"].start == date(2099, 7, 1)


def test_unquoted_continuation_lines_belong_to_the_previous_code() -> None:
    entries = parse_x12_code_list(X12_UNQUOTED)
    assert [e.code for e in entries] == ["1", "2"]
    assert entries[1].text == "Coinsurance Amount"
    assert entries[1].last_modified == date(2020, 1, 1)
    assert entries[1].notes == "Wraps over two lines."


def test_writing_and_reading_back_is_lossless() -> None:
    entries = parse_x12_code_list(X12_SAMPLE)
    assert parse_x12_code_list(write_x12_code_list(entries)) == entries


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('Code,Description\n"16","x\nStart: 13/45/1995"\n', "line 2: code 16: date '13/45/1995'"),
        ('Code,Description\n"16","one"\n"16","two"\n', "line 3: code 16 already given on line 2"),
        ("Code,Description\n", "no codes found"),
        ("hello,world\n", "line 1: expected a code in the first column"),
        ('Code,Description\n"16",""\n', "code 16 has no description"),
    ],
)
def test_unreadable_lists_are_refused_with_the_line(content: str, message: str) -> None:
    with pytest.raises(CodeSetError) as caught:
        parse_x12_code_list(content, source="list.csv")
    assert message in str(caught.value)
    assert str(caught.value).startswith("list.csv")


@needs_refdata
@pytest.mark.parametrize("name", ["carc", "rarc"])
def test_package_data_is_what_the_loader_makes_of_the_source(name: str, tmp_path: Path) -> None:
    """The shipped files were written by load_code_file; rebuilding gives the same codes."""
    rebuilt = load_code_file(REFDATA / f"{name}.csv", list_name=name, into=tmp_path / "o")  # type: ignore[arg-type]
    shipped = (PACKAGE_DATA / f"{name}.csv").read_text("utf-8")
    assert rebuilt.path.read_text("utf-8") == shipped
    provenance = json.loads((PACKAGE_DATA / f"{name}.provenance.json").read_text("utf-8"))
    assert provenance["codes"] == rebuilt.codes
    assert provenance["codes_with_dates"] == rebuilt.with_dates
    assert provenance["deactivated"] == rebuilt.deactivated
    assert "x12" in provenance["note"].lower()


@needs_refdata
@pytest.mark.parametrize("name", ["carc", "rarc"])
def test_every_field_of_the_source_is_shipped(name: str) -> None:
    """Text, start, stop and per-field provenance of every code match shared/refdata."""
    with (REFDATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        source = {row["code"]: row for row in csv.DictReader(handle)}
    shipped = code_list(name).entries  # type: ignore[arg-type]
    assert shipped.keys() == source.keys()
    for code, row in source.items():
        entry = shipped[code]
        assert entry.text == row["description"], code
        assert (entry.start.isoformat() if entry.start else "") == row["start"], code
        stop = entry.stop.isoformat() if entry.stop else ("unknown" if entry.stop_unknown else "")
        assert stop == row["stop"], code
        assert entry.source == row["source"], code


@pytest.mark.parametrize(("name", "total", "deactivated"), [("carc", 407, 110), ("rarc", 1216, 79)])
def test_shipped_lists_are_complete_and_dated(name: str, total: int, deactivated: int) -> None:
    entries = code_list(name).entries  # type: ignore[arg-type]
    assert len(entries) == total
    assert sum(1 for e in entries.values() if e.deactivated) == deactivated
    assert all(e.source.startswith("desc=") for e in entries.values())


def test_shipped_texts_follow_the_newest_wording() -> None:
    info = carc("204")
    assert info is not None
    assert info.text == (
        "This service/equipment/drug is not covered under the patient's current benefit plan"
    )
    assert {"1", "45", "305", "307", "308", "A1", "B23", "P32", "W9", "Y3", "D23"} <= (
        code_list("carc").entries.keys()
    )
    assert {"M1", "MA130", "N386", "N885", "N940"} <= code_list("rarc").entries.keys()
    assert carc("45") is not None and carc("45").text.startswith("Charge exceeds fee schedule")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "on", "status", "stop"),
    [
        ("62", date(2007, 3, 31), "active", date(2007, 4, 1)),  # last day in force
        ("62", date(2007, 4, 1), "expired", date(2007, 4, 1)),  # stop dates are exclusive
        ("41", date(2003, 10, 16), "expired", date(2003, 10, 16)),
        ("165", date(2018, 4, 30), "active", date(2018, 5, 1)),
        ("165", date(2025, 1, 1), "expired", date(2018, 5, 1)),
        ("45", date(2025, 1, 1), "active", None),
        ("45", date(1994, 12, 31), "not_yet_valid", None),  # start 1995-01-01
    ],
)
def test_carc_lookups_are_dated(code: str, on: date, status: str, stop: date | None) -> None:
    info = carc(code, on)
    assert info is not None
    assert (info.status, info.stop) == (status, stop)


def test_undated_codes_report_unknown_status_not_an_invented_date() -> None:
    info = carc("307", date(2026, 5, 1))
    assert info is not None
    assert (info.start, info.stop, info.status) == (None, None, "unknown")
    assert "start=unknown" in info.source


def test_a_code_deactivated_without_a_date_is_reported_on_every_date() -> None:
    info = rarc("N793", date(2018, 1, 1))
    assert info is not None
    assert (info.stop, info.stop_unknown, info.status) == (None, True, "deactivated")
    assert info.deactivated


def test_the_source_layout_with_an_unknown_stop_and_provenance_round_trips() -> None:
    content = (
        "code,description,start,stop,source\n"
        'N793,"Alert: retired",2017-07-01,unknown,desc=x;stop=unknown\n'
        "N794,Payment adjusted.,2017-07-01,,desc=x;start=y\n"
    )
    entries = parse_x12_code_list(content)
    assert entries[0].stop_unknown and entries[0].stop is None and entries[0].deactivated
    assert entries[1].source == "desc=x;start=y" and not entries[1].deactivated
    written = write_x12_code_list(entries)
    assert "Stop: unknown" in written and "Source: desc=x;start=y" in written
    assert parse_x12_code_list(written) == entries


def test_alert_remarks_are_recognised() -> None:
    alert = rarc("N211")
    assert alert is not None and alert.is_alert
    reason = rarc("MA130")
    assert reason is not None and not reason.is_alert


def test_lookup_is_case_and_space_tolerant_and_unknown_is_none() -> None:
    assert rarc(" ma130 ") is not None
    assert carc("999") is None
    assert rarc("N99999") is None


def test_group_codes_and_claim_statuses_ship_with_texts() -> None:
    assert group_code("co") == "Contractual Obligations"
    assert group_code("PR") == "Patient Responsibility"
    assert set(codes.group_codes()) == {"CO", "CR", "OA", "PI", "PR"}
    assert claim_status("4") == "Denied"
    assert claim_status("22") == "Reversal of Previous Payment"
    assert set(codes.claim_statuses()) == {
        "1", "2", "3", "4", "19", "20", "21", "22", "23", "25",
    }  # fmt: skip


def test_loading_a_newer_list_overlays_the_shipped_one(
    tmp_path: Path, _own_codes_dir: Path
) -> None:
    source = tmp_path / "carc-x12.csv"
    source.write_text(X12_SAMPLE, encoding="utf-8")
    result = load_code_file(source)  # list detected from the codes
    assert result.list_name == "carc"
    assert result.path == _own_codes_dir / "carc.csv"
    assert (result.codes, result.with_dates, result.expired_today) == (3, 3, 1)
    # the deactivated code is judged by date
    assert carc("15", date(2018, 1, 1)).status == "active"  # type: ignore[union-attr]
    assert carc("15", date(2019, 3, 1)).status == "expired"  # type: ignore[union-attr]
    assert carc("306", date(2026, 1, 1)).status == "not_yet_valid"  # type: ignore[union-attr]
    # a loaded code replaces the shipped one; codes the file lacks stay as shipped
    assert carc("16", date(2020, 1, 1)).status == "active"  # type: ignore[union-attr]
    assert carc("45") is not None
    provenance = json.loads((_own_codes_dir / "carc.provenance.json").read_text("utf-8"))
    assert provenance["source_file"] == "carc-x12.csv" and provenance["codes"] == 3


def test_loading_refuses_the_wrong_list(tmp_path: Path) -> None:
    source = tmp_path / "rarc.csv"
    source.write_text('Code,Description\n"N1","Alert: something"\n"M2","Other"\n', "utf-8")
    with pytest.raises(CodeSetError, match="looks like a RARC list, not carc"):
        load_code_file(source, list_name="carc")
    assert load_code_file(source).list_name == "rarc"


def test_loading_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CodeSetError, match="cannot read"):
        load_code_file(tmp_path / "nope.csv")


def test_code_entry_is_plain_data() -> None:
    entry = CodeEntry("1", "Deductible Amount")
    assert entry.start is None and entry.notes == ""
