"""Read JSONL, CSV, Parquet files and folders of ``.txt`` files into documents.

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
import datetime as dt
import difflib
import json
import lzma
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.io.inputs import codec, open_binary, shown, without_codec

_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
_KNOWN = (
    ".jsonl, .ndjson, .json, .csv, .tsv (each also .gz, .bz2, .xz, .zst), .parquet, "
    "or a folder of .txt files"
)
_BATCH_ROWS = 4096
# Corrupt or truncated gzip data surfaces as any of these while iterating.
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True, slots=True)
class _Raw:
    """One input record before field mapping: its fields, or the problem that spoils it."""

    file: str
    line: int
    record: int
    fields: Mapping[str, Any] | None
    problem: str = ""
    member: str = ""  # for a folder of .txt files: the file's relative path

    @property
    def label(self) -> str:
        """How messages name the record: ``file line N``, or the text file in a folder."""
        return f"{self.file}/{self.member}" if self.member else _where(self.file, self.line)


def detect_format(path: Path, cfg: ReadConfig) -> str:
    """Return the format of ``path``: ``jsonl``, ``json``, ``csv``, ``tsv``, ``parquet``, ``txt``.

    A ``.json`` file (or any file with ``--format json``) is ``json``, one array of
    objects, when its first character is ``[``, else ``jsonl``, one object a line.

    Args:
        path: An input file or folder.
        cfg: ``cfg.format`` other than ``auto`` is returned as is (``json`` is still told
            apart from ``jsonl`` by the first character).

    Returns:
        The format name; a folder is ``txt``.

    Raises:
        InputError: The file name ends in an unknown extension.
    """
    if cfg.format not in ("auto", "json", "jsonl"):
        return cfg.format
    if cfg.format == "auto" and path.is_dir():
        return "txt"
    name = without_codec(path.name.lower())
    fmt = cfg.format if cfg.format != "auto" else _SUFFIXES.get(Path(name).suffix)
    if fmt is None or (fmt == "parquet" and name != path.name.lower()):
        raise InputError(
            f"{path}: cannot tell the format from the file name; known: {_KNOWN}. "
            "Rename the file, or give the format with --format.",
            file=str(path),
        )
    if fmt == "json" and path.is_file():
        return "json" if _first_char(path) == b"[" else "jsonl"
    return fmt


def _first_char(path: Path) -> bytes:
    """The first byte of the file that is not white space or a byte order mark."""
    try:
        with open_binary(path) as handle:
            while True:
                data = handle.read(4096)
                if not data:
                    return b""
                data = data.lstrip(b"\xef\xbb\xbf").lstrip()
                if data:
                    return data[:1]
    except (*_READ_ERRORS, InputError):
        return b""  # the reader says what is wrong, where


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
    seen = _Seen()
    for path, fmt in zip(paths, formats, strict=True):
        for raw in _records(str(path), fmt, cfg):
            yield _to_item(raw, cfg, seen)


@dataclass(slots=True)
class _Seen:
    """What reading has met so far: ids (with where), and files that have the text field.

    A record without the text field is an empty text once an earlier record of the same
    file had the field (title-only wire items, as in Reuters-21578); in the first record
    it is most likely a wrong ``--text-field``, and is reported as such.
    """

    ids: dict[str, str] = field(default_factory=dict)
    files_with_text: set[str] = field(default_factory=set)


def _checked_format(path: Path, cfg: ReadConfig) -> str:
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path.", file=str(path))
    return detect_format(path, cfg)


def _where(file: str, line: int) -> str:
    return f"{file} line {line}" if line else file


class BrokenInput(InputError):
    """A problem after which no record of the file can be counted: never skipped.

    An unclosed quote in a CSV file, or a JSON array that breaks off: reading on would
    lose an unknown number of records, so the run stops, whatever ``on_error`` says.
    """


def _records(file: str, fmt: str, cfg: ReadConfig) -> Iterator[_Raw]:
    """Raw records of one input; a problem that ends the file is its last record."""
    readers: dict[str, Callable[[str, ReadConfig], Iterator[_Raw]]] = {
        "jsonl": _jsonl_records,
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
        yield _Raw(exc.file or file, exc.line, -1, None, str(exc))


# ---------------------------------------------------------------- shared record counting


def _guarded_lines(handle: Iterable[bytes], file: str) -> Iterator[tuple[int, bytes]]:
    """Number the lines of ``handle``; turn read failures (corrupt gzip) into InputError."""
    number = 0
    lines = iter(handle)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _READ_ERRORS as exc:
            raise _unreadable(file, number + 1, exc) from None
        number += 1
        yield number, raw


_CODEC_NAMES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}


def _unreadable(file: str, line: int, exc: BaseException) -> InputError:
    packed = _CODEC_NAMES.get(codec(file), "")
    what = f"the {packed} data is corrupt or truncated" if packed else "the file cannot be read"
    fix = "re-download or re-compress the file" if packed else "check the file and its permissions"
    message = f"{file} line {line} cannot be read: {what} ({exc}); {fix}."
    return InputError(message, file=file, line=line)


def jsonl_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(line, record, raw_bytes)`` for every non-blank line of a JSONL file.

    Raises:
        InputError: The file cannot be opened or its gzip data is corrupt.
    """
    record = 0
    with open_binary(path) as handle:
        for number, raw in _guarded_lines(handle, str(path)):
            if raw.strip():
                yield number, record, raw
                record += 1


def _decode(raw: bytes, line: int) -> str:
    text = raw.decode("utf-8")
    return text.removeprefix("\ufeff") if line == 1 else text


def _utf8_problem(file: str, line: int, detail: str) -> str:
    return (
        f"{_where(file, line)} is not valid UTF-8 ({detail}); the file must be UTF-8. "
        f"Convert it, e.g. with: iconv -f <encoding> -t utf-8 {file} > converted "
        "(the encoding is often windows-1252 or latin1)."
    )


def _jsonl_records(file: str, cfg: ReadConfig) -> Iterator[_Raw]:
    for line, record, raw in jsonl_lines(Path(file)):
        fields, problem = _parse_json(raw, file, line)
        yield _Raw(file, line, record, fields, problem)


def _parse_json(raw: bytes, file: str, line: int) -> tuple[dict[str, Any] | None, str]:
    fast = _fast_object(raw)
    if fast is not None:
        return fast, ""
    try:
        value = json.loads(_decode(raw, line))
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
        return None, _utf8_problem(file, line, detail)
    except json.JSONDecodeError as exc:
        return None, (
            f"{file} line {line} is not valid JSON ({_json_error(exc)}); "
            "each line must hold one JSON object. Fix the line, or use --on-error skip."
        )
    if not isinstance(value, dict):
        return None, (
            f"{file} line {line} holds a JSON {type(value).__name__}, not an object; "
            'each line must hold one object like {"id": ..., "text": ...}. '
            "Fix the line, or use --on-error skip."
        )
    problem = surrogate_problem(f"{file} line {line}", value)
    return (None, problem) if problem else (value, "")


def _json_error(exc: json.JSONDecodeError) -> str:
    """``exc``'s message and column, read as one phrase (its message may end in "at")."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def _fast_object(raw: bytes) -> dict[str, Any] | None:
    """The object of a JSON line as orjson reads it, when :mod:`json` reads the same; else None.

    orjson parses a news record about three times as fast (1.7 against 5.4 us here). It
    refuses what :mod:`json` takes but is no strict JSON (NaN, lone surrogates, a byte
    order mark) and what neither takes; those lines, and any that orjson reads as other
    than an object, go to :mod:`json`, which reads them or says what is wrong. One
    difference would pass unseen: orjson reads an integer beyond 64 bits as a float (an
    id would change, or a message quote another number), so an object holding a float
    anywhere goes to :mod:`json` too.
    """
    orjson = _orjson()
    if orjson is None:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict and not _holds_float(value) else None


def _holds_float(value: dict[str, Any] | list[Any]) -> bool:
    """Whether a float is among the values of ``value``, at any depth."""
    pending: list[Any] = [value]
    while pending:
        inner = pending.pop()
        for item in inner.values() if type(inner) is dict else inner:
            kind = type(item)
            if kind is float:
                return True
            if kind is dict or kind is list:
                pending.append(item)
    return False


@cache
def _orjson() -> Any:
    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; json alone gives the same
        return None
    return orjson


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
        except _READ_ERRORS as exc:
            raise _unreadable(file, 1, exc) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        detail = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise BrokenInput(_utf8_problem(file, line, detail), file=file, line=line) from None
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
            raise _broken_array(file, exc.lineno, _json_error(exc)) from None
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


def _json_array_records(file: str, cfg: ReadConfig) -> Iterator[_Raw]:
    for line, record, _raw, value in json_items(Path(file)):
        if isinstance(value, dict):
            problem = surrogate_problem(f"{file} line {line}", value)
            yield _Raw(file, line, record, None if problem else value, problem)
        else:
            problem = (
                f"{file} line {line}: item {record + 1} of the array is a JSON "
                f'{type(value).__name__}, not an object like {{"id": ..., "text": ...}}. '
                "Fix the item, or use --on-error skip."
            )
            yield _Raw(file, line, record, None, problem)


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


def _csv_records(file: str, cfg: ReadConfig) -> Iterator[_Raw]:
    delimiter = delimiter_of(Path(file), detect_format(Path(file), cfg), cfg)
    rows = csv_rows(Path(file), delimiter)
    first = next(rows, None)
    if first is None:
        message = f"{file} is empty; a CSV file needs a header row naming its fields."
        raise InputError(message, file=file)
    header = _header(file, first[0], first[2], delimiter, cfg)
    for line, record, row in rows:
        yield _Raw(file, line, record, *_csv_fields(header, row, file, line, delimiter))


def _header(file: str, line: int, row: Row, delimiter: str, cfg: ReadConfig) -> list[str]:
    """The header row's field names, after checking they are what the mapping needs."""
    if isinstance(row, str):
        raise BrokenInput(row, file=file, line=line)
    if _has_surrogates(row):
        raise BrokenInput(_utf8_problem(file, line, "in the header"), file=file, line=line)
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
        return None, _utf8_problem(file, line, "bad bytes in a field")
    return dict(zip(header, row, strict=True)), ""


def _parquet_records(file: str, cfg: ReadConfig) -> Iterator[_Raw]:
    record = 0
    for batch in parquet_batches(Path(file)):
        for fields in batch.to_pylist():
            yield _Raw(file, record + 1, record, fields)
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


def _txt_records(file: str, cfg: ReadConfig) -> Iterator[_Raw]:
    names = txt_files(Path(file))
    if not names:
        raise InputError(
            f"{file} is a folder with no .txt files; put one article per .txt file in it, "
            "or pass the data file itself.",
            file=file,
        )
    for record, name in enumerate(names):
        yield _txt_record(file, record, name)


def _txt_record(folder: str, record: int, name: str) -> _Raw:
    path = Path(folder) / name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return _Raw(folder, 0, record, None, f"{path} cannot be read: {exc.strerror or exc}.", name)
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
        problem = _utf8_problem(str(path), 0, detail)
        return _Raw(folder, 0, record, None, problem, name)
    return _Raw(folder, 0, record, {"id": name, "text": text}, "", name)


# ---------------------------------------------------------------- field mapping


def _to_item(raw: _Raw, cfg: ReadConfig, seen: _Seen) -> Document | Skip:
    """Map a raw record to a document, or handle it as bad or empty (skip or raise)."""
    if raw.fields is not None and _field_names(raw, cfg)[1] in raw.fields:
        seen.files_with_text.add(raw.file)
    problem, doc_id, text = _check(raw, cfg, raw.file in seen.files_with_text)
    skip = _finish(raw, problem, doc_id, not problem and not text.strip(), cfg, seen.ids)
    return skip or _document(raw, doc_id or "", text, cfg)


def _field_names(raw: _Raw, cfg: ReadConfig) -> tuple[str, str]:
    """The id and text fields of ``raw``: a text file in a folder has its own."""
    return ("id", "text") if raw.member else (cfg.id_field, cfg.text_field)


def _check(raw: _Raw, cfg: ReadConfig, file_has_text: bool) -> tuple[str, str | None, str]:
    """``(problem, id, text)`` of a record: every check but the ids read before it.

    Args:
        raw: The record.
        cfg: The field mapping and limits.
        file_has_text: Whether this or an earlier record of the same file has the text
            field (see :class:`_Seen`).

    Returns:
        The problem (empty for none), the document id if it was read, and the text.
    """
    fields = raw.fields
    if fields is None:
        return raw.problem, None, ""
    id_field, text_field = _field_names(raw, cfg)
    numbered = cfg.auto_ids and not raw.member
    problem = "" if numbered else _missing_field(raw, id_field, "--id-field")
    if text_field not in fields:
        problem = problem or _misspelled(raw, text_field, cfg)
        if not file_has_text:
            problem = problem or _missing_field(raw, text_field, "--text-field")
    if problem:
        return problem, None, ""
    doc_id = f"{shown(raw.file)}:{raw.line}" if numbered else _scalar_text(fields[id_field])
    text = "" if fields.get(text_field) is None else fields[text_field]
    problem = "" if numbered else _check_id(raw, fields[id_field], id_field)
    problem = problem or _check_text(raw, text, text_field, cfg)
    return problem, doc_id, text


def _misspelled(raw: _Raw, name: str, cfg: ReadConfig) -> str:
    """A problem if a field of ``raw`` looks like a misspelling of the field ``name``.

    A record without the text field reads as empty text (title-only wire items); but a
    field named almost like it (``Text``, ``txet``, ``text_``) means the text is there
    under another name, and reading it as empty would lose it.
    """
    fields = raw.fields or {}
    mapped = {cfg.id_field, cfg.title_field, cfg.date_field, cfg.source_field, cfg.url_field}
    others = [key for key in fields if isinstance(key, str) and key not in mapped]
    close = [key for key in others if key.lower() == name.lower()]
    close = close or difflib.get_close_matches(name, others, n=1, cutoff=0.75)
    if not close:
        return ""
    return (
        f"{raw.label} has no field {name!r} but has {close[0]!r}, which looks like it "
        f"misspelled; rename the field in the data, or use --text-field {close[0]} if every "
        "record uses that name."
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_problem(label: str, fields: Mapping[str, Any]) -> str:
    """A problem if a field's string holds a lone surrogate (not valid Unicode), else ``""``.

    Only what :mod:`json` (or a DataFrame) gives needs the check: orjson refuses lone
    surrogates, CSV bytes are decoded strictly, Arrow strings are valid UTF-8.
    """
    for name, value in fields.items():
        found = _SURROGATE.search(value) if isinstance(value, str) else None
        if found:
            return (
                f"{label} has a lone surrogate (\\u{ord(found.group()):04x}) at character "
                f"{found.start() + 1} of field {name!r}: not valid Unicode, so it cannot be "
                "written out (it comes from text cut inside an emoji or a broken escape). Fix "
                "the record, or use --on-error skip."
            )
    return ""


def _finish(
    raw: _Raw,
    problem: str,
    doc_id: str | None,
    empty: bool,
    cfg: ReadConfig,
    ids: dict[str, str],
) -> Skip | None:
    """The skip of a checked record (or raise), else ``None`` with its id taken in ``ids``.

    Args:
        raw: The record (only where it is: file, line, label).
        problem: What :func:`_check` found wrong with it; empty for nothing.
        doc_id: Its id, if read.
        empty: Whether its text is blank.
        cfg: What to do with bad and empty records.
        ids: Ids taken so far, with where; a good record's id is added.
    """
    if problem or doc_id is None:  # _check reads the id of every record without a problem
        return _bad(raw, problem, doc_id, cfg)
    problem = _check_unique(raw, doc_id, ids)
    if problem:
        return _bad(raw, problem, doc_id, cfg)
    if empty and cfg.on_empty != "keep":
        return _empty(raw, doc_id, cfg)
    ids[doc_id] = raw.label
    return None


def _bad(raw: _Raw, problem: str, doc_id: str | None, cfg: ReadConfig) -> Skip:
    if cfg.on_error == "fail":
        raise InputError(problem, file=raw.file, line=raw.line)
    return Skip(raw.file, raw.line, problem, doc_id)


def _empty(raw: _Raw, doc_id: str, cfg: ReadConfig) -> Skip:
    where = f"{raw.label} (id {doc_id!r})"
    if cfg.on_empty == "skip":
        return Skip(raw.file, raw.line, f"{where} has empty text", doc_id)
    raise InputError(
        f"{where} has empty text; use --on-empty keep to keep such documents alone, "
        "or --on-empty skip to set them aside.",
        file=raw.file,
        line=raw.line,
    )


def _missing_field(raw: _Raw, name: str, option: str) -> str:
    fields = raw.fields or {}
    if name in fields:
        return ""
    found = ", ".join(map(str, fields)) or "none"
    guess = _guess_field(fields, option)
    if option == "--id-field":
        fix = f"Use --id-field {guess}, or --auto-ids" if guess else "Use --auto-ids"
        fix += " to number the records (FILE:LINE) when the data has no ids."
    else:
        fix = f"Use {option} {guess or 'NAME'}."
    return f"{raw.label} has no field {name!r}; fields found: {found}. {fix}"


_ID_HINTS = ("id", "key", "uuid", "guid")
_TEXT_HINTS = ("text", "body", "content", "article", "story")


def _guess_field(fields: Mapping[str, Any], option: str) -> str | None:
    """The field most likely meant: one named like an id (or text), else the longest text.

    For ids there is no second guess: a field that is not named like an id (the title,
    the text) would repeat in the very copies the tool is for.
    """
    hints = _ID_HINTS if option == "--id-field" else _TEXT_HINTS
    named = [key for key in fields if isinstance(key, str) and any(h in key.lower() for h in hints)]
    if named:
        return named[0]
    if option == "--id-field":
        return None
    texts = {key: len(v) for key, v in fields.items() if isinstance(v, str)}
    return max(texts, key=lambda key: texts[key]) if texts else None


def _check_id(raw: _Raw, value: Any, name: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
        return ""
    got = "an empty string" if value == "" else f"{_a(type(value).__name__)} {value!r:.40}"
    return (
        f"{raw.label} has an unusable id in field {name!r} ({got}); ids must be "
        "non-empty strings or numbers. Fix the record, or use another --id-field."
    )


def _check_text(raw: _Raw, value: Any, name: str, cfg: ReadConfig) -> str:
    if not isinstance(value, str):
        return (
            f"{raw.label} has {_a(type(value).__name__)} in text field {name!r}, "
            "not a string. Fix the record, or choose another --text-field."
        )
    if len(value) > cfg.max_chars:
        return (
            f"{raw.label} has a text of {len(value):,} characters, more than "
            f"--max-chars {cfg.max_chars:,}. Raise --max-chars, or use --on-error skip."
        )
    return ""


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: ``an int``, ``a list``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _check_unique(raw: _Raw, doc_id: str, seen: Mapping[str, str]) -> str:
    if doc_id not in seen:
        return ""
    return (
        f"{raw.label} repeats the id {doc_id!r} first seen at {seen[doc_id]}; "
        "make the ids unique, or use another --id-field."
    )


def _scalar_text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else str(value)


def _optional(fields: Mapping[str, Any], name: str) -> str | None:
    """A mapped optional field as text; absent, null or empty is ``None``."""
    value = fields.get(name)
    return None if value is None or value == "" else _scalar_text(value)


def _document(raw: _Raw, doc_id: str, text: str, cfg: ReadConfig) -> Document:
    fields = raw.fields or {}
    origin = Origin(raw.file, raw.line, raw.record)
    if raw.member:
        return Document(doc_id, text, origin=origin)
    mapped = {cfg.id_field, cfg.text_field, cfg.title_field}
    mapped |= {cfg.date_field, cfg.source_field, cfg.url_field}
    return Document(
        id=doc_id,
        text=text,
        title=_optional(fields, cfg.title_field),
        published=_optional(fields, cfg.date_field),
        source=_optional(fields, cfg.source_field),
        url=_optional(fields, cfg.url_field),
        meta={key: value for key, value in fields.items() if key not in mapped},
        origin=origin,
    )
