"""Discovery of sources: files, folders recursively, zip archives and their members."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from denialops.errors import InputLimitError, X12SyntaxError
from denialops.pipeline import ingest_paths
from denialops.store import schema
from denialops.store.files import MAX_ZIP_DEPTH, Source, discover, looks_like_x12

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


# -- only regular files; archives inside archives; broken archives (issue 9) ------------

PROFESSIONAL = Path(__file__).resolve().parents[1] / "fixtures" / "835" / "professional.835"


def test_fifo_named_on_the_command_line_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.835"
    os.mkfifo(fifo)  # opening it for reading would block forever
    with pytest.raises(InputLimitError, match="pipe.835 is a FIFO") as caught:
        discover([fifo])
    assert "\n" not in str(caught.value)
    (tmp_path / "in").mkdir()
    os.mkfifo(tmp_path / "in" / "other.835")
    assert discover([tmp_path / "in"]) == []  # inside folders: skipped, never opened


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_devices_are_refused() -> None:
    with pytest.raises(InputLimitError, match="/dev/zero is a character device"):
        discover(["/dev/zero"])


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_zip_inside_a_zip_is_read(tmp_path: Path) -> None:
    inner = _zip_bytes({"deep/b.835": ISA + b"B", "c.pdf": b"%PDF"})
    outer = _zip(tmp_path / "outer.zip", {"a.835": ISA + b"A", "batch/inner.zip": inner})
    sources = discover([outer])
    assert [s.name for s in sources] == [
        f"{outer}!a.835",
        f"{outer}!batch/inner.zip!deep/b.835",
    ]
    nested = sources[1]
    assert (nested.inner, nested.member, nested.problem) == (("batch/inner.zip",), "deep/b.835", "")
    with nested.open() as stream:
        assert stream.read() == ISA + b"B"
    assert nested.read_from(len(ISA)) == b"B"


def test_zip_nesting_beyond_the_limit_is_reported_not_skipped(tmp_path: Path) -> None:
    data = _zip_bytes({"x.835": ISA})
    for level in range(MAX_ZIP_DEPTH):
        data = _zip_bytes({f"level{level}.zip": data})
    (source,) = discover([_zip(tmp_path / "top.zip", {"n.zip": data})])
    assert "nested deeper than" in source.problem
    with source.open() as stream, pytest.raises(X12SyntaxError, match="nested deeper"):
        stream.read()


def test_corrupt_zip_becomes_an_unreadable_source_with_its_bytes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (source,) = discover([broken])
    assert source.problem.startswith("corrupt zip archive")
    with source.open() as stream, pytest.raises(X12SyntaxError, match="corrupt zip"):
        stream.read()
    assert source.read_from(0) == broken.read_bytes()


def _bad_crc_zip(path: Path) -> Path:
    payload = (PROFESSIONAL.read_bytes() + b" ") * 3
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("bad.835", payload)
    data = bytearray(path.read_bytes())
    at = data.index(b"ACME HEALTH PLAN")
    data[at] = ord("X")  # same length, stored: only the CRC notices
    path.write_bytes(bytes(data))
    return path


def test_member_with_a_bad_crc_is_marked_when_hashed(tmp_path: Path) -> None:
    archive = _bad_crc_zip(tmp_path / "crc.zip")
    (source,) = discover([archive])
    assert source.problem == ""
    source.sha256()  # reads the member whole: the CRC check fails here
    assert "Bad CRC" in source.problem or "CRC" in source.problem
    with source.open() as stream, pytest.raises(X12SyntaxError):
        stream.read()
    assert source.read_from(0) == archive.read_bytes()


def test_broken_archives_are_quarantined_and_the_run_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    _bad_crc_zip(folder / "b_crc.zip")
    (folder / "c_good.835").write_bytes(PROFESSIONAL.read_bytes())
    summary = ingest_paths(engine, [folder], steps=[])
    assert summary.transactions == 1
    reasons = sorted(item["reason"] for item in summary.quarantined)
    assert len(reasons) == 2
    assert reasons[0].startswith("archive member cannot be read") or "CRC" in reasons[0]
    assert any(r.startswith("corrupt zip archive") for r in reasons)
    with engine.connect() as conn:
        kept = conn.execute(select(schema.Quarantine)).all()
    raws = sorted(zlib.decompress(row.raw_text) for row in kept)
    assert (folder / "a_broken.zip").read_bytes() in raws
    assert (folder / "b_crc.zip").read_bytes() in raws
