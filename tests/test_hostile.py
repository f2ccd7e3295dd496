"""A catalogue of hostile inputs: each is a clear error (exit 1, naming file, line and fix)
or a counted skip, never a traceback and never a record lost without a word.

Every case is run through the command line, as a user would. An error must name the file
(and the line, where there is one) and say what to do; a run that succeeds must account
for every record: the clusters table holds the ones read, the skipped table the ones set
aside.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from newsdedup.cli import main


@dataclass(frozen=True)
class Error:
    """The run stops with exit 1 (2 for options), and stderr holds every fragment."""

    fragments: tuple[str, ...]
    code: int = 1


@dataclass(frozen=True)
class Counted:
    """The run succeeds: ``read`` rows in clusters, ``skipped`` rows in skipped."""

    read: int
    skipped: int = 0


@dataclass(frozen=True)
class Case:
    name: str
    files: Callable[[Path], str]  # writes the input under the folder, returns its name
    outcome: Error | Counted
    args: tuple[str, ...] = field(default=())


def stories(n: int = 5, start: int = 0) -> list[dict[str, object]]:
    return [
        {"id": str(i), "text": f"Story {i}: the council met on day {i * 7} and voted {i} times."}
        for i in range(start, start + n)
    ]


def jsonl(*records: object) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / name).write_bytes(data() if callable(data) else data)
        return name

    return write


def lines(*raw: bytes) -> bytes:
    return b"\n".join(raw) + b"\n"


GOOD = jsonl(*stories())
MANY = jsonl(*stories(2000))
GOOD_LINES = GOOD.splitlines()


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


CSV_ROWS = [["id", "text"]] + [[str(r["id"]), str(r["text"])] for r in stories()]


def parquet(table: pa.Table) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        pq.write_table(table, folder / "p.parquet")
        return "p.parquet"

    return write


def folder(files: dict[str, bytes], symlink: bool = False) -> Callable[[Path], str]:
    def write(base: Path) -> str:
        root = base / "docs"
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if symlink:
            (root / "loop").symlink_to(root, target_is_directory=True)
            outside = base / "outside.txt"
            outside.write_bytes(b"A story kept outside the folder, linked in.")
            (root / "linked.txt").symlink_to(outside)
        return "docs"

    return write


def txt(i: int) -> bytes:
    return f"Story {i}: the council met on day {i * 7} and voted {i} times.".encode()


def zst(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


SKIP = ("--on-error", "skip")

CASES = [
    # ------------------------------------------------------------ JSONL
    Case("jsonl good", file("a.jsonl", GOOD), Counted(5)),
    Case("jsonl byte order mark", file("a.jsonl", b"\xef\xbb\xbf" + GOOD), Counted(5)),
    Case("jsonl blank and white lines", file("a.jsonl", b"\n  \n" + GOOD + b"\n\t\n"), Counted(5)),
    Case(
        "jsonl windows-1252 bytes",
        file("a.jsonl", lines(GOOD_LINES[0], b'{"id": "x", "text": "caf\xe9"}')),
        Error(("a.jsonl line 2", "not valid UTF-8", "iconv")),
    ),
    Case(
        "jsonl windows-1252 bytes, skipped",
        file("a.jsonl", lines(GOOD_LINES[0], b'{"id": "x", "text": "caf\xe9"}')),
        Counted(1, 1),
        SKIP,
    ),
    Case(
        "jsonl malformed line",
        file("a.jsonl", lines(*GOOD_LINES[:2], b'{"id": "x", ', *GOOD_LINES[2:])),
        Error(("a.jsonl line 3", "not valid JSON", "--on-error skip")),
    ),
    Case(
        "jsonl unterminated string",
        file("a.jsonl", lines(GOOD_LINES[0]) + b'{"id": "x", "text": "abc'),
        Error(("a.jsonl line 2", "Unterminated string starting at column")),
    ),
    Case(
        "jsonl line holding a list",
        file("a.jsonl", lines(GOOD_LINES[0], b"[1, 2]")),
        Error(("a.jsonl line 2", "holds a JSON list", "one object")),
    ),
    Case(
        "jsonl lone surrogate in text",
        file("a.jsonl", lines(*GOOD_LINES, b'{"id": "s", "text": "cut \\ud83d here"}')),
        Error(("a.jsonl line 6", "lone surrogate", "'text'", "--on-error skip")),
    ),
    Case(
        "jsonl lone surrogate in text, skipped",
        file("a.jsonl", lines(*GOOD_LINES, b'{"id": "s", "text": "cut \\ud83d here"}')),
        Counted(5, 1),
        SKIP,
    ),
    Case(
        "jsonl lone surrogate in id",
        file("a.jsonl", lines(*GOOD_LINES, b'{"id": "s\\udc00", "text": "a text"}')),
        Error(("a.jsonl line 6", "lone surrogate", "'id'")),
    ),
    Case(
        "jsonl text field missing in the first record",
        file("a.jsonl", jsonl({"id": "1", "body": "a story"})),
        Error(("a.jsonl line 1", "no field 'text'", "--text-field body")),
    ),
    Case(
        "jsonl text field missing later (title-only item): an empty text, counted",
        file("a.jsonl", GOOD + jsonl({"id": "t", "title": "Brief"})),
        Counted(6),
    ),
    Case(
        "jsonl text field misspelled in some records",
        file("a.jsonl", GOOD + jsonl({"id": "t", "txet": "the story itself"})),
        Error(("a.jsonl line 6", "'txet'", "misspelled")),
    ),
    Case(
        "jsonl no ids",
        file("a.jsonl", jsonl(*({"text": r["text"]} for r in stories()))),
        Error(("a.jsonl line 1", "no field 'id'", "--auto-ids")),
    ),
    Case(
        "jsonl no ids, numbered",
        file("a.jsonl", jsonl(*({"text": r["text"]} for r in stories()))),
        Counted(5),
        ("--auto-ids",),
    ),
    Case(
        "jsonl duplicate id",
        file("a.jsonl", GOOD + jsonl({"id": "1", "text": "another"})),
        Error(("a.jsonl line 6", "repeats the id '1'", "line 2")),
    ),
    Case(
        "jsonl duplicate id, skipped",
        file("a.jsonl", GOOD + jsonl({"id": "1", "text": "another"})),
        Counted(5, 1),
        SKIP,
    ),
    Case(
        "jsonl null id",
        file("a.jsonl", GOOD + jsonl({"id": None, "text": "x"})),
        Error(("a.jsonl line 6", "unusable id")),
    ),
    Case(
        "jsonl boolean id",
        file("a.jsonl", GOOD + jsonl({"id": True, "text": "x"})),
        Error(("a.jsonl line 6", "unusable id", "a bool")),
    ),
    Case(
        "jsonl number as text",
        file("a.jsonl", GOOD + jsonl({"id": "n", "text": 5})),
        Error(("a.jsonl line 6", "an int in text field")),
    ),
    Case("jsonl null text", file("a.jsonl", GOOD + jsonl({"id": "n", "text": None})), Counted(6)),
    Case(
        "jsonl empty text, --on-empty fail",
        file("a.jsonl", GOOD + jsonl({"id": "e", "text": "  "})),
        Error(("a.jsonl line 6", "empty text", "--on-empty")),
        ("--on-empty", "fail"),
    ),
    Case(
        "jsonl empty text, skipped",
        file("a.jsonl", GOOD + jsonl({"id": "e", "text": ""})),
        Counted(5, 1),
        ("--on-empty", "skip"),
    ),
    Case(
        "jsonl huge text",
        file("a.jsonl", GOOD + jsonl({"id": "h", "text": "word " * 100})),
        Error(("a.jsonl line 6", "--max-chars")),
        ("--max-chars", "100"),
    ),
    Case(
        "jsonl NUL and control characters in text",
        file("a.jsonl", GOOD + jsonl({"id": "c", "text": "a\u0000b\u001b[2Jc"})),
        Counted(6),
    ),
    Case(
        "jsonl NaN and a 70-bit integer",
        file("a.jsonl", GOOD + b'{"id": 1180591620717411303424, "text": "x", "w": NaN}\n'),
        Counted(6),
    ),
    Case("jsonl empty file", file("a.jsonl", b""), Counted(0)),
    # ------------------------------------------------------------ JSON arrays
    Case("json array", file("a.json", json.dumps(stories(), indent=1).encode()), Counted(5)),
    Case(
        "json array holding a string",
        file("a.json", json.dumps([stories()[0], "oops", stories()[1]], indent=1).encode()),
        Error(("a.json line", "item 2 of the array", "str")),
    ),
    Case(
        "json array broken off, even when skipping",
        file("a.json", json.dumps(stories(), indent=1).encode()[:-40]),
        Error(("a.json line", "not valid JSON", "cannot be read")),
        SKIP,
    ),
    Case("json file of one object a line", file("a.json", GOOD), Counted(5)),
    Case(
        "json file of a bare string",
        file("a.json", b'"just a string"\n'),
        Error(("a.json line 1", "holds a JSON str")),
    ),
    # ------------------------------------------------------------ CSV and TSV
    Case("csv good", file("a.csv", csv_bytes(CSV_ROWS)), Counted(5)),
    Case("csv byte order mark", file("a.csv", b"\xef\xbb\xbf" + csv_bytes(CSV_ROWS)), Counted(5)),
    Case(
        "csv quoted line breaks and CRLF",
        file(
            "a.csv",
            csv_bytes([*CSV_ROWS, ["m", "two\r\nlines, and a comma"]]).replace(b"\n", b"\r\n"),
        ),
        Counted(6),
    ),
    Case(
        "csv unclosed quote, even when skipping",
        file("a.csv", b'id,text\n1,fine\n2,"never closed\n3,lost\n4,lost too\n'),
        Error(("a.csv line 3", "never closes", "Close the quote")),
        SKIP,
    ),
    Case(
        "csv text after a closing quote",
        file("a.csv", b'id,text\n1,fine\n2,"quoted"tail\n3,ok\n'),
        Error(("a.csv line 3", "not valid CSV", "--on-error skip")),
    ),
    Case(
        "csv text after a closing quote, skipped",
        file("a.csv", b'id,text\n1,fine\n2,"quoted"tail\n3,ok\n'),
        Counted(2, 1),
        SKIP,
    ),
    Case(
        "csv short row",
        file("a.csv", b"id,text\n1,fine\n2\n"),
        Error(("a.csv line 3", "has 1 fields but the header has 2")),
    ),
    Case(
        "csv long row, skipped",
        file("a.csv", b"id,text\n1,fine\n2,a,b\n3,ok\n"),
        Counted(2, 1),
        SKIP,
    ),
    Case(
        "csv with semicolons",
        file("a.csv", csv_bytes(CSV_ROWS, ";")),
        Error(("a.csv line 1", "semicolon", "--delimiter ';'")),
    ),
    Case(
        "csv with semicolons and --delimiter",
        file("a.csv", csv_bytes(CSV_ROWS, ";")),
        Counted(5),
        ("--delimiter", ";"),
    ),
    Case("tsv", file("a.tsv", csv_bytes(CSV_ROWS, "\t")), Counted(5)),
    Case(
        "csv latin-1 bytes",
        file("a.csv", b"id,text\n1,fine\n2,caf\xe9\n"),
        Error(("a.csv line 3", "not valid UTF-8")),
    ),
    Case("csv empty file", file("a.csv", b""), Error(("a.csv", "is empty", "header"))),
    # ------------------------------------------------------------ Parquet
    Case("parquet good", parquet(pa.table({"id": ["a", "b"], "text": ["one", "two"]})), Counted(2)),
    Case(
        "parquet numbers as text",
        parquet(pa.table({"id": ["a", "b"], "text": [1, 2]})),
        Error(("p.parquet line 1", "an int in text field")),
    ),
    Case(
        "parquet null ids",
        parquet(pa.table({"id": ["a", None], "text": ["one", "two"]})),
        Error(("p.parquet line 2", "unusable id")),
    ),
    Case(
        "parquet that is not Parquet",
        file("p.parquet", b"PAR1 not really"),
        Error(("p.parquet", "not a readable Parquet file")),
    ),
    # ------------------------------------------------------------ compressed
    Case("gzip", file("a.jsonl.gz", gzip.compress(GOOD)), Counted(5)),
    Case("bzip2", file("a.jsonl.bz2", bz2.compress(GOOD)), Counted(5)),
    Case("xz", file("a.jsonl.xz", lzma.compress(GOOD)), Counted(5)),
    Case("zstd", file("a.jsonl.zst", lambda: zst(GOOD)), Counted(5)),
    Case("csv in gzip", file("a.csv.gz", gzip.compress(csv_bytes(CSV_ROWS))), Counted(5)),
    Case(
        "gzip truncated",
        file("a.jsonl.gz", gzip.compress(MANY)[:3000]),
        Error(("a.jsonl.gz line", "gzip data is corrupt or truncated")),
    ),
    Case(
        "zstd truncated",
        file("a.jsonl.zst", lambda: zst(MANY)[:3000]),
        Error(("a.jsonl.zst line", "zstd data is corrupt or truncated")),
    ),
    Case("gzip of 0 bytes", file("a.jsonl.gz", b""), Error(("a.jsonl.gz", "0 bytes"))),
    Case(
        "gzip that is plain text",
        file("a.jsonl.gz", GOOD),
        Error(("a.jsonl.gz line 1", "gzip data is corrupt")),
    ),
    # ------------------------------------------------------------ folders of text files
    Case(
        "folder: upper-case names count, hidden files and folders do not",
        folder({"a.txt": txt(1), "B.TXT": txt(2), ".hidden.txt": txt(3), ".git/c.txt": txt(4)}),
        Counted(2),
    ),
    Case(
        "folder: an earlier run's output inside is not input",
        folder(
            {
                "a.txt": txt(1),
                "b.txt": txt(2),
                "out/manifest.json": b"{}",
                "out/clusters.csv": b"doc_id\n",
                "out/cleaned/docs/a.txt": txt(1),
            }
        ),
        Counted(2),
    ),
    Case(
        "folder: symlinks, a loop among them",
        folder({"a.txt": txt(1)}, symlink=True),
        Counted(2),
    ),
    Case(
        "folder: latin-1 text file",
        folder({"a.txt": txt(1), "b.txt": b"caf\xe9"}),
        Error(("b.txt", "not valid UTF-8")),
    ),
    Case("folder with no text files", folder({"a.md": b"x"}), Error(("docs", "no .txt files"))),
    # ------------------------------------------------------------ names and options
    Case(
        "unknown extension",
        file("a.xml", b"<a/>"),
        Error(("a.xml", "cannot tell the format", "--format")),
    ),
    Case(
        "source priority without --keep source",
        file("a.jsonl", GOOD),
        Error(("source_priority", "--keep source"), code=2),
        ("--source-priority", "AP"),
    ),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_catalogue_is_large() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


# The same records through the worker processes, which read plain JSONL in blocks.
IN_WORKERS = [c for c in CASES if c.name.startswith("jsonl") and "surrogate" in c.name] + [
    c for c in CASES if "misspelled" in c.name or "duplicate id" in c.name
]


@pytest.mark.parametrize("case", IN_WORKERS, ids=[case.name for case in IN_WORKERS])
def test_hostile_input_in_workers(case: Case, tmp_path: Path) -> None:
    test_hostile_input(case, tmp_path, workers=2)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, tmp_path: Path, workers: int = 1) -> None:
    data = tmp_path / "in"
    data.mkdir()
    name = case.files(data)
    out = tmp_path / "out"
    cwd = os.getcwd()
    os.chdir(data)  # messages name the input as given
    try:
        result = CliRunner().invoke(
            main, ["run", name, "-o", str(out), "-q", "--workers", str(workers), *case.args]
        )
    finally:
        os.chdir(cwd)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr + result.stdout
    if isinstance(case.outcome, Error):
        assert result.exit_code == case.outcome.code, result.stdout + result.stderr
        for fragment in case.outcome.fragments:
            assert fragment in result.stderr, (fragment, result.stderr)
        assert not out.exists()
        return
    assert result.exit_code == 0, result.stderr
    clusters = read_csv(out / "clusters.csv")
    skipped = read_csv(out / "skipped.csv")
    assert (len(clusters), len(skipped)) == (case.outcome.read, case.outcome.skipped)
    assert all(row["reason"] and row["file"] for row in skipped)
    assert "None" not in {row["doc_id"] for row in skipped}
