"""Read JSONL, CSV, Parquet files and folders of ``.txt`` files into documents.

Records are streamed: no JSONL, CSV or Parquet file is held in memory whole. Each
record carries an :class:`~newsdedup.data.Origin` so errors can name it and the
writers can re-read the input and pick it again. Record counting, shared with
:mod:`newsdedup.write` through :func:`jsonl_lines`, :func:`csv_rows` and
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
import gzip
import json
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError

_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
_KNOWN = ".jsonl, .ndjson, .json, .csv (each also .gz), .parquet, or a folder of .txt files"
_BATCH_ROWS = 4096
# Corrupt or truncated gzip data surfaces as any of these while iterating.
_READ_ERRORS = (OSError, EOFError, zlib.error)


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
    """Return the format of ``path``: ``jsonl``, ``csv``, ``parquet`` or ``txt``.

    Args:
        path: An input file or folder.
        cfg: ``cfg.format`` other than ``auto`` is returned as is.

    Returns:
        The format name; a folder is ``txt``.

    Raises:
        InputError: The file name ends in an unknown extension.
    """
    if cfg.format != "auto":
        return cfg.format
    if path.is_dir():
        return "txt"
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    fmt = _SUFFIXES.get(Path(name).suffix)
    if fmt is None or (fmt == "parquet" and name != path.name.lower()):
        raise InputError(
            f"{path}: cannot tell the format from the file name; known: {_KNOWN}. "
            "Rename the file, or give the format with --format.",
            file=str(path),
        )
    return fmt


def read(paths: Sequence[str | Path], cfg: ReadConfig) -> Iterator[Document | Skip]:
    """Stream documents from files and folders, in the order given.

    Every path is checked (it exists, its format is known) before the first record is
    read. Ids must be unique across all ``paths``: a repeated id is a bad record and the
    first occurrence wins.

    Args:
        paths: Input files (JSONL, CSV, Parquet; ``.gz`` for JSONL and CSV) and folders
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
        for raw in _records(str(path), fmt):
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


def _records(file: str, fmt: str) -> Iterator[_Raw]:
    """Raw records of one input; a problem that ends the file is its last record."""
    readers: dict[str, Callable[[str], Iterator[_Raw]]] = {
        "jsonl": _jsonl_records,
        "csv": _csv_records,
        "parquet": _parquet_records,
        "txt": _txt_records,
    }
    try:
        yield from readers[fmt](file)
    except InputError as exc:
        yield _Raw(exc.file or file, exc.line, -1, None, str(exc))


# ---------------------------------------------------------------- shared record counting


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, through gzip when its name ends in ``.gz``.

    Raises:
        InputError: The file cannot be opened.
    """
    try:
        if path.name.lower().endswith(".gz"):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except OSError as exc:
        message = f"{path} cannot be opened: {exc.strerror or exc}."
        raise InputError(message, file=str(path)) from None


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


def _unreadable(file: str, line: int, exc: BaseException) -> InputError:
    gz = file.lower().endswith(".gz")
    what = "the gzip data is corrupt or truncated" if gz else "the file cannot be read"
    fix = "re-download or re-compress the file" if gz else "check the file and its permissions"
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


def _jsonl_records(file: str) -> Iterator[_Raw]:
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
            f"{file} line {line} is not valid JSON ({exc.msg} at column {exc.colno}); "
            "each line must hold one JSON object. Fix the line, or use --on-error skip."
        )
    if not isinstance(value, dict):
        return None, (
            f"{file} line {line} holds a JSON {type(value).__name__}, not an object; "
            'each line must hold one object like {"id": ..., "text": ...}. '
            "Fix the line, or use --on-error skip."
        )
    return value, ""


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


def _physical_lines(handle: Iterable[bytes], file: str) -> Iterator[str]:
    for number, raw in _guarded_lines(handle, file):
        text = raw.decode("utf-8", errors="surrogateescape")
        yield text.removeprefix("\ufeff") if number == 1 else text


def csv_rows(path: Path) -> Iterator[tuple[int, int, list[str]]]:
    """Yield ``(line, record, row)`` for the header, then every non-blank data row of a CSV file.

    The header comes first, with record ``-1``. Bytes that are not UTF-8 appear as lone
    surrogates (``errors="surrogateescape"``), so a bad row can be spotted and skipped.

    Raises:
        InputError: The file cannot be opened, its gzip data is corrupt, or it is not CSV.
    """
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_binary(path) as handle:
        reader = csv.reader(_physical_lines(handle, str(path)))
        yield from _numbered_rows(reader, str(path))


def _numbered_rows(reader: Any, file: str) -> Iterator[tuple[int, int, list[str]]]:
    record, start = -1, 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"{file} line {reader.line_num} is not valid CSV ({exc}); fix the quoting there.",
                file=file,
                line=reader.line_num,
            ) from None
        if row:
            yield start, record, row
            record += 1
        start = reader.line_num + 1


def _has_surrogates(values: Iterable[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for value in values for ch in value)


def _csv_records(file: str) -> Iterator[_Raw]:
    rows = csv_rows(Path(file))
    header = next(rows, None)
    if header is None:
        message = f"{file} is empty; a CSV file needs a header row naming its fields."
        raise InputError(message, file=file)
    if _has_surrogates(header[2]):
        raise InputError(_utf8_problem(file, header[0], "in the header"), file=file, line=header[0])
    for line, record, row in rows:
        yield _Raw(file, line, record, *_csv_fields(header[2], row, file, line))


def _csv_fields(header: list[str], row: list[str], file: str, line: int) -> tuple[dict | None, str]:
    if len(row) > len(header):
        return None, (
            f"{file} line {line} has {len(row)} fields but the header has {len(header)}; "
            'quote values that contain commas, e.g. "a, b".'
        )
    if _has_surrogates(row):
        return None, _utf8_problem(file, line, "bad bytes in a field")
    return dict(zip(header, row, strict=False)), ""  # a short row lacks its last fields


def _parquet_records(file: str) -> Iterator[_Raw]:
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
    """Relative POSIX paths of every ``*.txt`` file below ``folder``, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.txt") if p.is_file())


def _txt_records(file: str) -> Iterator[_Raw]:
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
    problem = _missing_field(raw, id_field, "--id-field")
    if text_field not in fields and not file_has_text:
        problem = problem or _missing_field(raw, text_field, "--text-field")
    if problem:
        return problem, None, ""
    doc_id = _scalar_text(fields[id_field])
    text = "" if fields.get(text_field) is None else fields[text_field]
    problem = _check_id(raw, fields[id_field], id_field) or _check_text(raw, text, text_field, cfg)
    return problem, doc_id, text


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
    found = ", ".join(fields) or "none"
    return (
        f"{raw.label} has no field {name!r}; fields found: {found}. "
        f"Use {option} {_guess_field(fields, option)}."
    )


_ID_HINTS = ("id", "key", "uuid", "guid")
_TEXT_HINTS = ("text", "body", "content", "article", "story")


def _guess_field(fields: Mapping[str, Any], option: str) -> str:
    """The field most likely meant: one named like an id (or text), else a plausible value."""
    hints = _ID_HINTS if option == "--id-field" else _TEXT_HINTS
    named = [key for key in fields if any(hint in key.lower() for hint in hints)]
    if named:
        return named[0]
    if option == "--id-field":
        return next(iter(fields), "NAME")
    texts = {key: len(v) for key, v in fields.items() if isinstance(v, str)}
    return max(texts, key=lambda key: texts[key]) if texts else "NAME"


def _check_id(raw: _Raw, value: Any, name: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
        return ""
    got = "an empty string" if value == "" else f"{type(value).__name__} {value!r:.40}"
    return (
        f"{raw.label} has an unusable id in field {name!r} ({got}); ids must be "
        "non-empty strings or numbers. Fix the record, or use another --id-field."
    )


def _check_text(raw: _Raw, value: Any, name: str, cfg: ReadConfig) -> str:
    if not isinstance(value, str):
        return (
            f"{raw.label} has a {type(value).__name__} in text field {name!r}, "
            "not a string. Fix the record, or choose another --text-field."
        )
    if len(value) > cfg.max_chars:
        return (
            f"{raw.label} has a text of {len(value):,} characters, more than "
            f"--max-chars {cfg.max_chars:,}. Raise --max-chars, or use --on-error skip."
        )
    return ""


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
