"""Atomic outputs and limited YAML: the shared helpers of denialops.files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from denialops.errors import InputLimitError, OutputError
from denialops.files import atomic_directory, atomic_output, atomic_path, load_yaml

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    out.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_output(out, text=True) as handle:
            handle.write("half of the new")
            raise RuntimeError("disk full")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    with atomic_output(out, text=True) as handle:
        handle.write("new\n")
    assert out.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_a_path_keeps_its_suffix_for_libraries_that_choose_by_name(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "chart.png") as temporary:
        assert temporary.suffix == ".png" and temporary.parent == tmp_path
        assert temporary.name.startswith(".")
        temporary.write_bytes(b"png")
    assert (tmp_path / "chart.png").read_bytes() == b"png"


def test_outputs_to_a_folder_or_a_missing_folder_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        with atomic_output(tmp_path):
            pass
    with pytest.raises(OutputError, match="does not exist"):
        with atomic_output(tmp_path / "nowhere" / "x.pdf"):
            pass


def test_a_directory_output_replaces_everything_an_earlier_run_left(tmp_path: Path) -> None:
    export = tmp_path / "export"
    (export / "month=2026-01").mkdir(parents=True)
    (export / "month=2026-01" / "part.parquet").write_bytes(b"old")
    with atomic_directory(export) as folder:
        (folder / "month=2026-02").mkdir()
        (folder / "month=2026-02" / "part.parquet").write_bytes(b"new")
    assert sorted(p.name for p in export.iterdir()) == ["month=2026-02"]
    assert [p.name for p in tmp_path.iterdir()] == ["export"]
    with pytest.raises(ValueError):
        with atomic_directory(export) as folder:
            (folder / "junk").write_bytes(b"x")
            raise ValueError("failed half way")
    assert sorted(p.name for p in export.iterdir()) == ["month=2026-02"]


def test_yaml_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(InputLimitError, match=r"fills.yaml: line 1: YAML anchors \(&a\)"):
        load_yaml(BOMB, name="fills.yaml")
    assert time.monotonic() - start < 1
    with pytest.raises(InputLimitError, match="over the limit"):
        load_yaml("a: " + "x" * 2000, max_bytes=1000)
    assert load_yaml("signer: A. Coder\nargument: |\n  two\n  lines\n") == {
        "signer": "A. Coder",
        "argument": "two\nlines\n",
    }
