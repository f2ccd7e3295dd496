"""Tests for newsdedup.io.write: tables, JSON, the cleaned corpus, the atomic output folder."""

from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import ReadConfig
from newsdedup.data import Document
from newsdedup.errors import InputError, OutputError
from newsdedup.io.read import jsonl_lines, read
from newsdedup.io.write import (
    _copy_jsonl_blocks,
    atomic_output_dir,
    write_columns,
    write_corpus,
    write_json,
    write_table,
)

COLUMNS = ("doc_id", "score", "flag", "size", "note")
ROWS = [
    {"doc_id": "a", "score": 0.5, "flag": True, "size": 3, "note": 'ünïcode, "quoted"'},
    {"size": 1, "doc_id": "b", "score": 1 / 3, "flag": False, "note": None, "ignored": 1},
]


def kept_records(path: Path, cfg: ReadConfig | None = None) -> list[tuple[str, str]]:
    return [(d.id, d.text) for d in read([path], cfg or ReadConfig()) if isinstance(d, Document)]


# ---------------------------------------------------------------- tables


def test_csv_table_format(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t", "csv", COLUMNS)
    assert path == tmp_path / "t.csv"
    assert path.read_bytes().decode() == (
        "doc_id,score,flag,size,note\n"
        'a,0.500000,true,3,"ünïcode, ""quoted"""\n'
        "b,0.333333,false,1,\n"
    )
    with open(path, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(COLUMNS)


def test_jsonl_table_format(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t.csv", "jsonl", COLUMNS)
    assert path == tmp_path / "t.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [list(json.loads(line)) for line in lines] == [list(COLUMNS)] * 2
    assert json.loads(lines[1]) == {
        "doc_id": "b",
        "score": 0.333333,
        "flag": False,
        "size": 1,
        "note": None,
    }
    assert "ünïcode" in lines[0]


def test_parquet_table_round_trips(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t", "parquet", COLUMNS)
    table = pq.read_table(path)
    assert table.column_names == list(COLUMNS)
    assert table.to_pylist()[0] == {c: ROWS[0][c] for c in COLUMNS}
    assert table.schema.field("flag").type == pa.bool_()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_tables_are_byte_identical_when_written_twice(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "one").mkdir()
    first = write_table(ROWS, tmp_path / "one" / "t", fmt, COLUMNS)
    second = write_table(ROWS, tmp_path / "t", fmt, COLUMNS)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", f"t.{fmt}"]  # no temp files left


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_empty_tables(tmp_path: Path, fmt: str) -> None:
    path = write_table([], tmp_path / "t", fmt, COLUMNS)
    assert path.exists()
    if fmt == "parquet":
        assert pq.read_table(path).column_names == list(COLUMNS)


def test_unknown_table_format(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="csv, jsonl or parquet"):
        write_table(ROWS, tmp_path / "t", "xlsx", COLUMNS)


def test_write_json_is_pretty_sorted_and_deterministic(tmp_path: Path) -> None:
    path = write_json({"b": [1, 2], "a": "é"}, tmp_path / "m.json")
    assert path.read_text(encoding="utf-8") == '{\n  "a": "é",\n  "b": [\n    1,\n    2\n  ]\n}\n'


# ---------------------------------------------------------------- cleaned corpus


JSONL = (
    b'{"id": "a", "text": "one"}\n'
    b"\n"
    b'{"id":"b",  "text":"two", "extra": {"k": [1, 2.50]}}\r\n'
    b"not json\n"
    b'{"id": "c", "text": "three"}'
)


def test_write_corpus_jsonl_is_byte_exact(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_bytes(JSONL)
    records = [
        d.origin.record
        for d in read([src], ReadConfig(on_error="skip"))
        if isinstance(d, Document) and d.origin
    ]
    assert records == [0, 1, 3]
    (out,) = write_corpus([src], {str(src): {1, 3}}, tmp_path / "out", ReadConfig())
    assert out == tmp_path / "out" / "c.jsonl"
    assert out.read_bytes() == (
        b'{"id":"b",  "text":"two", "extra": {"k": [1, 2.50]}}\r\n{"id": "c", "text": "three"}'
    )


def test_write_corpus_jsonl_gz_is_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl.gz"
    src.write_bytes(gzip.compress(JSONL))
    keep = {str(src): {0, 3}}
    (first,) = write_corpus([src], keep, tmp_path / "one", ReadConfig())
    (second,) = write_corpus([src], keep, tmp_path / "two", ReadConfig())
    assert first.name == "c.jsonl.gz" and first.read_bytes() == second.read_bytes()
    expected = b'{"id": "a", "text": "one"}\n{"id": "c", "text": "three"}'
    assert gzip.decompress(first.read_bytes()) == expected


def test_write_corpus_csv_keeps_header_and_rows(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_bytes(b'id,text,extra\r\na,"multi\nline",1\r\nb,two,2\r\n\r\nc,"three, 3",3\r\n')
    (out,) = write_corpus([src], {str(src): {0, 2}}, tmp_path / "out", ReadConfig())
    assert out.read_bytes() == b'id,text,extra\na,"multi\nline",1\nc,"three, 3",3\n'
    assert kept_records(out) == [("a", "multi\nline"), ("c", "three, 3")]


def test_write_corpus_csv_gz(tmp_path: Path) -> None:
    src = tmp_path / "c.csv.gz"
    src.write_bytes(gzip.compress(b"id,text\na,x\nb,y\n"))
    (out,) = write_corpus([src], {str(src): {1}}, tmp_path / "out", ReadConfig())
    assert gzip.decompress(out.read_bytes()) == b"id,text\nb,y\n"


def test_write_corpus_parquet_keeps_rows_and_schema(tmp_path: Path) -> None:
    src = tmp_path / "c.parquet"
    n = 5000
    table = pa.table({"id": pa.array(range(n), pa.int32()), "text": [f"t{i}" for i in range(n)]})
    pq.write_table(table, src, row_group_size=700)
    keep = {0, 1, 4095, 4096, 4999}
    (out,) = write_corpus([src], {str(src): keep}, tmp_path / "out", ReadConfig())
    written = pq.read_table(out)
    assert written.schema.equals(table.schema)
    assert written.column("id").to_pylist() == sorted(keep)


def test_write_corpus_txt_folder(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        (folder / name).write_bytes(name.encode() + b"\r\nbody")
    (out,) = write_corpus([folder], {str(folder): {0, 2}}, tmp_path / "out", ReadConfig())
    assert out == tmp_path / "out" / "texts"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["a.txt", "sub/c.txt"]
    assert (out / "sub" / "c.txt").read_bytes() == b"sub/c.txt\r\nbody"


def test_write_corpus_renames_inputs_sharing_a_name(tmp_path: Path) -> None:
    paths = []
    for sub in ("x", "y", "z"):
        (tmp_path / sub).mkdir()
        path = tmp_path / sub / "c.jsonl"
        path.write_text(f'{{"id": "{sub}", "text": "t"}}\n', encoding="utf-8")
        paths.append(str(path))
    outs = write_corpus(paths, {p: {0} for p in paths}, tmp_path / "out", ReadConfig())
    assert [p.name for p in outs] == ["c.jsonl", "2-c.jsonl", "3-c.jsonl"]
    assert [kept_records(p)[0][0] for p in outs] == ["x", "y", "z"]


def test_write_corpus_drops_everything_not_kept(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("id,text\na,x\n", encoding="utf-8")
    (out,) = write_corpus([src], {}, tmp_path / "new" / "dir", ReadConfig())
    assert out.read_text(encoding="utf-8") == "id,text\n"


def test_write_corpus_truncated_gzip(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl.gz"
    data = gzip.compress(b"".join(b'{"id": "%d", "text": "x"}\n' % i for i in range(2000)))
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="gzip"):
        write_corpus([src], {str(src): {0}}, tmp_path / "out", ReadConfig())
    assert not (tmp_path / "out" / "c.jsonl.gz").exists()
    (out,) = write_corpus([src], {str(src): {0}}, tmp_path / "out", ReadConfig(on_error="skip"))
    assert gzip.decompress(out.read_bytes()) == b'{"id": "0", "text": "x"}\n'


# ---------------------------------------------------------------- atomic output folder


def _siblings(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


def test_atomic_output_dir_moves_result_into_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_output_dir(out) as work:
        assert work == tmp_path / f".out.tmp-{os.getpid()}"
        (work / "manifest.json").write_text("{}", encoding="utf-8")
        assert not out.exists()
    assert (out / "manifest.json").is_file()
    assert _siblings(tmp_path) == ["out"]


def test_atomic_output_dir_exception_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"), atomic_output_dir(out) as work:
        (work / "half.csv").write_text("x", encoding="utf-8")
        raise RuntimeError("boom")
    assert _siblings(tmp_path) == []


def test_atomic_output_dir_exception_keeps_earlier_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output_dir(out):
        raise RuntimeError("interrupted")
    assert (out / "manifest.json").read_text(encoding="utf-8") == "old"
    assert _siblings(tmp_path) == ["out"]


def test_atomic_output_dir_replaces_earlier_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("old", encoding="utf-8")
    (out / "stale.csv").write_text("old", encoding="utf-8")
    with atomic_output_dir(out) as work:
        (work / "manifest.json").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert (out / "manifest.json").read_text(encoding="utf-8") == "new"
    assert _siblings(tmp_path) == ["out"]


def test_atomic_output_dir_fills_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with atomic_output_dir(out) as work:
        (work / "manifest.json").write_text("new", encoding="utf-8")
    assert (out / "manifest.json").is_file()


def test_atomic_output_dir_refuses_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    message = r"mine exists and is not a newsdedup output.*-o"
    with pytest.raises(OutputError, match=message), atomic_output_dir(out):
        pass  # pragma: no cover
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "precious"
    assert _siblings(tmp_path) == ["mine"]


def test_atomic_output_dir_refuses_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"), atomic_output_dir(out):
        pass  # pragma: no cover


# ---------------------------------------------------------------- fast paths equal their references

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(-1e9, 1e9),
    st.floats(-1e9, 1e9).map(np.float64),
    st.text(max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.fixed_dictionaries({c: cells for c in COLUMNS}), max_size=6),
    st.sampled_from(["csv", "jsonl"]),
    st.booleans(),
)
def test_columns_write_the_bytes_of_rows(rows, fmt, one_type) -> None:
    if one_type:  # columns of one type take the one-pass path
        rows = [{**row, "score": float(i) / 3, "flag": i % 2 == 0} for i, row in enumerate(rows)]
    with tempfile.TemporaryDirectory() as folder:
        by_rows = write_table(rows, Path(folder) / "rows", fmt, COLUMNS)
        columns = {c: [row[c] for row in rows] for c in COLUMNS[:-1]}  # "note" missing: null
        by_columns = write_columns(columns, Path(folder) / "columns", fmt, COLUMNS)
        nulls = [{**row, "note": None} for row in rows]
        assert by_columns.read_bytes() == write_table(nulls, by_rows, fmt, COLUMNS).read_bytes()


def copy_by_lines(src: Path, kept: set[int]) -> bytes:
    return b"".join(raw for _line, record, raw in jsonl_lines(src) if record in kept)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([b"{}", b'{"a": 1}', b" ", b"\t", b"\r", b"\x0c", b"x", b"\n"])),
    st.sets(st.integers(0, 12)),
    st.integers(1, 9),
)
def test_block_copy_equals_the_copy_line_by_line(pieces, kept, block) -> None:
    with tempfile.TemporaryDirectory() as folder:
        src, dest = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        src.write_bytes(b"".join(pieces))
        _copy_jsonl_blocks(src, kept, dest, block=block)
        assert dest.read_bytes() == copy_by_lines(src, kept)
