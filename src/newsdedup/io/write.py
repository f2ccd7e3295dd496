"""Write tables, JSON, the cleaned corpus and the whole output folder, atomically.

Every file is written to a temporary sibling and moved into place with ``os.replace``;
the output folder as a whole is built in a temporary sibling folder and moved into place
at the end (:func:`atomic_output_dir`), so an interrupted run leaves no partial result;
what a killed run leaves beside it, the next run removes (:mod:`newsdedup.io.leftovers`).
The same data always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from itertools import compress, islice
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import numpy as np

from newsdedup.config import Config, ReadConfig
from newsdedup.data import DedupResult, Match, Origin, Skip, level_of
from newsdedup.errors import InputError, OutputError
from newsdedup.io.inputs import codec, open_writer, shown
from newsdedup.io.leftovers import remove_dead_siblings
from newsdedup.io.read import (
    csv_rows,
    delimiter_of,
    detect_format,
    json_items,
    jsonl_lines,
    parquet_batches,
    txt_files,
)
from newsdedup.stages.cluster import gc_paused

MANIFEST = "manifest.json"

CLUSTER_COLUMNS = (
    "doc_id",
    "cluster_id",
    "is_representative",
    "cluster_size",
    "jaccard",
    "containment",
    "match_kind",
    "level",
    "similarity",
    "matched_to",
    "file",
    "line",
)
PAIR_COLUMNS = (
    "doc_a",
    "doc_b",
    "match_kind",
    "level",
    "score",
    "jaccard",
    "containment",
    "similarity",
    "days",
    "same_cluster",
    "shared_words",
    "longest_passage",
    "found_in",
    "passages",
)
BOILERPLATE_COLUMNS = ("source", "text", "count")
SKIP_COLUMNS = ("file", "line", "doc_id", "reason")

Rows = Sequence[Mapping[str, Any]]


# ---------------------------------------------------------------- atomic files


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds."""
    tmp = path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_stream(path: Path, *, gz: bool = False, packed: str = "") -> Iterator[IO[bytes]]:
    """Yield a binary stream whose bytes land in ``path`` atomically.

    ``gz`` (or ``packed=".gz"``) gzips with mtime 0; ``packed`` may also be ``.bz2``,
    ``.xz`` or ``.zst`` (see :func:`newsdedup.io.inputs.open_writer`).
    """
    packed = ".gz" if gz else packed
    with atomic_file(path) as tmp, open(tmp, "xb") as raw, open_writer(raw, packed) as out:
        yield out


# ---------------------------------------------------------------- tables and JSON


def write_table(
    rows: Sequence[Mapping[str, Any]], path: Path, fmt: str, columns: Sequence[str]
) -> Path:
    """Write ``rows`` as a CSV, JSONL or Parquet table, with deterministic bytes.

    CSV writes floats as ``f"{x:.6f}"``, booleans as ``true``/``false`` and ``None`` as
    an empty field; JSONL rounds floats to 6 decimals; Parquet infers the schema from
    the values (every column is ``string`` when there are no rows).

    Args:
        rows: The rows; a key missing from a row is written as null.
        path: Where to write; its suffix is replaced by ``.<fmt>``.
        fmt: ``csv``, ``jsonl`` or ``parquet``.
        columns: The columns, in order; other keys of the rows are ignored.

    Returns:
        The path written.

    Raises:
        OutputError: ``fmt`` is unknown or the file cannot be written.
    """
    writers: dict[str, Callable[[Rows, Path, Sequence[str]], None]] = {
        "csv": _write_csv_table,
        "jsonl": _write_jsonl_table,
        "parquet": _write_parquet_table,
    }
    if fmt not in writers:
        raise OutputError(f"unknown table format {fmt!r}; use csv, jsonl or parquet")
    target = path.with_suffix("." + fmt)
    with atomic_file(target) as tmp:
        writers[fmt](rows, tmp, columns)
    return target


def write_columns(
    columns: Mapping[str, Sequence[Any]], path: Path, fmt: str, names: Sequence[str]
) -> Path:
    """Write a table held as columns: the same bytes as :func:`write_table` of its rows.

    CSV is written column by column (each column formatted in one pass, no record per
    row); JSONL and Parquet take the rows.

    Args:
        columns: Values by column name, every column as long; a missing column is null.
        path: Where to write; its suffix is replaced by ``.<fmt>``.
        fmt: ``csv``, ``jsonl`` or ``parquet``.
        names: The columns, in order.

    Returns:
        The path written.

    Raises:
        OutputError: ``fmt`` is unknown or the file cannot be written.
    """
    length = len(next(iter(columns.values()), ()))
    values = [columns.get(name, [None] * length) for name in names]
    if fmt != "csv":
        rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
        return write_table(rows, path, fmt, names)
    cells = [_csv_column(column) for column in values]
    target = path.with_suffix(".csv")
    with atomic_file(target) as tmp, open(tmp, "x", encoding="utf-8", newline="") as handle:
        if len(names) > 1 and not any(map(_needs_quotes, [names, *cells])):
            # No cell needs quoting: the csv module would write each row joined by commas.
            lines = map(",".join, zip(*cells, strict=True))
            handle.write(",".join(names) + "\n")
            while chunk := list(islice(lines, 1 << 16)):
                handle.write("\n".join(chunk) + "\n")
        else:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(names)
            writer.writerows(zip(*cells, strict=True))
    return target


_CSV_FORMATS: dict[type, Callable[[Any], str]] = {
    str: str,
    int: str,
    float: "{:.6f}".format,
    bool: {True: "true", False: "false"}.__getitem__,
}


def _needs_quotes(cells: Sequence[str]) -> bool:
    """Whether the csv module would quote any of ``cells`` (a delimiter, quote or newline)."""
    text = "\x00".join(cells)
    return any(special in text for special in ',"\r\n')


def _csv_column(values: Sequence[Any]) -> Sequence[str]:
    """``[_csv_cell(v) for v in values]``, in one pass when the column holds one type.

    Floats are formatted once per distinct value (scores repeat a lot), zeros one by one
    (0.0 and -0.0 are one key but two texts).
    """
    kinds = set(map(type, values))
    nullable = type(None) in kinds
    kinds.discard(type(None))
    if len(kinds) != 1 or (kind := kinds.pop()) not in _CSV_FORMATS:
        return [_csv_cell(value) for value in values]
    cell = _CSV_FORMATS[kind]
    if kind is float:
        text = {value: cell(value) for value in set(values) if value}
        return ["" if v is None else text[v] if v else cell(v) for v in values]
    if nullable:
        return ["" if value is None else cell(value) for value in values]
    return values if kind is str else list(map(cell, values))


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _write_csv_table(rows: Rows, tmp: Path, columns: Sequence[str]) -> None:
    with open(tmp, "x", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(row.get(col)) for col in columns] for row in rows)


def _json_value(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def _write_jsonl_table(rows: Rows, tmp: Path, columns: Sequence[str]) -> None:
    with open(tmp, "x", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            record = {col: _json_value(row.get(col)) for col in columns}
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")


def _write_parquet_table(rows: Rows, tmp: Path, columns: Sequence[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if rows:
        table = pa.Table.from_pylist([{col: row.get(col) for col in columns} for row in rows])
    else:
        table = pa.table({col: pa.array([], pa.string()) for col in columns})
    pq.write_table(table, tmp)


def write_json(data: Any, path: Path) -> Path:
    """Write ``data`` as pretty JSON (indent 2, sorted keys, UTF-8, final newline), atomically.

    Returns:
        The path written.

    Raises:
        OutputError: The file cannot be written.
    """
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    with atomic_file(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return path


# ---------------------------------------------------------------- cleaned corpus


def write_corpus(
    paths: Sequence[str | Path], keep: Mapping[str, set[int]], out_dir: Path, cfg: ReadConfig
) -> list[Path]:
    """Write the kept records of each input, in the input's own format, to ``out_dir``.

    Each input is re-read, streaming, with the record counting of :mod:`newsdedup.io.read`,
    and the records whose index (``Origin.record``) is in ``keep[str(path)]`` are
    written: JSONL lines byte for byte (gzipped again with mtime 0 for ``.gz``), CSV rows
    under the same header, Parquet rows with the original schema, ``.txt`` files
    copied under ``out_dir/<folder name>/``. Every other record is dropped.

    Args:
        paths: The inputs, exactly as given to :func:`newsdedup.io.read.read`.
        keep: Record indices to keep, by input path string.
        out_dir: The folder to write to; made if missing.
        cfg: The read config (for ``format`` and ``on_error``).

    Returns:
        The file (or, for a folder input, folder) written per input, in input order.
        An input sharing its name with an earlier one is written as ``2-<name>``,
        ``3-<name>``, ...

    Raises:
        InputError: An input cannot be re-read (with ``on_error="skip"``, a file that
            breaks off, e.g. truncated gzip, is written up to the break instead).
        OutputError: A file cannot be written.
    """
    writers: dict[str, Callable[[Path, set[int], Path, ReadConfig], Path | None]] = {
        "jsonl": _copy_jsonl,
        "json": _copy_json,
        "csv": _copy_csv,
        "tsv": _copy_csv,
        "parquet": _copy_parquet,
        "txt": _copy_txt,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, name in zip(paths, _output_names(paths), strict=True):
        fmt = detect_format(Path(path), cfg)
        done = writers[fmt](Path(path), set(keep.get(str(path), ())), out_dir / name, cfg)
        written += [done] if done else []
    return written


def _output_names(paths: Sequence[str | Path]) -> list[str]:
    """File names for the inputs: their own, with ``2-``, ``3-``, ... on repeats."""
    used: set[str] = set()
    names = []
    for path in paths:
        base = Path(path).name or Path(path).resolve().name or "corpus"
        name, count = base, 1
        while name in used:
            count += 1
            name = f"{count}-{base}"
        used.add(name)
        names.append(name)
    return names


@contextmanager
def _tolerant(cfg: ReadConfig) -> Iterator[None]:
    """Stop copying a file that breaks off when bad records are skipped, as read() did."""
    try:
        yield
    except InputError:
        if cfg.on_error == "fail":
            raise


def _copy_jsonl(src: Path, kept: set[int], dest: Path, cfg: ReadConfig) -> Path:
    if not codec(src.name):
        # If the file cannot be read, the copy line by line says where and why.
        with suppress(_Unreadable):
            return _copy_jsonl_blocks(src, kept, dest)
    with atomic_stream(dest, packed=codec(src.name)) as out, _tolerant(cfg):
        for _line, record, raw in jsonl_lines(src):
            if record in kept:
                out.write(raw)
    return dest


def _copy_json(src: Path, kept: set[int], dest: Path, cfg: ReadConfig) -> Path:
    """Copy the kept items of a JSON array file, each as written, as one array."""
    with atomic_stream(dest, packed=codec(src.name)) as out:
        out.write(b"[")
        first = True
        for _line, record, raw, _value in json_items(src):
            if record in kept:
                out.write(b"\n" if first else b",\n")
                out.write(raw.encode("utf-8"))
                first = False
        out.write(b"\n]\n")
    return dest


class _Unreadable(Exception):
    """The input could not be opened or read (raised past :func:`atomic_file`)."""


def _copy_jsonl_blocks(src: Path, kept: set[int], dest: Path, *, block: int = 1 << 24) -> Path:
    """Copy the kept records of an uncompressed JSONL file, reading it in blocks.

    The records are those of :func:`newsdedup.io.read.jsonl_lines`, which the copy line by
    line reads: the non-blank lines (split at newlines), counted from 0. Each kept line is
    written byte for byte, its newline too (the last line may have none). Lines are found
    with numpy in each block and runs of kept lines written as slices of it, so no line
    becomes an object of its own.

    Raises:
        _Unreadable: ``src`` cannot be opened or read.
        OutputError: ``dest`` cannot be written.
    """
    wanted = np.zeros(max(kept, default=-1) + 1, dtype=bool)
    wanted[list(kept)] = True
    try:
        handle = open(src, "rb")  # noqa: SIM115 - closed below; an error here is _Unreadable
    except OSError as exc:
        raise _Unreadable from exc
    record, rest = 0, b""
    with handle, atomic_stream(dest) as out:
        for chunk in _blocks(handle, block):
            data = rest + chunk
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE) + 1
            last = int(ends[-1]) if ends.size else 0
            record = _write_kept(out, data, ends, record, wanted)
            rest = data[last:]
        if rest:
            _write_kept(out, rest, np.array([len(rest)]), record, wanted)
    return dest


_NEWLINE = ord("\n")
_BLANK = np.zeros(256, dtype=bool)
_BLANK[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.strip() removes


def _write_kept(
    out: IO[bytes], data: bytes, ends: np.ndarray, record: int, wanted: np.ndarray
) -> int:
    """Write the kept lines of ``data`` (each ends at one of ``ends``); return the next record.

    A line is blank when it is empty or starts with white space and strips to nothing
    (checked one by one: JSON lines start with a brace).
    """
    if not ends.size:
        return record
    ends = ends.astype(np.int64)
    starts = np.concatenate(([0], ends[:-1]))
    head = np.frombuffer(data, dtype=np.uint8)[np.minimum(starts, len(data) - 1)]
    doubtful = np.flatnonzero((starts == ends) | _BLANK[head])
    filled = np.ones(starts.size, dtype=bool)
    filled[doubtful] = [bool(data[starts[i] : ends[i]].strip()) for i in doubtful.tolist()]
    number = record + np.cumsum(filled) - 1
    take = filled & (number < wanted.size)
    take[take] = wanted[number[take]]
    edges = np.flatnonzero(np.diff(np.concatenate(([False], take, [False])).astype(np.int8)))
    view = memoryview(data)
    for first, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        out.write(view[starts[first] : ends[stop - 1]])
    return record + int(filled.sum())


def _blocks(handle: IO[bytes], size: int) -> Iterator[bytes]:
    while True:
        try:
            chunk = handle.read(size)
        except OSError as exc:
            raise _Unreadable from exc
        if not chunk:
            return
        yield chunk


def _copy_csv(src: Path, kept: set[int], dest: Path, cfg: ReadConfig) -> Path:
    delimiter = delimiter_of(src, detect_format(src, cfg), cfg)
    with atomic_stream(dest, packed=codec(src.name)) as out:
        # surrogateescape gives back the original bytes of any field read that way.
        text = io.TextIOWrapper(out, encoding="utf-8", errors="surrogateescape", newline="")
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
        with _tolerant(cfg):
            for _line, record, row in csv_rows(src, delimiter):
                if (record < 0 or record in kept) and not isinstance(row, str):
                    writer.writerow(row)
        text.flush()
        text.detach()
    return dest


def _copy_parquet(src: Path, kept: set[int], dest: Path, cfg: ReadConfig) -> Path | None:
    """Copy the kept rows, streaming batch by batch, under the file's own schema.

    A file that cannot be opened at all is not written when bad records are skipped.
    """
    import pyarrow.parquet as pq

    schema = _parquet_schema(src, cfg)
    if schema is None:
        return None
    with atomic_file(dest) as tmp, pq.ParquetWriter(tmp, schema) as writer, _tolerant(cfg):
        for table in _kept_tables(src, kept):
            writer.write_table(table)
    return dest


def _kept_tables(src: Path, kept: set[int]) -> Iterator[Any]:
    import pyarrow as pa

    start = 0
    for batch in parquet_batches(src):
        rows = [i - start for i in range(start, start + batch.num_rows) if i in kept]
        start += batch.num_rows
        if rows:
            yield pa.Table.from_batches([batch.take(pa.array(rows, pa.int64()))])


def _parquet_schema(src: Path, cfg: ReadConfig) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(src).schema_arrow
    except (OSError, pa.ArrowException) as exc:
        if cfg.on_error == "skip":
            return None
        raise InputError(f"{src} is not a readable Parquet file ({exc}).", file=str(src)) from None


def _copy_txt(src: Path, kept: set[int], dest: Path, cfg: ReadConfig) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for record, name in enumerate(txt_files(src)):
        if record in kept:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_stream(target) as out:
                out.write((src / name).read_bytes())
    return dest


# ---------------------------------------------------------------- the output folder


@contextmanager
def atomic_output_dir(out: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``out`` when the block succeeds.

    The temporary folder is ``out.parent / ".<name>.tmp-<pid>"``. On success it is moved
    into place: an existing ``out`` must be empty or hold an earlier run (a
    ``manifest.json``), which is moved aside, replaced and then deleted. On an
    exception the temporary folder is removed and the exception propagates, so ``out``
    never holds a half-written result.

    Raises:
        OutputError: ``out`` exists and is neither empty nor an earlier run's output, or
            cannot be written.
    """
    _check_replaceable(out)
    tmp = _fresh_sibling(out, "tmp")
    try:
        yield tmp
        _install(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fresh_sibling(out: Path, kind: str) -> Path:
    """An empty hidden folder beside ``out``, ``.<name>.<kind>-<pid>``.

    Raises:
        OutputError: It cannot be made.
    """
    folder = out.parent / f".{out.name}.{kind}-{os.getpid()}"
    remove_dead_siblings(out)  # what runs that were killed left beside it (issue 14)
    try:
        shutil.rmtree(folder, ignore_errors=True)  # left over by a killed run with our pid
        folder.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    return folder


def _check_replaceable(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} exists and is a file, not a folder; choose another -o")
    if any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise OutputError(
            f"{out} exists and is not a newsdedup output (it has files but no {MANIFEST}); "
            "choose another -o, or empty the folder"
        )


def _install(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an earlier run at ``out`` goes aside first, then is deleted."""
    _check_replaceable(out)
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
    except OSError as exc:
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise OutputError(f"cannot move the results into {out}: {exc.strerror or exc}") from None
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- everything a run writes


def write_outputs(
    result: DedupResult,
    inputs: Sequence[str | Path],
    origins: Mapping[str, Origin],
    out: Path,
    config: Config,
    *,
    timings: Mapping[str, float] | None = None,
    cleaned: Future[Path] | None = None,
    given: Sequence[str] | None = None,
) -> list[str]:
    """Write a run's output folder atomically: tables, cleaned corpus and manifest.

    The folder gets ``clusters``, ``pairs`` and ``skipped`` tables (in
    ``config.write.format``), the cleaned corpus under ``cleaned/``, ``manifest.json``
    and, when ``timings`` is given, ``timings.json``.

    Args:
        result: What the run found.
        inputs: The inputs, exactly as read.
        origins: Where each document id was read from.
        out: The output folder.
        config: The run's configuration.
        timings: Seconds per stage, if known.
        cleaned: The cleaned corpus already being written (see :func:`cleaned_early`),
            to be moved in rather than written here.
        given: The inputs as the caller named them, for the manifest, when ``inputs``
            are local copies of them (standard input, URLs); default ``inputs``.

    Returns:
        The paths written, relative to ``out``, as POSIX strings, sorted.

    Raises:
        OutputError: ``out`` cannot be written (see :func:`atomic_output_dir`).
        InputError: An input cannot be re-read for the cleaned corpus.
    """
    with atomic_output_dir(out) as tmp, gc_paused():
        fmt = config.write.format
        write_columns(cluster_columns(result, origins), tmp / "clusters", fmt, CLUSTER_COLUMNS)
        write_columns(pair_columns(result), tmp / "pairs", fmt, PAIR_COLUMNS)
        skipped = [_skip_row(skip) for skip in result.skipped]
        write_table(skipped, tmp / "skipped", fmt, SKIP_COLUMNS)
        furniture = [dict(zip(BOILERPLATE_COLUMNS, row, strict=True)) for row in result.boilerplate]
        write_table(furniture, tmp / "boilerplate", fmt, BOILERPLATE_COLUMNS)
        if cleaned is None:
            write_corpus(inputs, _keep(result, origins), tmp / "cleaned", config.read)
        else:
            _moved(cleaned.result(), tmp / "cleaned")
        if timings is not None:
            write_json(dict(timings), tmp / "timings.json")
        write_json(_manifest(result, inputs, config, given), tmp / MANIFEST)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
    return files


@contextmanager
def cleaned_early(
    result: DedupResult,
    inputs: Sequence[str | Path],
    origins: Mapping[str, Origin],
    out: Path,
    config: Config,
) -> Iterator[Future[Path]]:
    """Write the cleaned corpus in a thread while the block runs; yield the folder to come.

    Which documents are kept is settled once documents are grouped; the evidence that
    follows changes no grouping. Copying the kept records (3 GB for a million articles)
    waits mostly on the disk, so it runs beside the alignment rather than after it. The
    copy goes to a staging folder beside ``out`` (``.<name>.cleaned-<pid>``), which
    :func:`write_outputs` moves into the output; whatever happens, the thread is waited
    for and the staging folder removed on the way out.

    Raises:
        OutputError: The staging folder cannot be made.
    """
    from concurrent.futures import ThreadPoolExecutor

    staging = _fresh_sibling(out, "cleaned")
    keep = _keep(result, origins)

    def copy() -> Path:
        write_corpus(inputs, keep, staging / "cleaned", config.read)
        return staging / "cleaned"

    pool = ThreadPoolExecutor(1)
    try:
        yield pool.submit(copy)
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(staging, ignore_errors=True)


def _moved(folder: Path, to: Path) -> None:
    try:
        os.replace(folder, to)
    except OSError as exc:
        raise OutputError(f"cannot write {to}: {exc.strerror or exc}") from None


def cluster_columns(result: DedupResult, origins: Mapping[str, Origin]) -> dict[str, list[Any]]:
    """The clusters table's columns (:data:`CLUSTER_COLUMNS`), a list of values each."""
    rows = result.assignments

    def column(name: str) -> list[Any]:
        return list(map(attrgetter(name), rows))

    doc_ids = column("doc_id")
    found = list(map(origins.get, doc_ids))
    return {
        "doc_id": doc_ids,
        "cluster_id": column("cluster_id"),
        "is_representative": column("is_representative"),
        "cluster_size": column("cluster_size"),
        "jaccard": column("jaccard"),
        "containment": column("containment"),
        "match_kind": column("kind"),
        "level": list(map(level_of, column("kind"))),
        "similarity": column("similarity"),
        "matched_to": column("matched_to"),
        "file": [shown(origin.file) if origin else None for origin in found],
        "line": [origin.line if origin else None for origin in found],
    }


def pair_columns(result: DedupResult) -> dict[str, list[Any]]:
    """Every pair with its scores and its evidence; passages as ``[[a0, a1, b0, b1], ...]``."""
    matches = result.matches
    rows = result.assignments
    cluster_of = dict(
        zip(map(attrgetter("doc_id"), rows), map(attrgetter("cluster_id"), rows), strict=True)
    )
    evidence = [_evidence(m) if m.passages or m.kind != "exact" else _NO_EVIDENCE for m in matches]
    columns = [list(column) for column in zip(*evidence, strict=True)] or [[], [], [], []]
    shared, longest, found_in, passages = columns
    return {
        "doc_a": [m.a for m in matches],
        "doc_b": [m.b for m in matches],
        "match_kind": [m.kind for m in matches],
        "level": [m.level for m in matches],
        "score": [m.score for m in matches],
        "jaccard": [m.jaccard for m in matches],
        "containment": [m.containment for m in matches],
        "similarity": [1.0 if m.kind == "exact" else m.similarity for m in matches],
        "days": [m.days for m in matches],
        "same_cluster": [cluster_of.get(m.a) == cluster_of.get(m.b) for m in matches],
        "shared_words": shared,
        "longest_passage": longest,
        "found_in": found_in,
        "passages": passages,
    }


_NO_EVIDENCE = (0, 0, None, "")


def _evidence(m: Match) -> tuple[int, int, int | None, str]:
    """Shared words, longest passage, rarest passage's document count, passages as JSON."""
    spans = [[p.a_start, p.a_end, p.b_start, p.b_end] for p in m.passages]
    return (
        sum(p.words for p in m.passages),
        max((p.words for p in m.passages), default=0),
        min((p.found_in for p in m.passages), default=None),
        json.dumps(spans, separators=(",", ":")) if m.kind != "exact" else "",
    )


def _skip_row(skip: Skip) -> dict[str, Any]:
    return {
        "file": shown(skip.file),
        "line": skip.line,
        "doc_id": "" if skip.doc_id is None else skip.doc_id,
        "reason": shown(skip.reason),
    }


def _keep(result: DedupResult, origins: Mapping[str, Origin]) -> dict[str, set[int]]:
    rows = result.assignments
    kept = compress(map(attrgetter("doc_id"), rows), map(attrgetter("is_representative"), rows))
    found = [origin for origin in map(origins.get, kept) if origin is not None]
    files = set(map(attrgetter("file"), found))
    if len(files) == 1:  # one input: no grouping by file
        return {files.pop(): set(map(attrgetter("record"), found))}
    keep: dict[str, set[int]] = {}
    for origin in found:
        keep.setdefault(origin.file, set()).add(origin.record)
    return keep


def _manifest(
    result: DedupResult,
    inputs: Sequence[str | Path],
    config: Config,
    given: Sequence[str] | None = None,
) -> dict[str, Any]:
    from newsdedup import __version__
    from newsdedup.io.inputs import stamp

    named = [str(path) for path in (inputs if given is None else given)]
    return {
        "newsdedup": __version__,
        "python": sys.version.split()[0],
        "libraries": _library_versions(),
        "inputs": named,
        "input_stamps": [
            stamp(Path(local)) if str(local) == name else None
            for local, name in zip(inputs, named, strict=True)
        ],
        "config": config.to_dict(),
        "stats": dict(result.stats),
    }


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in ("datasketch", "numpy", "pyarrow", "xxhash"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions
