"""Inputs from anywhere: compressed files, standard input, fsspec URLs, and their names."""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import subprocess
import sys
from pathlib import Path

import pytest

from newsdedup.config import Config, ReadConfig
from newsdedup.data import Document
from newsdedup.errors import InputError
from newsdedup.io.inputs import codec, is_url, open_binary, shown, staged, stamp
from newsdedup.io.read import read
from newsdedup.pipeline import run
from newsdedup.synthetic import generate, write_jsonl

CLI = str(Path(sys.executable).parent / "newsdedup")


def corpus_bytes(tmp_path: Path, n: int = 30) -> bytes:
    path = tmp_path / "c.jsonl"
    write_jsonl(generate(n, seed=3), path)
    return path.read_bytes()


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_codec_names() -> None:
    assert [codec(n) for n in ("a.jsonl.GZ", "a.csv.bz2", "a.xz", "a.zst", "a.jsonl")] == [
        ".gz",
        ".bz2",
        ".xz",
        ".zst",
        "",
    ]
    assert is_url("s3://bucket/a.jsonl") and is_url("memory://x") and not is_url("C://x")
    assert not is_url("a.jsonl") and is_url("file:///data/a.jsonl")


@pytest.mark.parametrize(
    ("suffix", "pack"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress), (".zst", None)],
)
def test_every_codec_reads_and_writes_back_the_same_records(
    tmp_path: Path, suffix: str, pack
) -> None:
    if pack is None:
        zstandard = pytest.importorskip("zstandard")
        pack = zstandard.ZstdCompressor().compress
    data = corpus_bytes(tmp_path)
    path = tmp_path / f"c.jsonl{suffix}"
    path.write_bytes(pack(data))
    assert open_binary(path).read() == data
    plain = [d for d in read([tmp_path / "c.jsonl"], ReadConfig()) if isinstance(d, Document)]
    packed = [d for d in read([path], ReadConfig()) if isinstance(d, Document)]
    assert [(d.id, d.text) for d in packed] == [(d.id, d.text) for d in plain]
    report = run([path], tmp_path / "out", Config())
    cleaned = tmp_path / "out" / "cleaned" / path.name
    kept = {json.loads(line)["id"] for line in open_binary(cleaned).read().splitlines()}
    assert kept == {r.doc_id for r in report.result.assignments if r.is_representative}


def test_corrupt_zstd_data_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    packed = bytearray(zstandard.ZstdCompressor().compress(corpus_bytes(tmp_path) * 20))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = bytes(64)  # zeros amid the frame
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(bytes(packed))
    done = subprocess.run(
        [CLI, "run", str(path), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"c.jsonl.zst" in done.stderr and b"zstd data is corrupt" in done.stderr
    assert not (tmp_path / "out").exists()


def test_standard_input_is_read_once_and_named_stdin(tmp_path: Path) -> None:
    data = corpus_bytes(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(
        [CLI, "run", "-", "-o", str(out), "-q"],
        input=data,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    rows = table(out / "clusters.csv")
    assert len(rows) == data.count(b"\n") and {row["file"] for row in rows} == {"stdin.jsonl"}
    assert (out / "cleaned" / "stdin.jsonl").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == ["-"] and manifest["input_stamps"] == [None]


def test_standard_input_of_unknown_format_asks_for_format(tmp_path: Path) -> None:
    done = subprocess.run(
        [CLI, "run", "-", "-o", str(tmp_path / "o")],
        input=b"id,text\n1,a\n",
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1 and b"--format" in done.stderr and b"Traceback" not in done.stderr
    again = subprocess.run(
        [CLI, "run", "-", "-o", str(tmp_path / "o"), "-q", "--format", "csv"],
        input=b"id,text\n1,a story\n2,another story\n",
        capture_output=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr.decode()


def test_fsspec_urls_are_staged_and_named_by_their_file(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    data = corpus_bytes(tmp_path)
    fs = fsspec.filesystem("memory")
    fs.pipe("/news/day1.jsonl", data)
    fs.pipe("/news/folder/a.txt", b"A story in a folder of text files, day one.")
    fs.pipe("/news/folder/b.txt", b"Another story in the folder, day two.")
    report = run(["memory://news/day1.jsonl", "memory://news/folder"], tmp_path / "out")
    rows = table(tmp_path / "out" / "clusters.csv")
    total = data.count(b"\n") + 2
    assert len(rows) == total and {row["file"] for row in rows} == {"day1.jsonl", "folder"}
    assert report.result.stats["kept"] + report.result.stats["grouped"] == total
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"] == ["memory://news/day1.jsonl", "memory://news/folder"]
    with pytest.raises(InputError, match="does not exist"):
        run(["memory://news/absent.jsonl"], tmp_path / "o2")
    assert not list(Path(tempfile_dir()).glob(f"newsdedup-stage-{os_pid()}-*"))


def test_errors_in_staged_inputs_name_the_input_not_the_staging_folder(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    fsspec.filesystem("memory").pipe("/bad/x.jsonl", b'{"id": "1", "text": "a"}\n{"id": "1"\n')
    with pytest.raises(InputError) as info:
        run(["memory://bad/x.jsonl"], tmp_path / "o")
    assert str(info.value).startswith("x.jsonl line 2") and "newsdedup-stage" not in str(info.value)


def test_staging_folder_is_removed_even_when_reading_fails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    fsspec = pytest.importorskip("fsspec")
    fsspec.filesystem("memory").pipe("/s/y.jsonl", b"not json\n")
    with pytest.raises(InputError), staged(["memory://s/y.jsonl"]) as local:
        assert Path(local[0]).is_file()
        raise InputError("stop")
    assert not list(tmp_path.glob("newsdedup-stage-*"))


def test_shown_takes_the_staging_folder_out_of_messages() -> None:
    text = "/tmp/newsdedup-stage-12-ab_c/0/stdin.jsonl line 3 is bad; see /tmp/x.jsonl"
    assert shown(text) == "stdin.jsonl line 3 is bad; see /tmp/x.jsonl"


def test_stamps_change_when_an_input_is_edited(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "1", "text": "x"}\n')
    before = stamp(path)
    path.write_text('{"id": "1", "text": "xy"}\n')
    assert stamp(path) != before
    assert stamp(tmp_path / "absent") is None


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


def os_pid() -> int:
    import os

    return os.getpid()


def test_staging_folders_of_dead_runs_are_removed(tmp_path: Path) -> None:
    import os

    from newsdedup.io.inputs import remove_dead_stages

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = tmp_path / f"newsdedup-stage-{dead.stdout.strip()}-abc123"
    live = tmp_path / f"newsdedup-stage-{os.getpid()}-def456"
    other = tmp_path / "newsdedup-stage-notapid"
    for folder in (gone, live, other):
        (folder / "0").mkdir(parents=True)
    assert remove_dead_stages(tmp_path) == [gone]
    assert live.is_dir() and other.is_dir() and not gone.exists()


def test_local_file_urls_go_through_fsspec(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    data = corpus_bytes(tmp_path)
    (tmp_path / "d.jsonl.gz").write_bytes(gzip.compress(data))
    run([f"file://{tmp_path}/d.jsonl.gz"], tmp_path / "out")
    rows = table(tmp_path / "out" / "clusters.csv")
    assert len(rows) == data.count(b"\n") and {row["file"] for row in rows} == {"d.jsonl.gz"}
