"""One input record, from its raw fields to a document or a skip: what every reader shares.

Each reader (:mod:`newsdedup.io.read` for CSV, TSV, JSON arrays, Parquet and folders of
``.txt`` files; :mod:`newsdedup.io.read_blocks` for JSONL) turns what it reads into
:class:`Raw` records and checks them here: the field mapping, the ids, the texts, what to do
with bad and empty records, and the messages that say where and how to fix them. The
messages of problems that more than one reader meets (bad UTF-8, bad JSON, unreadable
compressed data) are made here too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import lzma
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.io.inputs import codec, shown

READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
"""What reading a file may raise: corrupt or truncated compressed data surfaces as any of these."""


@dataclass(frozen=True, slots=True)
class Raw:
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
        return f"{self.file}/{self.member}" if self.member else where(self.file, self.line)


@dataclass(slots=True)
class Seen:
    """What reading has met so far: ids (with where), and files that have the text field.

    A record without the text field is an empty text once an earlier record of the same
    file had the field (title-only wire items, as in Reuters-21578); in the first record
    it is most likely a wrong ``--text-field``, and is reported as such.
    """

    ids: dict[str, str] = field(default_factory=dict)
    files_with_text: set[str] = field(default_factory=set)


def where(file: str, line: int) -> str:
    """How messages name a place in a file: ``file line N``, or the file alone for line 0."""
    return f"{file} line {line}" if line else file


_CODEC_NAMES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}


def unreadable(file: str, line: int, exc: BaseException) -> InputError:
    """The error for a file that cannot be read on from ``line``: say why, and the fix."""
    packed = _CODEC_NAMES.get(codec(file), "")
    what = f"the {packed} data is corrupt or truncated" if packed else "the file cannot be read"
    fix = "re-download or re-compress the file" if packed else "check the file and its permissions"
    message = f"{file} line {line} cannot be read: {what} ({exc}); {fix}."
    return InputError(message, file=file, line=line)


def utf8_problem(file: str, line: int, detail: str) -> str:
    """The problem of bytes that are not UTF-8 at ``line`` (0: the whole file)."""
    return (
        f"{where(file, line)} is not valid UTF-8 ({detail}); the file must be UTF-8. "
        f"Convert it, e.g. with: iconv -f <encoding> -t utf-8 {file} > converted "
        "(the encoding is often windows-1252 or latin1)."
    )


def json_error(exc: json.JSONDecodeError) -> str:
    """``exc``'s message and column, read as one phrase (its message may end in "at")."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


# ---------------------------------------------------------------- field mapping and checks


def to_item(raw: Raw, cfg: ReadConfig, seen: Seen) -> Document | Skip:
    """Map a raw record to a document, or handle it as bad or empty (skip or raise)."""
    if raw.fields is not None and field_names(raw, cfg)[1] in raw.fields:
        seen.files_with_text.add(raw.file)
    problem, doc_id, text = check_record(raw, cfg, raw.file in seen.files_with_text)
    skip = finish_record(raw, problem, doc_id, not problem and not text.strip(), cfg, seen.ids)
    return skip or document(raw, doc_id or "", text, cfg)


def field_names(raw: Raw, cfg: ReadConfig) -> tuple[str, str]:
    """The id and text fields of ``raw``: a text file in a folder has its own."""
    return ("id", "text") if raw.member else (cfg.id_field, cfg.text_field)


def check_record(raw: Raw, cfg: ReadConfig, file_has_text: bool) -> tuple[str, str | None, str]:
    """``(problem, id, text)`` of a record: every check but the ids read before it.

    Args:
        raw: The record.
        cfg: The field mapping and limits.
        file_has_text: Whether this or an earlier record of the same file has the text
            field (see :class:`Seen`).

    Returns:
        The problem (empty for none), the document id if it was read, and the text.
    """
    fields = raw.fields
    if fields is None:
        return raw.problem, None, ""
    id_field, text_field = field_names(raw, cfg)
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


def _misspelled(raw: Raw, name: str, cfg: ReadConfig) -> str:
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


def finish_record(
    raw: Raw,
    problem: str,
    doc_id: str | None,
    empty: bool,
    cfg: ReadConfig,
    ids: dict[str, str],
) -> Skip | None:
    """The skip of a checked record (or raise), else ``None`` with its id taken in ``ids``.

    Args:
        raw: The record (only where it is: file, line, label).
        problem: What :func:`check_record` found wrong with it; empty for nothing.
        doc_id: Its id, if read.
        empty: Whether its text is blank.
        cfg: What to do with bad and empty records.
        ids: Ids taken so far, with where; a good record's id is added.
    """
    if problem or doc_id is None:  # check_record reads the id of every record without a problem
        return _bad(raw, problem, doc_id, cfg)
    problem = _check_unique(raw, doc_id, ids)
    if problem:
        return _bad(raw, problem, doc_id, cfg)
    if empty and cfg.on_empty != "keep":
        return _empty(raw, doc_id, cfg)
    ids[doc_id] = raw.label
    return None


def _bad(raw: Raw, problem: str, doc_id: str | None, cfg: ReadConfig) -> Skip:
    if cfg.on_error == "fail":
        raise InputError(problem, file=raw.file, line=raw.line)
    return Skip(raw.file, raw.line, problem, doc_id)


def _empty(raw: Raw, doc_id: str, cfg: ReadConfig) -> Skip:
    where = f"{raw.label} (id {doc_id!r})"
    if cfg.on_empty == "skip":
        return Skip(raw.file, raw.line, f"{where} has empty text", doc_id)
    raise InputError(
        f"{where} has empty text; use --on-empty keep to keep such documents alone, "
        "or --on-empty skip to set them aside.",
        file=raw.file,
        line=raw.line,
    )


def _missing_field(raw: Raw, name: str, option: str) -> str:
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


def _check_id(raw: Raw, value: Any, name: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
        return ""
    got = "an empty string" if value == "" else f"{_a(type(value).__name__)} {value!r:.40}"
    return (
        f"{raw.label} has an unusable id in field {name!r} ({got}); ids must be "
        "non-empty strings or numbers. Fix the record, or use another --id-field."
    )


def _check_text(raw: Raw, value: Any, name: str, cfg: ReadConfig) -> str:
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


def _check_unique(raw: Raw, doc_id: str, seen: Mapping[str, str]) -> str:
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


def optional(fields: Mapping[str, Any], name: str) -> str | None:
    """A mapped optional field as text; absent, null or empty is ``None``."""
    value = fields.get(name)
    return None if value is None or value == "" else _scalar_text(value)


def document(raw: Raw, doc_id: str, text: str, cfg: ReadConfig) -> Document:
    """The document of a good record: its mapped fields, the others as ``meta``, its origin."""
    fields = raw.fields or {}
    origin = Origin(raw.file, raw.line, raw.record)
    if raw.member:
        return Document(doc_id, text, origin=origin)
    mapped = {cfg.id_field, cfg.text_field, cfg.title_field}
    mapped |= {cfg.date_field, cfg.source_field, cfg.url_field}
    return Document(
        id=doc_id,
        text=text,
        title=optional(fields, cfg.title_field),
        published=optional(fields, cfg.date_field),
        source=optional(fields, cfg.source_field),
        url=optional(fields, cfg.url_field),
        meta={key: value for key, value in fields.items() if key not in mapped},
        origin=origin,
    )
