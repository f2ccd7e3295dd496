"""The JSONL reader: files cut into blocks of whole lines, each block parsed and checked alone.

JSONL has this one reader. Each file is cut into blocks (:func:`blocks`): a byte range of
whole lines and the number of its first line. A block's records are parsed
(:func:`_parse_json`) and checked (:mod:`newsdedup.io.records`) as far as the block tells
(:func:`check_block`); what one block cannot tell is settled in input order
(:class:`Settle`): whether an earlier record took the id, and whether a record without the
text field comes after one of the same file that had it.

Both ways of reading JSONL run these same steps, so documents, skips, errors and origins
are the same record by record:

* The engines send the blocks of plain files to worker processes, which read their byte
  range themselves (a few bytes to send where the lines were sent before), and the driver
  settles each block as it comes back.
* :func:`read_jsonl`, which :func:`newsdedup.io.read.read` reads JSONL with, runs them one
  block after another in this process, on the lines it has just read to cut the block,
  and settles a record (or raises for it) only when its reader reaches it. A compressed
  file cannot be read from the middle, nor split in large reads without changing what a
  corrupt one gives (:func:`_streamed`): its lines are read one by one, as a stream, and
  grouped into blocks, which then take the same steps.

Records are counted as :func:`jsonl_lines` gives them (:mod:`newsdedup.io.write` re-reads
compressed inputs with it): ``line`` is the 1-based physical line; blank lines (only white
space) are not records and are ignored silently; ``record`` is the 0-based index among the
other lines, bad ones included.

Each record's byte range is kept (:class:`Spans`), so the texts of a few documents can be
read again without reading the whole input (:class:`DocumentsAt`).
"""

from __future__ import annotations

import io
import json
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, cast

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.io.formats import detect_format
from newsdedup.io.inputs import codec, open_binary
from newsdedup.io.records import (
    READ_ERRORS,
    Raw,
    check_record,
    document,
    field_names,
    finish_record,
    json_error,
    optional,
    surrogate_problem,
    unreadable,
    utf8_problem,
)

BLOCK_BYTES = 1 << 22
"""Bytes per block, about 1,400 news articles: few messages, little held in flight (1 MiB
blocks made the survey of 300k synthetic articles 9.1 s, these 7.6 s)."""

READ_BYTES = 1 << 18
"""Bytes per block when this process reads the blocks itself: the records of a block are
held until it is settled, and smaller blocks stay in the processor's cache (reading
100k wire articles took 1.7 s of CPU time in blocks of 4 MiB, 1.3 s in blocks of 256 KiB)."""

Slim = tuple[str, str, str | None, str | None, str | None, str | None]
"""What fingerprinting needs of a document: id, text, published, source, url, title."""

Check = tuple[str, str | None, bool]
"""A record as far as its block tells: problem (empty for none), id, whether its text is blank."""

Records = tuple[list[int], list[int], list[int], list[Raw]]
"""A block's records (its non-blank lines): their lines, offsets, sizes, and parsed fields."""


@dataclass(frozen=True, slots=True)
class Block:
    """A byte range of whole lines of a JSONL file.

    Attributes:
        file: The file, as given.
        offset: Where the block starts, in bytes (of the decompressed data, for a
            compressed file).
        size: Its length in bytes.
        line: The physical line number of its first line (1-based).
        problem: Why the file cannot be read from here on (then ``size`` is 0).
    """

    file: str
    offset: int
    size: int
    line: int
    problem: str = ""


@dataclass(frozen=True, slots=True)
class CheckedBlock:
    """The records of a block (its non-blank lines), checked as far as the block tells.

    Attributes:
        block: The block.
        lines: The physical line of each record.
        offsets: Where each record starts in the file, in bytes.
        sizes: Each record's length in bytes, its newline included.
        checks: Each record's :data:`Check` when no earlier record of its file had the
            text field.
        alternatives: The :data:`Check` of records without the text field that come
            before the block's first record with it, once an earlier block had it, where
            it differs from ``checks``.
        has_text: Whether a record of the block has the text field.
        sent: The records handed on as documents, in order.
    """

    block: Block
    lines: list[int]
    offsets: list[int]
    sizes: list[int]
    checks: list[Check]
    alternatives: dict[int, Check]
    has_text: bool
    sent: list[int]


def readable(paths: Sequence[str | Path], cfg: ReadConfig) -> bool:
    """Whether every input is a plain (not compressed) JSONL file, which workers can read.

    A worker reads its block's byte range from the file itself, which a compressed file
    cannot give without decompressing all before it: :func:`read_jsonl` reads those.
    """
    for name in paths:
        path = Path(name)
        if not path.is_file() or codec(path.name):
            return False
        try:
            if detect_format(path, cfg) != "jsonl":
                return False
        except InputError:
            return False
    return bool(paths)


def blocks(paths: Sequence[str | Path], size: int = BLOCK_BYTES) -> Iterator[Block]:
    """Cut every file into blocks of whole lines of about ``size`` bytes, in order.

    A line longer than ``size`` makes a block of its own. A file that cannot be opened or
    read on ends with a block that says why, where :func:`read_jsonl` says it.
    """
    for path in paths:
        for block, _ in _file_blocks(str(path), size):
            yield block


def read_jsonl(
    file: str, cfg: ReadConfig, settle: Settle, *, size: int = READ_BYTES
) -> Iterator[Document | Skip]:
    """Read one JSONL file, plain or compressed, in this process: block by block, in order.

    Args:
        file: The file.
        cfg: The field mapping and what to do with bad or empty records.
        settle: What reading has met so far, in this and earlier inputs: ids, files with
            the text field, records per file. Its skips, origins and spans are kept only
            if ``settle.keep``.
        size: Bytes per block.

    Yields:
        A :class:`Document` per good record; a :class:`Skip` per bad record when
        ``cfg.on_error`` is ``skip``, and per empty text when ``cfg.on_empty`` is ``skip``.

    Raises:
        InputError: With ``on_error="fail"``, a bad record (or the file cannot be read);
            with ``on_empty="fail"``, an empty text: when the reader reaches it, after the
            documents before it.
    """
    for block, text in _file_blocks(file, size):
        if block.problem:
            lines, offsets, sizes, raws = _failed(block, block.problem)
        else:
            lines, offsets, sizes, raws = _records(block, text, settle.first_record(block))
        checks, alternatives, has_text, texts = _checks(raws, cfg)
        checked = CheckedBlock(block, lines, offsets, sizes, checks, alternatives, has_text, [])
        for i, doc_id, skip in settle.settled(checked):
            yield document(raws[i], doc_id, texts[i], cfg) if skip is None else skip


def jsonl_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(line, record, raw_bytes)`` for every non-blank line of a JSONL file.

    Raises:
        InputError: The file cannot be opened, or read on from a line (its compressed data
            is corrupt): after the lines before it.
    """
    record = 0
    for block, lines in _cut(str(path), READ_BYTES):
        for line, _, raw in _nonblank(block, lines):
            yield line, record, raw
            record += 1


def _file_blocks(file: str, size: int) -> Iterator[tuple[Block, list[bytes]]]:
    """The blocks of one file with their lines; if it stops being readable, a block saying why."""
    offset = 0
    try:
        for block, lines in _cut(file, size):
            yield block, lines
            offset = block.offset + block.size
    except InputError as exc:
        yield Block(exc.file or file, offset, 0, exc.line, str(exc)), []


def _cut(file: str, size: int) -> Iterator[tuple[Block, list[bytes]]]:
    """Cut ``file`` into blocks of whole lines of about ``size`` bytes, with their lines.

    Raises:
        InputError: The file cannot be opened, or read on from a line: after the blocks
            of the lines before it.
    """
    offset, line = 0, 1
    with open_binary(Path(file)) as handle:
        if codec(file):
            groups = _streamed(handle, size)
        else:
            groups = _chunked(cast(io.BufferedIOBase, handle), size)
        try:
            for lines in groups:
                block = Block(file, offset, sum(map(len, lines)), line)
                yield block, lines
                line += len(lines)
                offset += block.size
        except READ_ERRORS as exc:
            raise unreadable(file, line, exc) from None


def _chunked(handle: io.BufferedIOBase, size: int) -> Iterator[list[bytes]]:
    """The lines of a plain file, split in this process from reads of ``size`` bytes.

    A line longer than ``size`` makes a group of its own. Each read's whole lines are
    given before the next read, so when one fails, the lines before it are read.
    """
    rest: list[bytes] = []  # bytes read after the last newline
    while data := handle.read1(size):
        lines = io.BytesIO(data).readlines()
        if len(lines) == 1 and not data.endswith(b"\n"):  # no newline in data
            rest.append(data)
            continue
        end = [] if data.endswith(b"\n") else [lines.pop()]
        if rest:
            lines[0] = b"".join([*rest, lines[0]])
        rest = end
        yield lines
    if rest:
        yield [b"".join(rest)]


def _streamed(handle: BinaryIO, size: int) -> Iterator[list[bytes]]:
    """The lines of a compressed file, read one at a time, in groups of about ``size`` bytes.

    Where compressed data is corrupt, the lines read before the error depend on how much
    is asked of the decompressor at a time: zlib drops all that the failing call decoded.
    Read line by line, it is asked for a buffer at a time, as the reader did before it read
    in blocks, so a corrupt file gives the same records, then the same error, as it did
    (and as :func:`jsonl_lines` gives the writers); decompressing takes most of the time.
    """
    lines: list[bytes] = []
    have = 0
    try:
        for raw in handle:
            lines.append(raw)
            have += len(raw)
            if have >= size:
                yield lines
                lines, have = [], 0
    except READ_ERRORS:
        if lines:
            yield lines
        raise
    if lines:
        yield lines


def check_block(
    block: Block, cfg: ReadConfig, take: Collection[int] | None = None
) -> tuple[CheckedBlock, list[Slim]]:
    """Read and check the records of ``block`` from its file; hand on the documents among them.

    Args:
        block: The block, of a plain file.
        cfg: The field mapping and what to do with bad or empty records.
        take: The records to hand on, as the driver settled them; ``None`` for a guess:
            every record that is a document unless an earlier block took its id, guessing
            that a block other than a file's first comes after a record with the text field.

    Returns:
        The checked records, and the documents handed on.
    """
    lines, offsets, sizes, raws = _read_block(block)
    checks, alternatives, has_text, texts = _checks(raws, cfg)
    if take is None:
        guess = alternatives if block.offset else {}
        take = [i for i in range(len(raws)) if _is_document(guess.get(i, checks[i]), cfg)]
    sent = sorted(take)
    slims = [_slim(raws[i], checks[i][1] or alternatives[i][1] or "", texts[i], cfg) for i in sent]
    checked = CheckedBlock(block, lines, offsets, sizes, checks, alternatives, has_text, sent)
    return checked, slims


def _read_block(block: Block) -> Records:
    """The records of a block, read from its byte range of the file."""
    if block.problem:
        return _failed(block, block.problem)
    try:
        with open(block.file, "rb") as handle:
            handle.seek(block.offset)
            data = handle.read(block.size)
    except OSError as exc:
        return _failed(block, str(unreadable(block.file, block.line, exc)))
    return _records(block, io.BytesIO(data), 0)


def _failed(block: Block, problem: str) -> Records:
    """A block that cannot be read: one bad record, at its first line."""
    return [block.line], [block.offset], [0], [Raw(block.file, block.line, -1, None, problem)]


def _records(block: Block, text: Iterable[bytes], first: int) -> Records:
    """The block's records, parsed from its lines ``text``; ``first`` numbers the first."""
    lines: list[int] = []
    offsets: list[int] = []
    sizes: list[int] = []
    raws: list[Raw] = []
    for number, offset, raw in _nonblank(block, text):
        fields, problem = _parse_json(raw, block.file, number)
        lines.append(number)
        offsets.append(offset)
        sizes.append(len(raw))
        raws.append(Raw(block.file, number, first + len(raws), fields, problem))
    return lines, offsets, sizes, raws


def _nonblank(block: Block, lines: Iterable[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """``(line, offset, raw)`` of each line of the block that is not blank, its newline kept."""
    offset = block.offset
    for number, raw in enumerate(lines, start=block.line):
        if raw.strip():
            yield number, offset, raw
        offset += len(raw)


def _checks(
    raws: list[Raw], cfg: ReadConfig
) -> tuple[list[Check], dict[int, Check], bool, list[str]]:
    """Check a block's records as far as it tells: see :class:`CheckedBlock`; and their texts."""
    checks: list[Check] = []
    texts: list[str] = []
    alternatives: dict[int, Check] = {}
    has_text = False
    for i, raw in enumerate(raws):
        fields = raw.fields
        if fields is not None and field_names(raw, cfg)[1] in fields:
            has_text = True
        check, text = _brief(raw, cfg, has_text)
        checks.append(check)
        texts.append(text)
        if not has_text and fields is not None:
            other, text = _brief(raw, cfg, True)
            if other != check:
                alternatives[i] = other
                texts[i] = text
    return checks, alternatives, has_text, texts


def _brief(raw: Raw, cfg: ReadConfig, file_has_text: bool) -> tuple[Check, str]:
    problem, doc_id, text = check_record(raw, cfg, file_has_text)
    return (problem, doc_id, not problem and not text.strip()), text


def _is_document(check: Check, cfg: ReadConfig) -> bool:
    problem, _, empty = check
    return not problem and (not empty or cfg.on_empty == "keep")


def _slim(raw: Raw, doc_id: str, text: str, cfg: ReadConfig) -> Slim:
    fields = raw.fields or {}
    return (
        doc_id,
        text,
        optional(fields, cfg.date_field),
        optional(fields, cfg.source_field),
        optional(fields, cfg.url_field),
        optional(fields, cfg.title_field),
    )


# ---------------------------------------------------------------- one JSON line


def _decode(raw: bytes, line: int) -> str:
    text = raw.decode("utf-8")
    return text.removeprefix("\ufeff") if line == 1 else text


def _parse_json(raw: bytes, file: str, line: int) -> tuple[dict[str, Any] | None, str]:
    """The object of one JSONL line (``line`` of ``file``), or the problem that spoils it."""
    fast = _fast_object(raw)
    if fast is not None:
        return fast, ""
    try:
        value = json.loads(_decode(raw, line))
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
        return None, utf8_problem(file, line, detail)
    except json.JSONDecodeError as exc:
        return None, (
            f"{file} line {line} is not valid JSON ({json_error(exc)}); "
            "each line must hold one JSON object. Fix the line, or use --on-error skip."
        )
    except (ValueError, RecursionError) as exc:
        # Valid JSON that Python does not read: a number of thousands of digits
        # (int_max_str_digits), or arrays nested thousands deep. A bad record, not a crash.
        nested = isinstance(exc, RecursionError)
        detail = "arrays or objects nested too deeply" if nested else str(exc).partition(";")[0]
        return None, (
            f"{file} line {line} holds JSON that cannot be read ({detail}). "
            "Fix the line, or use --on-error skip."
        )
    if not isinstance(value, dict):
        return None, (
            f"{file} line {line} holds a JSON {type(value).__name__}, not an object; "
            'each line must hold one object like {"id": ..., "text": ...}. '
            "Fix the line, or use --on-error skip."
        )
    problem = surrogate_problem(f"{file} line {line}", value)
    return (None, problem) if problem else (value, "")


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


@dataclass(slots=True)
class Spans:
    """Where each document was read: its file and byte range, in the order read."""

    files: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    file: array = field(default_factory=lambda: array("l"))
    offsets: array = field(default_factory=lambda: array("q"))
    sizes: array = field(default_factory=lambda: array("q"))


@dataclass(slots=True)
class Settle:
    """What needs every record before, in input order: the driver's part, or read()'s.

    Attributes:
        cfg: The field mapping and what to do with bad or empty records.
        keep: Whether to keep skips, origins and spans (the fingerprint pass), or only
            to check (the survey pass; :func:`read_jsonl`, which yields the skips).
        ids: Ids taken so far, with where (:func:`newsdedup.io.read.read` shares them
            with its readers of other formats).
        files_with_text: Files with a record that has the text field so far.
        records: Records met so far in each file.
        skipped: The skips, in input order.
        origins: Where each document was read.
        spans: The byte range of each document.
    """

    cfg: ReadConfig
    keep: bool = True
    ids: dict[str, str] = field(default_factory=dict)
    files_with_text: set[str] = field(default_factory=set)
    records: dict[str, int] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    spans: Spans = field(default_factory=Spans)

    def first_record(self, block: Block) -> int:
        """The index in its file of the block's first record."""
        return self.records.get(block.file, 0) if block.offset else 0  # a file given twice

    def block(self, checked: CheckedBlock) -> list[int]:
        """Settle a block's records, in order; return the documents among them.

        Raises:
            InputError: A bad record with ``on_error="fail"``, or an empty text with
                ``on_empty="fail"``, the first in input order.
        """
        base = self.first_record(checked.block)
        taken: list[int] = []
        named: list[str] = []
        for i, doc_id, skip in self.settled(checked):
            if skip is None:
                taken.append(i)
                named.append(doc_id)
            elif self.keep:
                self.skipped.append(skip)
        if self.keep:
            self._keep(checked, taken, named, base)
        return taken

    def settled(self, checked: CheckedBlock) -> Iterator[tuple[int, str, Skip | None]]:
        """Settle a block's records one at a time, in order, as they are asked for.

        Yields:
            Each record's index in the block, its id (empty if it has none), and its skip,
            or ``None`` for a document.

        Raises:
            InputError: A bad record with ``on_error="fail"``, or an empty text with
                ``on_empty="fail"``, when it is reached.
        """
        file = checked.block.file
        base = self.first_record(checked.block)
        alternatives = checked.alternatives if file in self.files_with_text else {}
        ids, lines, cfg = self.ids, checked.lines, self.cfg
        for i, check in enumerate(checked.checks):
            problem, doc_id, empty = alternatives.get(i, check)
            line = lines[i]
            if not problem and doc_id is not None and not empty and doc_id not in ids:
                ids[doc_id] = f"{file} line {line}" if line else file  # as finish_record does
                yield i, doc_id, None
                continue
            record = -1 if checked.block.problem else base + i
            raw = Raw(file, line, record, None)
            # finish_record skips (or raises for) every record without an id
            yield i, doc_id or "", finish_record(raw, problem, doc_id, empty, cfg, ids)
        if checked.has_text:
            self.files_with_text.add(file)
        self.records[file] = base + len(checked.checks)

    def _keep(self, checked: CheckedBlock, taken: list[int], ids: list[str], base: int) -> None:
        """Where each document taken from the block was read: its origin and byte range."""
        file, spans = checked.block.file, self.spans
        if taken and (not spans.files or spans.files[-1] != file):
            spans.files.append(file)
        record = -1 if checked.block.problem else base
        lines = checked.lines
        self.origins.update(
            (doc_id, Origin(file, lines[i], record if record < 0 else record + i))
            for doc_id, i in zip(ids, taken, strict=True)
        )
        spans.ids.extend(ids)
        spans.file.extend([len(spans.files) - 1] * len(taken))
        spans.offsets.extend([checked.offsets[i] for i in taken])
        spans.sizes.extend([checked.sizes[i] for i in taken])


class DocumentsAt(Mapping[str, Document]):
    """The documents ``wanted``, each read again from its byte range alone when asked for.

    Equal to those :func:`newsdedup.io.read.read` gives. Read one at a time as the alignment
    asks (workers align the first pairs while the driver reads the texts of the next),
    from file handles kept open until :meth:`close`.
    """

    def __init__(
        self, spans: Spans, origins: dict[str, Origin], wanted: Collection[str], cfg: ReadConfig
    ) -> None:
        self._at = {doc_id: i for i, doc_id in enumerate(spans.ids) if doc_id in wanted}
        self._spans, self._origins, self._cfg = spans, origins, cfg
        self._handles: dict[int, BinaryIO] = {}

    def __getitem__(self, doc_id: str) -> Document:
        i = self._at[doc_id]
        file_no = self._spans.file[i]
        handle = self._handles.get(file_no)
        if handle is None:
            handle = self._handles[file_no] = open(self._spans.files[file_no], "rb")  # noqa: SIM115
        handle.seek(self._spans.offsets[i])
        data = handle.read(self._spans.sizes[i])
        return _document_of(data, self._origins[doc_id], self._cfg)

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def close(self) -> None:
        """Close the files read."""
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


def _document_of(data: bytes, origin: Origin, cfg: ReadConfig) -> Document:
    fields, problem = _parse_json(data, origin.file, origin.line)
    raw = Raw(origin.file, origin.line, origin.record, fields, problem)
    _, doc_id, text = check_record(raw, cfg, True)
    return document(raw, doc_id or "", text, cfg)
