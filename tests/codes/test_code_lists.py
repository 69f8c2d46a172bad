"""The CARC/RARC lists: X12's CSV layout, the shipped data, dated lookups, loading a newer list."""

from __future__ import annotations

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

REFDATA = Path("/work/shared/refdata")
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


@pytest.mark.parametrize("name", ["carc", "rarc"])
def test_package_data_is_what_the_loader_makes_of_the_source(name: str, tmp_path: Path) -> None:
    """The shipped files were written by load_code_file; rebuilding gives the same codes."""
    rebuilt = load_code_file(REFDATA / f"{name}.csv", list_name=name, into=tmp_path / "o")  # type: ignore[arg-type]
    shipped = (PACKAGE_DATA / f"{name}.csv").read_text("utf-8")
    assert rebuilt.path.read_text("utf-8") == shipped
    provenance = json.loads((PACKAGE_DATA / f"{name}.provenance.json").read_text("utf-8"))
    assert provenance["codes"] == rebuilt.codes
    assert provenance["codes_with_dates"] == 0
    assert "OpenEMR" in provenance["note"]


def test_shipped_lists_are_complete_as_far_as_the_source_goes() -> None:
    carcs = code_list("carc").entries
    rarcs = code_list("rarc").entries
    assert len(carcs) == 291 and len(rarcs) == 1083
    assert {"1", "45", "305", "A1", "B23", "P29"} <= carcs.keys()
    assert {"M1", "MA130", "N386", "N885"} <= rarcs.keys()
    assert carc("45") is not None and carc("45").text.startswith("Charge exceeds fee schedule")  # type: ignore[union-attr]


def test_undated_codes_report_unknown_status_not_an_invented_date() -> None:
    info = carc("50", date(2024, 5, 1))
    assert info is not None
    assert (info.start, info.stop, info.status) == (None, None, "unknown")


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
