"""Tests for newsdedup.io.read: formats, field mapping, bad input, record counting."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.io.read import detect_format, read

FAIL = ReadConfig()
SKIP = ReadConfig(on_error="skip")


def jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def docs(paths: list[Path] | list[str], cfg: ReadConfig = FAIL) -> list[Document]:
    items = list(read(paths, cfg))
    assert all(isinstance(item, Document) for item in items), items
    return items  # type: ignore[return-value]


# ---------------------------------------------------------------- formats


def test_jsonl_reads_with_origins_and_ignores_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    body = '{"id": "a", "text": "one"}\n\n  \n{"id": 2, "text": "two"}\n'
    path.write_text(body, encoding="utf-8")
    got = docs([path])
    assert [(d.id, d.text) for d in got] == [("a", "one"), ("2", "two")]
    assert [d.origin for d in got] == [Origin(str(path), 1, 0), Origin(str(path), 4, 1)]


def test_field_mapping_and_meta_in_order(tmp_path: Path) -> None:
    record = {
        "z": 1,
        "key": "k1",
        "body": "text",
        "head": "H",
        "when": "2024-01-02",
        "outlet": "AP",
        "link": "http://x",
        "a": [1, 2],
        "title": "not mapped",
    }
    cfg = ReadConfig(
        id_field="key",
        text_field="body",
        title_field="head",
        date_field="when",
        source_field="outlet",
        url_field="link",
    )
    (doc,) = docs([jsonl(tmp_path / "c.jsonl", record)], cfg)
    assert (doc.id, doc.text, doc.title, doc.published, doc.source, doc.url) == (
        "k1",
        "text",
        "H",
        "2024-01-02",
        "AP",
        "http://x",
    )
    assert list(doc.meta.items()) == [("z", 1), ("a", [1, 2]), ("title", "not mapped")]


def test_optional_fields_absent_or_null_are_none_and_null_text_is_empty(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "c.jsonl", {"id": "a", "text": None, "title": None, "date": ""})
    (doc,) = docs([path])
    assert (doc.text, doc.title, doc.published, doc.source, doc.url) == ("", None, None, None, None)
    assert doc.meta == {}


def test_csv_reads_multiline_fields_with_physical_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b'id,text,title,extra\r\na,"line one\nline two",,x\r\n\r\nb,two,T,y\r\n')
    got = docs([path])
    assert [(d.id, d.text, d.title, d.meta) for d in got] == [
        ("a", "line one\nline two", None, {"extra": "x"}),
        ("b", "two", "T", {"extra": "y"}),
    ]
    assert [d.origin for d in got] == [Origin(str(path), 2, 0), Origin(str(path), 5, 1)]


def test_csv_with_bom_and_huge_field(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    big = "w" * 300_000  # above csv's default field size limit of 131072
    path.write_bytes(b"\xef\xbb\xbfid,text\n" + f"a,{big}\n".encode())
    (doc,) = docs([path])
    assert (doc.id, len(doc.text)) == ("a", 300_000)


def test_parquet_reads_in_batches_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    n = 5000  # more than one batch
    table = pa.table(
        {
            "id": list(range(n)),
            "text": [f"t{i}" for i in range(n)],
            "source": ["s"] * n,
            "extra": [1.5] * n,
        }
    )
    pq.write_table(table, path, row_group_size=1000)
    got = docs([path])
    assert len(got) == n
    assert (got[0].id, got[0].text, got[0].source, got[0].meta) == ("0", "t0", "s", {"extra": 1.5})
    assert got[-1].origin == Origin(str(path), n, n - 1)


def test_txt_folder_ids_are_sorted_relative_posix_paths(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("bee", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text("ay", encoding="utf-8")
    (folder / "a.txt").write_text("first", encoding="utf-8")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    got = docs([folder])
    assert [(d.id, d.text) for d in got] == [
        ("a.txt", "first"),
        ("b.txt", "bee"),
        ("sub/a.txt", "ay"),
    ]
    assert [d.origin for d in got] == [Origin(str(folder), 0, i) for i in range(3)]
    assert all(d.meta == {} and d.title is None for d in got)


@pytest.mark.parametrize("name", ["c.jsonl.gz", "c.ndjson.gz", "c.json.gz"])
def test_gzip_jsonl(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n'))
    assert [d.id for d in docs([path])] == ["a", "b"]


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress(b"id,text\na,x\nb,y\n"))
    assert [d.text for d in docs([path])] == ["x", "y"]


def test_many_files_in_order_given(tmp_path: Path) -> None:
    second = jsonl(tmp_path / "2.jsonl", {"id": "b", "text": "y"})
    first = tmp_path / "1.csv"
    first.write_text("id,text\na,x\n", encoding="utf-8")
    got = docs([second, str(first)])
    assert [(d.id, d.origin.file if d.origin else "") for d in got] == [
        ("b", str(second)),
        ("a", str(first)),
    ]


def test_detect_format(tmp_path: Path) -> None:
    auto = ReadConfig()
    assert detect_format(Path("x.JSONL"), auto) == "jsonl"
    assert detect_format(Path("x.csv.gz"), auto) == "csv"
    assert detect_format(Path("x.parquet"), auto) == "parquet"
    assert detect_format(tmp_path, auto) == "txt"
    assert detect_format(Path("x.dat"), ReadConfig(format="csv")) == "csv"
    with pytest.raises(InputError, match=r"x\.dat.*known: .*--format"):
        detect_format(Path("x.dat"), auto)


def test_forced_format(tmp_path: Path) -> None:
    path = tmp_path / "data.dat"
    path.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    assert [d.id for d in docs([path], ReadConfig(format="jsonl"))] == ["a"]


def test_missing_path_and_unknown_extension_fail_before_reading(tmp_path: Path) -> None:
    good = jsonl(tmp_path / "c.jsonl", {"id": "a", "text": "x"})
    with pytest.raises(InputError, match="does not exist"):
        next(read([good, tmp_path / "nope.jsonl"], SKIP))
    (tmp_path / "c.xml").write_text("<a/>", encoding="utf-8")
    with pytest.raises(InputError, match="--format"):
        next(read([good, tmp_path / "c.xml"], SKIP))


# ---------------------------------------------------------------- bad input


def _bad_cases(tmp: Path) -> dict[str, tuple[Path, int, str]]:
    """Each case: a file whose second record (at the given line) is bad, and a message."""

    def lines(name: str, body: bytes) -> Path:
        first, last = b'{"id": "ok1", "text": "fine"}\n', b'\n{"id": "ok2", "text": "x"}\n'
        (tmp / name).write_bytes(first + body + last)
        return tmp / name

    long = json.dumps({"id": "l", "text": "x" * 50}).encode()
    (tmp / "t.jsonl").write_bytes(b'{"id": "b", "body": "x"}\n{"id": "c", "body": "y"}\n')
    return {
        "malformed": (lines("m.jsonl", b'{"id": "b", "text": '), 2, "not valid JSON"),
        "not object": (lines("n.jsonl", b'["id", "text"]'), 2, "not an object"),
        "utf8": (lines("u.jsonl", b'{"id": "b", "text": "caf\xe9"}'), 2, r"UTF-8.*iconv"),
        "no text": (
            tmp / "t.jsonl",
            1,
            "has no field 'text'; fields found: id, body. Use --text-field body",
        ),
        "no id": (lines("i.jsonl", b'{"doc_id": "b", "text": "x"}'), 2, "--id-field doc_id"),
        "bad id": (lines("b.jsonl", b'{"id": null, "text": "x"}'), 2, "unusable id"),
        "text type": (lines("y.jsonl", b'{"id": "b", "text": 5}'), 2, "not a string"),
        "too long": (lines("l.jsonl", long), 2, "--max-chars"),
        "duplicate": (
            lines("d.jsonl", b'{"id": "ok1", "text": "again"}'),
            2,
            r"repeats the id 'ok1' first seen at .*d\.jsonl line 1",
        ),
    }


CASES = [
    "malformed",
    "not object",
    "utf8",
    "no text",
    "no id",
    "bad id",
    "text type",
    "too long",
    "duplicate",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_record_fails_naming_file_and_line(tmp_path: Path, case: str) -> None:
    path, line, message = _bad_cases(tmp_path)[case]
    with pytest.raises(InputError, match=message) as info:
        list(read([path], ReadConfig(max_chars=20)))
    assert f"{path} line {line}" in str(info.value)
    assert (info.value.file, info.value.line) == (str(path), line)


@pytest.mark.parametrize("case", [c for c in CASES if c != "no text"])
def test_bad_record_is_skipped_and_reading_goes_on(tmp_path: Path, case: str) -> None:
    path, line, _message = _bad_cases(tmp_path)[case]
    items = list(read([path], ReadConfig(max_chars=20, on_error="skip")))
    assert [type(i).__name__ for i in items] == ["Document", "Skip", "Document"]
    skip = items[1]
    assert isinstance(skip, Skip) and (skip.file, skip.line) == (str(path), line)
    assert f"{path} line {line}" in skip.reason
    doc = items[2]
    assert isinstance(doc, Document) and doc.origin == Origin(str(path), line + 1, 2)


def test_file_without_the_text_field_is_skipped_whole(tmp_path: Path) -> None:
    path, _, _ = _bad_cases(tmp_path)["no text"]
    items = list(read([path], ReadConfig(on_error="skip")))
    assert [(type(i).__name__, i.line) for i in items] == [("Skip", 1), ("Skip", 2)]


def test_duplicate_across_files_names_both_and_keeps_first(tmp_path: Path) -> None:
    first = jsonl(tmp_path / "a.jsonl", {"id": "x", "text": "one"})
    second = tmp_path / "b.csv"
    second.write_text("id,text\ny,two\nx,three\n", encoding="utf-8")
    message = r"b\.csv line 3 repeats the id 'x' first seen at .*a\.jsonl line 1"
    with pytest.raises(InputError, match=message):
        list(read([first, second], FAIL))
    items = list(read([first, second], SKIP))
    assert [(type(i).__name__, getattr(i, "text", None)) for i in items] == [
        ("Document", "one"),
        ("Document", "two"),
        ("Skip", None),
    ]
    assert items[2] == Skip(str(second), 3, items[2].reason, "x")  # type: ignore[union-attr]


def test_csv_row_with_too_many_fields(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,text\na,x\nb,y,extra\nc,z\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.csv line 3 has 3 fields but the header has 2"):
        list(read([path], FAIL))
    assert [getattr(i, "id", "skip") for i in read([path], SKIP)] == ["a", "skip", "c"]


def test_csv_bad_utf8_row(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"id,text\na,x\nb,caf\xe9\nc,z\n")
    with pytest.raises(InputError, match=r"c\.csv line 3 is not valid UTF-8.*iconv"):
        list(read([path], FAIL))
    items = list(read([path], SKIP))
    assert [getattr(i, "id", "skip") for i in items] == ["a", "skip", "c"]
    assert items[2].origin == Origin(str(path), 4, 2)  # type: ignore[union-attr]


def test_csv_without_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="header"):
        list(read([path], FAIL))


def test_txt_bad_utf8_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"caf\xe9")
    (folder / "b.txt").write_text("fine", encoding="utf-8")
    with pytest.raises(InputError, match=r"texts/a\.txt is not valid UTF-8.*iconv"):
        list(read([folder], FAIL))
    items = list(read([folder], SKIP))
    assert isinstance(items[0], Skip) and "a.txt" in items[0].reason
    assert isinstance(items[1], Document) and items[1].origin == Origin(str(folder), 0, 1)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    data = gzip.compress(b"".join(b'{"id": "%d", "text": "x"}\n' % i for i in range(2000)))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"c\.jsonl\.gz line \d+ .*gzip") as info:
        list(read([path], FAIL))
    assert info.value.line > 0
    other = jsonl(tmp_path / "d.jsonl", {"id": "after", "text": "y"})
    items = list(read([path, other], SKIP))
    assert isinstance(items[-2], Skip) and "gzip" in items[-2].reason
    assert isinstance(items[-1], Document) and items[-1].id == "after"


def test_not_gzip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(b'{"id": "a", "text": "x"}\n')
    with pytest.raises(InputError, match="gzip"):
        list(read([path], FAIL))


def test_unreadable_parquet(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(InputError, match=r"c\.parquet is not a readable Parquet file"):
        list(read([path], FAIL))
    (item,) = read([path], SKIP)
    assert isinstance(item, Skip) and item.file == str(path)


# ---------------------------------------------------------------- empty texts


def _empties(tmp_path: Path) -> Path:
    return jsonl(
        tmp_path / "c.jsonl",
        {"id": "a", "text": "x"},
        {"id": "b", "text": "  \n"},
        {"id": "c", "text": None},
        {"id": "d", "text": "y"},
    )


def test_on_empty_keep(tmp_path: Path) -> None:
    got = docs([_empties(tmp_path)], ReadConfig(on_empty="keep"))
    assert [(d.id, d.text) for d in got] == [("a", "x"), ("b", "  \n"), ("c", ""), ("d", "y")]


def test_on_empty_skip_even_when_errors_fail(tmp_path: Path) -> None:
    items = list(read([_empties(tmp_path)], ReadConfig(on_empty="skip", on_error="fail")))
    got = [(type(i).__name__, i.id if isinstance(i, Document) else i.doc_id) for i in items]
    assert got == [("Document", "a"), ("Skip", "b"), ("Skip", "c"), ("Document", "d")]
    assert items[1].line == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("on_error", ["fail", "skip"])
def test_on_empty_fail(tmp_path: Path, on_error: str) -> None:
    path = _empties(tmp_path)
    with pytest.raises(InputError, match=r"c\.jsonl line 2 .*empty text.*--on-empty keep.*skip"):
        list(read([path], ReadConfig(on_empty="fail", on_error=on_error)))


# ---------------------------------------------------------------- property


# Lone surrogates (category Cs) cannot be encoded as UTF-8, so no corpus holds them.
unicode = st.characters(exclude_categories=("Cs",))
records = st.lists(
    st.tuples(
        st.text(unicode, min_size=1, max_size=20),
        st.text(unicode, max_size=200).filter(lambda t: bool(t.strip())),
    ),
    max_size=20,
    unique_by=lambda r: r[0],
)


@hsettings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records)
def test_jsonl_round_trips_any_unicode(tmp_path: Path, recs: list[tuple[str, str]]) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in recs),
        encoding="utf-8",
    )
    got = docs([path])
    assert [(d.id, d.text) for d in got] == recs


def test_missing_text_after_the_first_record_is_an_empty_text(tmp_path: Path) -> None:
    # Title-only wire items (Reuters-21578) lack the body field; the file has it elsewhere.
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "body"}\n{"id": "b", "title": "BRIEF"}\n')
    docs = list(read([path], ReadConfig()))
    assert [(d.id, d.text, d.title) for d in docs] == [("a", "body", None), ("b", "", "BRIEF")]
    skipped = list(read([path], ReadConfig(on_empty="skip")))
    assert isinstance(skipped[1], Skip) and "empty text" in skipped[1].reason


def test_an_id_beyond_64_bits_keeps_every_digit(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 123456789012345678901234567890, "text": "Some text."}\n')
    (doc,) = list(read([path], ReadConfig()))
    assert isinstance(doc, Document) and doc.id == "123456789012345678901234567890"
