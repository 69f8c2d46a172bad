"""Discovery of sources: files, folders recursively, zip archives and their members."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from denialops.store.files import Source, discover, looks_like_x12

ISA = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    b"*240314*1200*^*00501*000000001*0*P*:~"
)


def test_folders_are_searched_recursively_for_x12_looking_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "top.835").write_bytes(ISA)
    (tmp_path / "a" / "remit.EDI").write_bytes(b"whatever")
    (tmp_path / "a" / "b" / "no_suffix").write_bytes(b"\r\n" + ISA)
    (tmp_path / "a" / "b" / "notes.md").write_bytes(b"# not an 835")
    (tmp_path / "a" / "b" / "data.csv").write_bytes(b"x,y")
    names = [Path(s.name).relative_to(tmp_path).as_posix() for s in discover([tmp_path])]
    assert names == ["a/b/no_suffix", "a/remit.EDI", "top.835"]


def test_zip_members_are_sources_streamed_from_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024/03/one.835", ISA + b"ST*835*0001~")
        zf.writestr("two.x12", ISA)
        zf.writestr("readme.pdf", b"%PDF-1.4")
        zf.writestr("2024/", b"")
    sources = discover([archive])
    assert [s.member for s in sources] == ["2024/03/one.835", "two.x12"]
    first = sources[0]
    assert first.name == f"{archive}!2024/03/one.835"
    assert first.size == len(ISA) + 12
    with first.open() as stream:
        assert stream.read() == ISA + b"ST*835*0001~"
    assert first.read_from(len(ISA)) == b"ST*835*0001~"


def test_zip_inside_a_folder_and_duplicates_named_twice(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "x.zip", "w") as zf:
        zf.writestr("m.835", ISA)
    (folder / "f.txt").write_bytes(ISA)
    sources = discover([folder, folder / "f.txt"])
    assert [(Path(s.path).name, s.member) for s in sources] == [("f.txt", None), ("x.zip", "m.835")]


def test_a_file_named_explicitly_is_taken_whatever_its_name(tmp_path: Path) -> None:
    odd = tmp_path / "export.dat"
    odd.write_bytes(b"garbage")
    assert discover([odd]) == [Source(path=odd, size=7)]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        discover([tmp_path / "nope"])


def test_x12_is_recognised_by_suffix_or_content() -> None:
    assert looks_like_x12("a.TXT", b"")
    assert looks_like_x12("a", b"\xef\xbb\xbfISA*")
    assert not looks_like_x12("a.pdf", b"%PDF")
