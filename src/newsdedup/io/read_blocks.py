"""Read plain JSONL files in blocks of whole lines, so that worker processes parse them.

The driver cuts each file into blocks (:func:`blocks`): a byte range of whole lines and the
number of its first line, a few bytes to send where the lines themselves were sent before.
A worker reads the block itself and checks its records (:func:`check_block`) with the
functions of :mod:`newsdedup.io.read`. What one block cannot tell, the driver settles in input
order (:class:`Settle`): whether an earlier record took the id, and whether a record without
the text field comes after one of the same file that had it. Documents, skips, errors and
origins equal :func:`newsdedup.io.read.read`'s record by record.

Each record's byte range is kept (:class:`Spans`), so the texts of a few documents can be
read again without reading the whole input (:class:`DocumentsAt`).
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.io.inputs import codec
from newsdedup.io.read import (
    _check,
    _document,
    _field_names,
    _finish,
    _optional,
    _parse_json,
    _Raw,
    _unreadable,
    detect_format,
    open_binary,
)

BLOCK_BYTES = 1 << 22
"""Bytes per block, about 1,400 news articles: few messages, little held in flight (1 MiB
blocks made the survey of 300k synthetic articles 9.1 s, these 7.6 s)."""

Slim = tuple[str, str, str | None, str | None, str | None, str | None]
"""What fingerprinting needs of a document: id, text, published, source, url, title."""

Check = tuple[str, str | None, bool]
"""A record as far as its block tells: problem (empty for none), id, whether its text is blank."""


@dataclass(frozen=True, slots=True)
class Block:
    """A byte range of whole lines of a JSONL file.

    Attributes:
        file: The file, as given.
        offset: Where the block starts, in bytes.
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
    """Whether every input is a plain (not compressed) JSONL file, which blocks can read."""
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
    read ends with a block that says why, where :func:`newsdedup.io.read.read` says it.
    """
    for path in paths:
        yield from _file_blocks(str(path), size)


def _file_blocks(file: str, size: int) -> Iterator[Block]:
    # Bytes after a block's last newline hold no newline: only their count is kept.
    offset, line, pending = 0, 1, 0
    try:
        with open_binary(Path(file)) as handle:
            while True:
                try:
                    data = handle.read(size)
                except OSError as exc:
                    raise _unreadable(file, line, exc) from None
                if not data:
                    break
                cut = data.rfind(b"\n") + 1
                if not cut:
                    pending += len(data)
                    continue
                yield Block(file, offset, pending + cut, line)
                line += data.count(b"\n", 0, cut)
                offset += pending + cut
                pending = len(data) - cut
    except InputError as exc:
        yield Block(exc.file or file, offset, 0, exc.line, str(exc))
        return
    if pending:
        yield Block(file, offset, pending, line)


def check_block(
    block: Block, cfg: ReadConfig, take: Collection[int] | None = None
) -> tuple[CheckedBlock, list[Slim]]:
    """Read and check the records of ``block``; hand on the documents among them.

    Args:
        block: The block.
        cfg: The field mapping and what to do with bad or empty records.
        take: The records to hand on, as the driver settled them; ``None`` for a guess:
            every record that is a document unless an earlier block took its id, guessing
            that a block other than a file's first comes after a record with the text field.

    Returns:
        The checked records, and the documents handed on.
    """
    if block.problem:
        check: Check = (block.problem, None, False)
        return CheckedBlock(block, [block.line], [block.offset], [0], [check], {}, False, []), []
    lines, offsets, sizes, raws = _records(block)
    checks: list[Check] = []
    texts: list[str] = []
    alternatives: dict[int, Check] = {}
    has_text = False
    for i, raw in enumerate(raws):
        fields = raw.fields
        if fields is not None and _field_names(raw, cfg)[1] in fields:
            has_text = True
        check, text = _brief(raw, cfg, has_text)
        checks.append(check)
        texts.append(text)
        if not has_text and fields is not None:
            other, text = _brief(raw, cfg, True)
            if other != check:
                alternatives[i] = other
                texts[i] = text
    if take is None:
        guess = alternatives if block.offset else {}
        take = [i for i in range(len(raws)) if _is_document(guess.get(i, checks[i]), cfg)]
    sent = sorted(take)
    slims = [_slim(raws[i], checks[i][1] or alternatives[i][1] or "", texts[i], cfg) for i in sent]
    checked = CheckedBlock(block, lines, offsets, sizes, checks, alternatives, has_text, sent)
    return checked, slims


def _records(block: Block) -> tuple[list[int], list[int], list[int], list[_Raw]]:
    """The block's non-blank lines: line numbers, offsets, sizes, parsed records."""
    try:
        with open(block.file, "rb") as handle:
            handle.seek(block.offset)
            data = handle.read(block.size)
    except OSError as exc:
        problem = str(_unreadable(block.file, block.line, exc))
        return [block.line], [block.offset], [0], [_Raw(block.file, block.line, 0, None, problem)]
    lines: list[int] = []
    offsets: list[int] = []
    sizes: list[int] = []
    raws: list[_Raw] = []
    offset = block.offset
    for number, raw in enumerate(io.BytesIO(data), start=block.line):
        if raw.strip():
            fields, problem = _parse_json(raw, block.file, number)
            lines.append(number)
            offsets.append(offset)
            sizes.append(len(raw))
            raws.append(_Raw(block.file, number, len(raws), fields, problem))
        offset += len(raw)
    return lines, offsets, sizes, raws


def _brief(raw: _Raw, cfg: ReadConfig, file_has_text: bool) -> tuple[Check, str]:
    problem, doc_id, text = _check(raw, cfg, file_has_text)
    return (problem, doc_id, not problem and not text.strip()), text


def _is_document(check: Check, cfg: ReadConfig) -> bool:
    problem, _, empty = check
    return not problem and (not empty or cfg.on_empty == "keep")


def _slim(raw: _Raw, doc_id: str, text: str, cfg: ReadConfig) -> Slim:
    fields = raw.fields or {}
    return (
        doc_id,
        text,
        _optional(fields, cfg.date_field),
        _optional(fields, cfg.source_field),
        _optional(fields, cfg.url_field),
        _optional(fields, cfg.title_field),
    )


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
    """The driver's part of reading: what needs every record before, in input order.

    Attributes:
        cfg: The field mapping and what to do with bad or empty records.
        keep: Whether to keep skips, origins and spans (the fingerprint pass), or only
            to check (the survey pass).
        ids: Ids taken so far, with where.
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

    def block(self, checked: CheckedBlock) -> list[int]:
        """Settle a block's records, in order; return the documents among them.

        Raises:
            InputError: A bad record with ``on_error="fail"``, or an empty text with
                ``on_empty="fail"``, the first in input order.
        """
        file = checked.block.file
        base = self.records.get(file, 0) if checked.block.offset else 0  # a file given twice
        had = file in self.files_with_text
        alternatives = checked.alternatives if had else {}
        ids, lines = self.ids, checked.lines
        taken: list[int] = []
        named: list[str] = []
        for i, check in enumerate(checked.checks):
            problem, doc_id, empty = alternatives.get(i, check)
            line = lines[i]
            if not problem and doc_id is not None and not empty and doc_id not in ids:
                ids[doc_id] = f"{file} line {line}" if line else file  # as _finish takes it
                taken.append(i)
                named.append(doc_id)
                continue
            record = -1 if checked.block.problem else base + i
            raw = _Raw(file, line, record, None)
            skip = _finish(raw, problem, doc_id, empty, self.cfg, ids)
            if skip is not None:
                if self.keep:
                    self.skipped.append(skip)
                continue
            taken.append(i)
            named.append(doc_id or "")  # _finish skipped every record without an id
        if self.keep:
            self._keep(checked, taken, named, base)
        if checked.has_text:
            self.files_with_text.add(file)
        self.records[file] = base + len(checked.checks)
        return taken

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
    raw = _Raw(origin.file, origin.line, origin.record, fields, problem)
    _, doc_id, text = _check(raw, cfg, True)
    return _document(raw, doc_id or "", text, cfg)
