"""Read JSONL, JSON, CSV, TSV, Parquet files and folders of ``.txt`` files into documents.

:func:`read` gives every input's records in order, each format read by its one reader:
JSONL by :mod:`newsdedup.io.read_blocks` (the reader the engines' workers read it with
too), the others here. Every reader checks its records with :mod:`newsdedup.io.records`,
so a record means the same, and a problem reads the same, in every format.

Records are streamed: no JSONL, CSV or Parquet file is held in memory whole. Each
record carries an :class:`~newsdedup.data.Origin` so errors can name it and the
writers can re-read the input and pick it again. Record counting, shared with
:mod:`newsdedup.io.write` through :func:`jsonl_lines`, :func:`csv_rows` and
:func:`txt_files`:

* JSONL: ``line`` is the 1-based physical line; blank lines (only whitespace) are not
  records and are ignored silently; ``record`` is the 0-based index among the other
  lines, bad ones included.
* CSV: the header is the first non-blank row; blank rows are ignored; ``line`` is the
  physical line where a row starts (the first data row is usually line 2); ``record``
  is the 0-based index among data rows, bad ones included.
* Parquet: ``line`` is the 1-based row number and ``record`` the 0-based row index.
* Folder: every ``*.txt`` file below it, sorted by relative POSIX path; ``line`` is 0
  and ``record`` the index in that sorted list.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Skip
from newsdedup.errors import InputError
from newsdedup.io.formats import detect_format
from newsdedup.io.inputs import open_binary
from newsdedup.io.read_blocks import Settle, read_jsonl
from newsdedup.io.read_blocks import jsonl_lines as jsonl_lines  # for the writers
from newsdedup.io.records import (
    READ_ERRORS,
    Raw,
    Seen,
    json_error,
    surrogate_problem,
    to_item,
    unreadable,
    utf8_problem,
)

_BATCH_ROWS = 4096


def read(paths: Sequence[str | Path], cfg: ReadConfig) -> Iterator[Document | Skip]:
    """Stream documents from files and folders, in the order given.

    Every path is checked (it exists, its format is known) before the first record is
    read. Ids must be unique across all ``paths``: a repeated id is a bad record and the
    first occurrence wins.

    Args:
        paths: Input files (JSONL, JSON, CSV, TSV, each also compressed; Parquet) and folders
            of ``.txt`` files.
        cfg: Field mapping and what to do with bad or empty records.

    Yields:
        A :class:`Document` per good record; a :class:`Skip` per bad record when
        ``cfg.on_error`` is ``skip``, and per empty text when ``cfg.on_empty`` is ``skip``.

    Raises:
        InputError: A path is missing or of unknown format; or, with ``on_error="fail"``,
            a bad record; or, with ``on_empty="fail"``, an empty text.
    """
    formats = [_checked_format(Path(path), cfg) for path in paths]
    settle = Settle(cfg, keep=False)  # JSONL's, sharing what the other readers have seen
    seen = Seen(settle.ids, settle.files_with_text)
    for path, fmt in zip(paths, formats, strict=True):
        if fmt == "jsonl":
            yield from read_jsonl(str(path), cfg, settle)
            continue
        for raw in _records(str(path), fmt, cfg):
            yield to_item(raw, cfg, seen)


def _checked_format(path: Path, cfg: ReadConfig) -> str:
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path.", file=str(path))
    return detect_format(path, cfg)


class BrokenInput(InputError):
    """A problem after which no record of the file can be counted: never skipped.

    An unclosed quote in a CSV file, or a JSON array that breaks off: reading on would
    lose an unknown number of records, so the run stops, whatever ``on_error`` says.
    """


def _records(file: str, fmt: str, cfg: ReadConfig) -> Iterator[Raw]:
    """Raw records of one input that is not JSONL; a problem that ends the file is its last."""
    readers: dict[str, Callable[[str, ReadConfig], Iterator[Raw]]] = {
        "json": _json_array_records,
        "csv": _csv_records,
        "tsv": _csv_records,
        "parquet": _parquet_records,
        "txt": _txt_records,
    }
    try:
        yield from readers[fmt](file, cfg)
    except BrokenInput:
        raise
    except InputError as exc:
        yield Raw(exc.file or file, exc.line, -1, None, str(exc))


# ---------------------------------------------------------------- JSON arrays


_WHITE = re.compile(r"[ \t\n\r]*")


def json_items(path: Path) -> Iterator[tuple[int, int, str, Any]]:
    """Yield ``(line, record, raw, value)`` for every item of a file holding one JSON array.

    ``line`` is where the item starts, ``record`` its 0-based index, ``raw`` its text as
    written in the file. The file is read whole (use JSONL for corpora that do not fit in
    memory).

    Raises:
        InputError: The file cannot be opened or decompressed.
        BrokenInput: It is not UTF-8, not one array, or its JSON breaks off: the items
            after the break cannot be counted.
    """
    file = str(path)
    with open_binary(path) as handle:
        try:
            data = handle.read()
        except READ_ERRORS as exc:
            raise unreadable(file, 1, exc) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        detail = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise BrokenInput(utf8_problem(file, line, detail), file=file, line=line) from None
    pos = _WHITE.match(text).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "[":
        raise BrokenInput(
            f"{file} is a .json file that holds neither one JSON array nor one object a line; "
            "write the records as [{...}, {...}] or one object a line (JSONL).",
            file=file,
        )
    decoder = json.JSONDecoder()
    line, seen = 1, 0
    pos = _WHITE.match(text, pos + 1).end()  # type: ignore[union-attr]
    record = 0
    while text[pos : pos + 1] != "]" or record:
        line += text.count("\n", seen, pos)
        seen = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _broken_array(file, exc.lineno, json_error(exc)) from None
        yield line, record, text[pos:end], value
        record += 1
        pos = _WHITE.match(text, end).end()  # type: ignore[union-attr]
        if text[pos : pos + 1] == "]":
            break
        if text[pos : pos + 1] != ",":
            where = text.count("\n", 0, pos) + 1
            raise _broken_array(file, where, "expected ',' or ']' after an item")
        pos = _WHITE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if _WHITE.match(text, pos + 1).end() != len(text):  # type: ignore[union-attr]
        where = text.count("\n", 0, pos) + 1
        raise _broken_array(file, where, "text after the closing ]")


def _broken_array(file: str, line: int, detail: str) -> BrokenInput:
    return BrokenInput(
        f"{file} line {line} is not valid JSON ({detail}); the items after it cannot be "
        "read, so --on-error skip cannot set it aside. Fix the file there.",
        file=file,
        line=line,
    )


def _json_array_records(file: str, cfg: ReadConfig) -> Iterator[Raw]:
    for line, record, _raw, value in json_items(Path(file)):
        if isinstance(value, dict):
            problem = surrogate_problem(f"{file} line {line}", value)
            yield Raw(file, line, record, None if problem else value, problem)
        else:
            problem = (
                f"{file} line {line}: item {record + 1} of the array is a JSON "
                f'{type(value).__name__}, not an object like {{"id": ..., "text": ...}}. '
                "Fix the item, or use --on-error skip."
            )
            yield Raw(file, line, record, None, problem)


# ---------------------------------------------------------------- CSV and TSV


def _guarded_lines(handle: Iterable[bytes], file: str) -> Iterator[tuple[int, bytes]]:
    """Number the lines of ``handle``; turn read failures (corrupt gzip) into InputError."""
    number = 0
    lines = iter(handle)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except READ_ERRORS as exc:
            raise unreadable(file, number + 1, exc) from None
        number += 1
        yield number, raw


def _physical_lines(handle: Iterable[bytes], file: str) -> Iterator[str]:
    for number, raw in _guarded_lines(handle, file):
        text = raw.decode("utf-8", errors="surrogateescape")
        yield text.removeprefix("\ufeff") if number == 1 else text


def delimiter_of(path: Path, fmt: str, cfg: ReadConfig) -> str:
    """The field delimiter of a CSV or TSV input: ``cfg.delimiter``, else by its format."""
    return cfg.delimiter or ("\t" if fmt == "tsv" else ",")


Row = list[str] | str
"""A CSV row's fields, or (a string) why the row cannot be read."""


def csv_rows(path: Path, delimiter: str = ",") -> Iterator[tuple[int, int, Row]]:
    """Yield ``(line, record, row)`` for the header, then every non-blank data row of a CSV file.

    The header comes first, with record ``-1``. Bytes that are not UTF-8 appear as lone
    surrogates (``errors="surrogateescape"``), so a bad row can be spotted and skipped. A
    row whose quoting is broken (text after a closing quote) is a string saying so.

    Raises:
        InputError: The file cannot be opened or its compressed data is corrupt.
        BrokenInput: A quoted field never closes: the rest of the file would be one value.
    """
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_binary(path) as handle:
        reader = csv.reader(_physical_lines(handle, str(path)), delimiter=delimiter, strict=True)
        yield from _numbered_rows(reader, str(path), delimiter)


def _numbered_rows(reader: Any, file: str, delimiter: str) -> Iterator[tuple[int, int, Row]]:
    record, start = -1, 1
    while True:
        row: Row
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise BrokenInput(
                    f"{file} line {start}: a quoted field opens in this row and never closes, "
                    "so the rest of the file would be read as one value. Close the quote "
                    '(a quote inside a quoted field is written twice: "").',
                    file=file,
                    line=start,
                ) from None
            row = (
                f"{file} line {reader.line_num} is not valid CSV ({exc}): a quoted field must "
                f"end right before a {_name(delimiter)} or the line's end. Fix the quoting "
                "there, or use --on-error skip."
            )
        if row:
            yield start, record, row
            record += 1
        start = reader.line_num + 1


def _name(delimiter: str) -> str:
    names = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
    return names.get(delimiter, repr(delimiter))


_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


def _has_surrogates(values: Iterable[str]) -> bool:
    return any(_ESCAPED.search(value) for value in values)


def _csv_records(file: str, cfg: ReadConfig) -> Iterator[Raw]:
    delimiter = delimiter_of(Path(file), detect_format(Path(file), cfg), cfg)
    rows = csv_rows(Path(file), delimiter)
    first = next(rows, None)
    if first is None:
        message = f"{file} is empty; a CSV file needs a header row naming its fields."
        raise InputError(message, file=file)
    header = _header(file, first[0], first[2], delimiter, cfg)
    for line, record, row in rows:
        yield Raw(file, line, record, *_csv_fields(header, row, file, line, delimiter))


def _header(file: str, line: int, row: Row, delimiter: str, cfg: ReadConfig) -> list[str]:
    """The header row's field names, after checking they are what the mapping needs."""
    if isinstance(row, str):
        raise BrokenInput(row, file=file, line=line)
    if _has_surrogates(row):
        raise BrokenInput(utf8_problem(file, line, "in the header"), file=file, line=line)
    if len(row) == 1 and cfg.text_field not in row:
        other = next((d for d in (";", "\t", "|", ",") if d != delimiter and d in row[0]), None)
        if other is not None:
            raise BrokenInput(
                f"{file} line {line}: the header is one field, {row[0][:60]!r}, which holds "
                f"{_name(other)}s: the fields look separated by {_name(other)}s, not "
                f"{_name(delimiter)}s. Use --delimiter {other!r}.",
                file=file,
                line=line,
            )
    return row


def _csv_fields(
    header: list[str], row: Row, file: str, line: int, delimiter: str
) -> tuple[dict | None, str]:
    if isinstance(row, str):
        return None, row
    if len(row) != len(header):
        return None, (
            f"{file} line {line} has {len(row)} fields but the header has {len(header)}; "
            f"quote values that contain a {_name(delimiter)} or a line break, e.g. "
            f'"a{delimiter} b", and give every row all the header\'s fields. '
            "Fix the row, or use --on-error skip."
        )
    if _has_surrogates(row):
        return None, utf8_problem(file, line, "bad bytes in a field")
    return dict(zip(header, row, strict=True)), ""


def _parquet_records(file: str, cfg: ReadConfig) -> Iterator[Raw]:
    record = 0
    for batch in parquet_batches(Path(file)):
        for fields in batch.to_pylist():
            yield Raw(file, record + 1, record, fields)
            record += 1


def parquet_batches(path: Path) -> Iterator[Any]:
    """Yield the record batches of a Parquet file, streaming.

    Raises:
        InputError: The file is not readable Parquet.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        yield from pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"{path} is not a readable Parquet file ({exc}); check the file, "
            "or give its real format with --format.",
            file=str(path),
        ) from None


def txt_files(folder: Path) -> list[str]:
    """Relative POSIX paths of every ``.txt`` file below ``folder`` (any case), sorted.

    Hidden files and folders (their name starts with ``.``) are left out, and so is any
    folder holding a newsdedup run (a ``manifest.json`` beside a ``clusters`` table): an
    output folder written inside the input folder is never read back as input.
    """
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _is_run(here / d))
        found += [
            (here / name).relative_to(folder).as_posix()
            for name in files
            if name.lower().endswith(".txt")
            and not name.startswith(".")
            and (here / name).is_file()
        ]
    return sorted(found)


def _is_run(folder: Path) -> bool:
    """Whether ``folder`` holds the output of a newsdedup run."""
    return (folder / "manifest.json").is_file() and any(folder.glob("clusters.*"))


def _txt_records(file: str, cfg: ReadConfig) -> Iterator[Raw]:
    names = txt_files(Path(file))
    if not names:
        raise InputError(
            f"{file} is a folder with no .txt files; put one article per .txt file in it, "
            "or pass the data file itself.",
            file=file,
        )
    for record, name in enumerate(names):
        yield _txt_record(file, record, name)


def _txt_record(folder: str, record: int, name: str) -> Raw:
    path = Path(folder) / name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return Raw(folder, 0, record, None, f"{path} cannot be read: {exc.strerror or exc}.", name)
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
        problem = utf8_problem(str(path), 0, detail)
        return Raw(folder, 0, record, None, problem, name)
    return Raw(folder, 0, record, {"id": name, "text": text}, "", name)
